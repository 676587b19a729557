"""The demo's last scenes: a photograph whose record travels inside the file (signed C2PA manifest and
XMP), stripped and re-encoded and still found by its ISCC code; the AI Act training-content summary
of the trainer's dataset; and the registry's observatory page. Re-runnable like the other scenes."""

from __future__ import annotations

import json
from pathlib import Path

from ..chain.local import dev_account
from ..sdk.client import RightsLedger
from ..terms import Rule, Terms
from ..units import format_wei
from ..vocabulary import Mode, Use
from ..workflows.c2pa_import import read_manifest_store
from ..workflows.labelling import embed_work, signing_config
from ..workflows.observatory import indicators, observatory_html
from ..workflows.summary import ModelInput, ProviderInput, todo_fields
from ..workflows.transparency_report import gather, write_summary
from .identity import content_code_of, near_copy, synced_index

PHOTO_NAME = "harbour-lights.png"
PHOTO_TERMS = Terms(
    rules={
        Use.PROMOTION: Rule(mode=Mode.ALLOW),
        Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=2 * 10**16),
    }
)


def make_photo(path: Path) -> Path:
    """A deterministic 1024x768 'photograph' (seeded noise, gradients and shapes): a natural-looking
    image with enough structure for an Image-Code, made here rather than shipped."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(2025)
    y = np.mgrid[0:768, 0:1024][0].astype(np.float32)
    sky = np.stack([40 + 0.12 * y, 60 + 0.1 * y, 110 + 0.08 * y], axis=-1)
    noise = rng.normal(0, 18, (768 // 8, 1024 // 8, 3)).astype(np.float32)
    noise = np.kron(noise, np.ones((8, 8, 1), dtype=np.float32))
    img = Image.fromarray(np.clip(sky + noise, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(3))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 520, 1024, 768), fill=(18, 30, 48))  # the harbour water
    for i in range(14):  # the lights on the quay
        cx, cy, r = int(rng.integers(40, 990)), int(rng.integers(300, 560)), int(rng.integers(6, 22))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 210 - 4 * i, 120))
        draw.rectangle((cx - 3, cy + r, cx + 3, 760), fill=(120, 100, 60))
    for i in range(5):  # boats
        bx = 80 + 190 * i
        draw.polygon([(bx, 600), (bx + 140, 600), (bx + 110, 650), (bx + 25, 650)], fill=(200, 70 + 30 * i, 50))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return path


def travel_scene(client: RightsLedger, home: Path) -> None:
    artist = client.with_account(dev_account(1))
    folder = home / "demo-travel"
    photo = folder / PHOTO_NAME
    if not photo.exists():
        make_photo(photo)
    print("\nrights that travel with the file (dev account 1 registers a photograph and embeds its record)\n")
    if client.is_registered(photo):
        print(f"  {PHOTO_NAME}: registered in an earlier run")
    else:
        artist.register(photo, terms=PHOTO_TERMS, metadata_uri=f"demo:{PHOTO_NAME}", code=content_code_of(photo))
        artist.disclose(photo, "ai-assisted-production/post-production;tools=a denoiser")
        print(f"  {PHOTO_NAME}: registered with its ISCC Image-Code (promotional use allowed, AI training 0.02 ETH)")
    embedded = folder / "embedded" / PHOTO_NAME
    if embedded.exists() and client.is_registered(embedded):
        print(f"  embedded copy {embedded}: made in an earlier run")
    else:
        labelled = embed_work(artist, photo, embedded.parent, signing_config(client.chain_id, home))
        print(f"  embedded a signed C2PA manifest and XMP into {embedded} ({labelled.iscc})")
        print(f"  the embedded copy {labelled.result.embedded_hash} is registered as a derived stage")
    store = read_manifest_store(embedded) or {}
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    labels = sorted({a.get("label", "") for a in active.get("assertions", [])})
    print(f"  c2pa-python reads it back: {', '.join(labels) or 'no assertions'}")
    answer = client.check(embedded, Use.AI_TRAINING)
    print(f"  a trainer checks the embedded file for AI training: {answer.reason.value}")

    # A scraper strips every byte of metadata and re-encodes at half size: sha256 no longer knows it.
    from PIL import Image

    stripped = folder / "scraped-copy.jpg"
    with Image.open(embedded) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(stripped, format="JPEG", quality=70)
    print(f"\n  a scraper's copy {stripped.name} (no metadata, half size, JPEG 70):")
    print(f"    by its bytes: {client.check(stripped, Use.AI_TRAINING).reason.value}")
    with synced_index(client) as index:
        match = near_copy(index, stripped)
    if match is None:
        print("    by its ISCC code (`rightsledger find`): no registered work within the threshold")
    else:
        digest, distance = match.content_hash, match.distance
        theirs = client.check(digest, Use.AI_TRAINING).reason.value
        print(f"    by its ISCC code (`rightsledger find`): found again, {digest} at distance {distance}")
        print(f"    `rightsledger check` on the copy: {theirs} (near copy of {digest[:10]}..., distance {distance})")


def summary_scene(client: RightsLedger, home: Path, dataset_id: int, audit: Path | None) -> None:
    trainer = client.with_account(dev_account(2))
    print(f"\nthe EU AI Act training-content summary of dataset {dataset_id} (`rightsledger summary`)\n")
    data, notes = gather(
        trainer,
        [dataset_id],
        provider=ProviderInput("Demo AI Lab (dev account 2)", contact="ai-office@example.org"),
        model=ModelInput("demo-model", "1.0"),
        audits=[audit] if audit and audit.exists() else [],
    )
    files = write_summary(data, home / "demo-summary")
    for kind, path in files.items():
        print(f"  {kind:<5} {path}")
    todo = todo_fields(json.loads(files["json"].read_text()))
    for note in notes:
        print(f"  note: {note}")
    print(f"  {len(todo)} field(s) are marked for the provider to complete")


def observatory_scene(client: RightsLedger, home: Path) -> None:
    data = indicators(client)
    page = home / "observatory.html"
    page.write_text(observatory_html(data))
    print("\nthe observatory (registry-wide indicators; served at /observatory by `make serve`)\n")
    ai = data["aiTraining"]
    print(f"  works registered: {data['registrations']['works']}; open to AI training: {ai['openToTraining']}"
          f" ({ai['share']:.0%})")  # fmt: skip
    print(f"  licences bought: {data['licences']['count']} for {format_wei(data['licences']['income'])}")
    removals = data["removals"]
    print(f"  datasets declared: {data['datasets']['declared']}; violations recorded: {data['violations']}; "
          f"removal requests: {removals['requested']} ({removals['acknowledged']} acknowledged)")  # fmt: skip
    print(f"  page: {page}")


__all__ = ["PHOTO_TERMS", "make_photo", "observatory_scene", "summary_scene", "travel_scene"]
