"""Dataset audits: is every work of a dataset cleared for a use, as of one block?

The report is a receipt: its header names the chain id, the registry's address and the block
(number, hash, time) every answer was read at, so anyone can re-run the same checks against
an archive node at that block and get the same answers.

Answers per item: `cleared` (allowed by terms or by a licence the licensee holds),
`needs-licence` (licence-required, with the fee the rule asks), `denied` (denied,
outside-window, expired, opted-out), `unregistered` (not cleared unless the caller says so),
`disputed`.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..files import regular_file
from ..identity import THRESHOLDS, Identity, identify_file, uncoded_reason
from ..identity.chance import chance_limit, possible
from ..manifests import Item, collect
from ..sdk.client import RightsLedger
from ..sdk.works import CHECK_CHUNK
from ..version import __version__
from ..vocabulary import ZERO_ADDRESS, Reason, Use, parse_address
from .bulk import Checkpoint, Progress, hash_items
from .identity_index import CodesIndex, WorkMatch, check_member_match

ANSWERS = ("cleared", "needs-licence", "denied", "unregistered", "disputed")
POLICY_CHUNK = 10_000
# A licensee makes every check consult the licence module too: smaller chunks keep such calls
# under the 50M-gas eth_call cap whatever that module costs (without one: ~4,600 gas per work).
LICENSEE_CHECK_CHUNK = 2_500


def answer_of(reason: Reason, *, unregistered_cleared: bool = False) -> str:
    if reason.allows:
        return "cleared"
    if reason is Reason.LICENCE_REQUIRED:
        return "needs-licence"
    if reason is Reason.UNREGISTERED:
        return "cleared" if unregistered_cleared else "unregistered"
    if reason is Reason.DISPUTED:
        return "disputed"
    return "denied"


@dataclass
class AuditResult:
    receipt: dict[str, Any]
    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    report: Path | None = None

    @property
    def all_cleared(self) -> bool:
        return bool(self.summary["cleared"] == self.summary["items"])


def checkpoint_path(report: Path) -> Path:
    return report.with_name(report.name + ".checkpoint")


def run_audit(
    client: RightsLedger,
    source: str | Path,
    use: Use,
    *,
    licensee: str | None = None,
    out: str | Path | None = None,
    unregistered_cleared: bool = False,
    workers: int = 4,
    progress: bool = True,
    keep_rows: bool = False,
    items: list[Item] | None = None,
    near_copies: bool = True,
    block: int | None = None,
) -> AuditResult:
    """Hash (resuming from a checkpoint), check at one pinned block (`block`, default the latest),
    price, and write the report.

    With `near_copies`, an unregistered file whose content code is within the threshold of a
    registered work's gets that work's answer (reason `... (near copy of <hash>, distance N)`);
    `unregistered_cleared` never clears such a file. Only works registered by the pinned block are
    matched (the codes index may have read further)."""
    who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
    source_path = Path(source).resolve()
    report = Path(out) if out else Path.cwd() / f"audit-{source_path.name}.jsonl"
    fmt = report_format_of(report)
    if items is None:  # a caller that validated its input first passes what collect() read
        items = collect(source_path)

    fingerprint = {"source": str(source_path), "items": len(items)}
    checkpoint = Checkpoint(checkpoint_path(report), fingerprint)
    resumed = checkpoint.load()
    bar = Progress("hashing", len(items)) if progress else None
    try:
        read = hash_items(items, workers=workers, checkpoint=checkpoint, progress=bar)
    finally:
        checkpoint.close(remove=False)
    if bar:
        bar.finish()

    pinned = client.w3.eth.get_block("latest" if block is None else block)
    number = int(pinned["number"])
    hashes = [str(i.content_hash) for i in items]
    chunk = LICENSEE_CHECK_CHUNK if licensee else CHECK_CHUNK
    reasons = client.check_hashes(hashes, use, licensee=who, block=number, workers=workers, chunk_size=chunk)
    members = list(Reason)
    fees = _fees(client, hashes, reasons, use, number)
    near: dict[int, NearCopy] = {}
    skipped: dict[int, str] = {}
    possibles: dict[int, WorkMatch] = {}
    codes_block: int | None = None
    in_collections = _collection_members(client, hashes, use, who, at=int(pinned["timestamp"]))
    if near_copies:
        near, skipped, codes_block, possibles = _near_copies(client, items, reasons, use, who, number, workers,
                                                             at=int(pinned["timestamp"]))
        near = {k: v for k, v in near.items() if k not in in_collections}  # its own bytes are a member
        possibles = {k: v for k, v in possibles.items() if k not in in_collections}

    receipt = {
        "tool": f"rightsledger {__version__}",
        "chainId": client.chain_id,
        "workRegistry": client.deployment.work_registry,
        "block": number,
        "blockHash": "0x" + bytes(pinned["hash"]).hex(),
        "blockTime": datetime.fromtimestamp(int(pinned["timestamp"]), tz=UTC).isoformat(),
        "use": use.value,
        "licensee": who if licensee else None,
        "unregisteredCleared": unregistered_cleared,
        "nearCopies": near_copies,
        "thresholds": dict(THRESHOLDS) if near_copies else None,
        "codesIndexBlock": codes_block,
        # A near match answers only when decisive: at most this many chance matches expected (identity.chance).
        "chanceLimit": chance_limit() if near_copies else None,
        "source": str(source_path),
        "items": len(items),
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    counts: Counter[str] = Counter()
    total_fee = 0
    rows: list[dict[str, Any]] = []
    for k, (item, code, fee) in enumerate(zip(items, reasons, fees, strict=True)):
        reason = members[code]
        answer = answer_of(reason, unregistered_cleared=unregistered_cleared)
        row: dict[str, Any] = {"hash": item.content_hash, "path": item.path, "answer": answer,
                               "reason": reason.value, "fee": fee}
        if k in in_collections:
            member_of, member_reason = in_collections[k]
            row.update(answer=answer_of(member_reason), fee=None, collection=member_of,
                       reason=f"{member_reason.value} (member of collection {member_of})")
        elif k in near:
            work, distance, their_reason, their_fee, collection = near[k]
            of = work if collection is None else f"{work} in collection {collection}"
            row.update(answer=answer_of(their_reason), fee=their_fee, nearCopyOf=work, distance=distance,
                       reason=f"{their_reason.value} (near copy of {of}, distance {distance})")
            if collection is not None:
                row["collection"] = collection
        elif k in possibles:
            # Not decisive (identity.chance): the item keeps its own answer, and is never cleared.
            m = possibles[k]
            row.update(answer=answer_of(reason), possibleNearCopyOf=m.content_hash, distance=m.distance,
                       chance=float(f"{m.chance:.2g}"),
                       reason=f"{reason.value} ({possible(m.content_hash, m.distance, m.chance)})")
        elif k in skipped:
            row["skippedReason"] = skipped[k]  # not matched by content: featureless, too short a text
        counts[row["answer"]] += 1
        total_fee += row["fee"] or 0
        rows.append(row)
    summary: dict[str, Any] = {"items": len(items), **{a: counts[a] for a in ANSWERS}}
    summary["licenceFeeTotal"] = total_fee
    summary["filesRead"] = read
    summary["resumedFromCheckpoint"] = resumed
    write_report(report, fmt, receipt, rows, summary)
    checkpoint.close(remove=True)
    return AuditResult(receipt, summary, rows if keep_rows else [], report)


@dataclass
class Purchase:
    """What `buy_licences` did: licences bought (hash, licence id, price), and those left for the cap."""

    bought: list[tuple[str, int, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)

    @property
    def spent(self) -> int:
        return sum(price for _, _, price in self.bought)


def buy_licences(
    client: RightsLedger, result: AuditResult, use: Use, *, cap: int, licensee: str | None = None
) -> Purchase:
    """Buy the licences an audit lists as needed (cheapest first), spending at most `cap` wei.

    Each work is bought once even if the dataset holds it twice. A work whose price went up
    since the audit is left for the cap like any other. Re-audit afterwards for a new receipt."""
    wanted: dict[str, int] = {}
    for row in result.rows:
        work = row.get("nearCopyOf") or row["hash"]  # a near copy needs the licence of the work it copies
        if row["answer"] == "needs-licence" and work not in wanted:
            wanted[work] = int(row["fee"] or 0)
    done = Purchase()
    for digest, fee in sorted(wanted.items(), key=lambda kv: kv[1]):
        if done.spent + fee > cap:
            done.skipped.append((digest, fee))
            continue
        licence = client.licensing.buy(digest, use, licensee=licensee)
        done.bought.append((digest, licence.licence_id, licence.price))
    return done


def _fees(client: RightsLedger, hashes: Sequence[str], reasons: bytes, use: Use, block: int) -> list[int | None]:
    """The fee of each licence-required work, from its policy's rule; each policy read once."""
    wanted = [i for i, code in enumerate(reasons) if code == Reason.LICENCE_REQUIRED.code]
    fees: list[int | None] = [None] * len(hashes)
    if not wanted:
        return fees
    ids = client.policy_ids([hashes[i] for i in wanted], block=block, chunk_size=POLICY_CHUNK)
    for index, policy_id in zip(wanted, ids, strict=True):
        fees[index] = client.policy(policy_id).rule(use).fee
    return fees


