"""The contracts' ABIs and bytecode (package data written by scripts/build_artifacts.py),
and decoding of reverts into named errors with their arguments."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ..errors import ContractRevert
from ..units import format_time
from ..vocabulary import Reason, Status, Use

_ARTIFACTS = resources.files("rightsledger") / "artifacts"


@cache
def artifact(name: str) -> dict[str, Any]:
    """The compiled artifact of contract `name`: abi, bytecode, deployedBytecode."""
    data: dict[str, Any] = json.loads((_ARTIFACTS / f"{name}.json").read_text())
    return data


def abi(name: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = artifact(name)["abi"]
    return result


def signature_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(signature_type(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


class FlatFunction:
    """A contract function encoded and decoded with eth-abi directly (web3's contract objects cost
    milliseconds of CPU a call: a relayer's hot path). Structs decode as dicts by component name
    (as web3 gives them), at any depth, and encode from dicts or tuples."""

    def __init__(self, function_abi: dict[str, Any]) -> None:
        self.name = str(function_abi["name"])
        self.inputs = list(function_abi["inputs"])
        self.names = [str(p["name"]) for p in self.inputs]
        self.types = [signature_type(p) for p in self.inputs]
        self.selector = bytes(keccak(text=f"{self.name}({','.join(self.types)})")[:4])

    def encode(self, args: list[Any]) -> bytes:
        """Calldata for `args` (bytesN given as 0x-hex text are taken as their bytes)."""
        return self.selector + abi_encode(self.types, [_to_abi(p, v) for p, v in zip(self.inputs, args, strict=True)])

    def decode(self, data: bytes) -> dict[str, Any]:
        """The arguments of calldata (after the selector), by name; addresses checksummed."""
        values = abi_decode(self.types, data[4:])
        return {name: _from_abi(p, value) for name, p, value in zip(self.names, self.inputs, values, strict=True)}


def _array_of(param: dict[str, Any]) -> dict[str, Any] | None:
    """The element parameter of an array parameter (`T[]`, `T[N]`), or None."""
    kind = str(param["type"])
    if not kind.endswith("]"):
        return None
    return {**param, "type": kind[: kind.rindex("[")]}


def _to_abi(param: dict[str, Any], value: Any) -> Any:
    element = _array_of(param)
    if element is not None:
        return [_to_abi(element, v) for v in value]
    kind = str(param["type"])
    if kind == "tuple":
        components = param["components"]
        items = [value[str(c["name"])] for c in components] if isinstance(value, dict) else list(value)
        return tuple(_to_abi(c, v) for c, v in zip(components, items, strict=True))
    if kind.startswith("bytes") and isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return value


def _from_abi(param: dict[str, Any], value: Any) -> Any:
    element = _array_of(param)
    if element is not None:
        return [_from_abi(element, v) for v in value]
    kind = str(param["type"])
    if kind == "tuple":
        return {str(c["name"]): _from_abi(c, v) for c, v in zip(param["components"], value, strict=True)}
    if kind == "address":
        return to_checksum_address(value)
    return value


@cache
def flat_functions(contract_name: str) -> dict[str, FlatFunction]:
    """The contract's functions by name (overloaded names left out)."""
    functions = [f for f in abi(contract_name) if f.get("type") == "function"]
    names = [f["name"] for f in functions]
    return {f["name"]: FlatFunction(f) for f in functions if names.count(f["name"]) == 1}


@cache
def _errors() -> dict[bytes, dict[str, Any]]:
    table: dict[bytes, dict[str, Any]] = {}
    for entry in resources.files("rightsledger").joinpath("artifacts").iterdir():
        if not entry.name.endswith(".json"):
            continue
        for item in json.loads(entry.read_text())["abi"]:
            if item["type"] == "error":
                types = [signature_type(p) for p in item["inputs"]]
                selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
                table[selector] = {"name": item["name"], "types": types, "names": [p["name"] for p in item["inputs"]]}
    return table


_PANICS = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x32: "array index out of bounds",
    0x41: "out of memory",
}

