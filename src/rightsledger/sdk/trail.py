"""The provenance trail of a work: every lifecycle stage, in chain order, with block,
transaction, time and actor, read from the contracts' events.

Where stages come from is listed in one place, `TRAIL_SOURCES`: each entry names a contract
of the deployment, one of its events, the topic that carries the work's hash, and how to
read the stage, the actor and the details from the event. A contract the deployment does not
have (an older deployment, or a module not built yet such as the licence manager) is skipped,
so adding a source is adding one entry.

Reading pages through the chain in block ranges (`page_size` blocks per `eth_getLogs`, halved
automatically when a node refuses a range as too large), filtering by the work's hash as an
indexed topic, so a long history never asks a node for more than it serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import LogReceipt, TxReceipt

from ..chain.contracts import abi
from ..chain.deployments import Deployment
from ..chain.logs import DEFAULT_PAGE_SIZE, event_topic, logs_in_pages
from ..disclosure import Disclosure, DisclosureLevel, phases_from_mask
from ..errors import ValidationError
from ..hashing import ContentLike, content_hash, hash_bytes, hash_file, parse_hash
from ..units import from_timestamp
from ..vocabulary import ZERO_ADDRESS, Reason, Status, Use

ZERO_HASH = "0x" + "00" * 32
STAGE_BATCH_CHUNK = 400
"""Works per recordStageBatch transaction (~9k gas each), well under the per-transaction gas cap."""


class Stage(StrEnum):
    """Stages a holder or approved operator appends in ProvenanceLog (code = position)."""

    CREATED = "created"
    DIGITISED = "digitised"
    TRANSFORMED = "transformed"
    DERIVED_FROM = "derived-from"

    @property
    def code(self) -> int:
        return list(Stage).index(self)

    @classmethod
    def parse(cls, text: str) -> Stage:
        value = text.strip().lower().replace("digitized", "digitised")
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ValidationError(
                f"unknown stage {text!r}; a holder can record: {choices} "
                "(registration, transfers, terms, disclosures and licences are recorded by their own actions)"
            ) from None


@dataclass(frozen=True)
class TrailEntry:
    """One stage of a work's history."""

    stage: str
    block: int
    log_index: int
    transaction: str
    timestamp: datetime
    actor: str
    source: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "block": self.block,
            "logIndex": self.log_index,
            "transaction": self.transaction,
            "timestamp": self.timestamp.isoformat(),
            "actor": self.actor,
            "source": self.source,
            "details": dict(self.details),
        }

    def summary(self) -> str:
        """The details in a few words, for the table the CLI and demo print."""
        d = self.details
        parts: list[str] = []
        if self.stage == "registered":
            parts.append(f"to {d['to']}")
            if d.get("metadataURI"):
                parts.append(f"metadata {d['metadataURI']}")
        elif self.stage == "holdership-transferred":
            parts.append(f"{d['from']} -> {d['to']}")
        elif self.stage == "terms-changed":
            parts.append(f"policy {d['policyId']}")
        elif self.stage == "opt-out-changed":
            parts.append("opted out of " + (", ".join(d["optedOut"]) or "nothing"))
        elif self.stage == "status-marked":
            parts.append(str(d["status"]))
            if d.get("evidenceURI"):
                parts.append(f"evidence {d['evidenceURI']}")
        elif self.stage == "contested-by-collection":
            parts.append(f"disputed as a member of collection #{d['collectionId']}")
        elif self.stage == "disclosure-set":
            parts.append(str(d["label"]))
        elif self.stage == "licensed":
            until = "no end" if not d["validUntil"] else f"until {from_timestamp(d['validUntil']):%Y-%m-%d}"
            parts.append(f"{d['use']} licence #{d['licenceId']} to {d['licensee']} ({d['source']}, {until})")
        elif self.stage == "derivative-registered":
            parts.append(f"derivative {d['derivative'][:10]}… owes {d['revenueShareBps'] / 100:g}%")
        elif self.stage in ("declared-in-dataset", "violation-recorded"):
            parts.append(f"dataset #{d['datasetId']}: {d['reasonAtDeclaration']} at declaration")
        elif self.stage == "near-copy-proven":
            parts.append(f"dataset #{d['datasetId']}: item {d['item'][:10]}… (distance {d['distance']})")
        elif self.stage in ("removal-requested", "removal-acknowledged"):
            parts.append(f"dataset #{d['datasetId']}" + (f": {d['note']}" if d.get("note") else ""))
        elif self.stage == "near-copy-of":
            parts.append(f"registered near {d['work'][:10]}… of {d['holder'][:10]}… (distance {d['distance']})")
        elif self.stage == "near-copy-registered":
            parts.append(f"{d['work'][:10]}… of {d['holder'][:10]}… registered near it (distance {d['distance']})")
        elif self.stage == "royalty-set":
            parts.append(f"{d['bps'] / 100:g}% to {d['receiver']}")
        for parent in d.get("parents", ()):
            parts.append(f"from {parent[:10]}…")
        if d.get("detailsURI"):
            parts.append(str(d["detailsURI"]))
        return "; ".join(parts)


