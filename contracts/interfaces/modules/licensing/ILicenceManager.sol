// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceOracle} from "./ILicenceOracle.sol";
import {IWorkRegistry} from "../../registries/IWorkRegistry.sol";

/// @notice An offer of a licence a holder signed off-chain (EIP-712, bound to chain id and
/// contract). Whoever redeems it pays `price`; the holder pays no gas.
struct LicenceOffer {
    bytes32 contentHash;
    uint8 use; // USE_*
    address licensee; // address(0): anyone who redeems it
    uint256 price; // wei, exactly this much is paid per redemption
    uint40 validUntil; // the licence ends here (exclusive)
    uint40 expiresAt; // the offer cannot be redeemed from this second on
    uint32 maxRedemptions; // 1: single use; more: capped
    address signer; // the holder or an operator of the work when redeemed (EOA or ERC-1271 wallet)
    uint256 nonce; // tells apart otherwise identical offers
}

/// @notice A licence as the manager reports it; its token (LicenceToken, id = licence id) is held by `holder`.
struct LicenceRecord {
    bytes32 contentHash;
    uint8 use; // USE_*
    address holder; // the token's holder: the licensee, or whoever a transferable licence was passed to
    uint40 validFrom; // when this licence was issued
    uint40 validUntil; // this licence's own end (a personal licence may extend a longer period)
    bool transferable; // the rule carried DUTY_TRANSFERABLE when it was issued
    bool revoked; // a registrar revoked it
}

/// @title Licences, payments and derivatives.
/// @notice Licences (licensee, work, use, valid until) are bought for the terms' fee, granted
/// by the holder, or redeemed from an offer the holder signed. Payments accrue to balances
/// that their owners withdraw. Derivatives are registered through this contract, which
/// enforces each parent's `derivative` rule and splits the derivative's licence income.
interface ILicenceManager is ILicenceOracle {
    /// @notice The work's terms do not sell this use now: `reason` is what `check` answers (REASON_*).
    error LicenceNotForSale(bytes32 contentHash, uint8 use, uint8 reason);
    /// @notice The work cannot be licensed now (unregistered, disputed, or the use opted out): `reason` says which.
    error LicenceUnavailable(bytes32 contentHash, uint8 use, uint8 reason);
    /// @notice The payment is not exactly the price: over- and underpayment are both refused.
    error LicenceWrongPayment(uint256 price, uint256 paid);
    /// @notice A licence would end at or before the time it is issued.
    error LicenceEndsInPast(uint40 validUntil);
    /// @notice A licensee of address(0).
    error LicenceZeroLicensee();
    /// @notice The caller is neither the holder of the work nor an operator it approved.
    error LicenceUnauthorized(bytes32 contentHash, address caller);
    /// @notice The offer's signature is not the signer's, for this chain and contract.
    error LicenceOfferBadSignature(address signer);
    /// @notice The offer's signer no longer holds the work nor operates for its holder.
    error LicenceOfferSignerNotHolder(bytes32 contentHash, address signer);
    /// @notice The offer expired at `expiresAt`.
    error LicenceOfferExpired(uint40 expiresAt);
    /// @notice The offer was redeemed as often as it allows.
    error LicenceOfferUsedUp(bytes32 offerHash, uint32 maxRedemptions);
    /// @notice The offer was cancelled.
    error LicenceOfferCancelled(bytes32 offerHash);
    /// @notice The offer names another licensee.
    error LicenceOfferNotForLicensee(address licensee, address offeredTo);
    /// @notice The offer allows no redemption at all (maxRedemptions 0).
    error LicenceOfferInvalid();
    /// @notice Nothing to withdraw.
    error LicenceNothingToWithdraw(address account);
    /// @notice Sending the withdrawn ether to `to` failed.
    error LicenceWithdrawFailed(address to, uint256 amount);
    /// @notice A royalty above 10,000 basis points, or a royalty to address(0).
    error LicenceInvalidRoyalty(address receiver, uint16 bps);
    /// @notice A derivative needs at least one parent, and at most MAX_PARENTS.
    error DerivativeParentCount(uint256 count);
    /// @notice A parent listed twice.
    error DerivativeDuplicateParent(bytes32 parent);
    /// @notice The parent's `derivative` rule does not let the registrant derive from it: `reason` is what `check` answers.
    error DerivativeNotAllowed(bytes32 parent, uint8 reason);
    /// @notice The parent's terms are share-alike: the derivative must carry policy `requiredPolicyId`.
    error DerivativeShareAlikeRequired(bytes32 parent, uint32 requiredPolicyId);
    /// @notice The parents' revenue shares add up to more than the whole (10,000 basis points).
    error DerivativeSharesExceedWhole(uint256 totalBps);
    /// @notice A use outside USE_*.
    error UnknownUse(uint8 use);
    /// @notice The work's policy is not the one the buyer saw (`expectedPolicyId`): the terms changed.
    error LicenceTermsChanged(bytes32 contentHash, uint32 expectedPolicyId, uint32 policyId);
    /// @notice The licence would end at `validUntil`, before the `minValidUntil` the buyer asked for.
    error LicenceValidityTooShort(uint40 minValidUntil, uint40 validUntil);
    /// @notice The signer cancelled every offer with a nonce below `floor`.
    error LicenceOfferNonceCancelled(address signer, uint256 nonce, uint256 floor);
    /// @notice A nonce floor only rises: `nonce` is not above the current `floor`.
    error LicenceNonceFloorNotRaised(uint256 floor, uint256 nonce);
    /// @notice The holder disabled new licences of the work under policy `policyId`.
    error LicenceMintingDisabled(bytes32 contentHash, uint32 policyId);
    /// @notice No licence has this id.
    error LicenceUnknown(uint64 licenceId);
    /// @notice The licence was revoked already.
    error LicenceAlreadyRevoked(uint64 licenceId);
    /// @notice The licence is personal: its terms did not carry DUTY_TRANSFERABLE.
    error LicenceNotTransferable(uint64 licenceId);
    /// @notice `holder` already holds a running transferable licence for this use of the work.
    error LicenceTransferableHeld(bytes32 contentHash, uint8 use, address holder);

