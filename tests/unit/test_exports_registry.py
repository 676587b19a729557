"""The one format registry: per-work formats render exactly what the CLI and gateway always
returned (the golden files pin the documents), set formats render the crawler signals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rightsledger import Terms
from rightsledger.disclosure import Disclosure
from rightsledger.errors import ValidationError
from rightsledger.exports import ExportRecord, tdm_declaration
from rightsledger.exports.registry import FORMATS, SIGNAL_FORMATS, ExportOptions, Scope, exporter, render
from rightsledger.exports.signals import SignalWork, robots_txt

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def record(rules: dict[str, Any], **kwargs: Any) -> ExportRecord:
    terms = Terms.model_validate({"rules": rules, "expires": kwargs.pop("expires", None)})
    defaults: dict[str, Any] = {
        "content_hash": "0x" + "ab" * 32,
        "chain_id": 31337,
        "registry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "holder": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "policy_id": 3,
        "terms": terms,
        "now": NOW,
    }
    return ExportRecord(**{**defaults, **kwargs})


# The record tests/test_exports.py pins in the golden files.
LULLABY = record(
    {
        "tdm": {"mode": "allow"},
        "ai-training": {"mode": "licence", "fee": "0.01 ether"},
        "promotion": {"mode": "allow", "attribution": True, "start": "2026-05-01", "end": "2026-07-01"},
        "derivative": {"mode": "allow", "share_alike": True, "revenue_share_bps": 1500},
    },
    expires="2030-01-01",
    disclosure=Disclosure.create("ai-assisted-ideation", ["ideation"], "a chatbot"),
)


def _golden_text(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("fmt", "golden", "options"),
    [
        ("odrl", "odrl-lullaby.json", ExportOptions()),
        ("cawg", "cawg-lullaby.json", ExportOptions()),
        ("erc7517", "erc7517-lullaby.json", ExportOptions(name="Lullaby for the North Sea")),
    ],
)
def test_per_work_formats_render_the_golden_documents(fmt: str, golden: str, options: ExportOptions) -> None:
    assert _golden_text(render(fmt, [SignalWork(LULLABY)], options)) == (GOLDEN / golden).read_text()


def test_tdm_policy_and_tdmrep_json_render_their_golden_documents() -> None:
    licensed = record({"tdm": {"mode": "licence", "fee": "250 gwei"}})
    options = ExportOptions(policy_url="https://provider.example/policies/1", contact_url="https://x/licensing")
    policy = render("tdm-policy", [SignalWork(licensed)], options)
    assert _golden_text(policy) == (GOLDEN / "tdm-policy-licensed.json").read_text()
    open_all = record(
        {"tdm": {"mode": "allow"}, "ai-training": {"mode": "allow"}, "ai-generative-training": {"mode": "allow"}}
    )
    works = [SignalWork(LULLABY, "/works/lullaby.txt"), SignalWork(open_all, "/works/open*.svg")]
    document = render("tdmrep.json", works, ExportOptions(policy_url="https://x/{hash}"))
    assert _golden_text(document) == (GOLDEN / "tdmrep-well-known.json").read_text()


def test_tdmrep_format_is_the_declaration_with_headers_and_meta() -> None:
    document = render("tdmrep", [SignalWork(LULLABY)], ExportOptions(policy_url="https://x/{hash}"))
    declaration = tdm_declaration(LULLABY, policy_url="https://x/" + LULLABY.content_hash)
    assert document == {
        **declaration.to_json_dict(),
        "http": declaration.http_headers(),
        "html": declaration.html_meta(),
    }


def test_every_signal_format_is_registered_with_its_scope_and_media_type() -> None:
    assert set(SIGNAL_FORMATS) <= set(FORMATS)
    assert {n for n, e in FORMATS.items() if e.scope is Scope.WORKS} == {"tdmrep.json", "robots", "rsl", "ai-txt"}
    assert FORMATS["rsl"].media_type == "application/rsl+xml"
    assert FORMATS["odrl"].media_type == "application/ld+json"
    works = [SignalWork(LULLABY, "/works/lullaby.txt")]
    assert render("robots", works, ExportOptions(ai_crawlers=("CCBot",))) == robots_txt(works, ai_crawlers=["CCBot"])
    assert render("content-usage", works) == {"Content-Usage": "train-ai=n"}


def test_unknown_formats_and_wrong_counts_are_one_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown export format 'rdf'; expected one of: odrl"):
        exporter("rdf")
    with pytest.raises(ValidationError, match="one work at a time; got 2"):
        render("odrl", [SignalWork(LULLABY), SignalWork(LULLABY)])
