"""Crawler signals from a set of works, each read back by an independent parser: robots.txt by
protego and urllib.robotparser, Content-Usage by an RFC 9651 Structured Fields parser
(http-sfv), RSL by lxml against an XSD of RSL 1.0, tdmrep.json by pyld (JSON-LD, offline)."""

from __future__ import annotations

import json
import urllib.robotparser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import http_sfv
import pytest
from lxml import etree
from protego import Protego

from rightsledger import Terms
from rightsledger.errors import ValidationError
from rightsledger.exports import ExportRecord
from rightsledger.exports.jsonld import expand
from rightsledger.exports.signal_mapping import SignalState, use_signal
from rightsledger.exports.signals import (
    SignalWork,
    ai_txt,
    content_usage,
    ether_amount,
    robots_txt,
    rsl_xml,
    signal_headers,
    tdmrep_json,
)
from rightsledger.vocabulary import Use

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DATA = Path(__file__).resolve().parent / "data"
RSL = "{https://rslstandard.org/rsl}"
OPEN_MINING = {"tdm": {"mode": "allow"}, "ai-training": {"mode": "allow"}, "ai-generative-training": {"mode": "allow"}}


def record(rules: dict[str, Any], byte: str, **kwargs: Any) -> ExportRecord:
    terms = Terms.model_validate({"rules": rules, "expires": kwargs.pop("expires", None)})
    defaults: dict[str, Any] = {
        "content_hash": "0x" + byte * 32,
        "chain_id": 31337,
        "registry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "holder": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "policy_id": 1,
        "terms": terms,
        "now": NOW,
    }
    return ExportRecord(**{**defaults, **kwargs})


RESERVED = SignalWork(record({}, "aa"), "/works/reserved.jpg")
OPEN = SignalWork(
    record({**OPEN_MINING, "ai-inference": {"mode": "allow", "attribution": True}}, "bb"), "/works/open work.jpg"
)
LICENSED = SignalWork(
    record(
        {
            "tdm": {"mode": "allow"},
            "ai-training": {"mode": "licence", "fee": "0.01 ether"},
            "ai-generative-training": {"mode": "licence", "fee": "0.025 ether"},
        },
        "cc",
    ),
    "/works/licensed*.png",
)
OPTED_OUT = SignalWork(record(OPEN_MINING, "dd", opted_out=frozenset({Use.AI_TRAINING})), "/works/opted-out.jpg")
WORKS = [RESERVED, OPEN, LICENSED, OPTED_OUT]


def _content_usage_rules(text: str, agent: str) -> list[tuple[str, dict[str, bool]]]:
    """Content-Usage rules of the group for `agent`, per draft-ietf-aipref-attach section 3."""
    groups: list[tuple[list[str], list[str]]] = []
    agents: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or ":" not in line:
            continue
        key, value = (p.strip() for p in line.split(":", 1))
        if key.lower() == "user-agent":
            if not agents or groups[-1][1]:
                groups.append(([], []))
            agents = groups[-1][0]
            agents.append(value)
        elif key.lower() == "content-usage":
            groups[-1][1].append(value)
    chosen = next((g for g in groups if agent in g[0]), next(g for g in groups if "*" in g[0]))
    rules = []
    for value in chosen[1]:
        path, _, preference = value.partition(" ") if value.startswith("/") else ("", "", value)
        parsed = http_sfv.Dictionary()
        parsed.parse(preference.strip().encode())
        rules.append((path, {k: str(v.value) == "y" for k, v in parsed.items()}))
    return rules


# ---------------------------------------------------------------------- the mapping


@pytest.mark.parametrize(
    ("rules", "kwargs", "state"),
    [
        ({}, {}, SignalState.DENIED),
        ({"ai-training": {"mode": "allow"}}, {}, SignalState.OPEN),
        ({"ai-training": {"mode": "allow", "attribution": True}}, {}, SignalState.DUTIES),
        ({"ai-training": {"mode": "allow", "end": "2026-07-01"}}, {}, SignalState.DUTIES),
        ({"ai-training": {"mode": "licence", "fee": 5}}, {}, SignalState.LICENCE),
        ({"ai-training": {"mode": "allow", "start": "2026-07-01"}}, {}, SignalState.DENIED),
        ({"ai-training": {"mode": "allow", "end": "2026-05-01"}}, {}, SignalState.DENIED),
        ({"ai-training": {"mode": "allow"}}, {"opted_out": frozenset({Use.AI_TRAINING})}, SignalState.DENIED),
        ({"ai-training": {"mode": "allow"}}, {"expires": "2026-05-01"}, SignalState.DENIED),
    ],
)
def test_each_use_reduces_to_one_signal_state(
    rules: dict[str, Any], kwargs: dict[str, Any], state: SignalState
) -> None:
    assert use_signal(record(rules, "ab", **kwargs), Use.AI_TRAINING).state is state


