"""The contracts' check, answered offline: `contracts/libraries/Decision.sol` in Python and numpy.

`WorkRegistry.check` / `checkBatch` (and a collection's checks for members not registered on their
own) evaluate, for one use, licensee and moment `t`, in this order; the first that holds answers:

1. not registered                                       -> unregistered
2. status disputed                                      -> disputed
3. licensee given and holding a licence valid at t      -> allowed-by-licence
4. the use opted out (bit `use` of the opt-out mask)    -> opted-out
5. the policy expires (expiresAt != 0) and t >= expiresAt -> expired
6. the rule's mode is deny (also: no policy, id 0)      -> denied
7. outside the window: (start != 0 and t < start) or (end != 0 and t >= end) -> outside-window
8. the rule's mode is licence                           -> licence-required
9. otherwise                                            -> allowed-by-terms

A licence is valid at t when t lies in one of the licensee's periods [validFrom, validUntil) for
that work and use (LicenceManager.isLicensed; the periods are what LicenceIssued events report).
Reason codes are `vocabulary.Reason` codes (the contracts' REASON_* numbers). `decide` answers
one work; `decide_many` answers columns of works at once, the same way (the tests hold them equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import ValidationError
from .terms import Terms
from .vocabulary import Mode, Reason, Status, Use

USE_COUNT = len(Use)
MAX_UINT40 = 2**40 - 1

UNREGISTERED = Reason.UNREGISTERED.code
ALLOWED_BY_TERMS = Reason.ALLOWED_BY_TERMS.code
ALLOWED_BY_LICENCE = Reason.ALLOWED_BY_LICENCE.code
DENIED = Reason.DENIED.code
LICENCE_REQUIRED = Reason.LICENCE_REQUIRED.code
OUTSIDE_WINDOW = Reason.OUTSIDE_WINDOW.code
EXPIRED = Reason.EXPIRED.code
DISPUTED = Reason.DISPUTED.code
OPTED_OUT = Reason.OPTED_OUT.code

MODE_DENY = Mode.DENY.code
MODE_LICENCE = Mode.LICENCE.code
STATUS_DISPUTED = Status.DISPUTED.code

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Addresses = npt.NDArray[np.bytes_]


def _use_code(use: Use | int) -> int:
    code = use.code if isinstance(use, Use) else int(use)
    if not 0 <= code < USE_COUNT:
        raise ValidationError(f"unknown use code {code}; uses are 0..{USE_COUNT - 1} (see vocabulary.Use)")
    return code


def _moment(at: int) -> int:
    if not 0 < at < 2**64:
        raise ValidationError(
            f"time {at} cannot be checked offline: give seconds since the epoch (the chain's 0 means 'now')"
        )
    return at


def address_bytes(address: str | bytes) -> bytes:
    """An address as its 20 bytes (from 0x hex or bytes)."""
    if isinstance(address, bytes):
        raw = address
    else:
        text = address.strip().lower().removeprefix("0x")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
    if len(raw) != 20:
        raise ValidationError(f"{address!r} is not an address: expected 40 hex digits")
    return raw


# ---------------------------------------------------------------------- one work


def is_licensed(periods: Sequence[tuple[int, int]], at: int) -> bool:
    """Whether `at` lies in one of the licence periods [valid_from, valid_until)."""
    return any(start <= at < until for start, until in periods)


def decide(
    *,
    registered: bool,
    status: int,
    opt_out_mask: int,
    expires_at: int,
    mode: int,
    start: int,
    end: int,
    use: Use | int,
    licensed: bool,
    at: int,
) -> Reason:
    """Decision.decide for one work: `licensed` is whether the licensee asked about (if any) holds a
    licence for this work and use valid at `at` (False when no licensee is given)."""
    code = _use_code(use)
    if not registered:
        reason = UNREGISTERED
    elif status == STATUS_DISPUTED:
        reason = DISPUTED
    elif licensed:
        reason = ALLOWED_BY_LICENCE
    elif opt_out_mask & (1 << code):
        reason = OPTED_OUT
    elif expires_at != 0 and at >= expires_at:
        reason = EXPIRED
    elif mode == MODE_DENY:
        reason = DENIED
    elif (start != 0 and at < start) or (end != 0 and at >= end):
        reason = OUTSIDE_WINDOW
    elif mode == MODE_LICENCE:
        reason = LICENCE_REQUIRED
    else:
        reason = ALLOWED_BY_TERMS
    return Reason.from_code(reason)  # type: ignore[return-value]


# ---------------------------------------------------------------------- columns


@dataclass(frozen=True)
class PolicyTable:
    """Policies as dense arrays indexed by policy id (row 0: no policy, every use denied).

    `mode`, `start`, `end` are [ids, 7] (one column per use, in Use order); `expires` is [ids];
    `known[id]` says whether the table holds that policy (a work pointing elsewhere is an error).
    """

    mode: U8
    start: U64
    end: U64
    expires: U64
    known: Bools

    @classmethod
    def from_rules(cls, rows: Mapping[int, tuple[Sequence[tuple[int, int, int]], int]]) -> PolicyTable:
        """From {policy id: ([(mode, start, end)] x 7, expires_at)}."""
        size = max([0, *rows]) + 1
        mode = np.zeros((size, USE_COUNT), dtype=np.uint8)
        start = np.zeros((size, USE_COUNT), dtype=np.uint64)
        end = np.zeros((size, USE_COUNT), dtype=np.uint64)
        expires = np.zeros(size, dtype=np.uint64)
        known = np.zeros(size, dtype=np.bool_)
        known[0] = True
        for policy_id, (rules, expires_at) in rows.items():
            if policy_id <= 0:
                raise ValidationError(f"policy id {policy_id}: policy ids start at 1 (0 is 'no terms')")
            if len(rules) != USE_COUNT:
                raise ValidationError(f"policy {policy_id} has {len(rules)} rules; a policy has one per use (7)")
            for use, (m, s, e) in enumerate(rules):
                mode[policy_id, use], start[policy_id, use], end[policy_id, use] = m, s, e
            expires[policy_id] = expires_at
            known[policy_id] = True
        return cls(mode, start, end, expires, known)

    @classmethod
    def from_terms(cls, policies: Mapping[int, Terms]) -> PolicyTable:
        rows: dict[int, tuple[list[tuple[int, int, int]], int]] = {}
        for policy_id, terms in policies.items():
            raw_rules, expires_at = terms.as_policy()
            rows[policy_id] = ([(r[0], r[1], r[2]) for r in raw_rules], expires_at)
        return cls.from_rules(rows)


@dataclass(frozen=True)
class WorkColumns:
    """One entry per work: whether it is registered, its status, opt-out mask and policy id."""

    registered: Bools
    status: U8
    opt_out: U8
    policy_id: U32

    def __post_init__(self) -> None:
        n = len(self.registered)
        if not len(self.status) == len(self.opt_out) == len(self.policy_id) == n:
            raise ValidationError("the work columns differ in length")

    def __len__(self) -> int:
        return len(self.registered)

    def take(self, rows: I64) -> WorkColumns:
        """The works at `rows`; a row of -1 is an unregistered work."""
        present = rows >= 0
        safe = np.where(present, rows, 0)
        if len(self) == 0:
            zeros = np.zeros(len(rows), dtype=np.uint8)
            return WorkColumns(np.zeros(len(rows), dtype=np.bool_), zeros, zeros, zeros.astype(np.uint32))
        return WorkColumns(
            self.registered[safe] & present,
            self.status[safe],
            self.opt_out[safe],
            np.where(present, self.policy_id[safe], 0).astype(np.uint32),
        )


@dataclass(frozen=True)
class LicenceColumns:
    """Licence periods: work row (into the WorkColumns asked about), licensee (20 bytes), use, [start, until)."""

    work: I64
    licensee: Addresses
    use: U8
    start: U64
    until: U64

    @classmethod
    def empty(cls) -> LicenceColumns:
        return cls(
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype="S20"),
            np.zeros(0, dtype=np.uint8),
            np.zeros(0, dtype=np.uint64),
            np.zeros(0, dtype=np.uint64),
        )

    def licensed(self, works: int, use: int, licensee: bytes, at: int) -> Bools:
        """Per work row: does `licensee` hold a licence for `use` valid at `at`?"""
        # A work row of -1 (a licence on a work the columns do not hold) must not index from the end.
        hit = (self.work >= 0) & (self.use == use) & (self.start <= np.uint64(at)) & (np.uint64(at) < self.until)
        hit &= self.licensee == np.bytes_(licensee)
        out = np.zeros(works, dtype=np.bool_)
        out[self.work[hit]] = True
        return out


def decide_many(
    works: WorkColumns,
    policies: PolicyTable,
    use: Use | int,
    at: int,
    *,
    licensee: str | bytes | None = None,
    licences: LicenceColumns | None = None,
    licensed: Bools | None = None,
) -> U8:
    """Decision.decide over every work at once: one Reason code (uint8) per work.

    `licensee` None (or the zero address) asks without a licensee: licences are not consulted,
    as on-chain. `licensed` (per work) may be given instead of `licences`, already worked out."""
    code = _use_code(use)
    at = _moment(at)
    ids = works.policy_id.astype(np.int64)
    if len(ids) and (int(ids.max()) >= len(policies.known) or not bool(policies.known[ids].all())):
        missing = sorted({int(i) for i in ids if i >= len(policies.known) or not policies.known[i]})
        raise ValidationError(f"works point at policies the table does not hold: {missing[:5]}")
    when = np.uint64(at)
    mode = policies.mode[ids, code]
    start = policies.start[ids, code]
    end = policies.end[ids, code]
    expires = policies.expires[ids]
    who = address_bytes(licensee) if licensee is not None else bytes(20)
    if who == bytes(20):
        licensed = np.zeros(len(works), dtype=np.bool_)
    elif licensed is None:
        licensed = (
            licences.licensed(len(works), code, who, at)
            if licences is not None
            else np.zeros(len(works), dtype=np.bool_)
        )
    conditions = [
        ~works.registered,
        works.status == STATUS_DISPUTED,
        licensed,
        (works.opt_out & np.uint8(1 << code)) != 0,
        (expires != 0) & (when >= expires),
        mode == MODE_DENY,
        ((start != 0) & (when < start)) | ((end != 0) & (when >= end)),
        mode == MODE_LICENCE,
    ]
    choices = [UNREGISTERED, DISPUTED, ALLOWED_BY_LICENCE, OPTED_OUT, EXPIRED, DENIED, OUTSIDE_WINDOW, LICENCE_REQUIRED]
    return np.select(conditions, choices, default=ALLOWED_BY_TERMS).astype(np.uint8)


__all__ = [
    "LicenceColumns",
    "PolicyTable",
    "WorkColumns",
    "address_bytes",
    "decide",
    "decide_many",
    "is_licensed",
]
