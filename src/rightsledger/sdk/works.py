"""Works on the WorkRegistry: register one or a collection, read records, change terms, opt-outs and
holders, and check uses one at a time or by the hundred thousand (hand-encoded batch calls)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from os import PathLike
from typing import Any, cast

from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.logs import DISCARD
from web3.types import TxReceipt

from ..chain.logs import fetcher, logs_in_pages
from ..chain.module import CALL_GAS, ChainContext, ContractModule
from ..chain.transactions import as_revert
from ..code_tree import CODES_EVENT, NO_CODE, CodeLike, RegisteredCode, code_proof, pack_code, split_codes
from ..errors import NotFoundError, ValidationError
from ..hashing import ContentLike, content_hash, refuse_empty
from ..identity import THRESHOLDS, identify_bytes, identify_file, onchain_code
from ..identity.iscc import IsccHeader, format_unit
from ..records import BatchRegistration, CheckResult, Registration, Work
from ..terms import Terms
from ..units import from_timestamp, to_timestamp
from ..vocabulary import (
    ZERO_ADDRESS,
    ContentHash,
    PolicyId,
    Reason,
    RegistrationId,
    Status,
    Use,
    as_use,
    parse_address,
    use_mask,
)
from .near_copies import (
    Candidate,
    ChainCodes,
    CodedMembers,
    CodedWork,
    CodeQuery,
    NearCopies,
    matchable,
    refuse_near_copies,
)
from .policies import Policies

# Below the 16,777,216-gas cap per transaction (EIP-7825) at ~25k gas per work, with room to spare.
REGISTER_CHUNK = 500
# ~2.6k gas per checked work: 10,000 stays under the 50M-gas eth_call cap of common RPC nodes
# and the 2 MB request limit of anvil.
CHECK_CHUNK = 10_000
CHECK_CALL_GAS = CALL_GAS
# Gas budgeted per hash in one batch read, calldata included (~4k measured at 4,000 hashes): a node
# whose calls are held to the 2**24 cap (Hardhat/EDR) gets chunks of ~3,300; CHECK_CHUNK bounds all.
READ_GAS_PER_HASH = 5_000
POLICY_IDS_SELECTOR = function_signature_to_4byte_selector("policyIdsOf(bytes32[])")
CHECK_SELECTOR = function_signature_to_4byte_selector("check(bytes32,uint8,address,uint64)")
OWNER_OF_SELECTOR = function_signature_to_4byte_selector("ownerOf(uint256)")
CHECK_BATCH_SELECTOR = function_signature_to_4byte_selector("checkBatch(bytes32[],uint8,address,uint64)")
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
CODES_TOPIC = "0x" + keccak(text=CODES_EVENT).hex()
ZERO_TOPIC = "0x" + bytes(32).hex()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]



def auto_code(item: ContentLike) -> int | None:
    """The on-chain code of a work given as a file or its bytes; None for a hash (nothing to code)."""
    return None if isinstance(item, str) else onchain_code(item)


def coded_query(item: ContentLike, code: CodeLike | None) -> tuple[bytes | None, CodeQuery | None]:
    """The code to record for a work (`code` if given, else computed from a file or bytes; None
    for none) and what to look for among other holders' works: a work given as a file or its
    bytes is looked for by its code (and its mirror's, computed); a work given by hash is not."""
    is_content = not isinstance(item, str)
    if code is not None:
        packed = pack_code(code)
        if packed == NO_CODE:
            return None, None
        media = IsccHeader.unpack(int.from_bytes(packed[:2], "big")).media
        query = CodeQuery(media, int.from_bytes(packed[2:], "big")) if is_content and media in THRESHOLDS else None
        return packed, query
    if not is_content:
        return None, None
    try:
        identity = identify_file(item) if not isinstance(item, bytes | bytearray | memoryview) else (
            identify_bytes(bytes(item)))
    except ValidationError:
        return None, None
    head, bits = identity.content_header, identity.content_bits
    if head is None or bits is None:
        return None, None
    return pack_code((head.packed << 64) | bits), CodeQuery(identity.media, bits, identity.mirrored_bits,
                                                                  identity.rotated_bits)


class Works(ContractModule):
    """The WorkRegistry: a work's record, terms, opt-outs and holder, and checks of its uses."""

    contract_name = "WorkRegistry"

    def __init__(self, ctx: ChainContext, policies: Policies) -> None:
        super().__init__(ctx)
        self.policies = policies
        self._near_copies: NearCopies | None = None
        self.coded_members: CodedMembers | None = None
        """Where `ChainCodes` finds collection members (the client sets its collections)."""

    @property
    def near_copies(self) -> NearCopies:
        """Where registrations look for near copies of other holders' works: the chain's codes read
        into memory (`ChainCodes`, with the coded collection members whose manifests are readable
        here), unless a codes index was set here (the CLI's `register` sets one)."""
        if self._near_copies is None:
            self._near_copies = ChainCodes(self, self.coded_members)
        return self._near_copies

    @near_copies.setter
    def near_copies(self, lookup: NearCopies | None) -> None:
        self._near_copies = lookup

    def refuse_near_copies(self, items: Sequence[ContentLike], hashes: Sequence[str],
                           queries: Sequence[CodeQuery | None], holder: str, *, allowed: Sequence[str] = ()) -> None:
        """SimilarWorkError if an item (its `coded_query`) is a near copy of a work or coded collection
        member of a holder other than `holder`, looked up in `near_copies`; `allowed`: content hashes
        it may be near (a derivative's parents)."""
        candidates = [Candidate(str(item) if isinstance(item, str | PathLike) else digest, digest, query,
                                is_file=isinstance(item, PathLike))
                      for item, digest, query in zip(items, hashes, queries, strict=True) if query is not None]
        if candidates:
            refuse_near_copies(self.near_copies, candidates, holder, allowed=allowed)

    # ------------------------------------------------------------------ registration

    def register(
        self,
        item: ContentLike,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        code: CodeLike | None = None,
        allow_similar: bool = False,
    ) -> Registration:
        """Register one work (a file Path, its bytes, or its hash) under `terms` (Terms or a policy id).
        Its ISCC content code is recorded on chain: `code` if given (10 bytes; NO_CODE for none), else
        computed from the file or bytes (a work given by its hash has none unless `code` says it).

        A file or bytes whose code is within the threshold of a work another holder registered is
        refused (SimilarWorkError, its `.matches` naming those works) unless `allow_similar`."""
        digest = content_hash(item)
        refuse_empty(digest, item)
        holder_address = parse_address(holder, what="holder") if holder else self.ctx.address
        packed, query = coded_query(item, code)
        if not allow_similar:
            self.refuse_near_copies([item], [digest], [query], holder_address)
        policy_id = self.policies.policy_id(terms)
        if packed is None:
            call = self.functions.register(digest, holder_address, policy_id, metadata_uri)
        else:
            call = self.functions.registerWithCode(digest, packed, holder_address, policy_id, metadata_uri)
        receipt = self.send(call, f"registering {digest}")
        return self._registration(receipt, (digest,), holder_address, policy_id, [packed])

    def register_batch(
        self,
        items: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        chunk_size: int = REGISTER_CHUNK,
        codes: Sequence[CodeLike | None] | None = None,
        allow_similar: bool = False,
    ) -> BatchRegistration:
        """Register a collection sharing one policy, in as few transactions as the gas cap allows.
        The codes recorded on chain are `codes` (one per item, None for an item without one), else
        those computed from the items given as files or bytes (none for items given by hash).

        Near copies of other holders' works among the files or bytes are refused before anything is
        sent (SimilarWorkError with every match) unless `allow_similar`."""
        if not items:
            raise ValidationError("the collection is empty: give at least one work")
        if codes is not None and len(codes) != len(items):
            raise ValidationError(f"{len(items)} works but {len(codes)} codes: give one code (or None) per work")
        hashes = [content_hash(item) for item in items]
        for item, digest in zip(items, hashes, strict=True):
            refuse_empty(digest, item)
        coded = [coded_query(item, None if codes is None else codes[k]) for k, item in enumerate(items)]
        given = [NO_CODE if packed is None else packed for packed, _ in coded]
        # No work has a code: the plain batch, which costs less gas.
        packed = None if all(p == NO_CODE for p in given) else given
        seen: set[str] = set()
        for h in hashes:
            if h in seen:
                raise ValidationError(f"the collection lists {h} twice")
            seen.add(h)
        holder_address = parse_address(holder, what="holder") if holder else self.ctx.address
        if not allow_similar:
            self.refuse_near_copies(items, hashes, [query for _, query in coded], holder_address)
        policy_id = self.policies.policy_id(terms)
        done: list[Registration] = []
        for start in range(0, len(hashes), chunk_size):
            chunk = hashes[start : start + chunk_size]
            if packed is None:
                call = self.functions.registerBatch(chunk, holder_address, policy_id, metadata_uri)
            else:
                joined = b"".join(packed[start : start + chunk_size])
                call = self.functions.registerBatchWithCodes(chunk, joined, holder_address, policy_id, metadata_uri)
            receipt = self.send(call, f"registering {len(chunk)} works")
            done.append(self._registration(receipt, tuple(chunk), holder_address, policy_id,
                                           [p for p, _ in coded[start : start + chunk_size]]))
        return BatchRegistration(tuple(done))

    def _registration(
        self, receipt: TxReceipt, hashes: tuple[ContentHash, ...], holder: str, policy_id: PolicyId,
        packed: Sequence[bytes | None] = (),
    ) -> Registration:
        (event,) = self.events.WorksRegistered().process_receipt(receipt, errors=DISCARD)
        return Registration(
            registration_id=RegistrationId(int(event["args"]["registrationId"])),
            content_hashes=hashes,
            holder=holder,
            policy_id=policy_id,
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            codes=tuple(None if p is None or p == NO_CODE else
                        format_unit(int.from_bytes(p[:2], "big"), int.from_bytes(p[2:], "big")) for p in packed),
        )

    def coded_works(self, start: int, end: int) -> list[CodedWork]:
        """The works registered with a content code (of a media with a threshold) in blocks `start`
        to `end`, in chain order, from the `ContentCodesRecorded` events and the mint `Transfer`
        events of the same transactions (which name the works in registration order)."""
        fetch = fetcher(self.ctx.w3)
        mints: dict[str, list[tuple[int, str]]] = {}
        for log in logs_in_pages(fetch, {"address": self.address, "topics": [TRANSFER_TOPIC, ZERO_TOPIC]}, start,
                                 end, action="reading registrations"):
            mints.setdefault(bytes(log["transactionHash"]).hex(), []).append(
                (int(log["logIndex"]), "0x" + bytes(log["topics"][3]).hex()))
        event = self.events.ContentCodesRecorded()
        found: list[CodedWork] = []
        for log in logs_in_pages(fetch, {"address": self.address, "topics": [CODES_TOPIC]}, start, end,
                                 action="reading content codes"):
            args = event.process_log(log)["args"]
            codes = split_codes(bytes(args["codes"]))
            # A transaction may register more than once (a relayed batch): a registration's mints are
            # the last ones before its codes event.
            before = [h for i, h in mints.get(bytes(log["transactionHash"]).hex(), []) if i < int(log["logIndex"])]
            hashes = before[-len(codes):] if len(before) >= len(codes) else []
            for digest, code in zip(hashes, codes, strict=False):
                if (unit := matchable(code)) is None:
                    continue
                media, head, body = unit
                found.append(CodedWork(digest, head, body, media,
                                       int(args["registrationId"]), int(log["blockNumber"]),
                                       "0x" + bytes(log["blockHash"]).hex()))
        return found

    def holder_of(self, content_hash: str) -> str:
        """The registered work's holder (checksummed; a ContractRevert if none is registered)."""
        return to_checksum_address(self.call(self.functions.ownerOf(int(content_hash, 16)), "reading a holder"))

    def holders_of(self, content_hashes: Sequence[str]) -> dict[str, str]:
        """`holder_of` for many works in one round trip (a JSON-RPC batch of `ownerOf` calls, where the
        node takes batches): content hash (lower-case) -> checksummed holder; unregistered ones left out."""
        wanted = list(dict.fromkeys(h.lower() for h in content_hashes))
        datas = [OWNER_OF_SELECTOR + int(h, 16).to_bytes(32, "big") for h in wanted]
        answers = self.ctx.raw_calls(self.address, datas, "reading holders")
        return {h: to_checksum_address(answer[12:32]) for h, answer in zip(wanted, answers, strict=True)
                if answer is not None and len(answer) >= 32}

    def registration_receipt(self, registration_id: int) -> TxReceipt:
        """The receipt of the transaction that made registration `registration_id` (its gas, block, sender)."""
        topic = "0x" + int(registration_id).to_bytes(32, "big").hex()
        signature = "0x" + keccak(text="WorksRegistered(uint32,address,address,uint32,uint256,string)").hex()
        filters = {"address": self.address, "topics": [signature, topic]}
        w3 = self.ctx.w3
        pages = logs_in_pages(
            fetcher(w3), filters, self.ctx.deployment.block, w3.eth.block_number, action="finding a registration"
        )
        first = next(iter(pages), None)
        if first is None:
            raise NotFoundError(f"registration {registration_id} does not exist on this deployment")
        return self.ctx.w3.eth.get_transaction_receipt(first["transactionHash"])

    def held_by(self, holder: str) -> list[ContentHash]:
        """The works `holder` holds now, in the order they came to it (from the registry's Transfer events)."""
        who = parse_address(holder, what="holder")
        signature = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
        topic = "0x" + who[2:].lower().rjust(64, "0")
        filters = {"address": self.address, "topics": [signature, None, topic]}
        w3 = self.ctx.w3
        start, end = self.ctx.deployment.block, w3.eth.block_number
        pages = logs_in_pages(fetcher(w3), filters, start, end, action="listing works")
        received = dict.fromkeys(ContentHash("0x" + bytes(log["topics"][3]).hex()) for log in pages)
        return [h for h in received if self.call(self.functions.ownerOf(int(h, 16)), "reading a holder") == who]

    def registered_code(self, item: ContentLike) -> RegisteredCode | None:
        """The content code the work was registered with (from its registration's ContentCodesRecorded
        event) and its proof for `verifyCode`; None if it was registered without codes."""
        digest = content_hash(item)
        action = f"reading the code of {digest}"
        try:
            registration_id, position, _count, root = self.functions.codeCommitmentOf(digest).call()
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, action)
            if revert is not None and revert.error == "WorkNotRegistered":
                raise NotFoundError(f"no work is registered under {digest}", code="work-not-registered") from None
            raise self.chain_error(exc, action) from None
        if bytes(root) == bytes(32):
            return None
        topics = ["0x" + keccak(text=CODES_EVENT).hex(), "0x" + int(registration_id).to_bytes(32, "big").hex()]
        filters = {"address": self.address, "topics": topics}
        w3 = self.ctx.w3
        pages = logs_in_pages(fetcher(w3), filters, self.ctx.deployment.block, w3.eth.block_number, action=action)
        log = next(iter(pages), None)
        if log is None:
            raise NotFoundError(f"registration {registration_id} of {digest} has a code root but no codes event")
        codes = split_codes(bytes(self.events.ContentCodesRecorded().process_log(log)["args"]["codes"]))
        return RegisteredCode(codes[position], int(registration_id), int(position), code_proof(codes, position))

    # ------------------------------------------------------------------ reading works

    def work(self, item: ContentLike) -> Work:
        """The record and terms of a registered work; NotFoundError if none is registered."""
        digest = content_hash(item)
        try:
            raw = self.functions.workOf(digest).call()
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, f"reading {digest}")
            if revert is not None and revert.error == "WorkNotRegistered":
                raise NotFoundError(f"no work is registered under {digest}", code="work-not-registered") from None
            raise self.chain_error(exc, f"reading {digest}") from None
        holder, registrant, policy_id, registration_id, registered_at, status, mask, uri = raw
        return Work(
            content_hash=digest,
            holder=holder,
            registrant=registrant,
            policy_id=PolicyId(policy_id),
            registration_id=RegistrationId(registration_id),
            registered_at=cast(datetime, from_timestamp(registered_at)),
            status=cast(Status, Status.from_code(status)),
            opted_out=tuple(u for u in Use if mask & (1 << u.code)),
            metadata_uri=uri,
            terms=self.policies.policy(policy_id),
        )

    def is_registered(self, item: ContentLike) -> bool:
        return bool(self.functions.isRegistered(content_hash(item)).call())

    # ------------------------------------------------------------------ changing works

    def set_terms(self, item: ContentLike, terms: Terms | int) -> PolicyId:
        """Point a work at new terms (holder or approved operator only). Returns the policy id."""
        digest = content_hash(item)
        policy_id = self.policies.policy_id(terms)
        self.send(self.functions.setPolicy(digest, policy_id), f"setting the terms of {digest}")
        return policy_id

    def set_terms_batch(self, items: Sequence[ContentLike], terms: Terms | int, *, chunk_size: int = 300) -> PolicyId:
        hashes = [content_hash(i) for i in items]
        if not hashes:
            raise ValidationError("no works given")
        policy_id = self.policies.policy_id(terms)
        for chunk in chunks(hashes, chunk_size):
            self.send(self.functions.setPolicyBatch(list(chunk), policy_id), f"setting terms of {len(chunk)} works")
        return policy_id

    def set_opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        """Opt exactly `uses` out (every other use back in). Holder or operator only."""
        digest = content_hash(item)
        chosen = tuple(sorted(set(uses), key=lambda u: u.code))
        self.send(self.functions.setOptOut(digest, use_mask(chosen)), f"opting out {digest}")
        return chosen

    def opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        """Add `uses` to the work's opt-outs."""
        current = set(self.work(item).opted_out)
        return self.set_opt_out(item, current | set(uses))

    def correct_holder(self, item: ContentLike, new_holder: str, evidence_uri: str) -> None:
        """Settle a dispute: move a disputed work to `new_holder` with evidence (REGISTRAR_ROLE only).
        The wrong holder's terms and opt-outs are reset (every use denied) and the work is marked verified."""
        digest = content_hash(item)
        holder = parse_address(new_holder, what="new holder")
        self.send(self.functions.correctHolder(digest, holder, evidence_uri), f"correcting the holder of {digest}")

    def mark(self, item: ContentLike, status: Status, evidence_uri: str = "") -> None:
        """Mark a registration verified, disputed or unverified (REGISTRAR_ROLE only)."""
        digest = content_hash(item)
        self.send(self.functions.markStatus(digest, status.code, evidence_uri), f"marking {digest} {status}")

    def grant_registrar(self, account: str) -> None:
        role = self.functions.REGISTRAR_ROLE().call()
        self.send(self.functions.grantRole(role, parse_address(account)), "granting the registrar role")

    def transfer(self, item: ContentLike, to: str) -> None:
        """Transfer holdership of a work (a provenance event)."""
        digest = content_hash(item)
        call = self.functions.safeTransferFrom(self.ctx.address, parse_address(to, what="recipient"), int(digest, 16))
        self.send(call, f"transferring {digest}")

    def approve_operator(self, operator: str, approved: bool = True) -> None:
        """Let `operator` (an archive, an agent) change terms of all this account's works."""
        call = self.functions.setApprovalForAll(parse_address(operator, what="operator"), approved)
        self.send(call, "approving an operator")

    # ------------------------------------------------------------------ checks

    def check(
        self, item: ContentLike, use: Use | str, *, licensee: str | None = None, at: datetime | int | None = None
    ) -> CheckResult:
        """May `licensee` make `use` of the work at time `at` (default: now)?"""
        use = as_use(use)
        digest = content_hash(item)
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        # Encoded by hand: web3's contract call re-derives the selector of every ABI function each
        # time, which costs more than the node's answer (the gateway's single checks).
        data = (
            CHECK_SELECTOR
            + bytes.fromhex(digest[2:])
            + use.code.to_bytes(32, "big")
            + bytes.fromhex(who[2:].rjust(64, "0"))
            + to_timestamp(at).to_bytes(32, "big")
        )
        raw = self.ctx.raw_call(self.address, data, "latest", f"checking {digest}")
        return CheckResult(digest, use, cast(Reason, Reason.from_code(int.from_bytes(raw[32:64], "big"))), licensee)

    def check_at(
        self, item: ContentLike, use: Use | str, at: datetime | int, *, licensee: str | None = None
    ) -> CheckResult:
        """How the registry would have answered at the past moment `at`, under the terms in force then
        (`check` with `at` applies today's terms to that moment)."""
        use = as_use(use)
        digest = content_hash(item)
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        call = self.functions.checkAt(digest, use.code, who, to_timestamp(at))
        _, code = self.call(call, f"checking {digest} as at {at}")
        return CheckResult(digest, use, cast(Reason, Reason.from_code(code)), licensee)

    def terms_at(self, item: ContentLike, at: datetime | int) -> Terms | None:
        """The terms in force for the work at `at`, or None if it was not registered then."""
        digest = content_hash(item)
        registered, policy_id, _mask = self.call(
            self.functions.termsAt(digest, to_timestamp(at)), f"reading the terms of {digest} as at {at}"
        )
        return self.policies.policy(policy_id) if registered else None

    def check_many(
        self,
        items: Sequence[ContentLike],
        use: Use | str,
        *,
        licensee: str | None = None,
        at: datetime | int | None = None,
        block: int | None = None,
        chunk_size: int = CHECK_CHUNK,
        workers: int = 4,
    ) -> list[CheckResult]:
        """Check many works in chunked batch calls, all answered as of one block."""
        use = as_use(use)
        hashes = [content_hash(i) for i in items]
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        reasons = self.check_hashes(
            hashes, use, licensee=who, at=at, block=block, chunk_size=chunk_size, workers=workers
        )
        members = list(Reason)
        return [CheckResult(h, use, members[r], licensee) for h, r in zip(hashes, reasons, strict=True)]

    def check_hashes(
        self,
        hashes: Sequence[str],
        use: Use,
        *,
        licensee: str = ZERO_ADDRESS,
        at: datetime | int | None = None,
        block: int | None = None,
        chunk_size: int = CHECK_CHUNK,
        workers: int = 4,
    ) -> bytes:
        """The fast path: one reason code per hash (normalised 0x hex), encoded and decoded by hand."""
        if not 1 <= chunk_size <= CHECK_CHUNK:
            raise ValidationError(f"chunk_size must be between 1 and {CHECK_CHUNK}")
        block_tag = hex(block if block is not None else self.ctx.w3.eth.block_number)
        head = (
            CHECK_BATCH_SELECTOR
            + (128).to_bytes(32, "big")
            + use.code.to_bytes(32, "big")
            + bytes.fromhex(licensee[2:].rjust(64, "0"))
            + to_timestamp(at).to_bytes(32, "big")
        )
        batches = list(chunks(hashes, self._fitting(chunk_size)))

        def run(chunk: Sequence[str]) -> bytes:
            body = len(chunk).to_bytes(32, "big") + bytes.fromhex("".join(h[2:] for h in chunk))
            raw = self.ctx.raw_call(self.address, head + body, block_tag, "checking works")
            length = int.from_bytes(raw[32:64], "big")
            return raw[64 : 64 + length]

        if len(batches) <= 1 or workers <= 1:
            return b"".join(run(c) for c in batches)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return b"".join(pool.map(run, batches))

    def _fitting(self, chunk_size: int) -> int:
        """`chunk_size`, made smaller if this node's call gas would not cover that many hashes."""
        return max(1, min(chunk_size, self.ctx.call_gas() // READ_GAS_PER_HASH))

    def policy_ids(
        self, hashes: Sequence[str], *, block: int | None = None, chunk_size: int = CHECK_CHUNK
    ) -> list[PolicyId]:
        """The policy id of each work (0 if unregistered), as of `block`, in chunked hand-encoded calls."""
        block_tag = hex(block if block is not None else self.ctx.w3.eth.block_number)
        head = POLICY_IDS_SELECTOR + (32).to_bytes(32, "big")
        ids: list[PolicyId] = []
        for chunk in chunks(hashes, self._fitting(chunk_size)):
            body = len(chunk).to_bytes(32, "big") + bytes.fromhex("".join(h[2:] for h in chunk))
            raw = self.ctx.raw_call(self.address, head + body, block_tag, "reading policy ids")
            length = int.from_bytes(raw[32:64], "big")
            packed = raw[64 : 64 + length]
            ids.extend(PolicyId(int.from_bytes(packed[i : i + 4], "big")) for i in range(0, length, 4))
        return ids


__all__ = ["CHECK_BATCH_SELECTOR", "CHECK_CALL_GAS", "CHECK_CHUNK", "REGISTER_CHUNK", "Works", "chunks"]
