"""The AI Act training-content summary from declarations, their manifests' metadata, audits,
licences, violations and removal requests: JSON by section, the manifest extension (old
manifests still load), a standalone HTML page read back by an HTML parser, and a PDF read back
by pypdf."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from rightsledger.errors import ValidationError
from rightsledger.vocabulary import Use
from rightsledger.workflows.summary import (
    SCHEMA,
    TO_COMPLETE,
    AuditInput,
    DatasetMetadata,
    DeclarationInput,
    LicenceInput,
    Modality,
    ModelInput,
    ProviderInput,
    RemovalInput,
    SourceKind,
    SummaryInput,
    ViolationInput,
    dataset_metadata,
    size_range,
    todo_fields,
    top_domains,
    training_summary,
)
from rightsledger.workflows.summary_render import summary_html, summary_pdf
from rightsledger.workflows.transparency_report import write_summary

AT = datetime(2026, 3, 1, tzinfo=UTC)
CRAWL_HEADER = {
    "format": "rightsledger-dataset-manifest-v1",
    "use": "ai-generative-training",
    "root": "0x" + "11" * 32,
    "itemCount": 2_400_000,
    "metadata": {
        "name": "web images 2025",
        "modality": "image",
        "contentTypes": ["photographs", "illustrations"],
        "sourceKind": "crawled",
        "domains": {f"site{i}.example": 1000 - i for i in range(25)},
        "collectionPeriod": {"start": "2025-01-01", "end": "2025-09-30"},
        "crawlers": [{"name": "ExampleBot", "userAgent": "ExampleBot/2.0", "respects": ["robots.txt", "tdmrep"]}],
        "languages": ["en", "fr"],
    },
}
LICENSED_HEADER = {
    "format": "rightsledger-dataset-manifest-v1",
    "metadata": {
        "name": "museum collection",
        "modality": "image",
        "contentTypes": ["artworks"],
        "sourceKind": "licensed",
        "licensor": "Example Museum",
        "collectionPeriod": {"end": "2025-11-15"},
    },
}
TEXT_HEADER = {"metadata": {"modality": "text", "sourceKind": "public-dataset", "size": 3.2e11, "name": "open books"}}


def declaration(dataset_id: int, header: dict[str, Any], items: int) -> DeclarationInput:
    return DeclarationInput(
        dataset_id=dataset_id,
        root="0x" + f"{dataset_id:02x}" * 32,
        item_count=items,
        use=Use.AI_GENERATIVE_TRAINING,
        declared_at=AT,
        declarer="0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        manifest_uri=f"file:///data/ds{dataset_id}.manifest.json",
        metadata=dataset_metadata(header),
    )


def summary_input(**overrides: Any) -> SummaryInput:
    values: dict[str, Any] = {
        "provider": ProviderInput("Example AI", contact="ai-office@example.ai"),
        "model": ModelInput("example-diffusion", "2.1", placed_on_market=date(2026, 4, 1)),
        "declarations": [
            declaration(1, CRAWL_HEADER, 2_400_000),
            declaration(2, LICENSED_HEADER, 5_000),
            declaration(3, TEXT_HEADER, 90_000),
            declaration(4, {"format": "rightsledger-dataset-manifest-v1"}, 10),  # an old manifest
        ],
        "audits": [
            AuditInput(
                block=120,
                block_time=AT,
                use=Use.AI_GENERATIVE_TRAINING,
                items=2_400_000,
                counts={"cleared": 2_399_000, "needs-licence": 0, "denied": 1000, "unregistered": 0, "disputed": 0},
                dataset_id=1,
                opted_out_excluded=1000,
            ),
            AuditInput(
                block=95,
                block_time=AT,
                use=Use.AI_GENERATIVE_TRAINING,
                items=5_000,
                counts={"cleared": 4_000, "needs-licence": 1_000},
                dataset_id=2,
            ),
        ],
        "licences": [
            LicenceInput(
                licence_id=i,
                content_hash="0x" + "ab" * 32,
                use=Use.AI_GENERATIVE_TRAINING,
                price=10**16,
                block=100,
                dataset_id=2,
            )
            for i in range(1, 4)
        ],
        "violations": [ViolationInput(dataset_id=1, content_hash="0x" + "cd" * 32, block=300, answer="denied")],
        "removals": [
            RemovalInput(
                1,
                "0x" + "cd" * 32,
                requested_at=datetime(2026, 5, 1, tzinfo=UTC),
                acknowledged_at=datetime(2026, 5, 3, tzinfo=UTC),
            ),
            RemovalInput(1, "0x" + "ef" * 32, requested_at=datetime(2026, 5, 2, tzinfo=UTC)),
        ],
        "chain_id": 31337,
        "registry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    }
    values.update(overrides)
    return SummaryInput(**values)


GENERATED = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return training_summary(summary_input(), generated_at=GENERATED)


# ---------------------------------------------------------------------- manifest extension


def test_manifest_metadata_is_read_and_old_manifests_load_without_it() -> None:
    meta = dataset_metadata(CRAWL_HEADER)
    assert meta.modality is Modality.IMAGE and meta.source_kind is SourceKind.CRAWLED
    assert meta.collection_start == date(2025, 1, 1) and meta.collection_end == date(2025, 9, 30)
    assert meta.crawlers[0].respects == ("robots.txt", "tdmrep") and meta.domains["site0.example"] == 1000
    assert dataset_metadata({"format": "rightsledger-dataset-manifest-v1", "items": []}) == DatasetMetadata()


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"modality": "smell"}, "modality 'smell'; expected one of: text, image"),
        ({"sourceKind": "stolen"}, "sourceKind 'stolen'; expected one of: public-dataset"),
        ({"colour": "red"}, "unknown keys colour"),
        ({"domains": {"a.example": -1}}, "must be a non-negative integer"),
        ({"collectionPeriod": {"start": "2025-05-01", "end": "2025-01-01"}}, "ends (2025-01-01) before it starts"),
        ({"collectionPeriod": {"start": "May"}}, "is not a date"),
        ({"crawlers": [{"userAgent": "x"}]}, 'objects with a "name"'),
        ("text", "must be a JSON object"),
    ],
)
def test_bad_manifest_metadata_is_one_clear_error(metadata: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dataset_metadata({"metadata": metadata})


# ---------------------------------------------------------------------- the JSON


def test_section1_general_information(summary: dict[str, Any]) -> None:
    s1 = summary["section1"]
    assert summary["schema"] == SCHEMA and summary["generatedAt"] == "2026-06-01T00:00:00Z"
    assert s1["provider"] == {
        "name": "Example AI",
        "contact": "ai-office@example.ai",
        "authorisedRepresentative": TO_COMPLETE,
    }
    assert s1["model"]["placedOnMarket"] == "2026-04-01" and s1["model"]["dependencies"] == TO_COMPLETE
    assert s1["modalities"] == ["image", "text"]
    assert s1["trainingDataSize"]["image"] == {
        "unit": "images",
        "range": "1 million to 1 billion images",
        "declaredItems": 2_405_000,
    }
    assert s1["trainingDataSize"]["text"]["range"] == "1 billion to 10 trillion tokens"  # 3.2e11 tokens stated
    assert s1["contentTypes"]["image"] == ["artworks", "illustrations", "photographs"]
    assert s1["latestDataCollection"] == "2025-11-15"
    assert s1["datasetsWithoutModality"] == [4]


def test_size_ranges_follow_the_template_buckets() -> None:
    assert size_range(Modality.TEXT, 5e8) == "less than 1 billion tokens"
    assert size_range(Modality.TEXT, 2e13) == "more than 10 trillion tokens"
    assert size_range(Modality.IMAGE, 999_999) == "less than 1 million images"
    assert size_range(Modality.AUDIO, 20_000) == "10,000 to 10 million hours"
    assert size_range(Modality.VIDEO, 5e6) == "more than 1 million hours"
    assert size_range(Modality.OTHER, 1) == TO_COMPLETE


def test_section2_sorts_sources_and_lists_the_top_tenth_of_crawled_domains(summary: dict[str, Any]) -> None:
    s2 = summary["section2"]
    crawl = s2["crawledData"]
    assert crawl["section"] == "2.3" and crawl["used"] is True
    assert [d["domain"] for d in crawl["topDomains"]] == [
        "site0.example",
        "site1.example",
        "site2.example",
    ]  # ceil(25 * 10%)
    assert crawl["collectionPeriod"] == {"start": "2025-01-01", "end": "2025-09-30"}
    assert crawl["crawlers"] == [
        {
            "name": "ExampleBot",
            "userAgent": "ExampleBot/2.0",
            "purpose": TO_COMPLETE,
            "respects": ["robots.txt", "tdmrep"],
        }
    ]
    (licensed,) = s2["privateDatasets"]["licensed"]["datasets"]
    assert licensed["licensor"] == "Example Museum"
    assert licensed["licencesBought"] == {
        "count": 3,
        "totalPaidWei": str(3 * 10**16),
        "totalPaid": "0.03 ETH",
        "uses": ["ai-generative-training"],
    }
    assert [d["name"] for d in s2["publicDatasets"]["datasets"]] == ["open books"]
    assert s2["userData"]["used"] == TO_COMPLETE  # the registry cannot know there was none
    assert [d["datasetId"] for d in s2["unclassified"]] == [4]


def test_top_domains_for_smes_is_five_percent_capped_at_a_thousand() -> None:
    sizes = {f"d{i}.example": i for i in range(30_000)}
    assert len(top_domains(sizes)) == 3000
    assert len(top_domains(sizes, sme=True)) == 1000
    assert top_domains({"a.example": 1, "b.example": 5})[0] == {"domain": "b.example", "size": 5}


def test_section3_states_the_measures_with_their_evidence(summary: dict[str, Any]) -> None:
    tdm = summary["section3"]["tdmReservations"]
    evidence = tdm["evidence"]
    assert [a["block"] for a in evidence["audits"]] == [95, 120]
    assert evidence["optedOutExcluded"] == 1000 and evidence["licencesBought"] == 3
    assert evidence["violations"] == [
        {"datasetId": 1, "contentHash": "0x" + "cd" * 32, "block": 300, "answer": "denied"}
    ]
    removals = evidence["removalRequests"]
    assert (removals["received"], removals["acknowledged"], removals["open"]) == (2, 1, 1)
    assert removals["medianDaysToAcknowledge"] == 2.0
    text = " ".join(tdm["measures"])
    assert "pinned to blocks 95, 120" in text and "chain 31337" in text
    assert "1000 work(s) whose holders opted out" in text and "3 licence(s)" in text and "0.03 ETH" in text
    assert "robots.txt, tdmrep" in text
    assert summary["section3"]["illegalContentRemoval"]["measures"] == TO_COMPLETE


def test_todo_fields_list_what_the_provider_must_fill_in(summary: dict[str, Any]) -> None:
    todo = todo_fields(summary)
    assert "section1.provider.authorisedRepresentative" in todo
    assert "section3.illegalContentRemoval.measures" in todo
    assert "section2.unclassified[0].modality" in todo
    assert "section1.provider.name" not in todo
    assert json.loads(json.dumps(summary)) == summary  # plain JSON


def test_summary_inputs_are_checked() -> None:
    with pytest.raises(ValidationError, match="at least one dataset declaration"):
        training_summary(summary_input(declarations=[]))
    with pytest.raises(ValidationError, match="model's name and version"):
        training_summary(summary_input(model=ModelInput("m", " ")))
    with pytest.raises(ValidationError, match="listed twice"):
        d = declaration(1, TEXT_HEADER, 1)
        training_summary(summary_input(declarations=[d, d]))


# ---------------------------------------------------------------------- HTML and PDF


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.todo = 0
        self.external: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._in = tag
            self.headings.append("")
        if values.get("class") == "todo":
            self.todo += 1
        if tag in ("script", "link", "img") or values.get("src"):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in:
            self.headings[-1] += data


def test_html_page_is_standalone_with_every_template_section(summary: dict[str, Any]) -> None:
    page = _Page()
    page.feed(summary_html(summary))
    assert page.headings[0] == "Public summary of training content: example-diffusion 2.1"
    headings = (
        "1. General information",
        "1.3 Modalities",
        "2.1 Publicly available",
        "2.2.1 Private datasets licensed",
        "2.3 Data crawled and scraped",
        "2.6 Other sources",
        "3.1 Respect of reservations",
        "3.2 Removal of illegal",
    )
    for heading in headings:
        assert any(h.startswith(heading) for h in page.headings), heading
    assert page.external == [] and page.todo >= len(todo_fields(summary)) // 2
    text = " ".join(page.text)
    assert "site0.example" in text and "Example Museum" in text and "ExampleBot/2.0" in text


def test_html_escapes_what_the_manifests_say() -> None:
    header = {"metadata": {"name": "<script>alert(1)</script>", "modality": "text", "sourceKind": "other"}}
    page = summary_html(training_summary(summary_input(declarations=[declaration(9, header, 1)])))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_pdf_renders_the_same_content() -> None:
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("fpdf")
    data = summary_pdf(training_summary(summary_input(), generated_at=GENERATED))
    assert data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    for expected in (
        "example-diffusion 2.1",
        "2. List of data sources",
        "site0.example",
        "Example Museum",
        TO_COMPLETE,
        "0.03 ETH",
    ):
        assert expected in text.replace("\n", " "), expected


def test_pdf_without_its_renderer_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from rightsledger.errors import ConfigError

    monkeypatch.setitem(sys.modules, "fpdf", None)
    with pytest.raises(ConfigError, match=r"pip install 'rightsledger\[summary-pdf\]'"):
        summary_pdf(training_summary(summary_input(), generated_at=GENERATED))


def test_a_folder_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("a file where the folder should go")
    with pytest.raises(ValidationError, match=rf"^cannot write the summary into {taken / 'sub'} \("):
        write_summary(summary_input(), taken / "sub")