    /// @notice A licence was issued: `source` 0 bought, 1 granted by the holder, 2 redeemed from an offer.
    /// `validFrom`..`validUntil` is the licensee's continuous licensed period after this licence.
    event LicenceIssued(
        uint64 licenceId,
        bytes32 indexed contentHash,
        address indexed licensee,
        uint8 use,
        uint8 source,
        uint40 validFrom,
        uint40 validUntil,
        address indexed payer,
        uint256 price
    );
    /// @notice `account`, as holder of `contentHash`, was credited `amount` wei from a licence sold for
    /// `licensedWork` (the same work, or a derivative of it paying its parent's share).
    event Earned(address indexed account, bytes32 indexed contentHash, bytes32 indexed licensedWork, uint256 amount);
    /// @notice `account` withdrew its balance to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice An offer was redeemed (the `redemptions`-th time).
    event OfferRedeemed(bytes32 indexed offerHash, address indexed signer, uint32 redemptions);
    /// @notice An offer was cancelled; it can never be redeemed again.
    event OfferCancelled(bytes32 indexed offerHash, address indexed cancelledBy);
    /// @notice The EIP-2981 royalty of a work changed.
    event RoyaltySet(bytes32 indexed contentHash, address indexed receiver, uint16 bps, address indexed changedBy);
    /// @notice `signer` cancelled every offer it signed with a nonce below `nonce`.
    event OffersCancelledBelow(address indexed signer, uint256 nonce);
    /// @notice The holder (or operator) disabled or re-enabled new licences of the work under `policyId`.
    event MintingDisabledChanged(
        bytes32 indexed contentHash, uint32 indexed policyId, bool disabled, address indexed changedBy
    );
    /// @notice A registrar revoked licence `licenceId` on the evidence at `evidenceURI`; it grants nothing from now on.
    event LicenceRevoked(uint64 indexed licenceId, address indexed registrar, string evidenceURI);
    /// @notice A derivative was registered with parent `parent`, owing it `revenueShareBps` of its licence income.
    event DerivativeLinked(bytes32 indexed contentHash, bytes32 indexed parent, uint16 revenueShareBps);

    /// @notice Buys a licence for `use` of the work for `licensee` (address(0): the caller), paying
    /// exactly the terms' fee in `msg.value`. The use must be in licence mode and inside its window,
    /// the terms unexpired, the use not opted out and the work not disputed. The licence lasts until
    /// the rule's window ends or the terms expire, whichever is first (forever if neither is set).
    /// What the buyer saw binds the purchase: the work must still be under `expectedPolicyId`, and
    /// the licence must last at least until `minValidUntil` (0: any end), or the purchase reverts.
    function buyLicence(bytes32 contentHash, uint8 use, address licensee, uint32 expectedPolicyId, uint40 minValidUntil)
        external
        payable
        returns (uint64 licenceId, uint40 validUntil);

