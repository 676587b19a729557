"""Audits answered from a registry snapshot as a Ray Data pipeline (`audit MANIFEST --snapshot DIR --engine ray`).

The driver plans the manifest (Parquet, CSV or JSONL) into blocks of `block_rows` rows: Parquet
by row count, CSV and JSONL by line (one row per line; the byte offset of every block's first
line is found in one pass). The blocks go through `map_batches` to a pool of actors, each of
which reads the snapshot once (verifying its digests) and then, per block: reads its rows, hashes
the files that have no hash, computes the content codes of the unregistered ones, answers every
item from the snapshot (exact hashes; near copies within the media's threshold:
`audit_rows.SnapshotAnswers`, the same code the local engine runs) and writes
`part-NNNNNN.parquet` with a `part-NNNNNN.json` beside it (the part's sha256, its rows' digest,
its counts). Then the driver writes `receipt.json`: the receipt of a local snapshot audit, the
summary, and the report's digest (`audit_rows.rows_digest`: equal to the local report's).

Resumable: `plan.json` fixes the source, the snapshot, the question and the block size; a rerun
into the same folder skips every block whose part file matches its sidecar and redoes the rest.

Ray is an optional extra (`pip install 'rightsledger[ray]'`): it is imported only here, on use.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, NotFoundError, RightsLedgerError, ValidationError
from ..hashing import sha256_of_file
from ..manifests import item_of, json_object
from ..vocabulary import ZERO_ADDRESS, Use, parse_address
from .audit import AuditResult
from .audit_rows import SnapshotAnswers, rows_digest, tally
from .audit_snapshot import snapshot_receipt
from .snapshot import read_snapshot
from .snapshot_rows import file_sha256_hex

PLAN_FORMAT = "rightsledger-ray-audit-v1"
DEFAULT_BLOCK_ROWS = 10_000
_SCAN = 8 << 20


def import_ray() -> Any:
    """The `ray` module, or one clear error naming the extra."""
    try:
        import ray  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import ray.data  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'rightsledger[ray]' (or use --engine local)") from None
    return ray


def as_arrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError("Ray audits need pyarrow: pip install 'rightsledger[parquet,ray]'") from None
    return pa, pq


# ---------------------------------------------------------------------- the manifest in blocks


@dataclass(frozen=True)
class Plan:
    source: str
    kind: str  # "parquet" | "csv" | "jsonl"
    rows: int
    block_rows: int
    offsets: tuple[int, ...] = ()  # csv/jsonl: byte offset of each block's first line, then the file's end
    header: str = ""  # csv: the header line

    @property
    def blocks(self) -> int:
        return (self.rows + self.block_rows - 1) // self.block_rows


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValidationError(f"{path}: the Ray engine reads manifests in .parquet, .csv or .jsonl (not folders or .json)")


def plan_manifest(source: str | Path, block_rows: int = DEFAULT_BLOCK_ROWS) -> Plan:
    """Cut a manifest into blocks of `block_rows` rows (the last one shorter)."""
    if block_rows < 1:
        raise ValidationError(f"--block-rows must be at least 1, got {block_rows}")
    path = Path(source).resolve()
    if path.is_dir():
        raise ValidationError(f"{path} is a folder: the Ray engine reads manifests in .parquet, .csv or .jsonl "
                              "(not folders or .json); list the folder's files in one, or use --engine local")
    if not path.is_file():
        raise NotFoundError(f"{path}: no such manifest file")
    kind = _kind(path)
    if kind == "parquet":
        _pa, pq = as_arrow()
        try:
            rows = int(pq.ParquetFile(path).metadata.num_rows)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for bad files
            raise ValidationError(f"{path} is not a readable Parquet file ({exc})") from None
        plan = Plan(str(path), kind, rows, block_rows)
    else:
        plan = _plan_lines(path, kind, block_rows)
    if plan.rows == 0:
        raise ValidationError(f"{path} lists no items")
    return plan


def _plan_lines(path: Path, kind: str, block_rows: int) -> Plan:
    header = ""
    offsets = [0]
    rows = 0
    with path.open("rb") as handle:
        if kind == "csv":
            header = handle.readline().decode("utf-8", errors="replace")
            if not header.strip():
                raise ValidationError(f"{path} is empty")
            offsets = [handle.tell()]
        position = offsets[0]
        tail = False  # a last line without a newline
        while chunk := handle.read(_SCAN):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
            for end in ends:
                rows += 1
                if rows % block_rows == 0:
                    offsets.append(position + int(end) + 1)
            tail = chunk[-1:] != b"\n"
            position += len(chunk)
        if tail:
            rows += 1
    if offsets[-1] != position:
        offsets.append(position)
    return Plan(str(path), kind, rows, block_rows, tuple(offsets), header)


def read_block(plan: Plan, block: int) -> list[dict[str, Any]]:
    """The rows of one block, as dictionaries (blank lines skipped)."""
    if plan.kind == "parquet":
        _pa, pq = as_arrow()
        start, stop = block * plan.block_rows, min((block + 1) * plan.block_rows, plan.rows)
        file = pq.ParquetFile(plan.source)
        groups, first, at = [], None, 0
        for g in range(file.metadata.num_row_groups):
            n = file.metadata.row_group(g).num_rows
            if at + n > start and at < stop:
                groups.append(g)
                first = at if first is None else first
            at += n
        table = file.read_row_groups(groups)
        return list(table.slice(start - (first or 0), stop - start).to_pylist())
    with open(plan.source, "rb") as handle:
        handle.seek(plan.offsets[block])
        text = handle.read(plan.offsets[block + 1] - plan.offsets[block]).decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if plan.kind == "csv":
        import csv
        import io

        return list(csv.DictReader(io.StringIO(plan.header + "\n".join(lines))))
    where = f"{plan.source} block {block} line"
    return [json_object(line, f"{where} {number}") for number, line in enumerate(lines, start=1)]


# ---------------------------------------------------------------------- parts


def _part(out: Path, block: int) -> tuple[Path, Path]:
    return out / f"part-{block:06d}.parquet", out / f"part-{block:06d}.json"


def part_done(out: Path, block: int) -> dict[str, Any] | None:
    """The sidecar of a part file that is written and matches it, else None."""
    data, side = _part(out, block)
    try:
        meta = json.loads(side.read_text())
        fresh = isinstance(meta, dict) and data.is_file() and file_sha256_hex(data) == meta.get("sha256")
        return meta if fresh else None
    except (OSError, ValueError):
        return None


def _schema() -> Any:
    pa, _pq = as_arrow()
    return pa.schema([("hash", pa.string()), ("path", pa.string()), ("answer", pa.string()), ("reason", pa.string()),
                      ("fee", pa.decimal128(38, 0)), ("near_copy_of", pa.string()), ("distance", pa.int32()),
                      ("collection", pa.uint64())])


def write_part(out: Path, block: int, rows: list[dict[str, Any]], files_read: int) -> dict[str, Any]:
    pa, pq = as_arrow()
    data, side = _part(out, block)
    columns = {
        "hash": [r["hash"] for r in rows], "path": [r["path"] for r in rows],
        "answer": [r["answer"] for r in rows], "reason": [r["reason"] for r in rows],
        "fee": [None if r["fee"] is None else Decimal(int(r["fee"])) for r in rows],
        "near_copy_of": [r.get("nearCopyOf") for r in rows], "distance": [r.get("distance") for r in rows],
        "collection": [r.get("collection") for r in rows],
    }
    tmp = data.with_name(data.name + ".tmp")
    pq.write_table(pa.table(columns, schema=_schema()), tmp, compression="zstd")
    os.replace(tmp, data)
    meta = {"block": block, "rows": len(rows), "sha256": file_sha256_hex(data), "digest": rows_digest(rows).hexdigest(),
            "filesRead": files_read, **tally(rows)}
    tmp_side = side.with_name(side.name + ".tmp")
    tmp_side.write_text(json.dumps(meta))
    os.replace(tmp_side, side)
    return meta


def read_parts(out: str | Path, blocks: int) -> Iterator[dict[str, Any]]:
    """The report's rows in manifest order, as the local engine writes them."""
    _pa, pq = as_arrow()
    for block in range(blocks):
        for r in pq.read_table(_part(Path(out), block)[0]).to_pylist():
            row: dict[str, Any] = {"hash": r["hash"], "path": r["path"], "answer": r["answer"], "reason": r["reason"],
                                   "fee": None if r["fee"] is None else int(r["fee"])}
            if r["near_copy_of"] is not None:
                row.update(nearCopyOf=r["near_copy_of"], distance=r["distance"])
            if r.get("collection") is not None:  # a member, or a near copy of one (parts written before: none)
                row["collection"] = int(r["collection"])
            yield row


