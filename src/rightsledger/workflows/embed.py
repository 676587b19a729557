"""Embed a work's record into the file itself: an XMP packet (IPTC digital source type, PLUS data
mining) and a signed C2PA manifest holding

- `c2pa.actions`: `c2pa.created` with the digital source type of the AI-disclosure label;
- `cawg.training-mining`: the terms for mining and AI uses (exports/cawg.py);
- `c2pa.soft-binding`: algorithm `io.iscc.v0`, the work's ISCC code as the value, so a stripped
  or re-encoded copy can find its manifest and record again by similarity;
- `org.w3id.rightsledger.record`: the on-chain record (chain id, registry, content hash, CAIP-19).

The XMP is written first, so the manifest's hard binding covers it. The embedded file's sha256
differs from the registered one: the result gives both, for the SDK to register the embedded
file as a derived stage of the work.

Needs c2pa-python (the `c2pa` extra). Signing uses a key and certificate chain (PEM) the caller
configures; `devcerts.ensure_dev_certs` makes a development chain for a local chain.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NotFoundError, ValidationError
from ..exports.cawg import training_mining_assertion
from ..exports.record import ExportRecord
from ..hashing import hash_bytes
from ..vocabulary import ContentHash
from . import xmp
from .c2pa_import import ISCC_ALGORITHM, RECORD_LABEL, SOFT_BINDING_LABEL

CLAIM_GENERATOR = {"name": "rightsledger", "version": "0.1"}

SIGNABLE_MIME_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".jxl": "image/jxl",
    ".svg": "image/svg+xml",
}
"""Image types c2pa-python 0.38 signs (its Builder's list, images only), by file extension."""

_ISCC = re.compile(r"^ISCC:[A-Z2-7]{10,}$")
_ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")


@dataclass(frozen=True)
class SigningConfig:
    """A C2PA signer: the certificate chain (signing certificate first, then intermediates, PEM)
    and its private key (PEM); optionally an RFC 3161 time-stamp authority URL."""

    certificate_chain: bytes
    private_key: bytes
    algorithm: str = "es256"
    timestamp_url: str | None = None

    @classmethod
    def from_files(cls, chain: str | Path, key: str | Path, *, algorithm: str = "es256") -> SigningConfig:
        paths = {"certificate chain": Path(chain), "private key": Path(key)}
        for what, path in paths.items():
            if not path.is_file():
                raise NotFoundError(f"signing {what} {path} does not exist; configure the C2PA signing certificate")
        return cls(paths["certificate chain"].read_bytes(), paths["private key"].read_bytes(), algorithm)

    def c2pa_signer(self) -> Any:
        """A c2pa-python Signer for this configuration (ValidationError if the key or chain is unusable)."""
        c2pa = _c2pa()
        if self.algorithm not in _ALGORITHMS:
            raise ValidationError(f"signing algorithm {self.algorithm!r}; expected one of: {', '.join(_ALGORITHMS)}")
        if b"BEGIN CERTIFICATE" not in self.certificate_chain or b"PRIVATE KEY" not in self.private_key:
            raise ValidationError("the signing certificate chain and key must be PEM files")
        info = c2pa.C2paSignerInfo(self.algorithm, self.certificate_chain, self.private_key, self.timestamp_url)
        try:
            return c2pa.Signer.from_info(info)
        except c2pa.C2paError as exc:
            raise ValidationError(f"the signing certificate or key is not usable: {exc}") from None


@dataclass(frozen=True)
class EmbedResult:
    """What `embed` wrote. `original_hash` is the registered work; `embedded_hash` the new file."""

    source: Path
    output: Path
    mime_type: str
    original_hash: ContentHash
    embedded_hash: ContentHash
    xmp_written: bool
    manifest: Mapping[str, Any] = field(repr=False)
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "output": str(self.output),
            "mimeType": self.mime_type,
            "originalHash": self.original_hash,
            "embeddedHash": self.embedded_hash,
            "xmpWritten": self.xmp_written,
            "notes": list(self.notes),
        }


def _c2pa() -> Any:
    try:
        import c2pa  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("writing C2PA manifests needs c2pa-python: pip install 'rightsledger[c2pa]'") from None
    return c2pa


def check_iscc(code: str) -> str:
    """The ISCC code in canonical form (`ISCC:` + base32), or ValidationError."""
    text = code.strip()
    canonical = text.upper() if text.upper().startswith("ISCC:") else "ISCC:" + text.upper()
    if not _ISCC.match(canonical):
        raise ValidationError(
            f"{code!r} is not an ISCC code (expected ISCC: followed by base32, e.g. ISCC:EEA4GQZQTY6J5DTH)"
        )
    return canonical