def test_a_licence_signal_carries_its_fee_and_the_earliest_end() -> None:
    signal = use_signal(
        record({"ai-training": {"mode": "licence", "fee": 7, "end": "2027-01-01"}}, "ab", expires="2026-12-01"),
        Use.AI_TRAINING,
    )
    assert (signal.state, signal.fee, signal.until) == (SignalState.LICENCE, 7, datetime(2026, 12, 1, tzinfo=UTC))


# ---------------------------------------------------------------------- robots.txt


def test_robots_txt_allows_crawling_and_disallows_ai_crawlers_only_where_nothing_could_be_licensed() -> None:
    text = robots_txt(WORKS, license_url="https://example.org/license.xml", sitemap="https://example.org/sitemap.xml")
    robots = Protego.parse(text)
    for work in WORKS:
        url = "https://example.org" + work.location.replace(" ", "%20").replace("*", "%2A")  # type: ignore[union-attr]
        assert robots.can_fetch(url, "SomeSearchBot")
        assert robots.can_fetch(url, "GPTBot") is (work is not RESERVED)
    assert robots.can_fetch("https://example.org/works/reserved.jpg.html", "GPTBot")  # the path is exact
    assert list(robots.sitemaps) == ["https://example.org/sitemap.xml"]
    assert "License: https://example.org/license.xml" in text.splitlines()


def test_robots_txt_prefix_paths_read_by_python_robotparser() -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots_txt([RESERVED, OPEN], ai_crawlers=["CCBot"], anchor=False).splitlines())
    assert parser.can_fetch("CCBot", "https://example.org/works/open%20work.jpg")
    assert not parser.can_fetch("CCBot", "https://example.org/works/reserved.jpg")
    assert parser.can_fetch("AnyBot", "https://example.org/works/reserved.jpg")


def test_robots_txt_content_usage_rules_parse_as_structured_field_dictionaries() -> None:
    text = robots_txt(WORKS)
    for agent in ("SomeSearchBot", "GPTBot"):
        rules = dict(_content_usage_rules(text, agent))
        assert rules == {
            "/works/reserved.jpg$": {"train-ai": False},
            "/works/open%20work.jpg$": {"train-ai": True},
            "/works/licensed%2A.png$": {"train-ai": False},
            "/works/opted-out.jpg$": {"train-ai": False},
        }


def test_robots_txt_refuses_works_without_a_path_and_bad_agents() -> None:
    with pytest.raises(ValidationError, match="has no location"):
        robots_txt([SignalWork(RESERVED.record)])
    with pytest.raises(ValidationError, match="listed twice"):
        robots_txt([RESERVED, SignalWork(OPEN.record, RESERVED.location)])
    with pytest.raises(ValidationError, match="not a product token"):
        robots_txt([RESERVED], ai_crawlers=["Bad Bot"])
    with pytest.raises(ValidationError, match="no works given"):
        robots_txt([])


# ---------------------------------------------------------------------- headers


def test_signal_headers_are_tdmrep_and_a_structured_content_usage_dictionary() -> None:
    headers = signal_headers(
        LICENSED.record, policy_url="https://example.org/tdm/{hash}", license_url="https://example.org/license.xml"
    )
    assert headers["tdm-reservation"] == "1"
    assert headers["tdm-policy"] == "https://example.org/tdm/" + LICENSED.record.content_hash
    parsed = http_sfv.Dictionary()
    parsed.parse(headers["Content-Usage"].encode())
    assert {k: str(v.value) for k, v in parsed.items()} == {"train-ai": "n"}
    assert headers["Link"] == '<https://example.org/license.xml>; rel="license"; type="application/rsl+xml"'
    open_headers = signal_headers(OPEN.record)
    assert open_headers == {"tdm-reservation": "0", "Content-Usage": "train-ai=y"}
    assert content_usage(OPTED_OUT.record) == "train-ai=n"


# ---------------------------------------------------------------------- TDMRep