class BlockAuditor:
    """A Ray worker's state for one audit (its folder's plan.json): the snapshot read once, then blocks."""

    def __init__(self, out: str) -> None:
        self.out = Path(out)
        spec = json.loads((self.out / "plan.json").read_text())
        self.plan = Plan(spec["source"], spec["kind"], int(spec["rows"]), int(spec["blockRows"]),
                         tuple(spec["offsets"]), spec["header"])
        self.answers = SnapshotAnswers(read_snapshot(spec["snapshotPath"]), Use(spec["use"]), spec["licensee"],
                                       bool(spec["unregisteredCleared"]), bool(spec["nearCopies"]))

    def audit(self, block: int) -> dict[str, Any]:
        source = Path(self.plan.source)
        first = block * self.plan.block_rows + 1
        items = [item_of(row, source, first + k) for k, row in enumerate(read_block(self.plan, block))]
        read = 0
        for item in items:
            if item.content_hash is None:
                assert item.path is not None
                item.content_hash, item.size, item.mtime_ns = sha256_of_file(item.path)
                read += 1
        rows = self.answers.answer([str(i.content_hash) for i in items], [i.path for i in items])
        return write_part(self.out, block, rows, read)


@functools.lru_cache(maxsize=4)
def _auditor(out: str) -> BlockAuditor:
    """One per worker process and audit: Ray reuses its worker processes, so the snapshot is read once each."""
    return BlockAuditor(out)


