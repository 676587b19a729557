"""Rights that travel with the file: embed a registered work's record into a copy of its file (XMP and
a signed C2PA manifest, see embed.py) and register that copy as a stage of the work, so a check on the
embedded file answers with the work's terms. A stripped or re-encoded copy finds its record again by
its perceptual code (the soft binding names it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..chain.local import LOCAL_CHAIN_ID
from ..errors import ConfigError
from ..exports.record import ExportRecord
from ..hashing import hash_file
from ..identity import identify_file
from ..records import Registration
from ..sdk.client import RightsLedger
from ..sdk.trail import Stage
from .devcerts import ensure_dev_certs
from .embed import EmbedResult, SigningConfig, embed

CERT_ENV = "RIGHTSLEDGER_C2PA_CERT"
KEY_ENV = "RIGHTSLEDGER_C2PA_KEY"
DEV_CERTS_FOLDER = "c2pa-dev"


@dataclass(frozen=True)
class Labelled:
    """One embedded work: the file written, and the registration of the embedded copy (if made)."""

    result: EmbedResult
    iscc: str
    registration: Registration | None


def signing_config(
    chain_id: int, home: str | Path, *, cert: str | Path | None = None, key: str | Path | None = None
) -> SigningConfig:
    """The C2PA signer: `cert`/`key` (PEM), else $RIGHTSLEDGER_C2PA_CERT/_KEY, else on the local chain
    a development chain under <home>/c2pa-dev (made on first use; `make demo` makes it too)."""
    cert = cert or os.environ.get(CERT_ENV)
    key = key or os.environ.get(KEY_ENV)
    if cert and key:
        return SigningConfig.from_files(cert, key)
    if cert or key:
        raise ConfigError("give both the signing certificate chain and its key (--cert and --key)")
    if chain_id != LOCAL_CHAIN_ID:
        raise ConfigError(
            f"signing C2PA manifests on chain {chain_id} needs your certificate: --cert CHAIN.pem --key KEY.pem "
            f"(or ${CERT_ENV} and ${KEY_ENV}); development certificates are for the local chain only"
        )
    certs = ensure_dev_certs(Path(home) / DEV_CERTS_FOLDER)
    return SigningConfig(certs.chain_pem, certs.key_pem)


def embed_work(
    ledger: RightsLedger,
    source: str | Path,
    out_dir: str | Path,
    signing: SigningConfig,
    *,
    register: bool = True,
) -> Labelled:
    """Embed the record of the registered work `source` into `out_dir/<name>`; register the copy
    under the same terms and opt-outs (holder or operator only) with a `derived-from` stage naming
    the work, unless `register` is false."""
    path = Path(source)
    record = ExportRecord.read(ledger, hash_file(path))
    identity = identify_file(path)
    result = embed(path, Path(out_dir) / path.name, record, iscc=identity.iscc, signing=signing)
    registration = None
    if register:
        work = ledger.work(record.content_hash)
        registration = ledger.register(result.embedded_hash, terms=work.policy_id, metadata_uri=work.metadata_uri)
        if work.opted_out:
            ledger.set_opt_out(result.embedded_hash, work.opted_out)
        ledger.record_stage(
            result.embedded_hash, Stage.DERIVED_FROM, parents=[record.content_hash], details_uri="c2pa:embedded"
        )
    return Labelled(result, identity.iscc, registration)


__all__ = ["CERT_ENV", "DEV_CERTS_FOLDER", "KEY_ENV", "Labelled", "embed_work", "signing_config"]