Args = Mapping[str, Any]


@dataclass(frozen=True)
class EventSource:
    """Where one kind of stage comes from: an event of a contract of the deployment."""

    contract: str
    """The contract's name in the deployment and in the package artifacts."""
    event: str
    """The event's name in that contract's ABI."""
    hash_topic: int
    """Which topic (1..3) holds the work's hash. ERC-721 `Transfer` holds it as the token id."""
    stage: Callable[[Args], str]
    details: Callable[[Args], dict[str, Any]]
    actor: Callable[[Args], str] | None = None
    """The actor from the event; None: the transaction's sender (the signer, if relayed)."""


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)


def _transfer_details(args: Args) -> dict[str, Any]:
    return {"from": args["from"], "to": args["to"]}


def _stage_details(args: Args) -> dict[str, Any]:
    out: dict[str, Any] = {"detailsURI": args["detailsURI"], "detailsHash": _hex(args["detailsHash"])}
    if args["parents"]:
        out["parents"] = [_hex(p) for p in args["parents"]]
    return out


_LICENCE_SOURCES = ("bought", "granted", "offer-redeemed")


def _licence_details(args: Args) -> dict[str, Any]:
    return {
        "licenceId": args["licenceId"],
        "licensee": args["licensee"],
        "use": Use.from_code(args["use"]).value,
        "source": _LICENCE_SOURCES[args["source"]] if args["source"] < len(_LICENCE_SOURCES) else args["source"],
        "validUntil": args["validUntil"],
        "price": args["price"],
    }


def _disclosure_details(args: Args) -> dict[str, Any]:
    label = Disclosure(DisclosureLevel.from_code(args["level"]), phases_from_mask(args["phases"]), args["tools"])
    return {"label": label.to_text(), **label.to_json_dict()}


TRAIL_SOURCES: tuple[EventSource, ...] = (
    EventSource(
        "WorkRegistry",
        "Transfer",
        3,
        stage=lambda a: "registered" if a["from"] == ZERO_ADDRESS else "holdership-transferred",
        details=_transfer_details,
    ),
    EventSource(
        "WorkRegistry",
        "PolicyAttached",
        1,
        stage=lambda a: "terms-changed",
        details=lambda a: {"policyId": a["policyId"]},
        actor=lambda a: str(a["changedBy"]),
    ),
    EventSource(
        "WorkRegistry",
        "OptOutChanged",
        1,
        stage=lambda a: "opt-out-changed",
        details=lambda a: {"optedOut": [u.value for u in Use if a["optOutMask"] & (1 << u.code)]},
        actor=lambda a: str(a["changedBy"]),
    ),
    EventSource(
        "WorkRegistry",
        "HolderCorrected",
        1,
        stage=lambda a: "holder-corrected",
        details=lambda a: {"from": a["previousHolder"], "to": a["newHolder"], "evidenceURI": a["evidenceURI"]},
        actor=lambda a: str(a["registrar"]),
    ),
    EventSource(
        "WorkRegistry",
        "ContestedByCollection",
        1,
        stage=lambda a: "contested-by-collection",
        details=lambda a: {"collectionId": a["collectionId"], "status": Status.DISPUTED.value},
        actor=lambda a: str(a["contester"]),
    ),
    EventSource(
        "WorkRegistry",
        "StatusMarked",
        1,
        stage=lambda a: "status-marked",
        details=lambda a: {"status": Status.from_code(a["status"]).value, "evidenceURI": a["evidenceURI"]},
        actor=lambda a: str(a["registrar"]),
    ),
    EventSource(
        "ProvenanceLog",
        "StageRecorded",
        1,
        stage=lambda a: list(Stage)[a["stage"]].value,
        details=_stage_details,
        actor=lambda a: str(a["actor"]),
    ),
    EventSource(
        "ProvenanceLog",
        "DisclosureSet",
        1,
        stage=lambda a: "disclosure-set",
        details=_disclosure_details,
        actor=lambda a: str(a["actor"]),
    ),
    EventSource(
        "LicenceManager",
        "LicenceIssued",
        1,
        stage=lambda a: "licensed",
        details=_licence_details,
        actor=lambda a: str(a["payer"]),
    ),
    EventSource(
        "LicenceManager",
        "DerivativeLinked",
        1,
        stage=lambda a: "derived-from",
        details=lambda a: {"parents": [_hex(a["parent"])], "revenueShareBps": a["revenueShareBps"], "enforced": True},
    ),
    EventSource(
        "LicenceManager",
        "DerivativeLinked",
        2,
        stage=lambda a: "derivative-registered",
        details=lambda a: {"derivative": _hex(a["contentHash"]), "revenueShareBps": a["revenueShareBps"]},
    ),
    EventSource(
        "LicenceManager",
        "RoyaltySet",
        1,
        stage=lambda a: "royalty-set",
        details=lambda a: {"receiver": a["receiver"], "bps": a["bps"]},
        actor=lambda a: str(a["changedBy"]),
    ),
    # A declaration names a Merkle root, not its works: a work's trail shows it once someone
    # proves the work is in the dataset.
    EventSource(
        "DatasetRegistry",
        "InclusionProven",
        2,
        stage=lambda a: "declared-in-dataset",
        details=lambda a: {"datasetId": a["datasetId"], "reasonAtDeclaration": Reason.from_code(a["reason"]).value},
        actor=lambda a: str(a["prover"]),
    ),
    EventSource(
        "DatasetRegistry",
        "ViolationRecorded",
        2,
        stage=lambda a: "violation-recorded",
        details=lambda a: {
            "datasetId": a["datasetId"],
            "declarer": a["declarer"],
            "reasonAtDeclaration": Reason.from_code(a["reason"]).value,
        },
    ),
    EventSource(
        "DatasetRegistry",
        "NearCopyProven",
        2,
        stage=lambda a: "near-copy-proven",
        details=lambda a: {"datasetId": a["datasetId"], "item": _hex(a["itemHash"]), "distance": a["distance"]},
        actor=lambda a: str(a["prover"]),
    ),
    EventSource(
        "DatasetRegistry",
        "RemovalRequested",
        2,
        stage=lambda a: "removal-requested",
        details=lambda a: {"datasetId": a["datasetId"], "note": a["note"]},
        actor=lambda a: str(a["requester"]),
    ),
    EventSource(
        "DatasetRegistry",
        "RemovalAcknowledged",
        2,
        stage=lambda a: "removal-acknowledged",
        details=lambda a: {"datasetId": a["datasetId"], "note": a["note"]},
        actor=lambda a: str(a["declarer"]),
    ),
)
"""Every event that is a stage of a work's trail."""