def audit_blocks(batch: dict[str, Any], out: str) -> dict[str, Any]:
    """The Ray Data UDF: audit each block of the batch; a RightsLedgerError becomes that block's error."""
    metas = []
    for block in batch["block"]:
        try:
            meta = _auditor(out).audit(int(block))
        except RightsLedgerError as exc:  # the driver reports it; the other blocks go on
            meta = {"block": int(block), "error": type(exc).__name__, "message": str(exc)}
        metas.append(json.dumps(meta))
    return {"meta": np.array(metas, dtype=object)}


# ---------------------------------------------------------------------- the driver


def run_ray_audit(
    snapshot_dir: str | Path,
    source: str | Path,
    use: Use,
    *,
    licensee: str | None = None,
    out: str | Path | None = None,
    unregistered_cleared: bool = False,
    near_copies: bool = True,
    address: str | None = None,
    workers: int = 2,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    progress: bool = True,
) -> AuditResult:
    """Audit a manifest on Ray (a cluster at `address`, or a local one) from a snapshot; report as Parquet parts."""
    ray = import_ray()
    who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
    plan = plan_manifest(source, block_rows)
    folder = Path(out) if out else Path.cwd() / f"audit-{Path(plan.source).stem}.parquet"
    if (folder.exists() and not folder.is_dir()) or folder.suffix.lower() in (".jsonl", ".ndjson", ".csv"):
        raise ValidationError(f"--out {folder}: a Ray audit writes a folder of Parquet parts; give a folder")
    snap = read_snapshot(snapshot_dir)  # verified once here; each worker process reads it again
    folder.mkdir(parents=True, exist_ok=True)
    stat = Path(plan.source).stat()
    fingerprint = {
        "format": PLAN_FORMAT, "source": plan.source, "size": stat.st_size, "mtimeNs": stat.st_mtime_ns,
        "snapshot": snap.manifest["digest"], "use": use.value, "licensee": who if licensee else None,
        "unregisteredCleared": unregistered_cleared, "nearCopies": near_copies, "blockRows": block_rows,
        "blocks": plan.blocks, "kind": plan.kind, "rows": plan.rows, "offsets": list(plan.offsets),
        "header": plan.header, "snapshotPath": str(Path(snapshot_dir).resolve()),
    }
    plan_file = folder / "plan.json"
    if plan_file.exists():
        try:
            earlier = json.loads(plan_file.read_text())
        except ValueError:
            earlier = None
        if earlier != fingerprint:
            raise ValidationError(f"{folder} holds the parts of another audit (other source, snapshot, question "
                                  "or block size); give a new --out folder")
    else:
        plan_file.write_text(json.dumps(fingerprint, indent=1))
    metas: dict[int, dict[str, Any]] = {}
    for block in range(plan.blocks):
        done = part_done(folder, block)
        if done is not None:
            metas[block] = done
    reused = len(metas)
    todo = [b for b in range(plan.blocks) if b not in metas]
    if todo:
        if not ray.is_initialized():
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError...
                where = f"the Ray cluster at {address}" if address else "a local Ray"
                raise ConfigError(f"cannot start or reach {where}: {str(exc).splitlines()[0]}") from None
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = progress
        logging.getLogger("ray.data").setLevel(logging.INFO if progress else logging.ERROR)
        context.execution_options.preserve_order = False
        dataset = ray.data.from_items([{"block": b} for b in todo], override_num_blocks=len(todo))
        audited = dataset.map_batches(audit_blocks, batch_size=1, num_cpus=1,
                                      compute=ray.data.TaskPoolStrategy(size=max(1, workers)),
                                      fn_kwargs={"out": str(folder.resolve())})
        failed: list[dict[str, Any]] = []
        for row in audited.iter_rows():
            meta = json.loads(row["meta"])
            (failed if "error" in meta else []).append(meta)
            if "error" not in meta:
                metas[int(meta["block"])] = meta
        if failed:
            first = min(failed, key=lambda m: int(m["block"]))
            kind = {c.__name__: c for c in (NotFoundError, ValidationError, ConfigError)}.get(first["error"],
                                                                                            RightsLedgerError)
            raise kind(f"block {first['block']}: {first['message']} ({len(failed)} block(s) failed, "
                       f"{len(metas)} of {plan.blocks} written and kept: rerun to resume)")
    receipt = snapshot_receipt(snap, snapshot_dir, use, who if licensee else None, unregistered_cleared,
                               near_copies, Path(plan.source), plan.rows)
    receipt.update(engine="ray", blockRows=block_rows, blocks=plan.blocks)
    summary: dict[str, Any] = tally(read_parts(folder, 0))  # zero rows: the keys
    for meta in metas.values():
        for key in summary:
            summary[key] += int(meta[key])
    summary["reportDigest"] = rows_digest(read_parts(folder, plan.blocks)).hexdigest()
    summary["filesRead"] = sum(int(metas[b]["filesRead"]) for b in todo)  # by this run
    summary["blocksReused"] = reused
    summary["resumedFromCheckpoint"] = 0
    report = folder / "receipt.json"
    tmp = report.with_name(report.name + ".tmp")
    tmp.write_text(json.dumps({"receipt": receipt, "summary": summary}, indent=1))
    os.replace(tmp, report)
    return AuditResult(receipt, summary, [], folder)


__all__ = ["BlockAuditor", "Plan", "audit_blocks", "import_ray", "plan_manifest", "read_block", "read_parts",
           "run_ray_audit"]
