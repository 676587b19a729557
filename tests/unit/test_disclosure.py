"""The AI-disclosure label without a chain: consistency rules per level, the compact text
form (grammar and round trip), and the IPTC digital source type of each level."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightsledger.disclosure import (
    AI_IDEATION_ONLY_TERM,
    IPTC_DIGITAL_SOURCE_TYPE,
    Disclosure,
    DisclosureLevel,
    Phase,
    disclosure_from_source_type,
    parse_label,
    phases_from_mask,
    phases_mask,
)
from rightsledger.errors import ValidationError

IPTC = IPTC_DIGITAL_SOURCE_TYPE

VALID = [
    ("human-made", [], IPTC + "digitalCreation"),
    ("ai-assisted-ideation", ["ideation"], AI_IDEATION_ONLY_TERM),
    ("ai-assisted-production", ["drafting", "translation"], IPTC + "compositeWithTrainedAlgorithmicMedia"),
    ("ai-assisted-production", ["post-production"], IPTC + "algorithmicallyEnhanced"),
    ("ai-assisted-production", ["ideation", "post-production"], IPTC + "algorithmicallyEnhanced"),
    ("ai-generated-human-edited", ["production"], IPTC + "compositeWithTrainedAlgorithmicMedia"),
    ("ai-generated", [], IPTC + "trainedAlgorithmicMedia"),
    ("ai-generated", ["production", "voice-performance"], IPTC + "trainedAlgorithmicMedia"),
]


@pytest.mark.parametrize(("level", "phases", "source_type"), VALID)
def test_each_level_accepts_consistent_phases_and_maps_to_its_iptc_source_type(level, phases, source_type) -> None:
    label = Disclosure.create(level, phases, "Tool A")
    assert label.level is DisclosureLevel(level)
    assert {p.value for p in label.phases} == set(phases)
    assert label.iptc_digital_source_type == source_type
    assert Disclosure.from_text(label.to_text()) == label


@pytest.mark.parametrize(
    ("level", "phases", "message"),
    [
        ("human-made", ["ideation"], "a human-made work names no AI phases (got: ideation)"),
        ("ai-assisted-ideation", [], "ideation phase only (got: none)"),
        ("ai-assisted-ideation", ["ideation", "drafting"], "ideation phase only (got: ideation, drafting)"),
        ("ai-assisted-production", [], "at least one phase besides ideation"),
        ("ai-assisted-production", ["ideation"], "at least one phase besides ideation"),
        ("ai-made", [], "unknown disclosure level 'ai-made'"),
        ("ai-generated", ["dreaming"], "unknown phase 'dreaming'"),
    ],
)
def test_inconsistent_or_unknown_labels_are_refused_with_a_clear_message(level, phases, message) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Disclosure.create(level, phases)


def test_text_form_follows_the_documented_grammar() -> None:
    label = Disclosure.create("ai-assisted-production", ["post-production", "drafting"], "GPT-4o; Photoshop 100%")
    assert label.to_text() == "ai-assisted-production/drafting+post-production;tools=GPT-4o%3B Photoshop 100%25"
    assert Disclosure.create("human-made").to_text() == "human-made"
    assert parse_label("ai-generated;tools=https://example.org/tools.json").tools == "https://example.org/tools.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a disclosure label"),
        ("ai-generated/production;tools=a;b", "is not a disclosure label"),
        ("ai-generated/production+production", "names a phase twice"),
        ("ai-generated;tools=50%", "must start an escape"),
        ("ai-generated;tools=%FF", "not UTF-8"),
        ("human-made/ideation", "names no AI phases"),
        ("machine-made", "unknown disclosure level"),
    ],
)
def test_malformed_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_label(text)


def test_tools_may_not_hold_line_breaks() -> None:
    with pytest.raises(ValidationError, match="control characters"):
        Disclosure.create("ai-generated", [], "line one\nline two")


def test_phase_bits_match_the_contract() -> None:
    assert [p.bit for p in Phase] == [1, 2, 4, 8, 16, 32]
    assert phases_mask({Phase.DRAFTING, Phase.VOICE_PERFORMANCE}) == 34
    assert phases_from_mask(34) == {Phase.DRAFTING, Phase.VOICE_PERFORMANCE}
    with pytest.raises(ValidationError):
        phases_from_mask(64)
    assert [level.code for level in DisclosureLevel] == [1, 2, 3, 4, 5]


_PHASE_SETS = st.frozensets(st.sampled_from(list(Phase)))
_TOOLS = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60).map(str.strip)


@st.composite
def labels(draw: st.DrawFn) -> Disclosure:
    level = draw(st.sampled_from(list(DisclosureLevel)))
    if level is DisclosureLevel.HUMAN_MADE:
        phases: frozenset[Phase] = frozenset()
    elif level is DisclosureLevel.AI_ASSISTED_IDEATION:
        phases = frozenset({Phase.IDEATION})
    elif level is DisclosureLevel.AI_ASSISTED_PRODUCTION:
        phases = draw(_PHASE_SETS.filter(lambda s: bool(s - {Phase.IDEATION})))
    else:
        phases = draw(_PHASE_SETS)
    return Disclosure(level, phases, draw(_TOOLS))


@given(labels())
def test_text_form_round_trips_through_the_parser(label: Disclosure) -> None:
    text = label.to_text()
    assert parse_label(text) == label
    assert parse_label(text).to_text() == text
    assert "\n" not in text and text.count(";") <= 1


@pytest.mark.parametrize(
    ("source_type", "level"),
    [
        ("digitalCapture", "human-made"),
        ("negativeFilm", "human-made"),
        ("digitalArt", "human-made"),
        ("trainedAlgorithmicMedia", "ai-generated"),
        ("compositeWithTrainedAlgorithmicMedia", "ai-assisted-production"),
        ("algorithmicallyEnhanced", "ai-assisted-production"),
    ],
)
def test_iptc_source_types_read_back_as_the_label_they_imply(source_type: str, level: str) -> None:
    label = disclosure_from_source_type(IPTC + source_type)
    assert label is not None and label.level is DisclosureLevel(level)
    assert disclosure_from_source_type(IPTC + "algorithmicMedia") is None
    assert disclosure_from_source_type(AI_IDEATION_ONLY_TERM).level is DisclosureLevel.AI_ASSISTED_IDEATION  # type: ignore[union-attr]
