"""Datasets on disk: walking a folder or reading a manifest (CSV, JSONL, Parquet, our own
JSON), hashing files streaming and in parallel, a plain-text progress bar, and a checkpoint
file so an interrupted run resumes where it stopped."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TextIO

from ..errors import NotFoundError
from ..hashing import parse_hash, sha256_of_file
from ..manifests import Item
from ..vocabulary import ContentHash

_READ = 1 << 20
# ---------------------------------------------------------------------- progress


class Progress:
    """A progress line on stderr: done/total, percent, rate, MB/s and ETA. No dependencies."""

    def __init__(self, label: str, total: int, total_bytes: int = 0, *, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.total_bytes = total_bytes
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.done_bytes = 0
        self.skipped = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._tty = self.stream.isatty()
        self._interval = 0.2 if self._tty else 2.0

    def advance(self, items: int, size: int = 0, *, skipped: bool = False) -> None:
        self.done += items
        self.done_bytes += size
        if skipped:
            self.skipped += items
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._render(final=False)

    def finish(self) -> None:
        self._render(final=True)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        fresh = self.done - self.skipped
        rate = fresh / elapsed
        if not self.total:  # a stream of unknown length: count and rate only
            return f"{self.label} {self.done:,}  {rate:,.0f}/s  in {_clock(elapsed)}"
        pct = 100.0 * self.done / self.total
        parts = [f"{self.label} {self.done:,}/{self.total:,}", f"{pct:5.1f}%", f"{rate:,.0f}/s"]
        if self.done_bytes:
            parts.append(f"{self.done_bytes / elapsed / 1e6:,.1f} MB/s")
        if self.skipped:
            parts.append(f"{self.skipped:,} from checkpoint")
        remaining = self.total - self.done
        eta = remaining / rate if rate > 0 else 0.0
        parts.append(f"ETA {_clock(eta)}" if remaining else f"in {_clock(elapsed)}")
        return "  ".join(parts)

    def _render(self, *, final: bool) -> None:
        text = self.line()
        if self._tty:
            self.stream.write("\r" + text.ljust(100) + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------------- checkpoint


class Checkpoint:
    """Append-only JSONL of hashed files (path, size, mtime, hash). A later run with the same
    file unchanged (same size and modification time) reuses the hash instead of reading it."""

    def __init__(self, path: Path, fingerprint: dict[str, Any]) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.known: dict[str, tuple[int, int, ContentHash]] = {}
        self._handle: TextIO | None = None
        self._last_flush = time.monotonic()

    def load(self) -> int:
        """Read what an earlier run recorded (a torn last line from a kill is ignored)."""
        if not self.path.exists():
            return 0
        with self.path.open() as handle:
            first = handle.readline()
            try:
                header = json.loads(first)
            except json.JSONDecodeError:
                return 0
            if header.get("checkpoint") != self.fingerprint:
                return 0  # a checkpoint of another audit: start over
            for line in handle:
                try:
                    row = json.loads(line)
                    self.known[row["p"]] = (int(row["s"]), int(row["m"]), parse_hash(row["h"]))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue
        return len(self.known)

    def lookup(self, item: Item) -> ContentHash | None:
        if item.path is None:
            return None
        entry = self.known.get(item.path)
        if entry and entry[0] == item.size and entry[1] == item.mtime_ns:
            return entry[2]
        return None

    def open(self) -> None:
        fresh = not self.known
        self._handle = self.path.open("w" if fresh else "a")
        if fresh:
            self._handle.write(json.dumps({"checkpoint": self.fingerprint}) + "\n")
            self._handle.flush()

    def record(self, item: Item) -> None:
        assert self._handle is not None and item.path is not None and item.content_hash is not None
        row = {"p": item.path, "s": item.size, "m": item.mtime_ns, "h": item.content_hash}
        self._handle.write(json.dumps(row, separators=(",", ":")) + "\n")
        now = time.monotonic()
        if now - self._last_flush >= 0.25:
            self._handle.flush()
            self._last_flush = now

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            self._last_flush = time.monotonic()

    def close(self, *, remove: bool) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if remove:
            self.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------- hashing


def _hash_one(item: Item) -> Item:
    assert item.path is not None
    item.content_hash, item.size, item.mtime_ns = sha256_of_file(item.path)
    return item


def hash_items(
    items: Sequence[Item],
    *,
    workers: int = 4,
    checkpoint: Checkpoint | None = None,
    progress: Progress | None = None,
    on_hashed: Callable[[Item], None] | None = None,
) -> int:
    """Give every item its content hash, reading files in `workers` threads (hashlib releases the
    GIL while it hashes). Items with a hash already, or unchanged since the checkpoint, are not read.
    Returns the number of files read."""
    todo: list[Item] = []
    for item in items:
        if item.content_hash is not None:
            if progress:
                progress.advance(1, skipped=True)
            continue
        if item.path is not None and (item.size == 0 and item.mtime_ns == 0):
            try:
                stat = os.stat(item.path)
                item.size, item.mtime_ns = stat.st_size, stat.st_mtime_ns
            except FileNotFoundError:
                raise NotFoundError(f"file {item.path} does not exist") from None
        known = checkpoint.lookup(item) if checkpoint else None
        if known is not None:
            item.content_hash = known
            if progress:
                progress.advance(1, skipped=True)
            continue
        todo.append(item)
    if checkpoint:
        checkpoint.open()
    pending: set[Future[Item]] = set()
    window = max(1, workers) * 8
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        queue = iter(todo)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                nxt = next(queue, None)
                if nxt is None:
                    exhausted = True
                    break
                pending.add(pool.submit(_hash_one, nxt))
            if not pending:
                break
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            if not done and checkpoint:
                checkpoint.flush()  # a slow file must not hold back what is already hashed
            for future in done:
                item = future.result()
                if checkpoint:
                    checkpoint.record(item)
                if on_hashed:
                    on_hashed(item)
                if progress:
                    progress.advance(1, item.size)
    return len(todo)
