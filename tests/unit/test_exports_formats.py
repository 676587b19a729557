"""The one format registry: the single-record formats render exactly the golden documents, the
crawler-signal formats render the files of `exports.signals` for a publisher's set of works."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rightsledger.errors import ValidationError
from rightsledger.exports import tdm_declaration
from rightsledger.exports.formats import FORMATS, SIGNAL_FORMATS, ExportOptions, export, export_signals
from rightsledger.exports.signals import SignalWork, robots_txt, rsl_xml, signal_headers

# The record and golden files test_exports.py pins.
from .test_exports import GOLDEN, LULLABY, record


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
def test_single_record_formats_render_the_golden_documents(fmt: str, golden: str, options: ExportOptions) -> None:
    assert _golden_text(export(fmt, LULLABY, options)) == (GOLDEN / golden).read_text()


def test_tdm_policy_and_the_tdmrep_json_signal_render_their_golden_documents() -> None:
    licensed = record({"tdm": {"mode": "licence", "fee": "250 gwei"}})
    options = ExportOptions(policy_url="https://provider.example/policies/1", contact_url="https://x/licensing")
    assert _golden_text(export("tdm-policy", licensed, options)) == (GOLDEN / "tdm-policy-licensed.json").read_text()
    open_all = record(
        {"tdm": {"mode": "allow"}, "ai-training": {"mode": "allow"}, "ai-generative-training": {"mode": "allow"}}
    )
    works = [SignalWork(LULLABY, "/works/lullaby.txt"), SignalWork(open_all, "/works/open*.svg")]
    document = export_signals("tdmrep.json", works, ExportOptions(policy_url="https://x/{hash}"))
    assert _golden_text(document) == (GOLDEN / "tdmrep-well-known.json").read_text()


def test_tdmrep_format_is_the_declaration_with_headers_and_meta() -> None:
    document = export("tdmrep", LULLABY, ExportOptions(policy_url="https://x/{hash}"))
    declaration = tdm_declaration(LULLABY, policy_url="https://x/" + LULLABY.content_hash)
    assert document == {
        **declaration.to_json_dict(),
        "http": declaration.http_headers(),
        "html": declaration.html_meta(),
    }


def test_signal_formats_render_the_signal_files_for_a_set_of_works() -> None:
    assert list(SIGNAL_FORMATS) == ["tdmrep.json", "robots", "content-usage", "headers", "rsl", "ai-txt"]
    assert not set(SIGNAL_FORMATS) & set(FORMATS)  # the gateway's per-work route lists FORMATS only
    assert SIGNAL_FORMATS["rsl"].media_type == "application/rsl+xml"
    works = [SignalWork(LULLABY, "/works/lullaby.txt")]
    options = ExportOptions(ai_crawlers=("CCBot",), license_url="https://x/license.xml", terms_url="https://x/{hash}")
    assert export_signals("robots", works, options) == robots_txt(
        works, ai_crawlers=["CCBot"], license_url="https://x/license.xml"
    )
    assert export_signals("rsl", works, options) == rsl_xml(works, terms_url="https://x/{hash}")
    assert export_signals("content-usage", works) == {"/works/lullaby.txt": "train-ai=n"}
    assert export_signals("headers", works, options) == {
        "/works/lullaby.txt": signal_headers(LULLABY, license_url="https://x/license.xml")
    }


def test_unknown_formats_and_works_without_paths_are_one_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown export format 'rdf'; expected one of: odrl"):
        export("rdf", LULLABY)
    with pytest.raises(ValidationError, match=r"unknown signal format 'robots\.txt'; expected one of: tdmrep\.json"):
        export_signals("robots.txt", [SignalWork(LULLABY, "/a")])
    with pytest.raises(ValidationError, match="has no location"):
        export_signals("headers", [SignalWork(LULLABY)])