    /// @notice Grants a licence free of charge (a deal agreed elsewhere). Holder or approved operator only.
    function grantLicence(bytes32 contentHash, uint8 use, address licensee, uint40 validUntil)
        external
        returns (uint64 licenceId);

    /// @notice Redeems an offer the holder signed, paying exactly its price, for `licensee`
    /// (address(0): the offer's licensee, or the caller if the offer is open to anyone).
    function redeemOffer(LicenceOffer calldata offer, bytes calldata signature, address licensee)
        external
        payable
        returns (uint64 licenceId);

    /// @notice Cancels an offer for good. Its signer, or the work's holder or operator, only.
    function cancelOffer(LicenceOffer calldata offer) external;

    /// @notice Cancels, for good, every offer the caller signed with a nonce below `nonce` (a floor that only rises).
    function cancelOffersBelow(uint256 nonce) external;

    /// @notice Disables (or re-enables) new licences of the work while it is under policy `policyId`:
    /// buying, granting and redeeming offers. Licences already issued stay valid. Holder or operator only.
    function setMintingDisabled(bytes32 contentHash, uint32 policyId, bool disabled) external;

    /// @notice Revokes a licence (fraud, a squatter's sale): it grants nothing from now on; use made
    /// before stays licensed. A personal licence's whole continuous period ends now. REGISTRAR_ROLE only.
    function revokeLicence(uint64 licenceId, string calldata evidenceURI) external;

    /// @notice Withdraws the caller's whole balance to `to`.
    function withdraw(address payable to) external returns (uint256 amount);

    /// @notice Sets the EIP-2981 royalty of a work: `bps` of a sale price, paid to `receiver`. Holder or operator only.
    function setRoyalty(bytes32 contentHash, address receiver, uint16 bps) external;

    /// @notice Registers `contentHash` as derived from `parents` on behalf of the caller, who becomes
    /// its registrant. Each parent's `derivative` rule must allow the caller (by terms or licence);
    /// a share-alike parent's policy passes down (`policyId` 0 inherits it); each parent's revenue share
    /// is recorded and taken from the derivative's licence income.
    function registerDerivative(
        bytes32 contentHash,
        bytes32[] calldata parents,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice `registerDerivative`, recording the derivative's ISCC content code (NO_CODE, all zero:
    /// none) on chain: the WorkRegistry emits ContentCodesRecorded for its registration, so its near
    /// copies are found like those of any work registered with a code.
    function registerDerivativeWithCode(
        bytes32 contentHash,
        bytes10 code,
        bytes32[] calldata parents,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice The continuous period [validFrom, validUntil) in which `licensee` holds a licence for `use` of the work.
    function licenceOf(bytes32 contentHash, uint8 use, address licensee)
        external
        view
        returns (uint40 validFrom, uint40 validUntil);

    /// @notice The parents of a derivative and the share of its licence income each takes (basis points).
    function parentsOf(bytes32 contentHash) external view returns (bytes32[] memory parents, uint16[] memory sharesBps);

    /// @notice What `account` may withdraw now, and everything it has earned so far.
    function earningsOf(address account) external view returns (uint256 withdrawable, uint256 earned);

    /// @notice How often an offer was redeemed, and whether it was cancelled.
    function offerState(bytes32 offerHash) external view returns (uint32 redemptions, bool cancelled);

    /// @notice The EIP-712 hash of an offer: what its signer signs.
    function hashOffer(LicenceOffer calldata offer) external view returns (bytes32);

    /// @notice Licence `licenceId` (reverts with LicenceUnknown).
    function licence(uint64 licenceId) external view returns (LicenceRecord memory);

    /// @notice Whether licence `licenceId` grants its use now, and why (REASON_*): revoked (9),
    /// disputed (7: the work is disputed, no licence counts), expired (6), or allowed-by-licence (2).
    function licenceStatus(uint64 licenceId) external view returns (bool valid, uint8 reason);

    /// @notice The ERC-721 contract whose tokens are the licences.
    function licenceToken() external view returns (address);

    /// @notice Offers of `signer` with a nonce below this are cancelled.
    function nonceFloorOf(address signer) external view returns (uint256);

    /// @notice Whether the holder disabled new licences of the work under `policyId`.
    function isMintingDisabled(bytes32 contentHash, uint32 policyId) external view returns (bool);

    /// @notice The works registry this contract licenses works of.
    function workRegistry() external view returns (IWorkRegistry);

    /// @notice How many licences were issued (the highest licence id).
    function licenceCount() external view returns (uint64);
}
