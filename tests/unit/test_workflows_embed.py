"""Embedding a work's record into its file: c2pa-python's Reader validates the signed manifest
(with the development root as trust anchor: Trusted, no errors), and our reader returns the
source type, the training-mining values, the ISCC soft binding, the record link and the XMP."""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

c2pa = pytest.importorskip("c2pa")
from cryptography import x509  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier  # noqa: E402
from PIL import Image  # noqa: E402

from rightsledger import Terms  # noqa: E402
from rightsledger.c2pa_import import read_c2pa  # noqa: E402
from rightsledger.disclosure import Disclosure, DisclosureLevel  # noqa: E402
from rightsledger.errors import NotFoundError, ValidationError  # noqa: E402
from rightsledger.exports import ExportRecord  # noqa: E402
from rightsledger.hashing import hash_bytes, hash_file  # noqa: E402
from rightsledger.vocabulary import Mode, Use  # noqa: E402
from rightsledger.workflows.devcerts import C2PA_CLAIM_SIGNING_EKU, ensure_dev_certs  # noqa: E402
from rightsledger.workflows.embed import SigningConfig, check_iscc, embed, manifest_definition  # noqa: E402
from rightsledger.workflows.xmp import read_values  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISCC = "ISCC:EEA4GQZQTY6J5DTH"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TERMS = Terms.model_validate(
    {
        "rules": {
            "tdm": {"mode": "allow"},
            "ai-training": {"mode": "licence", "fee": "0.01 ether"},
            "ai-inference": {"mode": "allow"},
        }
    }
)


def image_bytes(fmt: str, **save: Any) -> bytes:
    image = Image.new("RGB", (24, 16))
    image.putdata([((x * 10) % 256, (y * 15) % 256, 90) for y in range(16) for x in range(24)])
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def work_file(
    tmp_path: Path, name: str, data: bytes, *, disclosure: Disclosure | None = None
) -> tuple[Path, ExportRecord]:
    path = tmp_path / name
    path.write_bytes(data)
    record = ExportRecord(
        content_hash=hash_bytes(data),
        chain_id=31337,
        registry="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        holder="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        policy_id=2,
        terms=TERMS,
        now=NOW,
        disclosure=disclosure or Disclosure.create("ai-generated-human-edited", ["production"], "a diffusion model"),
    )
    return path, record


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ensure_dev_certs(tmp_path_factory.mktemp("dev-certs"))


@pytest.fixture(scope="module")
def signing(certs: Any) -> SigningConfig:
    return SigningConfig.from_files(certs.chain_path, certs.key_path)


def _library_verdict(path: Path, mime: str, anchors: bytes) -> dict[str, Any]:
    settings = c2pa.Settings.from_dict({"trust": {"user_anchors": anchors.decode()}, "verify": {"verify_trust": True}})
    with path.open("rb") as stream, c2pa.Reader(mime, stream, context=c2pa.Context(settings)) as reader:
        store: dict[str, Any] = json.loads(reader.json())
    return store


