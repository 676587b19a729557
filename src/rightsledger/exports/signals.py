"""The signals crawlers read, generated from a publisher's set of works: `/.well-known/tdmrep.json`
and the TDMRep headers, robots.txt with IETF AI-preference `Content-Usage` rules, the
`Content-Usage` header, an RSL 1.0 licence file with the licence fees, and Spawning's ai.txt.

Pure functions of `SignalWork`s (a work's `ExportRecord` and where it is served). Each use is
reduced once, by `signal_mapping.use_signal`; the tables are in docs/provenance-and-exports.md
("Signals for crawlers"). Paths are exact: a work at /works/a.jpg is matched by `/works/a.jpg$`
(RFC 9309 and TDMRep end-of-path anchor); `*` and `$` in a file name are percent-encoded.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from ..errors import ValidationError
from .record import ExportRecord, iso_datetime
from .signal_mapping import (
    AIPREF_DRAFT,
    AIPREF_TRAIN_AI,
    RSL_NS,
    RSL_PAYMENT,
    SignalState,
    aipref_preferences,
    mining_denied,
    mining_open,
    rsl_usage_signals,
)
from .tdmrep import tdm_declaration
from .tdmrep import well_known as _tdmrep_well_known

RSL_MEDIA_TYPE = "application/rsl+xml"

DEFAULT_AI_CRAWLERS: tuple[str, ...] = (
    "GPTBot",
    "ClaudeBot",
    "CCBot",
    "Google-Extended",
    "Applebot-Extended",
    "meta-externalagent",
    "Bytespider",
)
"""Product tokens of crawlers (or robots.txt control tokens) that collect for AI training. Each gets
a robots.txt group that disallows the works whose mining and AI training are all denied."""


@dataclass(frozen=True)
class SignalWork:
    """A work as a publisher serves it: its record and its location on the publisher's server
    (a path such as /works/a.jpg; RSL also takes a full URL)."""

    record: ExportRecord
    location: str | None = None


# ---------------------------------------------------------------------- paths


def _path(work: SignalWork, fmt: str, *, allow_url: bool = False) -> str:
    location = work.location
    if not location:
        raise ValidationError(
            f"{fmt}: work {work.record.content_hash} has no location; give the path it is served at (e.g. /works/a.jpg)"
        )
    if allow_url and location.startswith(("https://", "http://")):
        return location
    if not location.startswith("/"):
        raise ValidationError(f"{fmt}: location {location!r} must be a path on the server, starting with /")
    if any(c in location for c in "\r\n#"):
        raise ValidationError(f"{fmt}: location {location!r} contains a line break or '#'")
    return location


def _encode(path: str) -> str:
    """Percent-encode a path for robots-style rules: spaces, tabs, non-ASCII, and the special `*`, `$`."""
    return urllib.parse.quote(path, safe="/:@!&'()+,;=-._~%")


def path_pattern(path: str, *, anchor: bool = True) -> str:
    """The robots.txt / TDMRep / RSL pattern matching exactly `path` (prefix when not anchored)."""
    return _encode(path) + ("$" if anchor else "")


def _checked(works: Sequence[SignalWork], fmt: str, *, allow_url: bool = False) -> list[tuple[str, SignalWork]]:
    if not works:
        raise ValidationError(f"{fmt}: no works given; name a holder, a collection or a manifest of works")
    seen: set[str] = set()
    out: list[tuple[str, SignalWork]] = []
    for work in works:
        path = _path(work, fmt, allow_url=allow_url)
        if path in seen:
            raise ValidationError(f"{fmt}: location {path} is listed twice")
        seen.add(path)
        out.append((path, work))
    return out


# ---------------------------------------------------------------------- TDMRep


def tdmrep_json(works: Sequence[SignalWork], *, policy_url: str | None = None) -> list[dict[str, Any]]:
    """`/.well-known/tdmrep.json`: one exact-path rule per work ({location, tdm-reservation,
    tdm-policy}); `policy_url` may contain `{hash}`."""
    entries = [(path, work.record) for path, work in _checked(works, "tdmrep.json")]
    return _tdmrep_well_known(entries, policy_url=policy_url)


def tdmrep_headers(record: ExportRecord, *, policy_url: str | None = None) -> dict[str, str]:
    """The TDMRep header fields for a response serving the work."""
    url = policy_url.replace("{hash}", record.content_hash) if policy_url else None
    return tdm_declaration(record, policy_url=url).http_headers()


# ---------------------------------------------------------------------- IETF AI preferences


def content_usage(record: ExportRecord) -> str:
    """The statement of preference (a Structured Fields Dictionary), e.g. `train-ai=n`."""
    return ", ".join(f"{label}={'y' if allowed else 'n'}" for label, allowed in aipref_preferences(record).items())


def content_usage_header(record: ExportRecord) -> dict[str, str]:
    """The `Content-Usage` header field for a response serving the work."""
    return {"Content-Usage": content_usage(record)}


def signal_headers(
    record: ExportRecord, *, policy_url: str | None = None, license_url: str | None = None
) -> dict[str, str]:
    """Every signal header for a response serving the work: TDMRep, Content-Usage, and a `Link` to
    the RSL licence file when `license_url` is given."""
    headers = {**tdmrep_headers(record, policy_url=policy_url), **content_usage_header(record)}
    if license_url:
        headers["Link"] = f'<{license_url}>; rel="license"; type="{RSL_MEDIA_TYPE}"'
    return headers


# ---------------------------------------------------------------------- robots.txt


def _header_comment(works: Sequence[SignalWork], what: str) -> list[str]:
    first = works[0].record
    return [
        f"# {what} generated by rightsledger from the registry {first.registry} on chain {first.chain_id}",
        f"# as of {iso_datetime(max(w.record.now for w in works))}; regenerate when terms change.",
    ]


def robots_txt(
    works: Sequence[SignalWork],
    *,
    ai_crawlers: Iterable[str] = DEFAULT_AI_CRAWLERS,
    license_url: str | None = None,
    sitemap: str | None = None,
    anchor: bool = True,
) -> str:
    """robots.txt: a `User-Agent: *` group that allows crawling and states each work's AI
    preference as a `Content-Usage: <path> <preference>` rule (draft-ietf-aipref-attach), and a
    group for the named AI crawlers that also disallows the works whose mining and AI training
    are all denied. `license_url` adds RSL's `License:` line; `sitemap` a `Sitemap:` line."""
    checked = _checked(works, "robots.txt")
    crawlers = list(dict.fromkeys(ai_crawlers))
    for agent in crawlers:
        if not agent or any(c.isspace() or c in ":#" for c in agent):
            raise ValidationError(f"robots.txt: {agent!r} is not a product token (letters, digits, '-', '_')")
    usage = [f"Content-Usage: {path_pattern(p, anchor=anchor)} {content_usage(w.record)}" for p, w in checked]
    lines = _header_comment(works, "robots.txt")
    lines.append(f"# Content-Usage: IETF AI preferences ({AIPREF_DRAFT}).")
    lines += ["", "User-Agent: *", "Allow: /", *usage]
    if crawlers:
        # Disallow lines first: RFC 9309 picks the longest match, first-match readers (such as
        # Python's urllib.robotparser) then agree with it.
        lines += ["", *(f"User-Agent: {agent}" for agent in crawlers)]
        lines += [f"Disallow: {path_pattern(p, anchor=anchor)}" for p, w in checked if mining_denied(w.record)]
        lines += ["Allow: /", *usage]
    if license_url:
        lines += ["", f"License: {license_url}"]
    if sitemap:
        lines += ["", f"Sitemap: {sitemap}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- ai.txt (Spawning)


def ai_txt(works: Sequence[SignalWork]) -> str:
    """Spawning's ai.txt (robots.txt syntax, read by dataset builders): `Allow` for works whose
    mining and AI training are open now, `Disallow` for every other work. Paths are exact
    prefixes (ai.txt readers do not all know the `$` anchor)."""
    checked = _checked(works, "ai.txt")
    lines = _header_comment(works, "ai.txt")
    lines += ["# Spawning ai.txt: may these files be used to train AI models?", "", "User-Agent: *"]
    lines += [f"{'Allow' if mining_open(w.record) else 'Disallow'}: {_encode(p)}" for p, w in checked]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- RSL 1.0


def ether_amount(wei: int) -> str:
    """A wei amount as a plain decimal number of ether (no exponent): 10**16 -> '0.01'."""
    text = f"{Decimal(wei) / Decimal(10**18):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _license(parent: ET.Element, *, permits: Sequence[str] = (), prohibits: Sequence[str] = ()) -> ET.Element:
    element = ET.SubElement(parent, "license")
    if permits:
        ET.SubElement(element, "permits", type="usage").text = " ".join(permits)
    if prohibits:
        ET.SubElement(element, "prohibits", type="usage").text = " ".join(prohibits)
    return element


def rsl_document(
    works: Sequence[SignalWork],
    *,
    server_url: str | None = None,
    terms_url: str | None = None,
    currency: str = "ETH",
    anchor: bool = True,
) -> ET.Element:
    """The RSL 1.0 document as an element tree (see `rsl_xml`)."""
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
        raise ValidationError(f"rsl: currency {currency!r} must be a three-letter code such as ETH")
    checked = _checked(works, "rsl", allow_url=True)
    root = ET.Element("rsl", xmlns=RSL_NS)
    for path, work in checked:
        record = work.record
        url = path if path.startswith(("https://", "http://")) else path_pattern(path, anchor=anchor)
        attrs = {"url": url}
        if server_url:
            attrs["server"] = server_url
        content = ET.SubElement(root, "content", attrs)
        signals = rsl_usage_signals(record)
        free = [t for t, s in signals.items() if s.state is SignalState.OPEN]
        if free:
            ET.SubElement(_license(content, permits=free), "payment", type="free")
        for token, signal in signals.items():
            if signal.state is SignalState.DUTIES:
                kind = "attribution" if signal.attribution else "free"
                ET.SubElement(_license(content, permits=[token]), "payment", type=kind)
            elif signal.state is SignalState.LICENCE:
                payment = ET.SubElement(_license(content, permits=[token]), "payment", type=RSL_PAYMENT[token])
                if signal.fee:
                    ET.SubElement(payment, "amount", currency=currency).text = ether_amount(signal.fee)
                else:
                    # A licence the holder grants without a price: where to ask.
                    where = terms_url.replace("{hash}", record.content_hash) if terms_url else record.caip19
                    ET.SubElement(payment, "custom").text = where
        denied = [t for t, s in signals.items() if s.state is SignalState.DENIED]
        if denied:
            _license(content, prohibits=denied)
        if terms_url:
            ET.SubElement(content, "terms").text = terms_url.replace("{hash}", record.content_hash)
    return root


def rsl_xml(
    works: Sequence[SignalWork],
    *,
    server_url: str | None = None,
    terms_url: str | None = None,
    currency: str = "ETH",
    anchor: bool = True,
) -> str:
    """An RSL 1.0 licence file: per work a `<content url>` with one `<license>` per way of using it
    (free, attribution, or a paid `training` / `use` licence with its fee as `<amount>` in ether),
    and the prohibited usages. `server_url` names an RSL licence server; `terms_url` (with
    `{hash}`) the human-readable terms; `currency` the code written for the chain's native coin."""
    root = rsl_document(works, server_url=server_url, terms_url=terms_url, currency=currency, anchor=anchor)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    comment = "\n".join(f"<!-- {line[2:]} -->" for line in _header_comment(works, "RSL licence file"))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{comment}\n{body}\n'


def latest(works: Sequence[SignalWork]) -> datetime:
    """The newest snapshot time among the works (what the files were generated at)."""
    return max(w.record.now for w in works)


__all__ = [
    "AIPREF_TRAIN_AI",
    "DEFAULT_AI_CRAWLERS",
    "RSL_MEDIA_TYPE",
    "SignalWork",
    "ai_txt",
    "content_usage",
    "content_usage_header",
    "ether_amount",
    "path_pattern",
    "robots_txt",
    "rsl_document",
    "rsl_xml",
    "signal_headers",
    "tdmrep_headers",
    "tdmrep_json",
]