def mime_type_of(path: Path) -> str:
    try:
        return SIGNABLE_MIME_TYPES[path.suffix.lower()]
    except KeyError:
        kinds = ", ".join(sorted({k.lstrip(".") for k in SIGNABLE_MIME_TYPES}))
        raise ValidationError(
            f"{path.name}: cannot embed a C2PA manifest in this type of file; supported: {kinds}"
        ) from None


def record_link(record: ExportRecord) -> dict[str, Any]:
    """The data of the record-link assertion."""
    return {
        "chainId": record.chain_id,
        "registry": record.registry,
        "contentHash": record.content_hash,
        "tokenId": str(record.token_id),
        "caip19": record.caip19,
    }


def manifest_definition(record: ExportRecord, *, iscc: str, title: str) -> dict[str, Any]:
    """The C2PA manifest definition for the work (pure; `embed` signs it)."""
    if record.disclosure is None:
        raise ValidationError(
            f"{record.content_hash} has no AI disclosure, and a C2PA creation action needs a digital source type; "
            "set one with `rightsledger disclose` first",
            code="no-disclosure",
        )
    action: dict[str, Any] = {
        "action": "c2pa.created",
        "digitalSourceType": record.disclosure.iptc_digital_source_type,
        "softwareAgent": CLAIM_GENERATOR,
        "parameters": {"org.w3id.rightsledger.aiDisclosure": record.disclosure.to_text()},
    }
    return {
        "claim_generator_info": [CLAIM_GENERATOR],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [action]}},
            training_mining_assertion(record),
            {
                "label": SOFT_BINDING_LABEL,
                "data": {"alg": ISCC_ALGORITHM, "blocks": [{"scope": {}, "value": check_iscc(iscc)}]},
            },
            {"label": RECORD_LABEL, "data": record_link(record)},
        ],
    }


def embed(
    source: str | Path,
    output: str | Path,
    record: ExportRecord,
    *,
    iscc: str,
    signing: SigningConfig,
    title: str | None = None,
) -> EmbedResult:
    """Write `source` (the registered work's file) to `output` with XMP and a signed C2PA manifest."""
    src, out = Path(source), Path(output)
    if not src.is_file():
        raise NotFoundError(f"file {src} does not exist")
    if out.resolve() == src.resolve():
        raise ValidationError(f"{out}: write the embedded copy to another path; the original stays the registered work")
    mime = mime_type_of(src)
    data = src.read_bytes()
    original = hash_bytes(data)
    if original != record.content_hash:
        raise ValidationError(
            f"{src} (sha256 {original}) is not the registered work {record.content_hash}: embed the registered file"
        )
    definition = manifest_definition(record, iscc=iscc, title=title or src.name)
    notes: list[str] = []
    xmp_written = mime in xmp.XMP_MIME_TYPES
    if xmp_written:
        data = xmp.insert(data, mime, xmp.packet(xmp.values_for(record, iscc=check_iscc(iscc))))
    else:
        notes.append(f"no XMP written: {mime} files get the C2PA manifest only")
    c2pa = _c2pa()
    signed = io.BytesIO()
    try:
        with c2pa.Builder(json.dumps(definition)) as builder:
            builder.sign(signing.c2pa_signer(), mime, io.BytesIO(data), signed)
    except c2pa.C2paError as exc:
        raise ValidationError(f"{src}: signing the C2PA manifest failed ({exc})") from None
    result = signed.getvalue()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result)
    except OSError as exc:
        raise ValidationError(f"{src}: cannot write the embedded copy to {out} ({exc.strerror or exc})") from None
    notes.append("the embedded file has its own sha256: register it as a derived stage of the work")
    return EmbedResult(
        source=src,
        output=out,
        mime_type=mime,
        original_hash=original,
        embedded_hash=hash_bytes(result),
        xmp_written=xmp_written,
        manifest=definition,
        notes=tuple(notes),
    )


__all__ = [
    "ISCC_ALGORITHM",
    "RECORD_LABEL",
    "SIGNABLE_MIME_TYPES",
    "SOFT_BINDING_LABEL",
    "EmbedResult",
    "SigningConfig",
    "check_iscc",
    "embed",
    "manifest_definition",
    "mime_type_of",
    "record_link",
]