def test_tdmrep_json_lists_every_work_and_expands_as_json_ld() -> None:
    rules = tdmrep_json(WORKS, policy_url="https://example.org/tdm/{hash}")
    assert [r["location"] for r in rules] == [
        "/works/reserved.jpg$",
        "/works/open work.jpg$",
        "/works/licensed%2A.png$",
        "/works/opted-out.jpg$",
    ]
    assert [r["tdm-reservation"] for r in rules] == [1, 0, 1, 1]
    assert rules[2]["tdm-policy"].endswith(LICENSED.record.content_hash)
    assert "tdm-policy" not in rules[0]  # mining denied: no policy to offer
    # TDMRep's JSON is plain JSON; as JSON-LD under the TDMRep vocabulary it must expand cleanly.
    doc = {"@context": {"@vocab": "http://www.w3.org/ns/tdmrep#"}, "@graph": rules}
    expanded = expand(json.loads(json.dumps(doc)))
    reservations = sorted(n["http://www.w3.org/ns/tdmrep#tdm-reservation"][0]["@value"] for n in expanded)
    assert reservations == [0, 1, 1, 1]


# ---------------------------------------------------------------------- RSL


def _rsl(text: str) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(DATA / "rsl-1.0.xsd")))
    root = etree.fromstring(text.encode())
    schema.assertValid(root)
    return root


def _licences(root: etree._Element, url: str) -> list[dict[str, Any]]:
    (content,) = [c for c in root.iter(RSL + "content") if c.get("url") == url]
    out = []
    for lic in content.iter(RSL + "license"):
        payment = lic.find(RSL + "payment")
        amount = payment.find(RSL + "amount") if payment is not None else None
        out.append(
            {
                "permits": (lic.findtext(RSL + "permits") or "").split(),
                "prohibits": (lic.findtext(RSL + "prohibits") or "").split(),
                "payment": payment.get("type") if payment is not None else None,
                "amount": (amount.text, amount.get("currency")) if amount is not None else None,
            }
        )
    return out


def test_rsl_file_validates_against_the_schema_and_carries_the_fees() -> None:
    root = _rsl(rsl_xml(WORKS, server_url="https://example.org/olp", terms_url="https://example.org/terms/{hash}"))
    assert root.tag == RSL + "rsl"
    assert _licences(root, "/works/reserved.jpg$") == [
        {"permits": [], "prohibits": ["ai-train", "ai-input"], "payment": None, "amount": None}
    ]
    assert _licences(root, "/works/open%20work.jpg$") == [
        {"permits": ["ai-train"], "prohibits": [], "payment": "free", "amount": None},
        {"permits": ["ai-input"], "prohibits": [], "payment": "attribution", "amount": None},
    ]
    # two training uses, one RSL token: the higher fee of the two licences
    assert _licences(root, "/works/licensed%2A.png$") == [
        {"permits": ["ai-train"], "prohibits": [], "payment": "training", "amount": ("0.025", "ETH")},
        {"permits": [], "prohibits": ["ai-input"], "payment": None, "amount": None},
    ]
    assert _licences(root, "/works/opted-out.jpg$")[0]["prohibits"] == ["ai-train", "ai-input"]
    content = root.find(RSL + "content")
    assert content is not None and content.get("server") == "https://example.org/olp"
    assert content.findtext(RSL + "terms") == "https://example.org/terms/" + RESERVED.record.content_hash


def test_rsl_free_licence_points_to_where_to_ask_and_full_urls_pass_through() -> None:
    work = SignalWork(record({"ai-inference": {"mode": "licence"}}, "ee"), "https://cdn.example.org/a.jpg")
    root = _rsl(rsl_xml([work]))
    (content,) = root.iter(RSL + "content")
    assert content.get("url") == "https://cdn.example.org/a.jpg"
    payment = content.find(f"{RSL}license/{RSL}payment")
    assert payment is not None and payment.get("type") == "use"
    assert payment.findtext(RSL + "custom") == work.record.caip19


def test_rsl_rejects_a_currency_that_is_not_a_code() -> None:
    with pytest.raises(ValidationError, match="three-letter code"):
        rsl_xml(WORKS, currency="ether")


def test_ether_amounts_are_plain_decimals() -> None:
    assert [ether_amount(x) for x in (10**16, 10**18, 25 * 10**15, 1, 0)] == [
        "0.01",
        "1",
        "0.025",
        "0.000000000000000001",
        "0",
    ]


# ---------------------------------------------------------------------- ai.txt


def test_ai_txt_allows_only_works_open_to_mining_and_training() -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(ai_txt(WORKS).splitlines())
    base = "https://example.org"
    assert parser.can_fetch("anybot", base + "/works/open%20work.jpg")
    for work in (RESERVED, LICENSED, OPTED_OUT):
        path = work.location.replace("*", "%2A")  # type: ignore[union-attr]
        assert not parser.can_fetch("anybot", base + path), path
    assert Protego.parse(ai_txt(WORKS)).can_fetch(base + "/works/open%20work.jpg", "anybot")