# A near copy's answer: (work, distance, its reason, its fee, the member's collection or None).
NearCopy = tuple[str, int, Reason, int | None, int | None]


MATCH_CHUNK = 1_000
"""Files whose near-copy queries share one read of their matches' holders (a JSON-RPC batch)."""


def _near_copies(
    client: RightsLedger, items: Sequence[Any], reasons: bytes, use: Use, licensee: str, block: int, workers: int,
    at: int | None = None,
) -> tuple[dict[int, NearCopy], dict[int, str], int, dict[int, WorkMatch]]:
    """For each unregistered item that is a near copy of a registered work or of a coded collection's
    member: (work, distance, its reason, its fee, the member's collection or None); for each that has
    no content code, why (featureless image, too short a text); the block the codes were read as
    of (the pinned block, or the index's last if behind); and for each whose nearest match is not
    decisive (identity.chance), that match. Works registered after `block` are not
    matched. A member is answered by its collection's check at `at` (the pinned block's time; a
    collection's terms have no history, so its current terms) and has no fee here. With no coded
    work or member indexed, no file is read."""
    candidates = [k for k, code in enumerate(reasons) if code == Reason.UNREGISTERED.code and items[k].path]
    found: dict[int, WorkMatch] = {}
    possibles: dict[int, WorkMatch] = {}
    skipped: dict[int, str] = {}
    member_answers: dict[int, Reason] = {}
    with CodesIndex(client) as index:
        index.sync()
        codes_block = min(index.next_block - 1, block)
        if not candidates or not (len(index) or index.member_count()):
            return {}, {}, codes_block, {}
        computed = zip(candidates, identities([items[k].path for k in candidates], workers), strict=True)
        while part := list(islice(computed, MATCH_CHUNK)):  # the holders of a chunk's matches: one batch
            coded: list[Identity | None] = []
            for k, identity in part:
                if isinstance(identity, str):  # a file of a media we code that could not be read
                    skipped[k], identity = identity, None
                elif identity is not None and identity.skipped_reason is not None:
                    skipped[k] = identity.skipped_reason
                coded.append(identity)
            matched = index.matches_of_many(coded, until_block=block, members=True)
            for (k, _), matches in zip(part, matched, strict=True):
                if matches and matches[0].decisive:
                    found[k] = matches[0]
                elif matches:  # as likely chance as a copy at this registry's size: listed, not answered
                    possibles[k] = matches[0]
        for k, match in found.items():
            if match.collection_id is not None:
                member_answers[k] = check_member_match(client, match, use, at=at,
                                                   licensee=None if licensee == ZERO_ADDRESS else licensee).reason
    if not found:
        return {}, skipped, codes_block, possibles
    works = {k: m.content_hash for k, m in found.items() if m.collection_id is None}
    theirs = client.check_hashes(list(works.values()), use, licensee=licensee, block=block, workers=workers)
    fees = _fees(client, list(works.values()), theirs, use, block)
    members = list(Reason)
    answers: dict[int, tuple[Reason, int | None]] = {
        k: (members[code], fee) for k, code, fee in zip(works, theirs, fees, strict=True)}
    answers |= {k: (reason, None) for k, reason in member_answers.items()}
    near = {k: (m.content_hash, m.distance, *answers[k], m.collection_id) for k, m in found.items()}
    return near, skipped, codes_block, possibles


