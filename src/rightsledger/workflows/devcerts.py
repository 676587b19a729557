"""A development certificate chain for signing C2PA manifests on a local chain: root CA ->
intermediate CA -> signing certificate, ES256 (P-256), with the extensions C2PA validators
require (basic constraints, key usage digitalSignature on the signer and keyCertSign on the
CAs, extended key usage emailProtection and c2pa-kp-claimSigning, key identifiers).

Generated on demand into a folder the caller names (never shipped in the repository); a reader
that should trust these files configures `root.pem` as a trust anchor. Not for production: a
real deployment signs with a certificate from a CA on the C2PA trust list.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

C2PA_CLAIM_SIGNING_EKU = "1.3.6.1.4.1.62558.2.1"
"""id-kp-c2pa-claimSigning (C2PA 2.x, section 14.5.1)."""
VALID_DAYS = 365
RENEW_BEFORE_DAYS = 7

ROOT_FILE = "root.pem"
INTERMEDIATE_FILE = "intermediate.pem"
CHAIN_FILE = "signer-chain.pem"
KEY_FILE = "signer.key"


@dataclass(frozen=True)
class DevCertificates:
    """Where the development chain lives, and its PEM contents."""

    folder: Path

    @property
    def root_path(self) -> Path:
        return self.folder / ROOT_FILE

    @property
    def chain_path(self) -> Path:
        """The signing certificate followed by the intermediate (what a C2PA signer sends)."""
        return self.folder / CHAIN_FILE

    @property
    def key_path(self) -> Path:
        return self.folder / KEY_FILE

    @property
    def root_pem(self) -> bytes:
        return self.root_path.read_bytes()

    @property
    def chain_pem(self) -> bytes:
        return self.chain_path.read_bytes()

    @property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()


def ensure_dev_certs(folder: str | Path, *, common_name: str = "rightsledger development signer") -> DevCertificates:
    """The development chain in `folder`, made (or renewed when it expires within a week) if needed."""
    try:
        from cryptography import x509
    except ImportError:
        raise ConfigError(
            "making development certificates needs cryptography: pip install 'rightsledger[c2pa]'"
        ) from None
    certs = DevCertificates(Path(folder))
    files = (certs.root_path, certs.chain_path, certs.key_path, certs.folder / INTERMEDIATE_FILE)
    if all(p.is_file() for p in files):
        leaf = x509.load_pem_x509_certificate(certs.chain_pem)
        renew_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=RENEW_BEFORE_DAYS)
        if leaf.not_valid_after_utc > renew_at:
            return certs
    _generate(certs, common_name)
    return certs


def _generate(certs: DevCertificates, common_name: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rightsledger development"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "local chain only"),
            ]
        )

    def usage(*, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=not ca,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        )

    def issue(
        subject: x509.Name,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        issuer_key: ec.EllipticCurvePrivateKey,
        *,
        path_length: int | None,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
            .add_extension(usage(ca=ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        )
        if not ca:
            ekus = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(C2PA_CLAIM_SIGNING_EKU)]
            builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    root_key = ec.generate_private_key(ec.SECP256R1())
    middle_key = ec.generate_private_key(ec.SECP256R1())
    signer_key = ec.generate_private_key(ec.SECP256R1())
    root_name, middle_name = name("rightsledger development root CA"), name("rightsledger development intermediate CA")
    root = issue(root_name, root_key, root_name, root_key, path_length=1, ca=True)
    middle = issue(middle_name, middle_key, root_name, root_key, path_length=0, ca=True)
    signer = issue(name(common_name), signer_key, middle_name, middle_key, path_length=None, ca=False)

    def pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    certs.folder.mkdir(parents=True, exist_ok=True)
    certs.root_path.write_bytes(pem(root))
    (certs.folder / INTERMEDIATE_FILE).write_bytes(pem(middle))
    certs.chain_path.write_bytes(pem(signer) + pem(middle))
    key_bytes = signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(certs.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)


__all__ = ["C2PA_CLAIM_SIGNING_EKU", "DevCertificates", "ensure_dev_certs"]
