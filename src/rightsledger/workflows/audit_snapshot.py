"""Audits answered offline from a registry snapshot (workflows/snapshot.py), optionally confirmed live.

The answers are those the chain gives at the snapshot's block (`decision.decide_many` over the
snapshot's columns, and for coded collection members the collection's check, as `checkMembers`
answers: workflows/snapshot_members.py); the receipt names that block, the snapshot's digest and how
many coded members it holds (None: a snapshot written before snapshots held members, whose items
are answered by their own hash and registered works only). `confirm_live` re-checks every item not
cleared on the chain at its latest block (`check_hashes` in bulk; a member, or a near copy of one,
with its collection's check) and lists those whose answer changed since the snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..identity import THRESHOLDS
from ..identity.chance import chance_limit, possible
from ..manifests import collect
from ..sdk.client import RightsLedger
from ..sdk.works import CHECK_CHUNK
from ..version import __version__
from ..vocabulary import ZERO_ADDRESS, Reason, Use, parse_address
from .audit import LICENSEE_CHECK_CHUNK, AuditResult, answer_of, checkpoint_path, report_format_of, write_report
from .audit_rows import SnapshotAnswers, rows_digest, tally
from .bulk import Checkpoint, Progress, hash_items
from .identity_index import WorkMatch, check_member_match
from .snapshot import Snapshot, read_snapshot


def run_snapshot_audit(
    snapshot_dir: str | Path,
    source: str | Path,
    use: Use,
    *,
    licensee: str | None = None,
    out: str | Path | None = None,
    unregistered_cleared: bool = False,
    workers: int = 4,
    progress: bool = True,
    keep_rows: bool = False,
    confirm_live: RightsLedger | None = None,
    near_copies: bool = True,
) -> AuditResult:
    """Hash (resuming from a checkpoint), answer from the snapshot, write the report (same format as `run_audit`)."""
    snap = read_snapshot(snapshot_dir)
    who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
    source_path = Path(source).resolve()
    report = Path(out) if out else Path.cwd() / f"audit-{source_path.name}.jsonl"
    fmt = report_format_of(report)
    items = collect(source_path)
    checkpoint = Checkpoint(checkpoint_path(report), {"source": str(source_path), "items": len(items)})
    resumed = checkpoint.load()
    bar = Progress("hashing", len(items)) if progress else None
    try:
        read = hash_items(items, workers=workers, checkpoint=checkpoint, progress=bar)
    finally:
        checkpoint.close(remove=False)
    if bar:
        bar.finish()

    answers = SnapshotAnswers(snap, use, who if licensee else None, unregistered_cleared, near_copies)
    rows = answers.answer([str(i.content_hash) for i in items], [i.path for i in items])
    receipt = snapshot_receipt(snap, snapshot_dir, use, who if licensee else None, unregistered_cleared,
                               near_copies, source_path, len(items))
    summary: dict[str, Any] = tally(rows)
    summary["reportDigest"] = rows_digest(rows).hexdigest()
    summary["filesRead"] = read
    summary["resumedFromCheckpoint"] = resumed
    if confirm_live is not None:
        summary["confirmedLive"] = _confirm(confirm_live, rows, use, who, licensee is not None, unregistered_cleared)
    write_report(report, fmt, receipt, rows, summary)
    checkpoint.close(remove=True)
    return AuditResult(receipt, summary, rows if keep_rows else [], report)


def snapshot_receipt(
    snap: Snapshot, snapshot_dir: str | Path, use: Use, licensee: str | None, unregistered_cleared: bool,
    near_copies: bool, source: Path, items: int,
) -> dict[str, Any]:
    """The receipt of an audit answered from `snap`: its block, its digest, the thresholds, the source."""
    meta = snap.meta
    return {
        "tool": f"rightsledger {__version__}",
        "chainId": meta.chain_id,
        "workRegistry": meta.contracts.get("WorkRegistry"),
        "block": meta.block_number,
        "blockHash": meta.block_hash,
        "blockTime": datetime.fromtimestamp(meta.block_time, tz=UTC).isoformat(),
        "use": use.value,
        "licensee": licensee,
        "unregisteredCleared": unregistered_cleared,
        "nearCopies": near_copies,
        "thresholds": dict(THRESHOLDS) if near_copies else None,
        "chanceLimit": chance_limit() if near_copies else None,
        "source": str(source),
        "items": items,
        "snapshot": {"path": str(Path(snapshot_dir).resolve()), "digest": snap.manifest["digest"], **_members(snap)},
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _members(snap: Snapshot) -> dict[str, Any]:
    if snap.holds_members:
        return {"members": snap.members.num_rows}
    return {"members": None, "membersAbsent": "a snapshot written before snapshots held collection members: no item "
                                              "is answered as a coded collection member or a near copy of one"}


def _confirm(
    client: RightsLedger, rows: list[dict[str, Any]], use: Use, who: str, has_licensee: bool, unregistered_cleared: bool
) -> dict[str, Any]:
    """Re-check the items not cleared on the chain at its latest block, in bulk."""
    wanted = [r for r in rows if r["answer"] != "cleared" or r["reason"] == Reason.UNREGISTERED.value]
    block = int(client.w3.eth.block_number)
    chunk = LICENSEE_CHECK_CHUNK if has_licensee else CHECK_CHUNK
    # a near copy is answered as the work it copies: re-check that work (a member: with its collection's check)
    works = [r for r in wanted if r.get("collection") is None]
    asked = [str(r.get("nearCopyOf") or r["hash"]) for r in works]
    codes = client.check_hashes(asked, use, licensee=who, block=block, chunk_size=chunk)
    members = list(Reason)
    now_of = {id(row): members[code] for row, code in zip(works, codes, strict=True)}
    for row in wanted:
        if row.get("collection") is not None:
            member = WorkMatch(str(row.get("nearCopyOf") or row["hash"]).lower(), "", 0, "",
                               collection_id=int(row["collection"]))
            now_of[id(row)] = check_member_match(client, member, use, licensee=who if has_licensee else None).reason
    changed = []
    for row in wanted:
        reason = now_of[id(row)]
        now = reason.value
        if row.get("collection") is not None and row.get("nearCopyOf"):
            now = (f"{now} (near copy of {row['nearCopyOf']} in collection {row['collection']}, "
                   f"distance {row['distance']})")
            answer = answer_of(reason)
        elif row.get("collection") is not None:
            now = f"{now} (member of collection {row['collection']})"
            answer = answer_of(reason)
        elif row.get("nearCopyOf"):
            now = f"{now} (near copy of {row['nearCopyOf']}, distance {row['distance']})"
            answer = answer_of(reason)  # never cleared as unregistered: it is the work's answer
        elif row.get("possibleNearCopyOf"):
            now = f"{now} ({possible(row['possibleNearCopyOf'], row['distance'], row['chance'])})"
            answer = answer_of(reason)  # a possible near copy is never cleared either
        else:
            answer = answer_of(reason, unregistered_cleared=unregistered_cleared)
        if now != row["reason"]:
            changed.append({"hash": row["hash"], "was": row["reason"], "now": now, "answer": answer})
    return {"block": block, "checked": len(wanted), "changed": changed}


__all__ = ["run_snapshot_audit", "snapshot_receipt"]