# What to do next, per error: the message the user reads.
_ADVICE: dict[str, str] = {
    "WorkAlreadyRegistered": "this content is registered already (to {holder}); see it with `rightsledger terms show`",
    "WorkNotRegistered": "no work is registered under {contentHash}; register it first",
    "WorkUnauthorized": (
        "{caller} is neither the holder of {contentHash} nor an approved operator; only they may change it"
    ),
    "WorkZeroHash": "item {index} is the zero hash, which is no sha256 of real content",
    "WorkEmptyBatch": "the list of works is empty",
    "UnknownUse": "use number {use} does not exist",
    "WorkInvalidOptOutMask": "opt-out mask {mask} names uses that do not exist",
    "WorkInvalidStatus": "status {status} does not exist (0 unverified, 1 verified, 2 disputed)",
    "PolicyUnknown": "policy {policyId} does not exist; create it from terms first",
    "PolicyInvalidWindow": "the window of use {use} ends ({end}) at or before it starts ({start})",
    "PolicyInvalidMode": "use {use} has mode {mode}; modes are 0 deny, 1 licence, 2 allow",
    "PolicyFeeWithoutLicence": "use {use} carries a fee but is not in licence mode",
    "PolicyDenyWithConditions": "use {use} is denied but carries a window, duties or share",
    "PolicyInvalidShare": "use {use} asks a revenue share of {revenueShareBps} basis points; the maximum is 10000",
    "PolicyInvalidDuties": "use {use} names unknown duties {duties}",
    "AccessControlUnauthorizedAccount": "{account} lacks the role this needs ({neededRole})",
    "ERC721InsufficientApproval": "{operator} may not transfer this work",
    "ERC721IncorrectOwner": "{sender} does not hold this work (the holder is {owner})",
    "ERC721InvalidReceiver": "{receiver} cannot receive a work",
    "ERC721NonexistentToken": "no work has token id {tokenId}",
    "DatasetUnknown": "no dataset has id {datasetId}; list them with `rightsledger datasets`",
    "DatasetEmpty": "a dataset needs a non-zero Merkle root and at least one item",
    "DatasetTooLarge": "{itemCount} items is more than a declaration can count (2**48 - 1)",
    "DatasetInvalidProof": "the proof does not show {contentHash} in dataset {datasetId}; is it the right manifest?",
    "DatasetAlreadyProven": "{contentHash} was proven in dataset {datasetId} already; the record stands",
    "DatasetNotProven": "prove {contentHash} is in dataset {datasetId} first (`rightsledger prove`)",
    "DatasetNotHolder": "{caller} is neither the holder of {contentHash} nor an approved operator",
    "DatasetNotDeclarer": "only the declarer of dataset {datasetId} may do this, not {caller}",
    "DatasetRemovalAlreadyRequested": "removal of {contentHash} from dataset {datasetId} was requested already",
    "DatasetNoRemovalPending": "no removal of {contentHash} from dataset {datasetId} is waiting for acknowledgement",
    "CollectionUnknown": "no collection has id {collectionId}",
    "CollectionEmpty": "a collection needs a non-zero Merkle root and at least one work",
    "CollectionInvalidProof": "the proof does not show {contentHash} in collection {collectionId}",
    "CollectionUnauthorized": "only the holder of collection {collectionId} may do this, not {caller}",
    "CollectionBadBatch": "the batch's hashes, proofs and proof lengths do not line up",
    "CollectionNotVerified": (
        "collection {collectionId} is {statusName}, not verified; only a collection a registrar verified "
        "contests its members' registrations"
    ),
    "CollectionMemberRegisteredBefore": (
        "{contentHash} was registered on its own at {registeredAt}, before collection {collectionId} (at "
        "{collectionRegisteredAt}): its own registration answers for it; nothing to contest"
    ),
    "CollectionMemberRegisteredByCollectionHolder": (
        "{contentHash} was registered on its own by the holder of collection {collectionId} itself (its terms "
        "refine the collection's, whoever holds it now); nothing to contest"
    ),
    "WorkNotContestable": (
        "{contentHash} is {statusName} already: only an unverified registration can be contested (a registrar "
        "settles a dispute by correcting its holder or marking it verified)"
    ),
    "WorkNotCollectionRegistry": "{caller} is not the collection registry this registry was wired to",
    "WorkCollectionRegistryAlreadySet": "the registry is wired to collection registry {collections} already, for good",
    "LevyEpochNotFinalizable": (
        "epoch {epoch} cannot be finalized: the next to finalize is {nextToFinalize}, and only epochs before the "
        "current one ({currentEpoch}) can be"
    ),
    "LevyClaimWindowClosed": "the claim window of dataset {datasetId}'s epoch {epoch} is not open (finalize it first?)",
    "LevyMembersFirst": (
        "individual levy claims of epoch {epoch} open at {opensAtTime} (collection members are paid first); "
        "claim again then"
    ),
    "LevyAlreadyClaimed": "the share of {contentHash} in dataset {datasetId} was claimed already",
    "LevyInvalidProof": "the proof does not show {contentHash} in dataset {datasetId}",
    "LevyWorkNotRegistered": "{contentHash} is not registered, so there is no holder to pay; register it first",
    "LevyInvalidEpochLength": (
        "an epoch length must be between 1 second and 4,294,967,295 seconds (136 years); deploy with one in range"
    ),
    "LevyClaimWindowStillOpen": (
        "epoch {epoch}'s claim window is open until {claimUntil}; finalize the next epoch after that"
    ),
    "LevyWorkDisputed": "{contentHash} is disputed: no levy share is paid until a registrar settles it",
    "LevyRegisteredAfterDeclaration": (
        "{contentHash} was registered at {registeredAt}, not before the dataset's declaration at {declaredAt}: "
        "the levy pays works registered before they were used"
    ),
    "LevyCollectionNotVerified": (
        "collection {collectionId} is not verified (status {status}); a registrar verifies a collection before "
        "its members are paid"
    ),
    "LevyInvalidMemberProof": "the proof does not show {contentHash} in collection {collectionId}",
    "LevyWorkRegisteredIndividually": (
        "{contentHash}'s own registration answers for it; claim with `rightsledger levy claim` instead"
    ),
    "LevyDatasetNotAdmitted": (
        "dataset {datasetId} was not admitted to the levy; a registrar admits a dataset after checking its count"
    ),
    "LevyDatasetAlreadyAdmitted": "dataset {datasetId} was admitted already",
    "LevyDatasetExhausted": "dataset {datasetId} paid out all {itemCount} shares its declarer counted",
    "LevyUnauthorized": "{caller} is not a registrar; only a registrar admits datasets to the levy",
    "LevyZeroContribution": "contribute more than nothing",
    "LevyNothingToWithdraw": "{account} has no levy shares to withdraw",
    "LevyWithdrawalFailed": (
        "sending {amount} wei to {to} failed (a contract that refuses ether?); withdraw --to another address"
    ),
    "LicenceNotForSale": (
        "the terms of {contentHash} do not sell {useName} licences now (the check answers {reasonName});"
        " see them with `rightsledger terms show`"
    ),
    "LicenceUnavailable": "no new {useName} licence of {contentHash}: the check answers {reasonName}",
    "LicenceWrongPayment": "the price is {price} wei but {paid} wei was sent; send exactly the price",
    "LicenceEndsInPast": "a licence ending at {validUntil} would end before it starts; give a later end",
    "LicenceZeroLicensee": "a licence needs a licensee address",
    "LicenceUnauthorized": "{caller} is neither the holder of {contentHash} nor an approved operator",
    "LicenceOfferBadSignature": (
        "the offer's signature is not {signer}'s for this chain and contract (altered, or made for another deployment)"
    ),
    "LicenceOfferSignerNotHolder": (
        "{signer}, who signed the offer, no longer holds {contentHash} nor operates for its holder; ask for a new offer"
    ),
    "LicenceOfferExpired": "the offer expired at {expiresAt}; ask the holder for a new one",
    "LicenceOfferUsedUp": "the offer was already redeemed {maxRedemptions} time(s), all it allows",
    "LicenceOfferCancelled": "the holder cancelled this offer",
    "LicenceOfferNotForLicensee": "the offer is for {offeredTo}, not {licensee}",
    "LicenceOfferInvalid": "the offer allows no redemption (max redemptions 0)",
    "LicenceNothingToWithdraw": "{account} has nothing to withdraw",
    "LicenceWithdrawFailed": "{to} refused the {amount} wei withdrawn; withdraw to another address",
    "LicenceInvalidRoyalty": "a royalty of {bps} basis points to {receiver} is impossible (0..10000, to an address)",
    "LicenceTermsChanged": (
        "the terms of {contentHash} changed (policy {policyId}, you saw {expectedPolicyId}); read them again "
        "with `rightsledger terms show` before buying"
    ),
    "LicenceValidityTooShort": "the licence would end at {validUntil}, before the {minValidUntil} you were quoted",
    "LicenceOfferNonceCancelled": "{signer} cancelled every offer with a nonce below {floor} (this one has {nonce})",
    "LicenceNonceFloorNotRaised": "the nonce floor is {floor} already; give a higher nonce than {nonce}",
    "LicenceMintingDisabled": "the holder stopped new licences of {contentHash} under policy {policyId}",
    "LicenceUnknown": "no licence has id {licenceId}",
    "LicenceAlreadyRevoked": "licence {licenceId} was revoked already",
    "LicenceNotTransferable": "licence {licenceId} is personal: its terms do not make it transferable",
    "LicenceTransferableHeld": (
        "{holder} already holds a running transferable {useName} licence of {contentHash}"
    ),
    "LicenceTokenUnauthorized": "only the licence manager mints licence tokens, not {caller}",
    "WorkNotDisputed": "{contentHash} is not disputed; mark it disputed before correcting its holder",
    "CollectionNotDisputed": "collection {collectionId} is not disputed; mark it disputed before correcting its holder",
    "DerivativeParentCount": "a derivative needs 1 to 16 parents, not {count}",
    "DerivativeDuplicateParent": "parent {parent} is listed twice",
    "DerivativeNotAllowed": (
        "the terms of parent {parent} do not allow you a derivative (the check answers {reasonName});"
        " buy or ask for a derivative licence first"
    ),
    "DerivativeShareAlikeRequired": (
        "parent {parent} is share-alike: the derivative must carry its terms (policy {requiredPolicyId});"
        " register it without terms to inherit them"
    ),
    "DerivativeSharesExceedWhole": "the parents' revenue shares add up to {totalBps} basis points, above 10000",
    "ProvenanceWorkNotRegistered": "no work is registered under {contentHash}; register it first",
    "ProvenanceUnauthorized": (
        "{caller} is neither the holder of {contentHash} nor an operator the holder approved; "
        "only they may add to its trail or set its AI disclosure"
    ),
    "ProvenanceUnknownStage": (
        "stage {stage} cannot be recorded here (0 created, 1 digitised, 2 transformed, 3 derived-from)"
    ),
    "ProvenanceInvalidParents": "stage {stage} got {count} parents; derived-from needs 1 to 64, other stages none",
    "ProvenanceInvalidParent": "parent {parent} is the zero hash or the work itself",
    "ProvenanceEmptyBatch": "the list of works is empty",
    "DisclosureUnknownLevel": "disclosure level {level} does not exist (1 human-made .. 5 ai-generated)",
    "DisclosureUnknownPhases": "phase bits {phases} name phases that do not exist",
    "DisclosureInconsistentPhases": (
        "phases {phases} contradict level {level}: human-made names none, ideation-only exactly ideation, "
        "ai-assisted-production at least one phase besides ideation"
    ),
    "ERC2771ForwarderExpiredRequest": "the signed request expired at {deadline}; sign a new one",
    "ERC2771ForwarderInvalidSigner": "the signature is {signer}'s, not {from}'s (or its nonce is used); sign again",
    "ERC2771ForwarderMismatchedValue": "the request asks for {requestedValue} wei but {msgValue} was sent",
    "ERC2771UntrustfulTarget": "{target} does not trust the forwarder {forwarder}",
    "FailedCall": "the forwarded call reverted",
}


