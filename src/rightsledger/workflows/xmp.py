"""An XMP packet with a work's IPTC digital source type and PLUS data-mining value, written into
JPEG (APP1), PNG (iTXt `XML:com.adobe.xmp`) and WebP (`XMP ` chunk, VP8X container) files at
the byte level (the image data is not re-encoded), and read back from any file that carries an
uncompressed packet.

Properties written (rdf:Description, attribute-free element form):

| property | value |
|---|---|
| `Iptc4xmpExt:DigitalSourceType` | the IPTC code of the AI label (ideation-only: its IPTC fallback `digitalCreation`) |
| `plus:DataMining` | `http://ns.useplus.org/ldf/vocab/DMI-...` (exports/plus.py) |
| `plus:OtherConstraints` | the conditions, when the value is DMI-PROHIBITED-SEECONSTRAINT (Lang Alt) |
| `rl:aiDisclosure` | the label's compact text form (keeps what IPTC cannot say) |
| `rl:record`, `rl:contentHash`, `rl:iscc` | the on-chain record (CAIP-19), the registered sha256, the ISCC code |
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from ..disclosure import IPTC_DIGITAL_SOURCE_TYPE, RIGHTSLEDGER_NS, DisclosureLevel
from ..errors import ValidationError
from ..exports.plus import PLUS_XMP_NS, data_mining
from ..exports.record import ExportRecord

IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X_NS = "adobe:ns:meta/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XMP_MIME_TYPES = ("image/jpeg", "image/png", "image/webp")
"""The file types this module writes a packet into (others get the C2PA manifest only)."""

_PNG_KEYWORD = b"XML:com.adobe.xmp"
_JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


@dataclass(frozen=True)
class XmpValues:
    """What an XMP packet says, as this module reads it (None: the property is absent)."""

    digital_source_type: str | None = None
    data_mining: str | None = None
    other_constraints: str | None = None
    ai_disclosure: str | None = None
    record: str | None = None
    content_hash: str | None = None
    iscc: str | None = None

    def to_json_dict(self) -> dict[str, str | None]:
        return {
            "digitalSourceType": self.digital_source_type,
            "dataMining": self.data_mining,
            "otherConstraints": self.other_constraints,
            "aiDisclosure": self.ai_disclosure,
            "record": self.record,
            "contentHash": self.content_hash,
            "iscc": self.iscc,
        }


def values_for(record: ExportRecord, *, iscc: str) -> XmpValues:
    """The values to write for the work."""
    mining = data_mining(record)
    source = None
    if record.disclosure is not None:
        source = record.disclosure.iptc_digital_source_type
        if record.disclosure.level is DisclosureLevel.AI_ASSISTED_IDEATION:
            source = IPTC_DIGITAL_SOURCE_TYPE + "digitalCreation"
    return XmpValues(
        digital_source_type=source,
        data_mining=str(mining["plus:DataMining"]),
        other_constraints=mining.get("plus:OtherConstraints"),
        ai_disclosure=record.disclosure.to_text() if record.disclosure else None,
        record=record.caip19,
        content_hash=record.content_hash,
        iscc=iscc,
    )


_FIELDS = (
    ("digital_source_type", IPTC_EXT_NS, "DigitalSourceType"),
    ("data_mining", PLUS_XMP_NS, "DataMining"),
    ("other_constraints", PLUS_XMP_NS, "OtherConstraints"),
    ("ai_disclosure", RIGHTSLEDGER_NS, "aiDisclosure"),
    ("record", RIGHTSLEDGER_NS, "record"),
    ("content_hash", RIGHTSLEDGER_NS, "contentHash"),
    ("iscc", RIGHTSLEDGER_NS, "iscc"),
)
_LANG_ALT = {"other_constraints"}


def packet(values: XmpValues) -> bytes:
    """The XMP packet (UTF-8, with the xpacket wrapper and padding for in-place edits)."""
    for prefix, uri in (("x", X_NS), ("rdf", RDF_NS), ("Iptc4xmpExt", IPTC_EXT_NS), ("plus", PLUS_XMP_NS)):
        ET.register_namespace(prefix, uri)
    ET.register_namespace("rl", RIGHTSLEDGER_NS)
    meta = ET.Element(f"{{{X_NS}}}xmpmeta")
    rdf = ET.SubElement(meta, f"{{{RDF_NS}}}RDF")
    description = ET.SubElement(rdf, f"{{{RDF_NS}}}Description", {f"{{{RDF_NS}}}about": ""})
    for attr, ns, local in _FIELDS:
        value = getattr(values, attr)
        if value is None:
            continue
        element = ET.SubElement(description, f"{{{ns}}}{local}")
        if attr in _LANG_ALT:
            alt = ET.SubElement(element, f"{{{RDF_NS}}}Alt")
            item = ET.SubElement(alt, f"{{{RDF_NS}}}li", {f"{{{XML_NS}}}lang": "x-default"})
            item.text = value
        else:
            element.text = value
    body = ET.tostring(meta, encoding="unicode")
    padding = "\n".join(" " * 99 for _ in range(20))
    text = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}\n{padding}\n<?xpacket end="w"?>'
    return text.encode()


_PACKET = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>", re.DOTALL)


def read_values(data: bytes) -> XmpValues | None:
    """The values of the first XMP packet in the file's bytes that carries any of them, else None."""
    for match in _PACKET.finditer(data):
        if b"<!" in match.group(0):
            continue  # no DTDs or entities in an XMP packet: nothing to expand from an untrusted file
        try:
            meta = ET.fromstring(match.group(0))  # noqa: S314 -- DTD-free by the check above
        except ET.ParseError:
            continue
        found: dict[str, str] = {}
        for description in meta.iter(f"{{{RDF_NS}}}Description"):
            for attr, ns, local in _FIELDS:
                tag = f"{{{ns}}}{local}"
                if description.get(tag) is not None:
                    found.setdefault(attr, str(description.get(tag)))
                element = description.find(tag)
                if element is not None:
                    item = element.find(f".//{{{RDF_NS}}}li")
                    text = (item.text if item is not None else element.text) or ""
                    found.setdefault(attr, text.strip())
        if found:
            return XmpValues(**found)
    return None


