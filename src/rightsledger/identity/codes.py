"""ISCC codes of a work (ISO 24138, computed with iscc-lib): which code for which media.

| media | Content-Code | how |
|---|---|---|
| image (anything Pillow decodes) | Image-Code | the pinned normalisation in `identity.image`, then a DCT |
| text (UTF-8, or a text extension) | Text-Code | iscc-lib collapses the text and MinHashes 13-character n-grams |
| audio (by extension) | Audio-Code | Chromaprint's `fpcalc` (Debian: libchromaprint-tools), if on PATH |

Every file also gets the Data-Code (content-defined chunks of its bytes), the Instance-Code
(BLAKE3 of its bytes) and the composite ISCC-CODE. A featureless image or a too-short text gets
no Content-Code for matching, and the result says why (`skipped_reason`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import iscc_lib
from PIL import Image, UnidentifiedImageError

from rightsledger.errors import ValidationError
from rightsledger.identity import iscc as codec
from rightsledger.identity.image import FEATURELESS_STD, normalise

# Default Hamming-distance thresholds (of 64 bits) within which a code is "the same work".
# Image: 12, measured on natural images (recall >= 0.95 for resize/re-encode/grey, no false
# match among unrelated pairs; see docs/identity.md). Text: 12 as well (docs/identity.md has
# the measurement: copies with 1 % of words changed sit at ~4 bits, unrelated texts at ~32).
# Audio: 12 by analogy, not measured (the benchmark has no audio corpus).
THRESHOLDS: dict[str, int] = {"image": 12, "text": 12, "audio": 12}

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".rst", ".text", ".csv", ".tsv", ".json", ".xml", ".html",
                             ".htm", ".xhtml", ".srt", ".vtt", ".tex", ".org", ".adoc", ".yaml", ".yml"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".psd",
                              ".ico", ".jp2", ".j2k", ".tga", ".ppm", ".pgm", ".pbm", ".pcx", ".dib"})
AUDIO_EXTENSIONS = frozenset({".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff",
                              ".wv", ".ac3", ".wma", ".ape", ".mka"})
FPCALC_TIMEOUT_S = 300
MIN_TEXT_CHARS = iscc_lib.TEXT_NGRAM_SIZE
_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-fA-F]+>")


@dataclass(frozen=True, slots=True)
class Identity:
    """The ISCC codes of one file. `content_code` is None when there is nothing to match on."""

    media: str  # "image" | "text" | "audio"
    content_code: str | None
    data_code: str
    instance_code: str
    iscc: str
    sha256: str  # "0x" + 64 hex: the registry's contentHash
    filesize: int
    mirrored_code: str | None = None
    skipped_reason: str | None = None
    featureless: bool = False
    # Query-only codes of an image: rotated back by a few degrees (identity.image.QUERY_ROTATIONS),
    # then with thin overlays (a text watermark) filtered out; see identity.image.query_variants.
    rotated_codes: tuple[str, ...] = ()

    @property
    def content_bits(self) -> int | None:
        """The 64-bit body of the Content-Code (the on-chain uint64), or None."""
        return None if self.content_code is None else codec.content_code_bits(self.content_code)

    @property
    def mirrored_bits(self) -> int | None:
        return None if self.mirrored_code is None else codec.content_code_bits(self.mirrored_code)

    @property
    def rotated_bits(self) -> tuple[int, ...]:
        """The 64-bit bodies of the query variants' codes (empty unless an image with a code)."""
        return tuple(codec.content_code_bits(c) for c in self.rotated_codes)

    @property
    def content_header(self) -> codec.IsccHeader | None:
        return None if self.content_code is None else codec.content_header(self.content_code)

    @property
    def threshold(self) -> int:
        return THRESHOLDS[self.media]

    def as_dict(self) -> dict[str, object]:
        return {
            "media": self.media, "iscc": self.iscc, "contentCode": self.content_code,
            "mirroredCode": self.mirrored_code, "dataCode": self.data_code,
            "instanceCode": self.instance_code, "contentHash": self.sha256, "filesize": self.filesize,
            "featureless": self.featureless, "skippedReason": self.skipped_reason,
        }


def _prefixed(code: str) -> str:
    return code if code.startswith(codec.PREFIX) else codec.PREFIX + code


class UnsupportedMedia(ValidationError):
    """Bytes of no media rightsledger codes (not an image, text or audio): no near copy of them is
    looked for, unlike a file of a coded media that could not be read (a damaged image)."""