def _collection_members(
    client: RightsLedger, hashes: Sequence[str], use: Use, licensee: str, at: int
) -> dict[int, tuple[int, Reason]]:
    """Items that are, by their exact hash, members of a coded collection the codes index holds:
    (collection, the collection's check of the member at `at`). The check applies the registry's
    precedence (ICollectionRegistry.checkMember): the item's own registration answers when it came
    strictly before the collection, the collection's holder registered it or a registrar verified it,
    otherwise the collection's
    terms do, so a squatter's later registration of an archive's work does not clear it here."""
    with CodesIndex(client) as index:
        index.sync()
        if not index.member_count():
            return {}
        of = index.member_collections(hashes)
    if not of:
        return {}
    who = None if licensee == ZERO_ADDRESS else licensee
    answers: dict[tuple[str, int], Reason] = {}
    out: dict[int, tuple[int, Reason]] = {}
    for k, digest in enumerate(hashes):
        collection = of.get(digest.lower())
        if collection is None:
            continue
        key = (digest.lower(), collection)
        if key not in answers:
            member = WorkMatch(digest.lower(), "", 0, "", collection_id=collection)
            answers[key] = check_member_match(client, member, use, licensee=who, at=at).reason
        out[k] = (collection, answers[key])
    return out


PARALLEL_FROM = 256
"""Unregistered files from which their codes are computed in worker processes (decoding dominates)."""


