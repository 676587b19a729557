"""The training-content summary (workflows/summary.py) as a readable standalone HTML page (inline
CSS, no scripts, no external resources) and as PDF (needs fpdf2: the `summary-pdf` extra).
Fields still to be completed by the provider are highlighted in both."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from .summary import TO_COMPLETE

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;max-width:60rem;
margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #234;padding-bottom:.2rem;margin-top:2.2rem}
h3{margin-top:1.6rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
.wide{overflow-x:auto}th{background:#eef1f6;width:30%}
.todo{background:#fff3c4;color:#6a4b00;font-style:italic;padding:0 .2rem}.meta{color:#555;font-size:.9rem}
code{font-size:.85em;word-break:break-all}ul{margin:.2rem 0 .2rem 1.2rem;padding:0}
@media print{body{margin:0}.todo{background:none;border:1px dashed #a80}}
"""

_LABELS = {
    "name": "Name",
    "contact": "Contact",
    "authorisedRepresentative": "Authorised representative",
    "version": "Version",
    "dependencies": "Model dependencies",
    "placedOnMarket": "Placed on the Union market",
    "knowledgeCutoff": "Knowledge cut-off",
    "modalities": "Modalities",
    "trainingDataSize": "Training data size",
    "contentTypes": "Types of content",
    "languages": "Languages",
    "latestDataCollection": "Latest date of data collection",
    "datasetsWithoutModality": "Datasets without a stated modality",
    "used": "Used",
    "datasets": "Datasets",
    "crawlers": "Crawlers",
    "collectionPeriod": "Collection period",
    "topDomains": "Top domains by size",
    "topDomainsRule": "Rule",
    "domainsSeen": "Domains seen",
    "measures": "Measures",
    "furtherMeasures": "Further measures",
    "evidence": "Evidence",
    "audits": "Audits (registry answers at a block)",
    "optedOutExcluded": "Opted-out works excluded",
    "licencesBought": "Licences bought",
    "violations": "Violations recorded on chain",
    "removalRequests": "Removal requests",
}


def _label(key: str) -> str:
    return _LABELS.get(key, key[:1].upper() + "".join(f" {c.lower()}" if c.isupper() else c for c in key[1:]))


def _value(value: Any) -> str:
    if value == TO_COMPLETE:
        return f'<span class="todo">{html.escape(TO_COMPLETE)}</span>'
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return _table(value)
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(v, Mapping) for v in value):
            if max(len(v) for v in value) > 5:  # wide records (datasets): one small table each
                return "".join(_table(v) for v in value)
            return _rows(value)
        return "<ul>" + "".join(f"<li>{_value(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, int):
        return f"{value:,}"
    text = html.escape(str(value))
    if text.startswith("0x") and len(text) > 20:  # hashes and addresses: short, the full value on hover
        return f'<code title="{text}">{text[:8]}…{text[-6:]}</code>'
    return f"<code>{text}</code>" if text.startswith(("ni:", "eip155:", "file:")) else text


def _table(data: Mapping[str, Any], skip: Sequence[str] = ("section",)) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_label(k))}</th><td>{_value(v)}</td></tr>" for k, v in data.items() if k not in skip
    )
    return f"<table>{rows}</table>"


def _rows(items: Sequence[Mapping[str, Any]]) -> str:
    keys = list(dict.fromkeys(k for item in items for k in item))
    head = "".join(f"<th>{html.escape(_label(k))}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{_value(item.get(k))}</td>" for k in keys) + "</tr>" for item in items)
    return f'<div class="wide"><table><tr>{head}</tr>{body}</table></div>'


_SECTION2 = (
    ("2.1 Publicly available datasets", ("publicDatasets",)),
    ("2.2.1 Private datasets licensed from rightsholders", ("privateDatasets", "licensed")),
    ("2.2.2 Other private datasets obtained from third parties", ("privateDatasets", "otherThirdParty")),
    ("2.3 Data crawled and scraped from online sources", ("crawledData",)),
    ("2.4 User data", ("userData",)),
    ("2.5 Synthetic data", ("syntheticData",)),
    ("2.6 Other sources of data", ("otherSources",)),
)


