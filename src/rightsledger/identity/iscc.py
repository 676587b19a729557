"""ISCC strings (ISO 24138) as the registry uses them: parse, format, header, 64-bit body, distance.

The chain stores a work's Content-Code as two numbers: the 64-bit body as a `uint64` and the
16-bit ISCC header (main type, subtype, version, length) as a `uint16`. `content_code_bits` and
`header` give exactly those; `format_unit` turns them back into the `ISCC:...` string.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import iscc_lib

from rightsledger.errors import ValidationError

PREFIX = "ISCC:"
BODY_BITS = 64


class MainType(enum.IntEnum):
    """ISCC main types (ISO 24138 header, first nibble)."""

    META = 0
    SEMANTIC = 1
    CONTENT = 2
    DATA = 3
    INSTANCE = 4
    ISCC = 5
    ID = 6
    FLAKE = 7


class ContentSubType(enum.IntEnum):
    """Subtypes of a Content-Code (second nibble when the main type is CONTENT)."""

    TEXT = 0
    IMAGE = 1
    AUDIO = 2
    VIDEO = 3
    MIXED = 4


MEDIA_OF_SUBTYPE = {
    ContentSubType.TEXT: "text",
    ContentSubType.IMAGE: "image",
    ContentSubType.AUDIO: "audio",
    ContentSubType.VIDEO: "video",
    ContentSubType.MIXED: "mixed",
}


@dataclass(frozen=True, slots=True)
class IsccHeader:
    """The header of one ISCC unit. `packed` is the 16-bit form stored on chain beside the body."""

    main_type: int
    sub_type: int
    version: int
    length_index: int

    @property
    def packed(self) -> int:
        return (self.main_type << 12) | (self.sub_type << 8) | (self.version << 4) | self.length_index

    @classmethod
    def unpack(cls, packed: int) -> IsccHeader:
        if not 0 <= packed <= 0xFFFF:
            raise ValidationError(f"an ISCC header is a 16-bit number, got {packed}")
        return cls(packed >> 12, (packed >> 8) & 0xF, (packed >> 4) & 0xF, packed & 0xF)

    @property
    def media(self) -> str | None:
        """'image', 'text', 'audio', ... for a Content-Code; None for other main types."""
        if self.main_type != MainType.CONTENT:
            return None
        try:
            return MEDIA_OF_SUBTYPE[ContentSubType(self.sub_type)]
        except ValueError:
            return None


def normalize(iscc: str) -> str:
    """`ISCC:` + the canonical base32 form; raises ValidationError if `iscc` is not an ISCC string."""
    if not isinstance(iscc, str) or not iscc.strip():
        raise ValidationError("an ISCC code must be a string like 'ISCC:EEA4GQZQTY6J5DTH'")
    text = iscc.strip()
    body = text[len(PREFIX):] if text.upper().startswith(PREFIX) else text
    body = body.replace("-", "").upper()
    try:
        iscc_lib.iscc_decode(body)
    except ValueError as exc:
        shown = repr(iscc) if len(iscc) <= 80 else f"{iscc[:60]!r}... ({len(iscc):,} characters)"
        reason = str(exc) if len(str(exc)) <= 120 else str(exc)[:117] + "..."
        raise ValidationError(f"not a valid ISCC code: {shown} ({reason}); "
                              "expected e.g. 'ISCC:EEA4GQZQTY6J5DTH'") from None
    return PREFIX + body


def units(iscc: str) -> list[str]:
    """The ISCC-UNITs of a code (a composite ISCC-CODE decomposes into content, data, instance ...)."""
    code = normalize(iscc)
    mt, *_ = iscc_lib.iscc_decode(code)
    if int(mt) != MainType.ISCC:
        return [code]
    return [PREFIX + unit for unit in iscc_lib.iscc_decompose(code)]


def header(iscc: str) -> IsccHeader:
    """The header of a single ISCC unit (for a composite code: of the composite)."""
    mt, st, vs, length, _digest = iscc_lib.iscc_decode(normalize(iscc))
    return IsccHeader(int(mt), int(st), int(vs), int(length))


def content_unit(iscc: str) -> str:
    """The Content-Code unit of `iscc` (itself if it is one, the content unit of a composite)."""
    for unit in units(iscc):
        if header(unit).main_type == MainType.CONTENT:
            return unit
    raise ValidationError(f"{iscc} has no Content-Code unit; pass an image, text or audio code (ISCC:E...)")


def content_code_bits(iscc: str) -> int:
    """The 64-bit body of the Content-Code in `iscc`, as an unsigned int (the on-chain `uint64`)."""
    unit = content_unit(iscc)
    *_, digest = iscc_lib.iscc_decode(unit)
    if len(digest) * 8 != BODY_BITS:
        raise ValidationError(f"{unit} has a {len(digest) * 8}-bit body; the registry uses 64-bit content codes")
    return int.from_bytes(digest, "big")


def content_header(iscc: str) -> IsccHeader:
    """The header of the Content-Code in `iscc` (the on-chain `uint16` beside the body)."""
    return header(content_unit(iscc))


def format_unit(head: IsccHeader | int, body: int) -> str:
    """`ISCC:...` from a header (or its packed 16-bit form) and a 64-bit body, as read back from chain."""
    h = IsccHeader.unpack(head) if isinstance(head, int) else head
    if not 0 <= body < 1 << BODY_BITS:
        raise ValidationError(f"an ISCC body is a 64-bit unsigned number, got {body}")
    try:
        code = iscc_lib.encode_component(h.main_type, h.sub_type, h.version, BODY_BITS, body.to_bytes(8, "big"))
    except ValueError as exc:
        raise ValidationError(f"cannot encode an ISCC unit from header {h}: {exc}") from None
    return PREFIX + code


def hamming(a: int | str, b: int | str) -> int:
    """Hamming distance of two 64-bit codes (ints, or ISCC strings of the same content type)."""
    if isinstance(a, str) and isinstance(b, str):
        ha, hb = content_header(a), content_header(b)
        if (ha.main_type, ha.sub_type) != (hb.main_type, hb.sub_type):
            raise ValidationError(f"cannot compare a {ha.media} code with a {hb.media} code")
    x = content_code_bits(a) if isinstance(a, str) else a
    y = content_code_bits(b) if isinstance(b, str) else b
    for value in (x, y):
        if not 0 <= value < 1 << BODY_BITS:
            raise ValidationError(f"a content code body is a 64-bit unsigned number, got {value}")
    return (x ^ y).bit_count()
