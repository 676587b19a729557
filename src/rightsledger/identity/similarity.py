"""An exact Hamming-range index over 64-bit content codes (multi-index hashing, numpy only).

Structure, chosen by measurement (docs/identity.md, bench/identity.py):

- the codes are kept sorted ascending (8 bytes each), their ids alongside (the caller's ids);
- the 64 bits are split into three blocks of 22, 21 and 21 bits. With r = T // 3 and a = T - 3r,
  a code within distance T of the query agrees with it within r bits on one of the first a + 1
  blocks or within r - 1 bits on one of the others (pigeonhole; Norouzi et al., "Fast exact
  search in Hamming space with multi-index hashing"); at T = 12 the radii are 4, 3, 3. So
  enumerating the block values within those radii finds every answer, and each candidate is
  then checked on all 64 bits: the answers equal a brute-force scan;
- block 0 is the top 22 bits, so its buckets are runs of the sorted codes themselves; blocks 1
  and 2 each keep a permutation into the sorted codes (3 bytes a code while there are under 2**24
  codes, 4 beyond);
- each block keeps its bucket offsets as a uint32 every 64 buckets plus a uint16 step per
  bucket, behind a one-bit-per-bucket occupancy map (most probed buckets are empty, and the map
  stays in cache where the steps do not): 18.6 MB for the three blocks, whatever the number of codes.

So a code costs 8 + 3 + 3 = 14 bytes plus its id, plus the fixed 18.6 MB (1.9 bytes a code at 10M).
Below `SCAN_BELOW` codes there are no tables and a query is a scan of the codes.
Additions go to a small buffer that is scanned and merged into the tables once it grows;
removals are marked (a byte a code, only once something was removed) and dropped at the next merge.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rightsledger.errors import ValidationError
from rightsledger.identity.chance import ROTATION_MARGIN, chance_matches, is_decisive

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

WIDTHS = (22, 21, 21)
SHIFTS = (42, 21, 0)
GROUP_BITS = 6
GROUP = 1 << GROUP_BITS  # buckets per uint32 base in the compressed offsets
SCAN_BELOW = 65_536
MAX_TABLE_DISTANCE = 15  # above this the enumeration costs more than a scan
FORMAT_VERSION = 1

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


def popcount64(x: U64) -> U64:
    """Bits set in each uint64 (SWAR, in place on a copy; numpy 1.26 has no bitwise_count)."""
    x = x.copy()
    _popcount_inplace(x)
    return x


def _popcount_inplace(x: U64) -> None:
    t = np.right_shift(x, np.uint64(1))
    t &= _M1
    x -= t
    np.right_shift(x, np.uint64(2), out=t)
    t &= _M2
    x &= _M2
    x += t
    np.right_shift(x, np.uint64(4), out=t)
    x += t
    x &= _M4
    x *= _H01
    x >>= np.uint64(56)


def _within(codes: U64, queries: U64 | np.uint64, t: int) -> npt.NDArray[np.bool_]:
    """codes[i] within distance t of queries[i] (or of one query)."""
    x = np.bitwise_xor(codes, queries)
    _popcount_inplace(x)
    return x <= np.uint64(t)


def radii(distance: int) -> tuple[int, int, int]:
    """Search radius per block so that every code within `distance` is found (pigeonhole)."""
    r, a = divmod(distance, len(WIDTHS))
    return tuple(r if i <= a else r - 1 for i in range(len(WIDTHS)))  # type: ignore[return-value]


@lru_cache(maxsize=32)
def _flip_masks(width: int, radius: int) -> I64:
    masks = [0]
    for k in range(1, radius + 1):
        masks.extend(sum(1 << i for i in combo) for combo in itertools.combinations(range(width), k))
    return np.array(masks, dtype=np.int64)


@dataclass(frozen=True, slots=True, order=True)
class Match:
    """A registered code within the threshold. Ordered nearest first, then by id."""

    distance: int
    id: int
    code: int
    mirrored: bool = False
    # The query was a query variant of the image (identity.image.query_variants): rotated back by
    # a few degrees, or with thin overlays such as a text watermark filtered out.
    rotated: bool = False
    # Unrelated codes the query was expected to find this near by chance, at the index's size
    # (identity.chance): set by IndexSet.find; at most chance.CHANCE_LIMIT, the match is decisive.
    chance: float = 0.0

    @property
    def decisive(self) -> bool:
        return is_decisive(self.chance)


class _Offsets:
    """Bucket ranges: a uint32 base per group of GROUP buckets, and per group GROUP + 1 small steps.

    `step[g, j]` is the start of bucket g * GROUP + j relative to `base[g]`, for j = 0..GROUP, so a
    bucket's count is the difference of two adjacent steps, with no base needed.
    """

    def __init__(self, keys: npt.NDArray[Any], width: int) -> None:
        counts = np.bincount(keys, minlength=1 << width)
        full = np.zeros((1 << width) + 1, dtype=np.int64)
        np.cumsum(counts, out=full[1:])
        groups = (1 << width) // GROUP
        starts = full[: groups * GROUP].reshape(groups, GROUP)
        self.base = starts[:, 0].astype(np.uint32)
        ends = full[GROUP::GROUP].reshape(groups, 1)
        step = np.concatenate([starts, ends], axis=1) - starts[:, :1]
        self.step = step.astype(np.uint16 if int(step.max()) < 1 << 16 else np.uint32).ravel()
        # One bit per bucket: most probed buckets are empty, and this bitmap stays in cache where
        # the steps do not.
        self.occupied = np.packbits(counts > 0, bitorder="little")

    def ranges(self, keys: I64) -> tuple[npt.NDArray[np.bool_], I64, I64]:
        """(non-empty mask, start, count) of the buckets `keys`; start and count for non-empty ones only."""
        nonempty = ((self.occupied[keys >> 3] >> (keys & 7).astype(np.uint8)) & 1).astype(np.bool_)
        keys = keys[nonempty]
        group = keys >> GROUP_BITS
        flat = keys + group
        lo = self.step[flat]
        count = self.step[flat + 1].astype(np.int64) - lo
        start = self.base[group] + lo.astype(np.int64)
        return nonempty, start, count

    @property
    def nbytes(self) -> int:
        return int(self.base.nbytes + self.step.nbytes + self.occupied.nbytes)


class _Perm:
    """Positions into the sorted codes, 3 bytes each below 2**24 codes."""

    def __init__(self, order: I64) -> None:
        if order.size < 1 << 24:
            self.lo: npt.NDArray[Any] = (order & 0xFFFF).astype(np.uint16)
            self.hi: npt.NDArray[Any] | None = (order >> 16).astype(np.uint8)
        else:
            self.lo = order.astype(np.uint32)
            self.hi = None

    def __getitem__(self, idx: I64) -> I64:
        lo = self.lo[idx].astype(np.int64)
        if self.hi is None:
            return lo
        return lo | (self.hi[idx].astype(np.int64) << 16)

    @property
    def nbytes(self) -> int:
        return int(self.lo.nbytes + (0 if self.hi is None else self.hi.nbytes))


def _as_codes(codes: Iterable[int] | npt.ArrayLike) -> U64:
    try:
        if isinstance(codes, np.ndarray):
            if codes.dtype.kind == "i" and codes.size and int(codes.min()) < 0:
                raise ValidationError("content codes are unsigned 64-bit numbers; got a negative value")
            arr = codes.astype(np.uint64, copy=False)
        else:
            values = [int(c) for c in codes]  # type: ignore[union-attr,arg-type]
            if any(v < 0 or v >= 1 << 64 for v in values):
                raise ValidationError("content codes are unsigned 64-bit numbers (0 <= code < 2**64)")
            arr = np.array(values, dtype=np.uint64)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"content codes must be 64-bit unsigned integers ({exc})") from None
    return np.ascontiguousarray(arr.reshape(-1))


def _as_ids(ids: Iterable[int] | npt.ArrayLike, n: int) -> I64:
    try:
        arr = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"ids must be integers ({exc})") from None
    if arr.size and arr.dtype.kind not in "iu":
        raise ValidationError(f"ids must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    if arr.size != n:
        raise ValidationError(f"{n} codes but {arr.size} ids: give one id per code")
    return arr


class SimilarityIndex:
    """Exact range queries by Hamming distance over 64-bit codes, one index per media kind."""

    def __init__(self, threshold: int = 12) -> None:
        if not 0 <= threshold <= 64:
            raise ValidationError(f"threshold must be 0..64 bits, got {threshold}")
        self.threshold = threshold
        self._codes: U64 = np.zeros(0, dtype=np.uint64)
        self._ids: I64 = np.zeros(0, dtype=np.int64)
        self._dead: npt.NDArray[np.bool_] | None = None
        self._offsets: list[_Offsets] = []
        self._perms: list[_Perm | None] = []
        self._pending_codes: list[U64] = []
        self._pending_ids: list[I64] = []
        self._pending_n = 0

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def from_arrays(cls, codes: npt.ArrayLike, ids: npt.ArrayLike, *, threshold: int = 12) -> SimilarityIndex:
        """An index over `codes` (uint64) with `ids` (integers, one per code), e.g. rows of the indexer DB."""
        index = cls(threshold)
        c = _as_codes(codes)
        index._build(c, _as_ids(ids, c.size))
        return index

    def _build(self, codes: U64, ids: I64) -> None:
        order = np.argsort(codes, kind="stable")
        self._codes = codes[order]
        self._ids = ids[order]
        self._dead = None
        self._offsets, self._perms = [], []
        if self._codes.size < SCAN_BELOW:
            return
        for block, (width, shift) in enumerate(zip(WIDTHS, SHIFTS, strict=True)):
            keys = ((self._codes >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)
            if block == 0:
                self._perms.append(None)
            else:
                self._perms.append(_Perm(np.argsort(keys, kind="stable").astype(np.int64)))
            self._offsets.append(_Offsets(keys, width))

    def add(self, codes: npt.ArrayLike, ids: npt.ArrayLike) -> None:
        """Add codes (with their ids); they are found by the next query."""
        c = _as_codes(codes)
        i = _as_ids(ids, c.size)
        if c.size == 0:
            return
        self._pending_codes.append(c)
        self._pending_ids.append(i)
        self._pending_n += c.size
        if self._pending_n > max(4096, self._codes.size // 16):
            self.compact()

    def remove(self, ids: npt.ArrayLike) -> int:
        """Remove every code with one of these ids; returns how many were removed."""
        gone = _as_ids(ids, np.asarray(ids).size)
        removed = 0
        if self._codes.size:
            hit = np.isin(self._ids, gone)
            if self._dead is not None:
                hit &= ~self._dead
            n = int(hit.sum())
            if n:
                self._dead = hit if self._dead is None else (self._dead | hit)
                removed += n
        for k, pid in enumerate(self._pending_ids):
            keep = ~np.isin(pid, gone)
            removed += int((~keep).sum())
            self._pending_ids[k], self._pending_codes[k] = pid[keep], self._pending_codes[k][keep]
        self._pending_n = sum(p.size for p in self._pending_ids)
        return removed

    def compact(self) -> None:
        """Merge pending additions and drop removed codes (rebuilds the tables)."""
        codes, ids = self.arrays()
        self._pending_codes, self._pending_ids, self._pending_n = [], [], 0
        self._build(codes, ids)

    def arrays(self) -> tuple[U64, I64]:
        """All live (code, id) pairs, e.g. to persist them."""
        codes, ids = self._codes, self._ids
        if self._dead is not None:
            codes, ids = codes[~self._dead], ids[~self._dead]
        return (np.concatenate([codes, *self._pending_codes]), np.concatenate([ids, *self._pending_ids]))

    def __len__(self) -> int:
        dead = 0 if self._dead is None else int(self._dead.sum())
        return int(self._codes.size) - dead + self._pending_n

    def memory(self) -> dict[str, int]:
        """Bytes held, by part: `codes`, `ids` and `perms` grow with the codes; `offsets` is fixed."""
        pending = sum(c.nbytes + i.nbytes for c, i in zip(self._pending_codes, self._pending_ids, strict=True))
        return {
            "codes": int(self._codes.nbytes),
            "ids": int(self._ids.nbytes),
            "perms": sum(p.nbytes for p in self._perms if p is not None),
            "offsets": sum(o.nbytes for o in self._offsets),
            "removed": 0 if self._dead is None else int(self._dead.nbytes),
            "pending": int(pending),
        }

    @property
    def nbytes(self) -> int:
        """Memory held by the index, ids included."""
        return sum(self.memory().values())

    # ---- querying -------------------------------------------------------------------------
    def query(self, code: int, max_distance: int | None = None, *, mirrored: bool = False) -> list[Match]:
        """Every live code within `max_distance` (default: the index threshold) of `code`, nearest first."""
        return self.query_many([code], max_distance, mirrored=mirrored)[0]

    def query_many(self, codes: Sequence[int] | npt.ArrayLike, max_distance: int | None = None, *,
                   mirrored: bool = False, batch: int = 64, workers: int = 1) -> list[list[Match]]:
        """`query` for many codes at once, vectorised in batches (much faster per code).

        `workers` > 1 runs the batches on that many threads (numpy releases the GIL while it
        gathers and counts); it only helps on idle cores. Do not add or remove codes meanwhile."""
        t = self.threshold if max_distance is None else max_distance
        if not isinstance(t, int) or not 0 <= t <= 64:
            raise ValidationError(f"max distance must be 0..64 bits, got {t!r}")
        qs = _as_codes(codes)
        batches = [qs[lo:lo + batch] for lo in range(0, qs.size, batch)]
        threads = max(1, workers)
        if threads == 1 or len(batches) < 2:
            results = [self._query_batch(b, t, mirrored) for b in batches]
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                results = list(pool.map(lambda b: self._query_batch(b, t, mirrored), batches))
        return [matches for result in results for matches in result]

    def _query_batch(self, qs: U64, t: int, mirrored: bool) -> list[list[Match]]:
        if self._offsets and t <= MAX_TABLE_DISTANCE:
            qidx, pos = self._table_hits(qs, t)
        else:
            qidx, pos = self._scan(qs, t)
        if self._dead is not None and pos.size:
            live = ~self._dead[pos]
            qidx, pos = qidx[live], pos[live]
        found_codes, found_ids = self._codes[pos], self._ids[pos]
        if self._pending_n:
            pc, pi = np.concatenate(self._pending_codes), np.concatenate(self._pending_ids)
            near_q, near_p = np.nonzero(_within(qs[:, None], pc[None, :], t))
            qidx = np.concatenate([qidx, near_q])
            found_codes = np.concatenate([found_codes, pc[near_p]])
            found_ids = np.concatenate([found_ids, pi[near_p]])
        dist = popcount64(found_codes ^ qs[qidx]).astype(np.int64)
        order = np.lexsort((found_ids, dist, qidx))
        qidx, dist, found_ids, found_codes = qidx[order], dist[order], found_ids[order], found_codes[order]
        bounds = np.searchsorted(qidx, np.arange(qs.size + 1))
        d, i, c = dist.tolist(), found_ids.tolist(), found_codes.tolist()
        return [[Match(d[k], i[k], c[k], mirrored) for k in range(bounds[j], bounds[j + 1])] for j in range(qs.size)]

    def _scan(self, qs: U64, t: int) -> tuple[I64, I64]:
        """Brute force, a query at a time: (query index, position) of every code within t."""
        qidx: list[I64] = []
        pos: list[I64] = []
        for j, q in enumerate(qs):
            hit = np.flatnonzero(_within(self._codes, q, t)).astype(np.int64)
            pos.append(hit)
            qidx.append(np.full(hit.size, j, dtype=np.int64))
        empty = np.zeros(0, dtype=np.int64)
        return (np.concatenate([empty, *qidx]), np.concatenate([empty, *pos]))

    def _table_hits(self, qs: U64, t: int) -> tuple[I64, I64]:
        """Multi-index hashing: enumerate near block values, check candidates on all 64 bits."""
        n = np.int64(self._codes.size)
        found: list[I64] = [np.zeros(0, dtype=np.int64)]
        for block, radius in enumerate(radii(t)):
            if radius < 0:
                continue
            width, shift = WIDTHS[block], SHIFTS[block]
            masks = _flip_masks(width, radius)
            qkeys = ((qs >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)
            keys = (qkeys[:, None] ^ masks[None, :]).ravel()
            owner = np.repeat(np.arange(qs.size, dtype=np.int64), masks.size)
            nonempty, start, count = self._offsets[block].ranges(keys)
            owner = owner[nonempty]
            if not count.size:
                continue
            ends = np.cumsum(count)
            idx = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(start - (ends - count), count)
            owner = np.repeat(owner, count)
            perm = self._perms[block]
            pos = idx if perm is None else perm[idx]
            near = _within(self._codes[pos], qs[owner], t)
            found.append(owner[near] * n + pos[near])
        pairs = np.unique(np.concatenate(found))  # a code near in two blocks is found twice
        return pairs // n, pairs % n

    # ---- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the live codes and ids (16 bytes a pair) to an .npz file; `load` rebuilds the tables."""
        codes, ids = self.arrays()
        p = Path(path)
        with p.open("wb") as fh:
            np.savez(fh, codes=codes, ids=ids, threshold=np.array([self.threshold, FORMAT_VERSION], dtype=np.int64))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SimilarityIndex:
        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as data:
                codes, ids, meta = data["codes"], data["ids"], data["threshold"]
        except FileNotFoundError:
            raise ValidationError(f"{p}: no such index file") from None
        except (OSError, KeyError, ValueError) as exc:
            raise ValidationError(f"{p}: not a similarity index file ({exc}); "
                                  "rebuild it from the index database") from None
        if int(meta[1]) != FORMAT_VERSION:
            raise ValidationError(f"{p}: index format {int(meta[1])}, this version reads {FORMAT_VERSION}; rebuild it")
        return cls.from_arrays(codes, ids, threshold=int(meta[0]))