def _at(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    for key in path:
        data = data[key]
    return data


def summary_html(summary: Mapping[str, Any]) -> str:
    """A standalone HTML page of the summary."""
    s1, s2, s3 = summary["section1"], summary["section2"], summary["section3"]
    model = s1["model"]
    title = f"Public summary of training content: {model['name']} {model['version']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(summary["template"])}. Generated by rightsledger at '
        f"{html.escape(summary['generatedAt'])} from the registry's records "
        f"(chain {html.escape(str(summary['registry']['chainId']))}, registry "
        f"<code>{html.escape(str(summary['registry']['workRegistry']))}</code>). Fields marked "
        f'<span class="todo">{html.escape(TO_COMPLETE)}</span> are not known to the registry.</p>',
        "<h2>1. General information</h2>",
        "<h3>1.1 Provider identification</h3>",
        _table(s1["provider"]),
        "<h3>1.2 Model identification</h3>",
        _table(s1["model"]),
        "<h3>1.3 Modalities, overall training data size and other characteristics</h3>",
        _table(
            {k: s1[k] for k in ("modalities", "trainingDataSize", "contentTypes", "languages", "latestDataCollection")}
        ),
        "<h2>2. List of data sources</h2>",
    ]
    for heading, path in _SECTION2:
        parts += [f"<h3>{html.escape(heading)}</h3>", _table(_at(s2, path))]
    if s2["unclassified"]:
        parts += [
            "<h3>Datasets whose manifest states no source kind</h3>",
            f'<p class="todo">{html.escape(TO_COMPLETE)}</p>',
        ]
        parts.append(_value(s2["unclassified"]))
    parts += [
        "<h2>3. Data processing aspects</h2>",
        "<h3>3.1 Respect of reservations of rights from the text and data mining exception "
        "(Art. 4(3) DSM Directive)</h3>",
        _table(s3["tdmReservations"]),
        "<h3>3.2 Removal of illegal content</h3>",
        _table(s3["illegalContentRemoval"]),
        "<h3>3.3 Other information</h3>",
        _table(s3["otherInformation"]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------- PDF


def _flat(value: Any, indent: int = 0) -> list[tuple[int, str]]:
    """The value as indented lines of text."""
    if isinstance(value, Mapping):
        out: list[tuple[int, str]] = []
        for k, v in value.items():
            if k == "section":
                continue
            if isinstance(v, (Mapping, list)) and v and v != [TO_COMPLETE]:
                out.append((indent, f"{_label(k)}:"))
                out += _flat(v, indent + 1)
            else:
                out.append((indent, f"{_label(k)}: {_plain(v)}"))
        return out
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append((indent, f"#{i + 1}"))
                out += _flat(item, indent + 1)
            else:
                out.append((indent, f"- {_plain(item)}"))
        return out
    return [(indent, _plain(value))]


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "none"
    return str(value)


_NEXT: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}


def summary_pdf(summary: Mapping[str, Any]) -> bytes:
    """The summary as a PDF document (A4). Needs fpdf2 (`pip install 'rightsledger[summary-pdf]'`)."""
    try:
        from fpdf import FPDF
    except ImportError:
        raise ConfigError("rendering the summary as PDF needs fpdf2: pip install 'rightsledger[summary-pdf]'") from None

    def latin(text: str) -> str:  # the PDF core fonts are Latin-1
        return text.replace("\u2014", "-").replace("\u2013", "-").encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_title(latin(f"Training content summary: {summary['section1']['model']['name']}"))
    pdf.set_font("Helvetica", "B", 15)
    model = summary["section1"]["model"]
    pdf.multi_cell(0, 8, latin(f"Public summary of training content: {model['name']} {model['version']}"), **_NEXT)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0, 4, latin(f"{summary['template']}. Generated by rightsledger at {summary['generatedAt']}."), **_NEXT
    )
    sections = (
        ("1. General information", summary["section1"]),
        ("2. List of data sources", summary["section2"]),
        ("3. Data processing aspects", summary["section3"]),
    )
    for heading, body in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, latin(heading), **_NEXT)
        for indent, line in _flat(body):
            todo = TO_COMPLETE in line
            pdf.set_font("Helvetica", "I" if todo else "", 9)
            pdf.set_text_color(140, 90, 0) if todo else pdf.set_text_color(20, 20, 20)
            pdf.set_x(pdf.l_margin + 5 * indent)
            pdf.multi_cell(0, 4.6, latin(line), **_NEXT)
    return bytes(pdf.output())


__all__ = ["summary_html", "summary_pdf"]
