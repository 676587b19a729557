"""C2PA import: a PNG the test signs itself (a throwaway CA and signer made here with
`cryptography`) is read offline; its digital source type and training-mining assertion are
offered as the disclosure and terms, and `rightsledger import --register` uses them."""

from __future__ import annotations

import datetime
import io
import json
import struct
import zlib
from pathlib import Path

import pytest

c2pa = pytest.importorskip("c2pa")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

from rightsledger.c2pa_import import offer_from_manifest_store, read_c2pa  # noqa: E402
from rightsledger.disclosure import DisclosureLevel, Phase  # noqa: E402
from rightsledger.hashing import hash_file  # noqa: E402
from rightsledger.vocabulary import Mode, Use  # noqa: E402


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes([(x * 31) % 256, (y * 29) % 256, 120]) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_signer() -> object:
    """An ES256 signer whose certificate chain (signer <- test root) is made for this test run."""
    now = datetime.datetime.now(datetime.UTC)
    org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rightsledger tests")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rightsledger test root"), org])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rightsledger test signer"), org]))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None))


def signed_png(path: Path, assertions: list[dict[str, object]]) -> Path:
    manifest = {
        "claim_generator_info": [{"name": "rightsledger-tests", "version": "1"}],
        "title": path.name,
        "assertions": assertions,
    }
    output = io.BytesIO()
    with c2pa.Builder(json.dumps(manifest)) as builder:
        builder.sign(make_signer(), "image/png", io.BytesIO(tiny_png()), output)
    path.write_bytes(output.getvalue())
    return path


GENERATED_NO_TRAINING = [
    {
        "label": "c2pa.actions",
        "data": {
            "actions": [
                {
                    "action": "c2pa.created",
                    "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                }
            ]
        },
    },
    {
        "label": "cawg.training-mining",
        "data": {
            "entries": {
                "cawg.data_mining": {"use": "allowed"},
                "cawg.ai_training": {"use": "notAllowed"},
                "cawg.ai_generative_training": {"use": "constrained", "constraint_info": "ask the studio"},
                "cawg.ai_inference": {"use": "allowed"},
            }
        },
    },
]


def test_signed_file_offers_its_source_type_as_disclosure_and_its_assertion_as_terms(tmp_path: Path) -> None:
    offer = read_c2pa(signed_png(tmp_path / "generated.png", GENERATED_NO_TRAINING))
    assert offer is not None
    assert offer.valid and not offer.trusted, "valid signature; the test root is on no trust list"
    assert offer.signer == "rightsledger test signer, rightsledger tests"
    assert offer.disclosure is not None
    assert offer.disclosure.level is DisclosureLevel.AI_GENERATED
    assert offer.disclosure.phases == {Phase.PRODUCTION}
    assert offer.terms is not None
    assert offer.terms.rule(Use.TDM).mode is Mode.ALLOW
    assert offer.terms.rule(Use.AI_INFERENCE).mode is Mode.ALLOW
    assert offer.terms.rule(Use.AI_TRAINING).mode is Mode.DENY
    assert offer.terms.rule(Use.AI_GENERATIVE_TRAINING).mode is Mode.LICENCE
    assert offer.terms.rule(Use.COMMERCIAL).mode is Mode.DENY


def test_file_without_manifest_offers_nothing(tmp_path: Path) -> None:
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    assert read_c2pa(plain) is None


def test_legacy_c2pa_labels_and_a_missing_assertion_are_handled() -> None:
    store = {
        "active_manifest": "m",
        "manifests": {
            "m": {
                "assertions": [
                    {"label": "c2pa.training-mining", "data": {"entries": {"c2pa.ai_training": {"use": "allowed"}}}}
                ],
                "signature_info": {"issuer": "someone"},
            }
        },
        "validation_status": [{"code": "assertion.dataHash.mismatch"}],
    }
    offer = offer_from_manifest_store(store)
    assert offer.terms is not None and offer.terms.rule(Use.AI_TRAINING).mode is Mode.ALLOW
    assert offer.disclosure is None and not offer.valid
    assert any("no digital source type" in n for n in offer.notes)


def test_cli_import_registers_with_the_offered_terms_and_label(cli, tmp_path: Path) -> None:
    path = signed_png(tmp_path / "generated.png", GENERATED_NO_TRAINING)
    code, out, _ = cli("import", str(path))
    assert code == 0
    assert "disclosure  ai-generated/production" in out and "signer not on a trust list" in out
    code, out, _ = cli("--dev-account", "1", "import", str(path), "--register")
    assert code == 0, out
    code, out, _ = cli("check", str(path), "--use", "tdm")
    assert code == 0 and "allowed-by-terms" in out
    code, out, _ = cli("label", str(path), "--json")
    assert json.loads(out)["disclosure"]["level"] == "ai-generated"
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    code, _, err = cli("import", str(plain))
    assert code == 1 and "carries no C2PA manifest" in err
    assert hash_file(path) != hash_file(plain)