def block_runs(blocks: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted distinct blocks as runs of consecutive numbers: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for b in sorted(set(blocks)):
        if runs and b == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((b, b))
    return runs


class TrailReader:
    """Reads a work's trail from the deployment's contracts, one page of blocks at a time."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        *,
        sources: Sequence[EventSource] = TRAIL_SOURCES,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise ValidationError("the page size is a number of blocks, at least 1")
        self.w3 = w3
        self.deployment = deployment
        self.page_size = page_size
        self.requests = 0
        self._block_times: dict[int, datetime] = {}
        self._receipts: dict[str, TxReceipt] = {}
        self._by_topic: dict[bytes, tuple[EventSource, Contract]] = {}
        self._groups: dict[int, tuple[list[str], list[str]]] = {}
        contracts: dict[str, Contract] = {}
        for source in sources:
            address = deployment.contracts.get(source.contract)
            if address is None:
                continue  # not part of this deployment (yet)
            if source.contract not in contracts:
                contracts[source.contract] = w3.eth.contract(
                    address=to_checksum_address(address), abi=abi(source.contract)
                )
            contract = contracts[source.contract]
            topic0 = event_topic(contract, source.event)
            self._by_topic[topic0] = (source, contract)
            addresses, topics = self._groups.setdefault(source.hash_topic, ([], []))
            if contract.address not in addresses:
                addresses.append(contract.address)
            topics.append("0x" + topic0.hex())
        forwarder = deployment.contracts.get("Forwarder")
        self._forwarder = (
            w3.eth.contract(address=to_checksum_address(forwarder), abi=abi("Forwarder")) if forwarder else None
        )

    def read(
        self,
        item: ContentLike,
        *,
        from_block: int | None = None,
        to_block: int | None = None,
        blocks: Iterable[int] | None = None,
    ) -> list[TrailEntry]:
        """The work's stages in chain order (block, then position in the block). With `blocks` (from
        an index of the chain's events: where the work's events are), only those blocks of the range
        are asked for, each run of consecutive blocks as one range, instead of every block."""
        digest = content_hash(item)
        start = self.deployment.block if from_block is None else from_block
        end = self.w3.eth.block_number if to_block is None else to_block
        ranges = [(start, end)] if blocks is None else block_runs(b for b in blocks if start <= b <= end)
        logs: list[LogReceipt] = []
        for position, (addresses, topic0s) in self._groups.items():
            topics: list[Any] = [topic0s, *([None] * (position - 1)), digest]
            for first, last in ranges:
                logs.extend(self._logs_in_pages(addresses, topics, first, last))
        logs.sort(key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
        return [self._entry(log) for log in logs]

    # ------------------------------------------------------------------ paging

    def _logs_in_pages(self, addresses: list[str], topics: list[Any], start: int, end: int) -> Iterable[LogReceipt]:
        filters = {"address": addresses, "topics": topics}
        return logs_in_pages(
            self._get_logs, filters, start, end, page_size=self.page_size, action="reading the provenance trail"
        )

    def _get_logs(self, params: dict[str, Any]) -> list[LogReceipt]:
        self.requests += 1
        return list(self.w3.eth.get_logs(params))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ decoding

    def _entry(self, log: LogReceipt) -> TrailEntry:
        source, contract = self._by_topic[bytes(log["topics"][0])]
        decoded = contract.events[source.event]().process_log(log)
        args = cast(Args, decoded["args"])
        transaction = "0x" + bytes(log["transactionHash"]).hex()
        details = source.details(args)
        stage = source.stage(args)
        log_index = int(log["logIndex"])
        if source.contract == "WorkRegistry" and stage == "registered":
            details.update(self._registration(transaction, contract, log_index))
        actor = source.actor(args) if source.actor else self._sender(transaction, log_index)
        return TrailEntry(
            stage=stage,
            block=int(log["blockNumber"]),
            log_index=int(log["logIndex"]),
            transaction=transaction,
            timestamp=self._time(int(log["blockNumber"])),
            actor=actor,
            source=f"{source.contract}.{source.event}",
            details=details,
        )

    def _registration(self, transaction: str, registry: Contract, log_index: int) -> dict[str, Any]:
        """The registration a work's mint (at `log_index`) belongs to: the first WorksRegistered
        after it (a registration closes with it; a relayed batch holds several)."""
        events = [
            e for e in registry.events.WorksRegistered().process_receipt(self._receipt(transaction), errors=DISCARD)
            if int(e["logIndex"]) > log_index
        ]  # fmt: skip
        if not events:
            return {}
        args = min(events, key=lambda e: int(e["logIndex"]))["args"]
        return {
            "registrationId": args["registrationId"],
            "registrant": args["registrant"],
            "policyId": args["policyId"],
            "metadataURI": args["metadataURI"],
        }

    def _sender(self, transaction: str, log_index: int) -> str:
        """Who acted: the transaction's sender, or the signer of a request relayed through the
        forwarder — in an `executeBatch`, the signer of the request whose call emitted the log at
        `log_index`: the forwarder's first `ExecutedForwardRequest` after it."""
        tx = self.w3.eth.get_transaction(transaction)  # type: ignore[arg-type]
        sender = str(tx["from"])
        forwarder = self._forwarder
        if forwarder is not None and tx.get("to") == forwarder.address:
            try:
                function, params = forwarder.decode_function_input(tx["input"])
            except ValueError:
                return sender
            if function.fn_name == "execute":
                request = params["request"]
                return str(request["from"] if isinstance(request, Mapping) else request[0])
            if function.fn_name == "executeBatch":
                executed = forwarder.events.ExecutedForwardRequest().process_receipt(
                    self._receipt(transaction), errors=DISCARD
                )
                after = [
                    e for e in executed
                    if int(e["logIndex"]) > log_index and str(e["address"]).lower() == forwarder.address.lower()
                ]  # fmt: skip
                if after:
                    return str(min(after, key=lambda e: int(e["logIndex"]))["args"]["signer"])
        return sender

    def _receipt(self, transaction: str) -> TxReceipt:
        if transaction not in self._receipts:
            if len(self._receipts) > 256:
                self._receipts.clear()
            self._receipts[transaction] = self.w3.eth.get_transaction_receipt(transaction)  # type: ignore[arg-type]
        return self._receipts[transaction]

    def _time(self, block: int) -> datetime:
        if block not in self._block_times:
            stamp = int(self.w3.eth.get_block(block)["timestamp"])
            self._block_times[block] = datetime.fromtimestamp(stamp, tz=UTC)
        return self._block_times[block]


def details_digest(details: Path | bytes | str | None) -> str:
    """The sha256 of a details document: a file, its bytes, or a hash given as hex."""
    if details is None:
        return ZERO_HASH
    if isinstance(details, Path):
        return hash_file(details)
    if isinstance(details, bytes):
        return hash_bytes(details)
    return parse_hash(details)


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "STAGE_BATCH_CHUNK",
    "TRAIL_SOURCES",
    "EventSource",
    "Stage",
    "TrailEntry",
    "TrailReader",
    "block_runs",
    "details_digest",
]
