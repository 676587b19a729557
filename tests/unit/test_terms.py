"""Terms: rules, terms files, presets and the policy tuple, without a chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightsledger import PRESETS, Mode, Rule, Terms, Use
from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.terms import MAX_TIME


def test_rule_rejects_inconsistent_terms() -> None:
    with pytest.raises(ValueError, match="deny rule"):
        Rule(mode=Mode.DENY, attribution=True)
    with pytest.raises(ValueError, match="fee needs mode 'licence'"):
        Rule(mode=Mode.ALLOW, fee=5)
    with pytest.raises(ValueError, match="at or before it starts"):
        Rule(mode=Mode.ALLOW, start=datetime(2027, 1, 2, tzinfo=UTC), end=datetime(2027, 1, 1, tzinfo=UTC))


def test_terms_file_errors_name_the_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        Terms.from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{rules:")
    with pytest.raises(ValidationError, match=r"broken\.json is not valid JSON"):
        Terms.from_file(broken)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"rules": {"painting": {"mode": "allow"}}}))
    with pytest.raises(ValidationError, match="unknown use 'painting'"):
        Terms.from_file(unknown)
    bad_mode = tmp_path / "mode.json"
    bad_mode.write_text(json.dumps({"rules": {"tdm": {"mode": "maybe"}}}))
    with pytest.raises(ValidationError, match="unknown mode 'maybe'"):
        Terms.from_file(bad_mode)


def test_terms_file_round_trips(tmp_path: Path) -> None:
    terms = Terms(
        rules={
            Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee="0.01 ether"),
            Use.PROMOTION: Rule(
                mode=Mode.ALLOW, start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2027, 2, 1, tzinfo=UTC)
            ),
        },
        expires=datetime(2030, 1, 1, tzinfo=UTC),
    )
    path = tmp_path / "terms.json"
    path.write_text(json.dumps(terms.to_json_dict()))
    assert Terms.from_file(path) == terms


def test_missing_rules_mean_deny_and_presets_never_assume_ai_consent() -> None:
    assert Terms().rule(Use.COMMERCIAL).mode is Mode.DENY
    for name, preset in PRESETS.items():
        for use in (Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING, Use.AI_INFERENCE):
            assert preset.rule(use).mode is Mode.DENY, f"{name} must not opt in to {use}"
    assert PRESETS["cc-by-nd"].rule(Use.DERIVATIVE).mode is Mode.DENY
    assert PRESETS["cc-by-sa"].rule(Use.DERIVATIVE).share_alike


times = st.one_of(st.none(), st.integers(min_value=1, max_value=MAX_TIME - 1))


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    mode = draw(st.sampled_from(list(Mode)))
    if mode is Mode.DENY:
        return Rule()
    start = draw(times)
    end = draw(times)
    if start and end and end <= start:
        start, end = end - 1 if end > 1 else None, start + 1
    as_dt = lambda t: None if not t else datetime.fromtimestamp(t, tz=UTC)  # noqa: E731
    return Rule(
        mode=mode,
        start=as_dt(start),
        end=as_dt(end),
        fee=draw(st.integers(0, 2**96 - 1)) if mode is Mode.LICENCE else 0,
        attribution=draw(st.booleans()),
        share_alike=draw(st.booleans()),
        revenue_share_bps=draw(st.integers(0, 10_000)),
    )


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(list(Use)), rules()), times)
def test_terms_round_trip_through_the_policy_tuple(rule_map: dict[Use, Rule], expires: int | None) -> None:
    terms = Terms(rules=rule_map, expires=datetime.fromtimestamp(expires, tz=UTC) if expires else None)
    back = Terms.from_policy(terms.as_policy())
    assert back.as_policy() == terms.as_policy()
    assert {u for u, r in back.rules.items()} == {u for u, r in terms.rules.items() if r.mode is not Mode.DENY}