def uncoded_reason(exc: ValidationError, name: str) -> str | None:
    """Why the file `name`, which identify_file refused with `exc`, has no content code, without the
    file's name (an answer's `skippedReason`: "cannot decode the image (...)"); None for a file of no
    media we code."""
    if isinstance(exc, UnsupportedMedia):
        return None
    text, label = str(exc), f"{name}: "
    return text.removeprefix(label)


def detect_media(data: bytes, name: str | None = None) -> str:
    """'image', 'text' or 'audio' for these bytes; ValidationError if none fits."""
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in AUDIO_EXTENSIONS:
        return "audio"
    if suffix in IMAGE_EXTENSIONS or _pillow_format(data) is not None:
        return "image"  # an image extension Pillow cannot decode is a broken image, said as such
    if suffix in TEXT_EXTENSIONS or _is_utf8_text(data):
        return "text"
    label = f"{name}: " if name else ""
    raise UnsupportedMedia(
        f"{label}unsupported media type: not an image Pillow can read, not UTF-8 text, not a known audio "
        "extension; rightsledger computes content codes for images, text and audio"
    )


def _pillow_format(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return str(img.format)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    except Image.DecompressionBombError:
        return "bomb"


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _sum_codes(data: bytes) -> tuple[str, str]:
    return (_prefixed(iscc_lib.gen_data_code_v0(data)["iscc"]),
            _prefixed(iscc_lib.gen_instance_code_v0(data)["iscc"]))


def _composite(content: str | None, data_code: str, instance_code: str) -> str:
    parts = [c for c in (content, data_code, instance_code) if c is not None]
    return _prefixed(iscc_lib.gen_iscc_code_v0(parts)["iscc"])


def image_codes(data: bytes, name: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(content code, mirrored code, skipped reason) of image bytes."""
    content, mirrored, _rotated, skipped = image_query_codes(data, name, query=False)
    return content, mirrored, skipped


def image_query_codes(
    data: bytes, name: str | None = None, *, query: bool = True
) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    """(content code, mirrored code, query-variant codes, skipped reason) of image bytes; no
    variants unless `query` (a registration records the code only)."""
    label = f"{name}: " if name else ""
    try:
        with warnings.catch_warnings():
            # Archive scans of 100+ megapixels are real works: decode up to Pillow's hard limit
            # (twice MAX_IMAGE_PIXELS) without the warning, refuse beyond it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                norm = normalise(img, rotations=query)
    except Image.DecompressionBombError:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ValidationError(f"{label}image too large to decode safely (over {limit} pixels); "
                              "downscale it first") from None
    except UnidentifiedImageError:
        raise ValidationError(f"{label}not an image Pillow can decode (unknown or damaged format); "
                              "send a complete JPEG, PNG, GIF, WebP, TIFF or BMP file") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(f"{label}cannot decode the image ({_reason(exc)}); is the file complete?") from None
    if norm.featureless:
        return None, None, (), (f"featureless image: its 32x32 grey pixels vary by {norm.std:.2f} < {FEATURELESS_STD} "
                            "grey levels (standard deviation), so its Image-Code would match unrelated flat images")
    code = _prefixed(iscc_lib.gen_image_code_v0(norm.pixels)["iscc"])
    mirrored = _prefixed(iscc_lib.gen_image_code_v0(norm.mirrored)["iscc"])
    rotated = tuple(_prefixed(iscc_lib.gen_image_code_v0(p)["iscc"]) for p in norm.rotated)
    return code, mirrored, rotated, None


def _reason(exc: BaseException) -> str:
    """An exception's message for a one-line error: its first line, without object reprs
    (Pillow names the stream it read, `<_io.BytesIO object at 0x…>`)."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return _REPR.sub("the data", first).strip() or type(exc).__name__


def text_code(text: str) -> tuple[str | None, str | None]:
    """(content code, skipped reason) of a text."""
    collapsed = iscc_lib.text_collapse(text)
    if len(collapsed) < MIN_TEXT_CHARS:
        return None, (f"text too short: {len(collapsed)} letters and digits after normalisation, the Text-Code "
                      f"needs at least {MIN_TEXT_CHARS} (one n-gram)")
    return _prefixed(iscc_lib.gen_text_code_v0(text)["iscc"]), None


def fpcalc_available() -> bool:
    return shutil.which("fpcalc") is not None


def audio_code(path: Path, label: str | None = None) -> tuple[str | None, str | None]:
    """(content code, skipped reason) of an audio file, via Chromaprint's fpcalc (`label` names it
    in errors, else its path)."""
    name = label or str(path)
    exe = shutil.which("fpcalc")
    if exe is None:
        return None, ("audio content code not available: Chromaprint's fpcalc is not on PATH "
                      "(Debian: apt-get install libchromaprint-tools)")
    try:
        proc = subprocess.run([exe, "-raw", "-json", "-signed", "-length", "0", os.fspath(path)],
                              capture_output=True, check=False, timeout=FPCALC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ValidationError(f"{name}: fpcalc took over {FPCALC_TIMEOUT_S} s to fingerprint the audio") from None
    # fpcalc exits non-zero on a damaged trailing frame but still prints the fingerprint of the
    # rest (iscc-sdk uses that output too): only no output at all is an error.
    if b"Empty fingerprint" in proc.stderr:
        return None, "audio too short: Chromaprint produced no fingerprint"
    try:
        fingerprint = json.loads(proc.stdout).get("fingerprint") or []
    except (ValueError, AttributeError):
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ValidationError(f"{name}: fpcalc could not decode the audio ({reason[0].replace(str(path), name)}); "
                              "is it a complete audio file?") from None
    if not fingerprint:
        return None, "audio too short: Chromaprint produced no fingerprint"
    return _prefixed(iscc_lib.gen_audio_code_v0([int(v) for v in fingerprint])["iscc"]), None


def identify_bytes(data: bytes, name: str | None = None, *, media: str | None = None, query: bool = True) -> Identity:
    """The ISCC codes of `data` (`name` only helps detect the media type and label errors).

    `query`: also the codes an image is matched by beside its own (`rotated_codes`); off when
    only the code to record is wanted."""
    return _identify(data, name, media, None, query)


def _identify(data: bytes, name: str | None, media: str | None, path: Path | None, query: bool = True) -> Identity:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationError("identify_bytes needs bytes")
    data = bytes(data)
    kind = media or detect_media(data, name)
    if kind not in THRESHOLDS:
        raise ValidationError(f"unknown media {kind!r}; use one of {', '.join(THRESHOLDS)}")
    data_code, instance_code = _sum_codes(data)
    mirrored: str | None = None
    rotated: tuple[str, ...] = ()
    if kind == "image":
        content, mirrored, rotated, skipped = image_query_codes(data, name, query=query)
    elif kind == "text":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"{name or 'text'}: not UTF-8 ({exc}); re-save it as UTF-8") from None
        content, skipped = text_code(text)
    elif path is not None:
        content, skipped = audio_code(path)
    else:
        suffix = Path(name).suffix if name else ".bin"
        with tempfile.TemporaryDirectory(prefix="rightsledger-audio-") as tmp:
            path = Path(tmp) / f"audio{suffix}"
            path.write_bytes(data)
            content, skipped = audio_code(path, name or "audio")
    return Identity(
        media=kind,
        content_code=content,
        data_code=data_code,
        instance_code=instance_code,
        iscc=_composite(content, data_code, instance_code),
        sha256="0x" + hashlib.sha256(data).hexdigest(),
        filesize=len(data),
        mirrored_code=mirrored,
        rotated_codes=rotated,
        skipped_reason=skipped,
        featureless=skipped is not None and skipped.startswith("featureless"),
    )


def onchain_code(item: Path | bytes | bytearray | memoryview) -> int | None:
    """The 80-bit code recorded on chain for a file or content (header << 64 | the 64-bit body of its
    Content-Code), or None when it has none: featureless, no media we code, audio without fpcalc."""
    try:
        if isinstance(item, Path):
            identity = identify_file(item, query=False)
        else:
            identity = identify_bytes(bytes(item), query=False)
    except ValidationError:
        return None
    head, bits = identity.content_header, identity.content_bits
    return None if head is None or bits is None else (head.packed << 64) | bits


def identify_file(path: str | os.PathLike[str], *, media: str | None = None, query: bool = True) -> Identity:
    """The ISCC codes of the file at `path` (`query`: as identify_bytes)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{p}: is a directory, pass a file") from None
    except OSError as exc:
        raise ValidationError(f"{p}: cannot read the file ({exc.strerror})") from None
    return _identify(data, p.name, media, p, query)