def _coded_name(kind: type[Reason] | type[Use] | type[Status], code: Any) -> str:
    members = list(kind)
    return members[code].value if isinstance(code, int) and 0 <= code < len(members) else str(code)


def _display(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def decode_revert(data: str | bytes | None, *, action: str) -> ContractRevert:
    """Turn revert data into a ContractRevert naming the error and its arguments."""
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else (data or b"")
    if len(raw) < 4:
        return ContractRevert("Revert", {}, f"{action} failed: the contract reverted without a reason")
    selector, body = raw[:4], raw[4:]
    if selector == keccak(text="Error(string)")[:4]:
        (text,) = abi_decode(["string"], body)
        return ContractRevert("Error", {"message": text}, f"{action} failed: {text}")
    if selector == keccak(text="Panic(uint256)")[:4]:
        (code,) = abi_decode(["uint256"], body)
        return ContractRevert("Panic", {"code": code}, f"{action} failed: {_PANICS.get(code, f'panic 0x{code:02x}')}")
    spec = _errors().get(selector)
    if spec is None:
        return ContractRevert(
            "Unknown", {"data": "0x" + raw.hex()}, f"{action} failed with unknown error 0x{raw.hex()}"
        )
    values = abi_decode(spec["types"], body)
    args = {n: _display(v) for n, v in zip(spec["names"], values, strict=True)}
    advice = _ADVICE.get(spec["name"])
    names = {"reasonName": _coded_name(Reason, args["reason"])} if "reason" in args else {}
    if "use" in args:
        names["useName"] = _coded_name(Use, args["use"])
    if "status" in args:
        names["statusName"] = _coded_name(Status, args["status"])
    if "opensAt" in args:
        names["opensAtTime"] = format_time(args["opensAt"])
    detail = advice.format(**args, **names) if advice else ", ".join(f"{k}={v}" for k, v in args.items())
    return ContractRevert(spec["name"], args, f"{action} failed: {spec['name']}: {detail}")