class IndexSet:
    """One SimilarityIndex per media kind, each with its own threshold."""

    def __init__(self, thresholds: dict[str, int] | None = None) -> None:
        from rightsledger.identity.codes import THRESHOLDS

        self.thresholds = dict(THRESHOLDS if thresholds is None else thresholds)
        self.indexes = {kind: SimilarityIndex(t) for kind, t in self.thresholds.items()}

    def index(self, media: str) -> SimilarityIndex:
        try:
            return self.indexes[media]
        except KeyError:
            known = ", ".join(self.indexes)
            raise ValidationError(f"no similarity index for media {media!r}; known: {known}") from None

    def find(self, media: str, code: int, mirrored_code: int | None = None,
             max_distance: int | None = None, *, rotated_codes: Sequence[int] = ()) -> list[Match]:
        """Matches of a code and, for images, of its mirrored code and its query variants; one per
        id, nearest first (a variant's distance counted ROTATION_MARGIN more; the code itself wins a
        tie), each with its `chance` at this index's size."""
        index = self.index(media)
        best: dict[int, Match] = {}
        found = index.query(code, max_distance)
        if mirrored_code is not None:
            found += index.query(mirrored_code, max_distance, mirrored=True)
        if rotated_codes:
            # A rotated-back query is one more chance for an unrelated code to fall near: it is
            # matched 2 bits tighter, which keeps its chance matches ~20x rarer (docs/identity.md).
            tighter = (index.threshold if max_distance is None else max_distance) - ROTATION_MARGIN
            if tighter >= 0:
                found += [replace(m, rotated=True) for ms in index.query_many(list(rotated_codes), tighter)
                          for m in ms]
        # A variant's match at d is the query's match at level d + ROTATION_MARGIN (where its own code
        # and mirror would be matched too): its chance is the query's at that level. So matches are
        # kept and ranked by level, not distance: a work 11 bits from the code itself is stronger
        # evidence than one 10 bits from a variant (level 12), and the first match (the one a check
        # answers with) is the most decisive.
        def rank(m: Match) -> tuple[int, bool, Match]:  # at one level, the code's own match first
            return m.distance + (ROTATION_MARGIN if m.rotated else 0), m.rotated, m

        for m in found:
            if m.id not in best or rank(m) < rank(best[m.id]):
                best[m.id] = m
        size, mirrored, variants = len(index), mirrored_code is not None, len(rotated_codes)
        ranked = sorted(best.values(), key=rank)
        return [replace(m, chance=chance_matches(rank(m)[0], size, mirrored=mirrored, variants=variants))
                for m in ranked]
