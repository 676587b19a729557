"""Copy the pinned pure-JS crypto the creators' page uses (package.json / package-lock.json) from
node_modules into the package's static files, so the page needs no build step and no CDN.

Run after `npm ci` when a pinned version changes; a test fails if the copies drift."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "rightsledger" / "gateway" / "static" / "vendor"

# package folder under node_modules -> (vendor folder, files)
VENDORED: dict[str, tuple[str, tuple[str, ...]]] = {
    "@noble/secp256k1": ("noble-secp256k1", ("index.js", "LICENSE")),
    "@noble/hashes": ("noble-hashes", ("sha3.js", "sha2.js", "_md.js", "_u64.js", "utils.js", "LICENSE")),
}


def pairs() -> list[tuple[Path, Path]]:
    out = []
    for package, (folder, files) in VENDORED.items():
        for name in files:
            out.append((ROOT / "node_modules" / package / name, TARGET / folder / name))
    return out


def main() -> int:
    for source, target in pairs():
        if not source.is_file():
            print(f"vendor_js: {source} is missing; run `npm ci` first", file=sys.stderr)
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        print(f"{source.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
