"""The one mapping from a work's terms to the signals crawlers read (TDMRep, the IETF AI
preferences `Content-Usage`, robots.txt, RSL and Spawning's ai.txt).

Every signal is built from `use_signal`, which reduces a use of the work, as the record stands
now, to one of four states, and from the vocabulary tables below. docs/provenance-and-exports.md
("Signals for crawlers") is the same table in words, with what each vocabulary cannot say.

| state      | when (`ExportRecord.access`)                                              |
|------------|---------------------------------------------------------------------------|
| `open`     | allowed now, no condition                                                 |
| `duties`   | allowed now, mode allow, but with attribution / share-alike / an end date  |
| `licence`  | mode licence, window open now (a fee, possibly 0)                         |
| `denied`   | denied, opted out, disputed, expired, window ended, or window not started |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..errors import ValidationError
from ..vocabulary import Mode, Use
from .record import Access, ExportRecord


class SignalState(StrEnum):
    OPEN = "open"
    DUTIES = "duties"
    LICENCE = "licence"
    DENIED = "denied"


@dataclass(frozen=True)
class UseSignal:
    """What one use of the work is, for the signal vocabularies."""

    use: Use
    state: SignalState
    fee: int = 0
    """wei per licence (state licence)."""
    attribution: bool = False
    until: datetime | None = None
    """The end of the window or the record's expiry, whichever is first (None: open-ended)."""
    reason: str = ""


def use_signal(record: ExportRecord, use: Use) -> UseSignal:
    """The signal state of `use` (see the module table)."""
    state = record.access(use)
    rule = state.rule
    if state.access is Access.DENIED:
        return UseSignal(use, SignalState.DENIED, reason=state.reason)
    if rule.start is not None and rule.start > record.now:
        # Signals are read now and cached; a use that opens later is not allowed yet.
        return UseSignal(use, SignalState.DENIED, reason="not-yet-open")
    ends = [t for t in (rule.end, record.terms.expires) if t is not None]
    until = min(ends) if ends else None
    if rule.mode is Mode.LICENCE:
        return UseSignal(use, SignalState.LICENCE, fee=rule.fee, attribution=rule.attribution, until=until)
    if state.access is Access.OPEN:
        return UseSignal(use, SignalState.OPEN)
    return UseSignal(use, SignalState.DUTIES, attribution=rule.attribution, until=until)


MINING_USES = (Use.TDM, Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING)
"""The uses every "may I train / mine on this" signal folds into one answer."""


def mining_open(record: ExportRecord) -> bool:
    """Mining and both AI training uses are open now: the only case a yes/no signal says yes."""
    return all(use_signal(record, u).state is SignalState.OPEN for u in MINING_USES)


def mining_denied(record: ExportRecord) -> bool:
    """Mining and both AI training uses are denied: not even a licence could allow them."""
    return all(use_signal(record, u).state is SignalState.DENIED for u in MINING_USES)


# ---------------------------------------------------------------------- IETF AI preferences

AIPREF_DRAFT = "draft-ietf-aipref-vocab-07 / draft-ietf-aipref-attach-05"
AIPREF_TRAIN_AI = "train-ai"
AIPREF_SEARCH = "search"


def aipref_preferences(record: ExportRecord) -> dict[str, bool]:
    """The stated AI preferences: {"train-ai": allow?}. `search` stays unstated (no search use
    in our vocabulary). train-ai is "y" only when mining and both AI training uses are open now."""
    return {AIPREF_TRAIN_AI: mining_open(record)}


# ---------------------------------------------------------------------- RSL 1.0

RSL_NS = "https://rslstandard.org/rsl"
RSL_USAGE: dict[Use, str] = {
    Use.AI_TRAINING: "ai-train",
    Use.AI_GENERATIVE_TRAINING: "ai-train",
    Use.AI_INFERENCE: "ai-input",
}
"""RSL usage tokens per use. RSL has one training token for both AI training uses (they are
folded, most restrictive first), and no token for mining, commercial use, promotion or derivatives."""
RSL_PAYMENT: dict[str, str] = {"ai-train": "training", "ai-input": "use"}
"""The RSL payment type of a licence fee per usage token (per training use, per inference use)."""


def fold(signals: Sequence[UseSignal]) -> UseSignal:
    """The most restrictive of several uses' signals (denied < licence < duties < open); among
    licences, the highest fee; duties and end dates are merged."""
    if not signals:
        raise ValidationError("nothing to fold: no uses given")
    order = [SignalState.DENIED, SignalState.LICENCE, SignalState.DUTIES, SignalState.OPEN]
    worst = min(signals, key=lambda s: order.index(s.state))
    same = [s for s in signals if s.state is worst.state]
    ends = [s.until for s in signals if s.until is not None]
    return UseSignal(
        worst.use,
        worst.state,
        fee=max(s.fee for s in same),
        attribution=any(s.attribution for s in signals),
        until=min(ends) if ends else None,
        reason=worst.reason,
    )


def rsl_usage_signals(record: ExportRecord) -> dict[str, UseSignal]:
    """One folded signal per RSL usage token."""
    grouped: dict[str, list[UseSignal]] = {}
    for use, token in RSL_USAGE.items():
        grouped.setdefault(token, []).append(use_signal(record, use))
    return {token: fold(signals) for token, signals in grouped.items()}


__all__ = [
    "AIPREF_DRAFT",
    "MINING_USES",
    "RSL_NS",
    "RSL_PAYMENT",
    "RSL_USAGE",
    "SignalState",
    "UseSignal",
    "aipref_preferences",
    "fold",
    "mining_denied",
    "mining_open",
    "rsl_usage_signals",
    "use_signal",
]