@pytest.mark.parametrize(
    ("name", "fmt", "save", "mime", "with_xmp"),
    [
        ("work.jpg", "JPEG", {"quality": 90}, "image/jpeg", True),
        ("work.png", "PNG", {}, "image/png", True),
        ("work.webp", "WEBP", {"quality": 80}, "image/webp", True),
        ("lossless.webp", "WEBP", {"lossless": True}, "image/webp", True),
        ("work.gif", "GIF", {}, "image/gif", False),
        ("work.tiff", "TIFF", {}, "image/tiff", False),
    ],
)
def test_embedded_manifest_validates_and_reads_back_everything(
    tmp_path: Path,
    certs: Any,
    signing: SigningConfig,
    name: str,
    fmt: str,
    save: dict[str, Any],
    mime: str,
    with_xmp: bool,
) -> None:
    source, record = work_file(tmp_path, name, image_bytes(fmt, **save))
    result = embed(source, tmp_path / "out" / name, record, iscc=ISCC, signing=signing)

    assert result.original_hash == record.content_hash == hash_file(source)
    assert result.embedded_hash == hash_file(result.output) != result.original_hash
    assert result.mime_type == mime and result.xmp_written is with_xmp

    store = _library_verdict(result.output, mime, certs.root_pem)
    assert store["validation_state"] == "Trusted"
    assert not store.get("validation_status"), store.get("validation_status")

    offer = read_c2pa(result.output, trust_anchors=certs.root_pem)
    assert offer is not None
    assert offer.valid and offer.trusted and offer.validation_state == "Trusted"
    assert offer.signer.startswith("rightsledger development signer")
    assert offer.digital_source_type == IPTC + "compositeWithTrainedAlgorithmicMedia"
    assert offer.disclosure is not None and offer.disclosure.level is DisclosureLevel.AI_ASSISTED_PRODUCTION
    assert offer.training_mining is not None
    entries = offer.training_mining["entries"]
    assert {k: v["use"] for k, v in entries.items()} == {
        "cawg.data_mining": "allowed",
        "cawg.ai_inference": "allowed",
        "cawg.ai_generative_training": "notAllowed",
        "cawg.ai_training": "constrained",
    }
    assert offer.terms is not None and offer.terms.rule(Use.AI_TRAINING).mode is Mode.LICENCE
    assert offer.iscc == ISCC
    assert offer.record_link == {
        "chainId": 31337,
        "registry": record.registry,
        "contentHash": record.content_hash,
        "tokenId": str(record.token_id),
        "caip19": record.caip19,
    }
    if with_xmp:
        assert offer.xmp is not None
        assert offer.xmp.digital_source_type == IPTC + "compositeWithTrainedAlgorithmicMedia"
        assert offer.xmp.data_mining == "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-SEECONSTRAINT"
        assert (
            offer.xmp.other_constraints is not None and "AI training: licence required" in offer.xmp.other_constraints
        )
        assert offer.xmp.ai_disclosure == "ai-generated-human-edited/production;tools=a diffusion model"
        assert (offer.xmp.record, offer.xmp.content_hash, offer.xmp.iscc) == (record.caip19, record.content_hash, ISCC)
        # An independent reader (Pillow's XMP parser) sees the same packet; the pixels are untouched.
        with Image.open(result.output) as embedded, Image.open(source) as original:
            description = embedded.getxmp()["xmpmeta"]["RDF"]["Description"]
            assert description["DigitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
            assert description["DataMining"].endswith("DMI-PROHIBITED-SEECONSTRAINT")
            assert embedded.tobytes() == original.tobytes()
    else:
        assert offer.xmp is None and any("no XMP written" in n for n in result.notes)


def test_without_the_trust_anchor_the_signature_is_valid_but_untrusted(tmp_path: Path, signing: SigningConfig) -> None:
    source, record = work_file(tmp_path, "a.png", image_bytes("PNG"))
    result = embed(source, tmp_path / "a-embedded.png", record, iscc=ISCC, signing=signing)
    offer = read_c2pa(result.output)
    assert offer is not None and offer.valid and not offer.trusted and offer.validation_state == "Valid"


def test_a_changed_byte_breaks_the_hard_binding(tmp_path: Path, certs: Any, signing: SigningConfig) -> None:
    source, record = work_file(tmp_path, "a.png", image_bytes("PNG"))
    result = embed(source, tmp_path / "a-embedded.png", record, iscc=ISCC, signing=signing)
    data = bytearray(result.output.read_bytes())
    data[data.index(b"IDAT") + 8] ^= 0xFF
    result.output.write_bytes(bytes(data))
    offer = read_c2pa(result.output, trust_anchors=certs.root_pem)
    assert offer is not None and not offer.valid
    assert any("mismatch" in e for e in offer.validation_errors), offer.validation_errors


def test_the_ideation_only_label_keeps_its_extension_term_in_c2pa_and_the_iptc_fallback_in_xmp(
    tmp_path: Path, signing: SigningConfig
) -> None:
    label = Disclosure.create("ai-assisted-ideation", ["ideation"])
    source, record = work_file(tmp_path, "idea.jpg", image_bytes("JPEG"), disclosure=label)
    result = embed(source, tmp_path / "idea-embedded.jpg", record, iscc=ISCC, signing=signing)
    offer = read_c2pa(result.output)
    assert offer is not None and offer.disclosure is not None
    assert offer.disclosure.level is DisclosureLevel.AI_ASSISTED_IDEATION
    assert offer.xmp is not None and offer.xmp.digital_source_type == IPTC + "digitalCreation"


def test_embed_refuses_files_that_are_not_the_registered_work(tmp_path: Path, signing: SigningConfig) -> None:
    source, record = work_file(tmp_path, "a.png", image_bytes("PNG"))
    other = tmp_path / "b.png"
    other.write_bytes(image_bytes("PNG", compress_level=1))
    with pytest.raises(ValidationError, match="is not the registered work"):
        embed(other, tmp_path / "x.png", record, iscc=ISCC, signing=signing)
    with pytest.raises(ValidationError, match="write the embedded copy to another path"):
        embed(source, source, record, iscc=ISCC, signing=signing)
    with pytest.raises(ValidationError, match="cannot embed a C2PA manifest in this type of file"):
        embed(source.rename(tmp_path / "a.bmp"), tmp_path / "x.bmp", record, iscc=ISCC, signing=signing)
    with pytest.raises(NotFoundError, match="does not exist"):
        embed(tmp_path / "missing.png", tmp_path / "x.png", record, iscc=ISCC, signing=signing)


def test_manifest_needs_a_disclosure_and_a_real_iscc_code(tmp_path: Path) -> None:
    _, record = work_file(tmp_path, "a.png", image_bytes("PNG"))
    with pytest.raises(ValidationError, match="not an ISCC code"):
        manifest_definition(record, iscc="hello", title="a")
    assert check_iscc("eea4gqzqty6j5dth") == ISCC
    bare = ExportRecord(**{**record.__dict__, "disclosure": None})
    with pytest.raises(ValidationError, match="rightsledger disclose"):
        manifest_definition(bare, iscc=ISCC, title="a")


def test_signing_config_errors_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="signing certificate chain"):
        SigningConfig.from_files(tmp_path / "none.pem", tmp_path / "none.key")
    source, record = work_file(tmp_path, "a.png", image_bytes("PNG"))
    bad = SigningConfig(b"not a certificate", b"not a key")
    with pytest.raises(ValidationError, match="must be PEM"):
        embed(source, tmp_path / "x.png", record, iscc=ISCC, signing=bad)


def test_dev_certs_are_a_three_level_chain_with_the_c2pa_extensions(tmp_path: Path) -> None:
    certs = ensure_dev_certs(tmp_path / "certs")
    signer, middle = x509.load_pem_x509_certificates(certs.chain_pem)
    root = x509.load_pem_x509_certificate(certs.root_pem)
    assert signer.issuer == middle.subject and middle.issuer == root.subject == root.subject
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ekus = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in ekus and ObjectIdentifier(C2PA_CLAIM_SIGNING_EKU) in ekus
    assert middle.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert stat.S_IMODE(certs.key_path.stat().st_mode) == 0o600
    before = certs.chain_pem
    assert ensure_dev_certs(tmp_path / "certs").chain_pem == before  # reused, not remade


def test_xmp_reader_ignores_files_without_our_packet() -> None:
    assert read_values(image_bytes("PNG")) is None
