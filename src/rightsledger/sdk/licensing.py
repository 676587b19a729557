"""Licences, payments and derivatives: the SDK side of the LicenceManager contract.

A licence grants (licensee, work, use, valid until). It is bought for the terms' fee, granted
by the holder, or redeemed from an offer the holder signed off-chain (EIP-712 typed data
saved as a JSON file that can be e-mailed). Income accrues to balances that holders
withdraw. Derivatives are registered through the licence manager, which enforces each
parent's `derivative` rule and pays parents their share of the derivative's licence income.

Reach it as `client.licensing` on a connected `RightsLedger`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.logs import DISCARD
from web3.types import EventData, TxReceipt

from ..chain.logs import fetcher, logs_in_pages
from ..chain.module import ChainContext, ContractModule
from ..code_tree import CodeLike
from ..errors import ContractRevert, ValidationError
from ..hashing import ContentLike, content_hash
from ..offers import (
    DEFAULT_OFFER_LIFETIME,
    FOREVER,
    Offer,
    OfferProblem,
    OfferVerification,
    SignedOffer,
    checked_price,
    offer_typed_data,
)
from ..records import DerivativeRegistration, Earnings, Licence, LicenceSource, Parent, Registration
from ..terms import Terms
from ..units import from_timestamp, parse_fee, to_timestamp
from ..vocabulary import ZERO_ADDRESS, ContentHash, PolicyId, Reason, RegistrationId, Use, as_use, parse_address
from .works import Works, coded_query

MAX_PARENTS = 16
_ERC1271_MAGIC = bytes.fromhex("1626ba7e")
_ERC1271_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "magicValue", "type": "bytes4"}],
    }
]


class Licensing(ContractModule):
    """Licences, offers, earnings and derivatives for one client (its chain, deployment and account)."""

    contract_name = "LicenceManager"

    def __init__(self, ctx: ChainContext, works: Works) -> None:
        super().__init__(ctx)
        self.works = works
        self.address_of_contract = self.address

    # ------------------------------------------------------------------ getting a licence

    def fee(self, item: ContentLike, use: Use | str) -> int:
        """The fee the work's terms ask for a licence of `use` (wei)."""
        return self.works.work(item).terms.rule(as_use(use)).fee

    def buy(self, item: ContentLike, use: Use | str, *, licensee: str | None = None) -> Licence:
        """Buy a licence for the terms' fee (paid exactly, from the signing account) for `licensee` (default: self).

        The purchase is bound to what was read here: the work's policy id and the licence's end. If the
        holder switches terms before the transaction lands, it reverts (`LicenceTermsChanged`,
        `LicenceValidityTooShort`) instead of buying something else for the same fee."""
        use = as_use(use)
        digest = content_hash(item)
        work = self.works.work(digest)
        rule = work.terms.rule(use)
        price = rule.fee
        ends = [to_timestamp(t) for t in (rule.end, work.terms.expires) if t is not None]
        min_valid_until = min(ends) if ends else FOREVER
        who = self._address(licensee, "licensee")
        call = self.contract.functions.buyLicence(digest, use.code, who, int(work.policy_id), min_valid_until)
        receipt = self.send(call, f"buying a {use} licence of {digest}", value=price)
        return self._licence_from(receipt)

    def grant(
        self, item: ContentLike, use: Use | str, licensee: str, *, until: datetime | int | None = None
    ) -> Licence:
        """Grant a licence free of charge (holder or operator only); `until` None: forever."""
        use = as_use(use)
        digest = content_hash(item)
        who = self._address(licensee, "licensee")
        valid_until = FOREVER if until is None else to_timestamp(until)
        call = self.contract.functions.grantLicence(digest, use.code, who, valid_until)
        return self._licence_from(self.send(call, f"granting a {use} licence of {digest}"))

    def offer(
        self,
        item: ContentLike,
        use: Use | str,
        *,
        price: int | str,
        valid_until: datetime,
        expires_at: datetime | None = None,
        licensee: str | None = None,
        max_redemptions: int = 1,
        nonce: int | None = None,
    ) -> SignedOffer:
        """Sign an offer with this client's key; no transaction, no gas. Save it with `.save(path)`."""
        account = self.ctx.account
        if account is None:
            self.ctx.address  # noqa: B018 - raises the ConfigError that explains how to give a key
            raise AssertionError("unreachable")
        now = self._now()
        expires_at = expires_at or now + DEFAULT_OFFER_LIFETIME
        if not 1 <= max_redemptions < 2**32:
            raise ValidationError("max redemptions must be between 1 and 4,294,967,295")
        for when, what in ((valid_until, "the licence's end"), (expires_at, "the offer's expiry")):
            if to_timestamp(when) <= to_timestamp(now):
                raise ValidationError(f"{what} ({when:%Y-%m-%d %H:%M} UTC) is not in the future")
        offer = Offer(
            content_hash=content_hash(item),
            use=as_use(use),
            price=parse_fee(price) if isinstance(price, str) else checked_price(price),
            valid_until=valid_until,
            expires_at=expires_at,
            signer=account.address,
            licensee=self._address(licensee, "licensee") if licensee else None,
            max_redemptions=max_redemptions,
            nonce=secrets.randbits(64) if nonce is None else nonce,
        )
        typed = offer_typed_data(offer, self.ctx.chain_id, self.address_of_contract)
        signed = account.sign_typed_data(full_message=typed)
        return SignedOffer(offer, self.ctx.chain_id, self.address_of_contract, "0x" + signed.signature.hex())

    def redeem(
        self,
        signed: SignedOffer,
        *,
        licensee: str | None = None,
        check_domain: bool = True,
        max_price: int | None = None,
    ) -> Licence:
        """Redeem a signed offer, paying its price. Refuses offers made for another chain or contract,
        and offers asking more than `max_price` wei (None: no cap; the CLI always asks or caps)."""
        if max_price is not None and signed.offer.price > max_price:
            raise ValidationError(
                f"the offer asks {signed.offer.price} wei, more than the {max_price} wei you allowed; "
                "raise --max-price if you mean to pay it"
            )
        if check_domain and (
            signed.chain_id != self.ctx.chain_id or signed.verifying_contract != self.address_of_contract
        ):
            raise ValidationError(
                f"this offer was signed for chain {signed.chain_id}, contract {signed.verifying_contract}; "
                f"you are connected to chain {self.ctx.chain_id}, contract {self.address_of_contract}"
            )
        # address(0) lets the contract choose: the offer's licensee, or the redeemer for an open offer.
        who = self._address(licensee, "licensee") if licensee else ZERO_ADDRESS
        offer = signed.offer
        call = self.contract.functions.redeemOffer(offer.as_tuple(), bytes.fromhex(signed.signature[2:]), who)
        receipt = self.send(call, f"redeeming an offer for {offer.content_hash}", value=offer.price)
        return self._licence_from(receipt)

    def cancel(self, signed: SignedOffer | Offer) -> None:
        """Cancel an offer for good (its signer, or the work's holder or operator)."""
        offer = signed.offer if isinstance(signed, SignedOffer) else signed
        call = self.contract.functions.cancelOffer(offer.as_tuple())
        self.send(call, f"cancelling an offer for {offer.content_hash}")

    def cancel_offers_below(self, nonce: int) -> None:
        """Cancel every offer this account signed with a nonce below `nonce` (a floor that only rises)."""
        self.send(self.contract.functions.cancelOffersBelow(int(nonce)), f"cancelling offers below nonce {nonce}")

    def nonce_floor(self, signer: str | None = None) -> int:
        """Offers of `signer` (default: this account) with a nonce below this are cancelled."""
        who = self._address(signer, "signer")
        return int(self.call(self.contract.functions.nonceFloorOf(who), "reading the offer nonce floor"))

    def set_minting_disabled(self, item: ContentLike, disabled: bool = True) -> None:
        """Stop (or resume) new licences of the work under its current policy (holder or operator)."""
        digest = content_hash(item)
        policy_id = self.works.work(digest).policy_id
        call = self.contract.functions.setMintingDisabled(digest, int(policy_id), disabled)
        self.send(call, f"{'disabling' if disabled else 'enabling'} licences of {digest}")

    def licence_status(self, licence_id: int) -> tuple[bool, Reason]:
        """Whether licence `licence_id` grants its use now, and why: `revoked`, `disputed`, `expired`
        or `allowed-by-licence`."""
        valid, reason = self.call(self.contract.functions.licenceStatus(int(licence_id)), "reading a licence")
        return bool(valid), cast(Reason, Reason.from_code(int(reason)))

    def offer_state(self, signed: SignedOffer) -> tuple[int, bool]:
        """How often the offer was redeemed, and whether it was cancelled."""
        redeemed, cancelled = self.call(
            self.contract.functions.offerState(signed.offer_hash), "reading an offer's state"
        )
        return int(redeemed), bool(cancelled)

    def verify_offer(self, signed: SignedOffer) -> OfferVerification:
        """Check an offer against the chain without sending anything: the deployment it was signed
        for, the signature, expiry, redemptions, cancellation, whether its signer still holds the
        work, and whether the work can be licensed now. Each obstacle is one `OfferProblem`."""
        offer = signed.offer
        problems: list[OfferProblem] = []
        same_deployment = (
            signed.chain_id == self.ctx.chain_id
            and signed.verifying_contract.lower() == self.address_of_contract.lower()
        )
        if not same_deployment:
            problems.append(
                OfferProblem(
                    "offer-wrong-deployment",
                    f"signed for chain {signed.chain_id}, contract {signed.verifying_contract}; this registry is "
                    f"chain {self.ctx.chain_id}, contract {self.address_of_contract}",
                )
            )
        offer_hash = signed.offer_hash
        signature_valid = self._signature_valid(signed, offer_hash)
        if not signature_valid:
            problems.append(
                OfferProblem("offer-bad-signature", f"the signature is not {offer.signer}'s over this offer")
            )
        now = self._now()
        if offer.expires_at <= now:
            problems.append(
                OfferProblem("offer-expired", f"the offer expired on {offer.expires_at:%Y-%m-%d %H:%M} UTC")
            )
        redemptions, cancelled = (0, False)
        if same_deployment:
            redemptions, cancelled = self.offer_state(signed)
        if cancelled:
            problems.append(OfferProblem("offer-cancelled", "the holder cancelled this offer"))
        if redemptions >= offer.max_redemptions:
            problems.append(OfferProblem("offer-used-up", f"redeemed {redemptions} time(s), all the offer allows"))
        registered = self.works.is_registered(offer.content_hash)
        signer_is_holder = registered and bool(
            self.call(
                self.works.functions.isHolderOrOperator(offer.content_hash, offer.signer), "reading the holder"
            )
        )
        if not registered:
            problems.append(OfferProblem("work-not-registered", f"{offer.content_hash} is not registered"))
        else:
            if not signer_is_holder:
                problems.append(
                    OfferProblem(
                        "offer-signer-not-holder",
                        f"{offer.signer} neither holds {offer.content_hash} nor operates for its holder now",
                    )
                )
            reason = self.works.check(offer.content_hash, offer.use).reason
            if reason.value in ("disputed", "opted-out"):
                problems.append(
                    OfferProblem(
                        "licence-unavailable", f"no new {offer.use.value} licences: the work is {reason.value}"
                    )
                )
        return OfferVerification(
            signed=signed,
            offer_hash=offer_hash,
            signature_valid=signature_valid,
            redemptions=redemptions,
            cancelled=cancelled,
            signer_is_holder=signer_is_holder,
            checked_at=now,
            problems=tuple(problems),
        )

    def _signature_valid(self, signed: SignedOffer, digest: str) -> bool:
        """ECDSA for an account with a key; ERC-1271 `isValidSignature` for a contract wallet (as the contract does)."""
        signer = signed.offer.signer
        raw = bytes.fromhex(signed.signature.removeprefix("0x"))
        w3 = self.ctx.w3
        if w3.eth.get_code(to_checksum_address(signer)):
            wallet = w3.eth.contract(address=to_checksum_address(signer), abi=_ERC1271_ABI)
            try:
                magic = wallet.functions.isValidSignature(bytes.fromhex(digest[2:]), raw).call()
            except Exception:  # noqa: BLE001 - a wallet that reverts does not accept the signature
                return False
            return bytes(magic) == _ERC1271_MAGIC
        try:
            recovered = Account.recover_message(encode_typed_data(full_message=signed.typed_data()), signature=raw)
        except Exception:  # noqa: BLE001 - eth-keys raises several types for malformed signatures
            return False
        return str(recovered).lower() == signer.lower()

    # ------------------------------------------------------------------ reading licences

    def licensed_period(
        self, item: ContentLike, use: Use | str, licensee: str
    ) -> tuple[datetime, datetime | None] | None:
        """The licensee's current or latest licensed period for the use, or None if it never held one."""
        digest = content_hash(item)
        who = self._address(licensee, "licensee")
        start, end = self.call(
            self.contract.functions.licenceOf(digest, as_use(use).code, who), f"reading licences of {digest}"
        )
        if end == 0:
            return None
        return from_timestamp(start) or datetime.fromtimestamp(0, tz=UTC), _until(end)

    def licences(self, *, licensee: str | None = None, item: ContentLike | None = None) -> list[Licence]:
        """Every licence issued on this deployment, optionally only those of a licensee or of a work."""
        # LicenceIssued's indexed topics: contentHash, licensee, payer.
        signature = (
            "0x" + keccak(text="LicenceIssued(uint64,bytes32,address,uint8,uint8,uint40,uint40,address,uint256)").hex()
        )
        work_topic = content_hash(item) if item is not None else None
        licensee_topic = "0x" + self._address(licensee, "licensee")[2:].lower().rjust(64, "0") if licensee else None
        filters = {"address": self.contract.address, "topics": [signature, work_topic, licensee_topic]}
        w3 = self.ctx.w3
        start, end = self.ctx.deployment.block, w3.eth.block_number
        event = self.contract.events.LicenceIssued()
        pages = logs_in_pages(fetcher(w3), filters, start, end, action="listing licences")
        return [_licence(event.process_log(log)) for log in pages]

    def licences_of_work(self, item: ContentLike, *, licensee: str | None = None) -> list[Licence]:
        """The licences issued for a registered work (NotFoundError if it is not registered)."""
        licences = self.licences(item=item, licensee=licensee)
        if not licences:
            self.works.work(item)  # raises NotFoundError for an unregistered work
        return licences

    # ------------------------------------------------------------------ money

    def earnings(self, account: str | None = None) -> Earnings:
        who = self._address(account, "account")
        withdrawable, earned = self.call(self.contract.functions.earningsOf(who), "reading earnings")
        return Earnings(who, int(withdrawable), int(earned))

    def withdraw(self, to: str | None = None) -> int:
        """Withdraw this account's whole balance (to itself, or to `to`); returns the wei sent."""
        receiver = self._address(to, "recipient")
        receipt = self.send(self.contract.functions.withdraw(receiver), "withdrawing earnings")
        (event,) = self.contract.events.Withdrawn().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"])

    def set_royalty(self, item: ContentLike, receiver: str, bps: int) -> None:
        """Set the EIP-2981 royalty of a work (holder or operator only): `bps` basis points to `receiver`."""
        digest = content_hash(item)
        if not 0 <= bps <= 10_000:
            raise ValidationError(f"a royalty of {bps} basis points is outside 0 .. 10000")
        call = self.contract.functions.setRoyalty(digest, self._address(receiver, "receiver"), bps)
        self.send(call, f"setting the royalty of {digest}")

    def royalty(self, item: ContentLike, sale_price: int) -> tuple[str, int]:
        """EIP-2981 `royaltyInfo` as the works registry answers it: (receiver, amount in wei)."""
        digest = content_hash(item)
        receiver, amount = self.call(
            self.works.functions.royaltyInfo(int(digest, 16), sale_price), "reading a royalty"
        )
        return str(receiver), int(amount)

    # ------------------------------------------------------------------ derivatives

    def register_derivative(
        self,
        item: ContentLike,
        parents: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        code: CodeLike | None = None,
        allow_similar: bool = False,
    ) -> DerivativeRegistration:
        """Register a work derived from registered `parents`; each parent's derivative rule must allow it.

        A share-alike parent's terms pass down: leave `terms` None to inherit them. Its ISCC content
        code is recorded on chain as `Works.register` records one: `code` if given (NO_CODE for none),
        else computed from the file or bytes (a derivative given by its hash has none unless `code` says it).

        As `Works.register`, a file or bytes within the threshold of another holder's work (or coded
        collection member) is refused (SimilarWorkError) unless `allow_similar`; being near its parents
        is not refused (a derivative is by nature near them).
        """
        digest = content_hash(item)
        parent_hashes = [content_hash(p) for p in parents]
        if not 1 <= len(parent_hashes) <= MAX_PARENTS:
            raise ValidationError(f"a derivative needs 1 to {MAX_PARENTS} parents, not {len(parent_hashes)}")
        if len(set(parent_hashes)) != len(parent_hashes):
            raise ValidationError("a parent is listed twice")
        holder_address = parse_address(holder, what="holder") if holder else self.ctx.address
        packed, query = coded_query(item, code)
        if not allow_similar:
            self.works.refuse_near_copies([item], [digest], [query], holder_address, allowed=parent_hashes)
        if isinstance(terms, Terms):
            policy_id = self.works.policies.ensure(terms)
        else:
            policy_id = PolicyId(int(terms or 0))
        if packed is None:
            call = self.contract.functions.registerDerivative(
                digest, parent_hashes, holder_address, policy_id, metadata_uri
            )
        else:
            call = self.contract.functions.registerDerivativeWithCode(
                digest, packed, parent_hashes, holder_address, policy_id, metadata_uri
            )
        receipt = self.send(call, f"registering {digest} as a derivative")
        (registered,) = self.works.events.WorksRegistered().process_receipt(receipt, errors=DISCARD)
        links = self.contract.events.DerivativeLinked().process_receipt(receipt, errors=DISCARD)
        registration = Registration(
            registration_id=RegistrationId(int(registered["args"]["registrationId"])),
            content_hashes=(digest,),
            holder=holder_address,
            policy_id=PolicyId(int(registered["args"]["policyId"])),
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )
        return DerivativeRegistration(
            registration,
            tuple(Parent(_hex32(e["args"]["parent"]), int(e["args"]["revenueShareBps"])) for e in links),
        )

    def parents(self, item: ContentLike) -> tuple[Parent, ...]:
        """The parents of a derivative with their revenue shares (empty for a work that derives from none)."""
        digest = content_hash(item)
        hashes, shares = self.call(self.contract.functions.parentsOf(digest), f"reading parents of {digest}")
        return tuple(Parent(_hex32(h), int(s)) for h, s in zip(hashes, shares, strict=True))

    # ------------------------------------------------------------------ plumbing

    def _address(self, value: str | None, what: str) -> str:
        return parse_address(value, what=what) if value else self.ctx.address

    def _now(self) -> datetime:
        return self.ctx.block_time()

    def _licence_from(self, receipt: TxReceipt) -> Licence:
        events = self.contract.events.LicenceIssued().process_receipt(receipt, errors=DISCARD)
        if len(events) != 1:
            raise ContractRevert("Unknown", {}, "the transaction issued no licence")  # pragma: no cover
        return _licence(events[0])


def _hex32(value: bytes) -> ContentHash:
    return ContentHash("0x" + bytes(value).hex())


def _until(value: int) -> datetime | None:
    return None if value >= FOREVER else from_timestamp(value)


def _licence(event: EventData) -> Licence:
    args = event["args"]
    return Licence(
        licence_id=int(args["licenceId"]),
        content_hash=_hex32(args["contentHash"]),
        use=cast(Use, Use.from_code(int(args["use"]))),
        licensee=str(args["licensee"]),
        source=list(LicenceSource)[int(args["source"])],
        valid_from=cast(datetime, from_timestamp(int(args["validFrom"]))),
        valid_until=_until(int(args["validUntil"])),
        payer=str(args["payer"]),
        price=int(args["price"]),
        transaction="0x" + event["transactionHash"].hex().removeprefix("0x"),
        block=int(event["blockNumber"]),
    )


__all__ = ["MAX_PARENTS", "Licensing"]
