"""Registry-wide indicators, read from the contracts' events at one block: registrations over time,
the share of works open to AI training, licences bought and the income they paid, datasets declared,
violations and removal requests (and how many were acknowledged), levy collected and paid out.
`observatory_html` draws them as a page a person would rather look at than read (inline SVG)."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..chain.logs import contract_events
from ..sdk.client import RightsLedger
from ..units import format_wei
from ..vocabulary import ZERO_ADDRESS, Reason, Use

OPEN_TO_TRAINING = (Reason.ALLOWED_BY_TERMS, Reason.LICENCE_REQUIRED, Reason.OUTSIDE_WINDOW)
"""Answers that mean the holder opted in to AI training (openly, with a licence, or in a window)."""


def _day(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, tz=UTC).date().isoformat()


def _by_day(pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    totals: Counter[str] = Counter()
    for day, amount in pairs:
        totals[day] += amount
    return [{"day": d, "value": totals[d]} for d in sorted(totals)]


def indicators(ledger: RightsLedger, *, block: int | None = None) -> dict[str, Any]:
    """The indicators as JSON-ready data, every figure as of `block` (default: the latest)."""
    w3 = ledger.w3
    end = w3.eth.block_number if block is None else block
    start = ledger.deployment.block
    stamps: dict[int, int] = {}

    def day_of(event: Mapping[str, Any]) -> str:
        number = int(event["blockNumber"])
        if number not in stamps:
            stamps[number] = int(w3.eth.get_block(number)["timestamp"])
        return _day(stamps[number])

    def events(contract: Any, name: str, topics: Sequence[Any] = ()) -> list[Any]:
        return contract_events(w3, contract, name, start, end, topics=topics)

    zero_topic = "0x" + "00" * 32
    minted = events(ledger.works.contract, "Transfer", [zero_topic])
    hashes = ["0x" + int(e["args"]["tokenId"]).to_bytes(32, "big").hex() for e in minted]
    reasons = ledger.check_hashes(hashes, Use.AI_TRAINING, licensee=ZERO_ADDRESS, block=end) if hashes else b""
    answers = Counter(list(Reason)[r] for r in reasons)
    open_works = sum(answers[r] for r in OPEN_TO_TRAINING)
    licences = events(ledger.licensing.contract, "LicenceIssued")
    datasets = events(ledger.datasets.registry, "DatasetDeclared")
    violations = events(ledger.datasets.registry, "ViolationRecorded")
    requested = events(ledger.datasets.registry, "RemovalRequested")
    acknowledged = events(ledger.datasets.registry, "RemovalAcknowledged")
    contributed = events(ledger.datasets.levy, "Contributed")
    claimed = events(ledger.datasets.levy, "LevyClaimed")
    as_of = int(w3.eth.get_block(end)["timestamp"])
    return {
        "asOf": {"block": end, "time": datetime.fromtimestamp(as_of, tz=UTC).isoformat()},
        "chainId": ledger.chain_id,
        "registrations": {"works": len(hashes), "byDay": _by_day((day_of(e), 1) for e in minted)},
        "aiTraining": {
            "works": len(hashes),
            "openToTraining": open_works,
            "share": round(open_works / len(hashes), 4) if hashes else 0.0,
            "answers": {r.value: answers[r] for r in Reason if answers[r]},
        },
        "licences": {
            "count": len(licences),
            "income": sum(int(e["args"]["price"]) for e in licences),
            "byDay": _by_day((day_of(e), 1) for e in licences),
        },
        "datasets": {
            "declared": len(datasets),
            "items": sum(int(e["args"]["itemCount"]) for e in datasets),
            "byDay": _by_day((day_of(e), 1) for e in datasets),
        },
        "violations": len(violations),
        "removals": {"requested": len(requested), "acknowledged": len(acknowledged)},
        "levy": {
            "collected": sum(int(e["args"]["amount"]) for e in contributed),
            "paid": sum(int(e["args"]["amount"]) for e in claimed),
        },
    }


# ---------------------------------------------------------------------- the page

_BAR, _INK, _MUTED = "#2f6f9f", "#1d2730", "#8a97a3"


def _bars(title: str, series: Sequence[Mapping[str, Any]], *, chart_id: str) -> str:
    """A bar chart per day (SVG): one <rect class="bar"> per day, its value in a <title>."""
    width, height, pad = 560, 180, 28
    peak = max((int(p["value"]) for p in series), default=0) or 1
    step = (width - 2 * pad) / max(len(series), 1)
    parts = [f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{title}">']
    parts.append(f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="{_MUTED}"/>')
    for i, point in enumerate(series):
        value = int(point["value"])
        h = (height - 2 * pad) * value / peak
        x = pad + i * step + step * 0.15
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{height - pad - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{_BAR}"><title>{html.escape(str(point["day"]))}: {value}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="{_MUTED}">'
            f"{html.escape(str(point['day'])[5:])}</text>"
        )
    if not series:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{_MUTED}">nothing yet</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{html.escape(title)}</figcaption>{''.join(parts)}</figure>"


def _share(share: float) -> str:
    """The share of works open to AI training as a ring (SVG stroke-dasharray)."""
    circumference = 2 * 3.14159 * 54
    filled = circumference * share
    return (
        '<svg id="ai-share" class="chart" viewBox="0 0 140 140" role="img" aria-label="share open to AI training">'
        f'<circle cx="70" cy="70" r="54" fill="none" stroke="#e3e8ec" stroke-width="18"/>'
        f'<circle class="share" cx="70" cy="70" r="54" fill="none" stroke="{_BAR}" stroke-width="18" '
        f'stroke-dasharray="{filled:.1f} {circumference:.1f}" transform="rotate(-90 70 70)"/>'
        f'<text x="70" y="76" text-anchor="middle" font-size="22" fill="{_INK}">{share:.0%}</text></svg>'
    )


def observatory_html(data: Mapping[str, Any]) -> str:
    """A standalone page (no scripts): tiles with the totals and charts over time."""
    tiles = [
        ("works registered", f"{data['registrations']['works']:,}", "tile-works"),
        ("open to AI training", f"{data['aiTraining']['openToTraining']:,}", "tile-ai"),
        ("licences bought", f"{data['licences']['count']:,}", "tile-licences"),
        ("licence income", format_wei(int(data["licences"]["income"]), zero="0 ETH"), "tile-income"),
        ("datasets declared", f"{data['datasets']['declared']:,}", "tile-datasets"),
        ("violations recorded", f"{data['violations']:,}", "tile-violations"),
        ("removal requests", f"{data['removals']['requested']:,} ({data['removals']['acknowledged']:,} acknowledged)",
         "tile-removals"),
        ("levy collected / paid", f"{format_wei(int(data['levy']['collected']), zero='0 ETH')} / "
         f"{format_wei(int(data['levy']['paid']), zero='0 ETH')}", "tile-levy"),
    ]  # fmt: skip
    tile_html = "".join(
        f'<div class="tile" id="{i}"><div class="value">{html.escape(v)}</div>'
        f'<div class="label">{html.escape(k)}</div></div>'
        for k, v, i in tiles
    )
    charts = "".join(
        (
            _bars("works registered per day", data["registrations"]["byDay"], chart_id="chart-registrations"),
            _bars("licences bought per day", data["licences"]["byDay"], chart_id="chart-licences"),
            _bars("datasets declared per day", data["datasets"]["byDay"], chart_id="chart-datasets"),
        )
    )
    as_of = data["asOf"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rightsledger observatory</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; color: {_INK}; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }}
.tiles {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .8rem; }}
.tile {{ border: 1px solid #dde3e8; border-radius: .5rem; padding: .8rem 1rem; }}
.tile .value {{ font-size: 1.5rem; font-weight: 600; }} .tile .label {{ color: {_MUTED}; }}
figure {{ margin: 1.5rem 0; }} figcaption {{ font-weight: 600; margin-bottom: .3rem; }}
.share-row {{ display: flex; align-items: center; gap: 1.5rem; margin: 1.5rem 0; }}
.chart {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>Registry observatory</h1>
<p>Chain {data['chainId']}, as of block {as_of['block']} ({html.escape(str(as_of['time']))}).
The figures come from the contracts' events; <a href="/observatory.json">the same as JSON</a>.</p>
<div class="tiles">{tile_html}</div>
<div class="share-row">{_share(float(data['aiTraining']['share']))}
<p>of registered works are open to AI training (allowed, licensable or in a time window); the rest is
denied, opted out, expired or disputed. Consent is opt-in: a use without a rule is denied.</p></div>
{charts}
</body></html>
"""


__all__ = ["OPEN_TO_TRAINING", "indicators", "observatory_html"]