# ---------------------------------------------------------------------- writing into files


def insert(data: bytes, mime_type: str, xmp: bytes) -> bytes:
    """`data` with the packet inserted (replacing an existing XMP packet of the same container)."""
    if mime_type == "image/jpeg":
        return _jpeg(data, xmp)
    if mime_type == "image/png":
        return _png(data, xmp)
    if mime_type == "image/webp":
        return _webp(data, xmp)
    raise ValidationError(
        f"writing XMP into {mime_type} files is not supported; supported: {', '.join(XMP_MIME_TYPES)}"
    )


def _jpeg(data: bytes, xmp: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValidationError("the file is not a JPEG (no start-of-image marker)")
    payload = _JPEG_XMP_HEADER + xmp
    if len(payload) + 2 > 0xFFFF:
        raise ValidationError("the XMP packet is too large for one JPEG APP1 segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    out, pos, inserted = bytearray(data[:2]), 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan / end of image: the rest is image data
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        chunk = data[pos : pos + 2 + length]
        is_xmp = marker == 0xE1 and chunk[4:].startswith(_JPEG_XMP_HEADER)
        if not inserted and marker not in (0xE0,):  # after JFIF APP0, before everything else
            out += segment
            inserted = True
        if not is_xmp:
            out += chunk
        pos += 2 + length
    if not inserted:
        out += segment
    out += data[pos:]
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png(data: bytes, xmp: bytes) -> bytes:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValidationError("the file is not a PNG (no PNG signature)")
    itxt = _png_chunk(b"iTXt", _PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + xmp)
    out, pos = bytearray(data[:8]), 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos : pos + 12 + length]
        if not (kind == b"iTXt" and chunk[8:].startswith(_PNG_KEYWORD + b"\x00")):
            out += chunk
        if kind == b"IHDR":
            out += itxt
        pos += 12 + length
    return bytes(out)


def _webp(data: bytes, xmp: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValidationError("the file is not a WebP (no RIFF/WEBP header)")
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.append((kind, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    if not chunks:
        raise ValidationError("the WebP file has no chunks")
    chunks = [(k, b) for k, b in chunks if k != b"XMP "]
    if chunks[0][0] != b"VP8X":
        width, height, alpha = _webp_canvas(*chunks[0])
        header = bytes([0x10 if alpha else 0, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1)
        chunks.insert(0, (b"VP8X", header))
    flags = chunks[0][1][0] | 0x04  # the XMP metadata flag
    chunks[0] = (b"VP8X", bytes([flags]) + chunks[0][1][1:])
    chunks.append((b"XMP ", xmp))
    body = b"".join(k + struct.pack("<I", len(b)) + b + (b"\x00" if len(b) & 1 else b"") for k, b in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _u24(value: int) -> bytes:
    return struct.pack("<I", value)[:3]


def _webp_canvas(kind: bytes, body: bytes) -> tuple[int, int, bool]:
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF, False
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = struct.unpack("<I", body[1:5])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise ValidationError("the WebP image data is neither VP8 nor VP8L: cannot add an XMP chunk")


__all__ = ["XMP_MIME_TYPES", "XmpValues", "insert", "packet", "read_values", "values_for"]
