"""The rows of an audit answered from a snapshot, for either engine (local, or Ray workers), and their digest.

`SnapshotAnswers` holds what a snapshot's answers need once per process: the snapshot, its
policies' rules, its coded collection members (workflows/snapshot_members.py) and (with near
copies) one exact Hamming-range index per media kind over the registered works' and the members'
content codes. `answer` turns one block of items (content hash, path) into report rows the same
way `run_audit` does on the chain: an item that is by its hash a coded member of a collection gets
the collection's check of it (reason `... (member of collection N)`, a `collection` field, no
fee; the registry's precedence: a squatter's later registration of the member does not answer);
an unregistered file whose content code is within its media's threshold of a registered work's
gets that work's answer, reason `... (near copy of <hash>, distance N)`, or of a member's, the
collection's check of that member (`... (near copy of <hash> in collection N, distance D)`,
`collection`, no fee), when the match is decisive at the index's size (identity.chance);
otherwise it keeps its answer, never cleared, with the possible near copy named.

`rows_digest` is the report's digest: sha256 over one canonical JSON line per row, in manifest
order, the same whichever engine or block size wrote the rows.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..identity import THRESHOLDS, IndexSet, identify_file, uncoded_reason
from ..identity.chance import is_decisive, possible
from ..identity.iscc import IsccHeader
from ..vocabulary import Reason, Use
from .audit import ANSWERS, answer_of
from .snapshot import Snapshot, check_rows
from .snapshot_members import NO_COLLECTION, MemberAnswers

REPORT_FIELDS = ("hash", "path", "answer", "reason", "fee", "nearCopyOf", "distance")


def codes_index(snap: Snapshot) -> IndexSet:
    """The snapshot's coded works and coded collection members, one similarity index per media kind;
    ids are works-table rows, and -(1 + members-table row) for members (as the codes index negates them)."""
    indexes = IndexSet()
    for table, sign in ((snap.works, 1), (snap.members, -1)):
        if table.num_rows == 0 or "content_header" not in table.column_names:
            continue
        heads = table.column("content_header").fill_null(0).to_numpy()
        bodies = table.column("content_code").fill_null(0).to_numpy()
        for head in np.unique(heads):
            if int(head) == 0:
                continue
            media = IsccHeader.unpack(int(head)).media
            if media not in THRESHOLDS:
                continue
            rows = np.nonzero(heads == head)[0]
            indexes.index(media).add(bodies[rows], rows if sign > 0 else -(rows + 1))
    return indexes


@dataclass
class SnapshotAnswers:
    """Answers for one use (and licensee) from one snapshot; build once per process, call `answer` per block."""

    snap: Snapshot
    use: Use
    licensee: str | None = None
    unregistered_cleared: bool = False
    near_copies: bool = True
    rules: dict[int, Any] = field(init=False)
    policy_of: Any = field(init=False)
    hashes: list[str] = field(init=False)
    index: IndexSet | None = field(init=False)
    members: MemberAnswers = field(init=False)

    def __post_init__(self) -> None:
        self.rules = {p.policy_id: p.rules for p in self.snap.policy_rows()}
        self.members = MemberAnswers(self.snap)
        self.policy_of = self.snap.works.column("policy_id").to_numpy()
        self.hashes = ["0x" + h.hex() for h in self.snap.works.column("content_hash").to_pylist()]
        self.index = codes_index(self.snap) if self.near_copies else None

    @property
    def thresholds(self) -> dict[str, int]:
        return dict(THRESHOLDS)

    def _fee(self, row: int, reason: Reason) -> int | None:
        if reason is not Reason.LICENCE_REQUIRED:
            return None
        return int(self.rules[int(self.policy_of[row])][self.use.code][3])

    def _near(self, paths: dict[int, str]) -> tuple[dict[int, tuple[int, int, float]], dict[int, str]]:
        """For each position whose file is within the threshold of a registered work or coded member:
        (its works row, or -(1 + its members row), the distance, the chance); for each whose file has
        no content code: why (featureless image, too short a text)."""
        found: dict[int, tuple[int, int, float]] = {}
        skipped: dict[int, str] = {}
        if self.index is None or not paths:
            return found, skipped
        for k, path in paths.items():
            try:
                identity = identify_file(path)
            except ValidationError as exc:
                if (why := uncoded_reason(exc, Path(path).name)) is not None:
                    skipped[k] = why  # a damaged file of a media we code
                continue
            if identity.skipped_reason is not None:
                skipped[k] = identity.skipped_reason
            bits = identity.content_bits
            if bits is None or identity.media not in self.index.indexes or not len(self.index.index(identity.media)):
                continue
            matches = self.index.find(identity.media, bits, identity.mirrored_bits, rotated_codes=identity.rotated_bits)
            if matches:
                found[k] = (int(matches[0].id), int(matches[0].distance), float(matches[0].chance))
        return found, skipped

    def answer(self, hashes: Sequence[str], paths: Sequence[str | None]) -> list[dict[str, Any]]:
        """One report row per item, in order."""
        if not hashes:
            return []
        rows_at = self.snap.rows_of(list(hashes))
        codes = bytes(check_rows(self.snap, rows_at, self.use, self.licensee))
        members = list(Reason)
        unregistered = Reason.UNREGISTERED.code
        of = self.members.collection_of(list(hashes))
        in_collections = {k: int(c) for k, c in enumerate(of) if c != NO_COLLECTION}  # its own bytes are a member
        near, skipped = self._near({k: p for k, (c, p) in enumerate(zip(codes, paths, strict=True))
                                    if c == unregistered and p and k not in in_collections})
        possibles = {k: v for k, v in near.items() if not is_decisive(v[2])}  # not decisive: not answered
        near = {k: v for k, v in near.items() if k not in possibles}
        works_near = {k: v for k, v in near.items() if v[0] >= 0}
        theirs = b""
        if works_near:
            theirs = bytes(check_rows(self.snap, np.array([r for r, _, _ in works_near.values()]), self.use,
                                      self.licensee))
        their_reason = {k: members[c] for k, c in zip(works_near, theirs, strict=True)}
        # The collections' checks: of the items that are members, and of the members near copies match.
        asked = [(k, hashes[k], c) for k, c in in_collections.items()]
        asked += [(k, self.members.member_hashes[-row - 1], int(self.members.member_collections[-row - 1]))
                  for k, (row, _, _) in near.items() if row < 0]
        checked = self.members.reasons([h for _, h, _ in asked], [c for _, _, c in asked], self.use, self.licensee)
        member_reason = {k: reason for (k, _, _), reason in zip(asked, checked, strict=True)}
        out: list[dict[str, Any]] = []
        for k, (digest, path, code) in enumerate(zip(hashes, paths, codes, strict=True)):
            reason = members[code]
            row: dict[str, Any] = {
                "hash": str(digest), "path": path,
                "answer": answer_of(reason, unregistered_cleared=self.unregistered_cleared),
                "reason": reason.value,
                "fee": self._fee(int(rows_at[k]), reason) if reason is Reason.LICENCE_REQUIRED else None,
            }
            if k in in_collections:
                collection, theirs_now = in_collections[k], member_reason[k]
                row.update(answer=answer_of(theirs_now), fee=None, collection=collection,
                           reason=f"{theirs_now.value} (member of collection {collection})")
            elif k in near:
                work_row, distance, _ = near[k]
                if work_row >= 0:
                    work, theirs_now = self.hashes[work_row], their_reason[k]
                    row.update(answer=answer_of(theirs_now), fee=self._fee(work_row, theirs_now), nearCopyOf=work,
                               distance=distance,
                               reason=f"{theirs_now.value} (near copy of {work}, distance {distance})")
                else:
                    work = self.members.member_hashes[-work_row - 1]
                    collection = int(self.members.member_collections[-work_row - 1])
                    theirs_now = member_reason[k]
                    row.update(answer=answer_of(theirs_now), fee=None, nearCopyOf=work, distance=distance,
                               reason=f"{theirs_now.value} (near copy of {work} in collection {collection}, "
                                      f"distance {distance})", collection=collection)
            elif k in possibles:
                match_row, distance, chance = possibles[k]
                of_hash = self.hashes[match_row] if match_row >= 0 else self.members.member_hashes[-match_row - 1]
                row.update(answer=answer_of(reason), possibleNearCopyOf=of_hash, distance=distance,
                           chance=float(f"{chance:.2g}"),
                           reason=f"{reason.value} ({possible(of_hash, distance, chance)})")
            elif k in skipped:
                row["skippedReason"] = skipped[k]  # not matched by content (not in the digest's fields)
            out.append(row)
        return out


def tally(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Items per answer and the licence fees in total."""
    counts: Counter[str] = Counter()
    fees = items = 0
    for row in rows:
        items += 1
        counts[row["answer"]] += 1
        fees += int(row["fee"] or 0)
    return {"items": items, **{a: counts[a] for a in ANSWERS}, "licenceFeeTotal": fees}


def canonical_line(row: dict[str, Any]) -> bytes:
    values = [row.get(f) for f in REPORT_FIELDS]
    values[4] = None if values[4] is None else int(values[4])
    return json.dumps(values, separators=(",", ":")).encode() + b"\n"


def rows_digest(rows: Iterable[dict[str, Any]], digest: Any = None) -> Any:
    """sha256 over the rows' canonical lines (pass `digest` to go on from earlier rows)."""
    digest = digest or hashlib.sha256()
    for row in rows:
        digest.update(canonical_line(row))
    return digest


__all__ = ["REPORT_FIELDS", "SnapshotAnswers", "canonical_line", "codes_index", "rows_digest", "tally"]