def _identity_or_none(path: str) -> Identity | str | None:
    try:
        return identify_file(path)
    except ValidationError as exc:
        # Not an image, text or audio: it has no near copies (None); a damaged one: why not (str).
        return uncoded_reason(exc, Path(path).name)


def identities(paths: Sequence[str], workers: int) -> list[Identity | str | None]:
    """The codes of files, in order (None where a file is of no media we code, why not where one of a
    media we code could not be read); in up to `workers` processes."""
    processes = min(workers, os.cpu_count() or 1)
    if processes <= 1 or len(paths) < PARALLEL_FROM:
        return [_identity_or_none(p) for p in paths]
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_identity_or_none, paths, chunksize=64))


def report_format_of(report: Path) -> str:
    suffix = report.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValidationError(f"report {report}: write .jsonl or .csv")


def write_report(
    path: Path, fmt: str, receipt: dict[str, Any], rows: list[dict[str, Any]], summary: dict[str, Any]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # A file name that is not UTF-8 is a str with lone surrogates: JSON escapes them (`\udce9`), and
    # the CSV writes them the same way, so the report stays UTF-8.
    with tmp.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
        if fmt == "jsonl":
            handle.write(json.dumps({"receipt": receipt}) + "\n")
            for row in rows:
                handle.write(json.dumps(row) + "\n")
            handle.write(json.dumps({"summary": summary}) + "\n")
        else:
            handle.write("# receipt " + json.dumps(receipt) + "\n")
            writer = csv.writer(handle)
            writer.writerow(["hash", "path", "answer", "reason", "fee_wei"])
            for row in rows:
                writer.writerow(
                    [
                        row["hash"],
                        row["path"] or "",
                        row["answer"],
                        row["reason"],
                        "" if row["fee"] is None else row["fee"],
                    ]
                )
            handle.write("# summary " + json.dumps(summary) + "\n")
    tmp.replace(path)


def read_report(path: str | Path) -> AuditResult:
    """Read back a report written by `run_audit` (JSONL or CSV); anything else is one ValidationError."""
    path = regular_file(path, what="audit report")
    try:
        return _parse_report(path, path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, IndexError, TypeError, ValueError):
        raise ValidationError(
            f"audit report {path} is not a report written by `rightsledger audit` (.jsonl or .csv)"
        ) from None


def _parse_report(path: Path, text: str) -> AuditResult:
    if path.suffix.lower() == ".csv":
        lines = text.splitlines()
        receipt = json.loads(lines[0].removeprefix("# receipt "))
        summary = json.loads(lines[-1].removeprefix("# summary "))
        reader = csv.DictReader(io.StringIO("\n".join(lines[1:-1])))
        rows = [
            {
                "hash": r["hash"],
                "path": r["path"] or None,
                "answer": r["answer"],
                "reason": r["reason"],
                "fee": int(r["fee_wei"]) if r["fee_wei"] else None,
            }
            for r in reader
        ]
        if not isinstance(receipt, dict) or not isinstance(summary, dict):
            raise TypeError("not a receipt and a summary")
        return AuditResult(receipt, summary, rows, path)
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    receipt, summary = records[0]["receipt"], records[-1]["summary"]
    if not isinstance(receipt, dict) or not isinstance(summary, dict):
        raise TypeError("not a receipt and a summary")
    return AuditResult(receipt, summary, records[1:-1], path)
