"""An audit of 10,000 image files with near-copy matching on, against the same audit with
`--exact-only`, on a fresh anvil: files per second for each, and what matching found.

The folder: 2,000 registered works (found by their bytes), 1,000 half-size PNG copies of other
registered works (found only by their content code), 7,000 unrelated pictures. `bench/identity.py`
runs this as its "audit" section; `python bench/identity_audit.py` runs it alone and updates only
that section of bench/results/identity.json."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from common import RESULTS, fresh_chain, write_result
from PIL import Image

from rightsledger import RightsLedger, Use
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import save_deployment
from rightsledger.workflows.audit import run_audit

SCALE = int(os.environ.get("BENCH_AUDIT_SCALE", "1"))  # 1 = the 10,000 files; 10 = a tenth, to try it
FILES, REGISTERED, COPIES = 10_000 // SCALE, 2_000 // SCALE, 1_000 // SCALE


def picture(rng: np.random.Generator, size: tuple[int, int] = (256, 192)) -> Image.Image:
    """A smooth random picture (four octaves of upsampled colour noise, like a photograph's spectrum):
    its Image-Code is close to random, so no two pictures match (0 pairs within 12 of 79,800 tried)."""
    total = np.zeros((size[1], size[0], 3))
    for cells, weight in ((4, 1.0), (8, 0.6), (16, 0.35), (32, 0.2)):
        noise = Image.fromarray((rng.random((cells * 3 // 4 + 1, cells, 3)) * 255).astype("uint8"))
        total += weight * np.asarray(noise.resize(size, Image.Resampling.BICUBIC), dtype=float)
    return Image.fromarray((total / total.max() * 255).astype("uint8"))


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def half_size(image: Image.Image) -> bytes:
    return png(image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS))


def bench_audit() -> dict[str, Any]:
    rng = np.random.default_rng(11)
    with fresh_chain() as admin, tempfile.TemporaryDirectory() as tmp:
        home, folder, works_dir = Path(tmp) / "home", Path(tmp) / "dataset", Path(tmp) / "works"
        folder.mkdir()
        works_dir.mkdir()
        save_deployment(admin.deployment, home)
        holder = admin.with_account(dev_account(1))
        originals = [picture(rng) for _ in range(REGISTERED + COPIES)]
        work_files = []
        for k, image in enumerate(originals):
            path = works_dir / f"work-{k:05d}.png"
            path.write_bytes(png(image))
            work_files.append(path)
        start = time.perf_counter()
        for first in range(0, len(work_files), 500):
            holder.register_batch(work_files[first : first + 500])  # the SDK computes each file's code
        register_s = time.perf_counter() - start
        for k, path in enumerate(work_files[:REGISTERED]):
            (folder / f"exact-{k:05d}.png").write_bytes(path.read_bytes())
        for k, image in enumerate(originals[REGISTERED:]):
            (folder / f"copy-{k:05d}.png").write_bytes(half_size(image))
        for k in range(FILES - REGISTERED - COPIES):
            (folder / f"other-{k:05d}.png").write_bytes(png(picture(rng)))

        client = RightsLedger(admin.w3, admin.deployment, dev_account(3), home=home)
        runs: dict[str, Any] = {}
        for name, near in (("exact_only", False), ("near_copies", True)):
            start = time.perf_counter()
            result = run_audit(
                client, folder, Use.AI_TRAINING, out=Path(tmp) / f"audit-{name}.jsonl", progress=False, near_copies=near
            )
            seconds = time.perf_counter() - start
            rows = [json.loads(line) for line in (Path(tmp) / f"audit-{name}.jsonl").read_text().splitlines()]
            rows = [r for r in rows if "hash" in r]
            runs[name] = {
                "seconds": round(seconds, 2),
                "files_per_s": round(FILES / seconds),
                "registered_found": sum(1 for r in rows if r.get("reason") != "unregistered"),
                "near_copies_found": sum(1 for r in rows if r.get("nearCopyOf")),
                "near_copies_true": sum(1 for r in rows if r.get("nearCopyOf") and "copy-" in str(r.get("path", ""))),
                "summary_counts": {k: v for k, v in result.summary.items() if isinstance(v, int)},
            }
    return {
        "files": FILES,
        "registered_exact": REGISTERED,
        "near_copies_planted": COPIES,
        "unrelated": FILES - REGISTERED - COPIES,
        "register_s": round(register_s, 2),
        **runs,
        "near_over_exact_time": round(runs["near_copies"]["seconds"] / runs["exact_only"]["seconds"], 2),
    }


def main() -> None:
    audit = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **bench_audit()}
    path = RESULTS / "identity.json"
    if path.exists():  # the other sections keep their own run's time
        data = json.loads(path.read_text())
        path.write_text(json.dumps({**data, "audit": audit}, indent=2) + "\n")
    else:
        write_result("identity", {"audit": audit})
    print(json.dumps(audit, indent=2))


if __name__ == "__main__":
    main()
