"""The EU AI Act training-content summary (Art. 53(1)(d)) from what the registry knows: a model's
declared datasets and their manifests' metadata, the audit receipts of those datasets, the licences
their declarers bought, and the violations and removal requests recorded against them. Rendering and
the template's fields are in summary.py / summary_render.py; this module reads the chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from ..chain.logs import fetcher, logs_in_pages
from ..errors import RightsLedgerError, ValidationError
from ..manifests import manifest_path_of, read_manifest
from ..records import Dataset
from ..sdk.client import RightsLedger
from ..vocabulary import Use
from .audit import read_report
from .summary import (
    AuditInput,
    DeclarationInput,
    LicenceInput,
    ModelInput,
    ProviderInput,
    RemovalInput,
    SummaryInput,
    ViolationInput,
    training_summary,
)
from .summary_metadata import DatasetMetadata, dataset_metadata
from .summary_render import summary_html, summary_pdf

_EVENTS = {
    "ViolationRecorded": "ViolationRecorded(uint256,bytes32,address,uint8)",
    "RemovalRequested": "RemovalRequested(uint256,bytes32,address,string)",
    "RemovalAcknowledged": "RemovalAcknowledged(uint256,bytes32,address,string)",
}


def _metadata(dataset: Dataset, manifests: dict[int, Path]) -> tuple[DatasetMetadata, str | None]:
    """The manifest's metadata, or nothing known (with why) when its manifest cannot be read here."""
    try:
        path = manifests.get(dataset.dataset_id) or manifest_path_of(dataset.manifest_uri)
        return dataset_metadata(read_manifest(path)), None
    except RightsLedgerError as exc:
        return DatasetMetadata(), f"dataset {dataset.dataset_id}: manifest metadata not read ({exc})"


def _events(ledger: RightsLedger, name: str, dataset_ids: Sequence[int]) -> list[Any]:
    contract = ledger.datasets.registry
    topic0 = "0x" + keccak(text=_EVENTS[name]).hex()
    ids = ["0x" + i.to_bytes(32, "big").hex() for i in dataset_ids]
    filters = {"address": contract.address, "topics": [topic0, ids]}
    w3 = ledger.w3
    event = getattr(contract.events, name)()
    logs = logs_in_pages(fetcher(w3), filters, ledger.deployment.block, w3.eth.block_number, action=f"reading {name}")
    return [event.process_log(log) for log in logs]


def gather(
    ledger: RightsLedger,
    dataset_ids: Sequence[int],
    *,
    provider: ProviderInput,
    model: ModelInput,
    audits: Sequence[str | Path] = (),
    manifests: dict[int, Path] | None = None,
) -> tuple[SummaryInput, list[str]]:
    """The summary's inputs from the chain (and the audit reports given), with notes on what was missing."""
    if not dataset_ids:
        raise ValidationError("name the model's training datasets: --datasets ID [ID ...]")
    notes: list[str] = []
    datasets = [ledger.datasets.dataset(i) for i in dataset_ids]
    declarations = []
    for d in datasets:
        metadata, note = _metadata(d, manifests or {})
        if note:
            notes.append(note)
        declarations.append(
            DeclarationInput(
                d.dataset_id, d.root, d.item_count, d.use, d.declared_at, d.declarer, d.manifest_uri, metadata
            )
        )
    audit_inputs = [_audit(ledger, Path(p), datasets) for p in audits]
    licences: list[LicenceInput] = []
    for declarer in dict.fromkeys(d.declarer for d in datasets):
        licences += [
            LicenceInput(lic.licence_id, lic.content_hash, lic.use, lic.price, lic.block, until=lic.valid_until)
            for lic in ledger.licensing.licences(licensee=declarer)
        ]
    times: dict[int, datetime] = {}

    def at(block: int) -> datetime:
        if block not in times:
            times[block] = datetime.fromtimestamp(int(ledger.w3.eth.get_block(block)["timestamp"]), tz=UTC)
        return times[block]

    violations = [
        ViolationInput(int(e["args"]["datasetId"]), "0x" + bytes(e["args"]["contentHash"]).hex(), int(e["blockNumber"]))
        for e in _events(ledger, "ViolationRecorded", dataset_ids)
    ]
    acknowledged = {
        (int(e["args"]["datasetId"]), bytes(e["args"]["contentHash"])): at(int(e["blockNumber"]))
        for e in _events(ledger, "RemovalAcknowledged", dataset_ids)
    }
    removals = []
    for e in _events(ledger, "RemovalRequested", dataset_ids):
        key = (int(e["args"]["datasetId"]), bytes(e["args"]["contentHash"]))
        requested = at(int(e["blockNumber"]))
        removals.append(RemovalInput(key[0], "0x" + key[1].hex(), requested, acknowledged.get(key), e["args"]["note"]))
    data = SummaryInput(
        provider=provider,
        model=model,
        declarations=declarations,
        audits=audit_inputs,
        licences=licences,
        violations=violations,
        removals=removals,
        chain_id=ledger.chain_id,
        registry=ledger.deployment.work_registry,
    )
    return data, notes


def _audit(ledger: RightsLedger, path: Path, datasets: Sequence[Dataset]) -> AuditInput:
    result = read_report(path)
    receipt, summary = result.receipt, result.summary
    counts = {k: int(summary.get(k, 0)) for k in ("cleared", "needs-licence", "denied", "unregistered", "disputed")}
    # An audit belongs to the dataset whose manifest it read (the receipt names its source file).
    source = Path(str(receipt.get("source", ""))).name
    matching = [d.dataset_id for d in datasets if d.manifest_uri and _file_name(d.manifest_uri) == source]
    return AuditInput(
        block=int(receipt["block"]),
        block_time=datetime.fromisoformat(str(receipt["blockTime"])),
        use=Use(str(receipt["use"])),
        items=int(summary["items"]),
        counts=counts,
        dataset_id=matching[0] if matching else None,
        chain_id=int(receipt.get("chainId", ledger.chain_id)),
        registry=str(receipt.get("workRegistry", "")) or None,
    )


def _file_name(uri: str) -> str:
    try:
        return manifest_path_of(uri).name
    except RightsLedgerError:
        return uri.rstrip("/").rsplit("/", 1)[-1]


def write_summary(data: SummaryInput, out: str | Path, *, pdf: bool = False) -> dict[str, Path]:
    """Write summary.json and summary.html (and summary.pdf when asked) into the folder `out`."""
    folder = Path(out)
    summary = training_summary(data)
    files = {"json": folder / "summary.json", "html": folder / "summary.html"}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files["json"].write_text(json.dumps(summary, indent=2, default=str) + "\n")
        files["html"].write_text(summary_html(summary))
        if pdf:
            files["pdf"] = folder / "summary.pdf"
            files["pdf"].write_bytes(summary_pdf(summary))
    except OSError as exc:
        raise ValidationError(f"cannot write the summary into {folder} ({exc.strerror or exc})") from None
    return files


def parse_day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


__all__ = ["gather", "parse_day", "write_summary"]
