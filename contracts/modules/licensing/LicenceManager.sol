// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {ILicenceManager, LicenceOffer, LicenceRecord} from "../../interfaces/modules/licensing/ILicenceManager.sol";
import {ILicenceTransferHook} from "../../interfaces/modules/licensing/ILicenceToken.sol";
import {LicenceToken} from "./LicenceToken.sol";
import {ILicenceOracle} from "../../interfaces/modules/licensing/ILicenceOracle.sol";
import {IWorkRegistry} from "../../interfaces/registries/IWorkRegistry.sol";
import {IPolicyRegistry} from "../../interfaces/registries/IPolicyRegistry.sol";
import {
    Rule,
    WorkRecord,
    USE_DERIVATIVE,
    DUTY_SHARE_ALIKE,
    DUTY_TRANSFERABLE,
    STATUS_DISPUTED,
    REASON_UNREGISTERED,
    REASON_DISPUTED,
    REASON_OPTED_OUT,
    REASON_LICENCE_REQUIRED,
    REASON_ALLOWED_BY_LICENCE,
    REASON_EXPIRED,
    REASON_REVOKED
} from "../../libraries/RightsTypes.sol";

/// @title LicenceManager
/// @notice Licences, pull payments, EIP-2981 royalties and derivative registration for the works
/// of one WorkRegistry, which consults this contract (as its licence oracle) when it answers checks.
/// @dev Callers are `_msgSender()` (ERC-2771), so the gateway can relay a user's signed request;
/// the forwarder passes ether on, so even a purchase can be relayed.
/// Every licence is also an ERC-721 token of the LicenceToken this contract deploys (id = licence id):
/// a personal licence (the rule lacks DUTY_TRANSFERABLE) stays with its licensee and extends the
/// licensee's continuous period; a transferable one is a right of whoever holds the token, moved on
/// transfer (one running transferable licence per holder, work and use).
contract LicenceManager is ILicenceManager, ILicenceTransferHook, IERC2981, EIP712, ERC2771Context {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice How a licence was issued (the `source` of LicenceIssued).
    uint8 public constant SOURCE_BOUGHT = 0;
    uint8 public constant SOURCE_GRANTED = 1;
    uint8 public constant SOURCE_OFFER = 2;
    /// @notice The most parents a derivative may have: their shares pack into one slot.
    uint256 public constant MAX_PARENTS = 16;

    bytes32 private constant _OFFER_TYPEHASH = keccak256(
        "LicenceOffer(bytes32 contentHash,uint8 use,address licensee,uint256 price,uint40 validUntil,"
        "uint40 expiresAt,uint32 maxRedemptions,address signer,uint256 nonce)"
    );
    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    uint16 private constant _WHOLE_BPS = 10_000;
    uint40 private constant _FOREVER = type(uint40).max;

    /// @dev One slot: the licensee's continuous licensed period for one use of one work.
    struct Period {
        uint40 validFrom;
        uint40 validUntil;
    }

    /// @dev One slot: 128 + 128 bits. All the ether there is fits in 128 bits many times over.
    struct Account {
        uint128 withdrawable;
        uint128 earned;
    }

    /// @dev One slot: 160 + 16 bits.
    struct Royalty {
        address receiver;
        uint16 bps;
    }

    /// @dev One slot: 32 + 8 bits.
    struct OfferState {
        uint32 redemptions;
        bool cancelled;
    }

    /// @dev Two slots: the work, then 40 + 40 + 8 + 8 + 8 bits.
    struct Licence {
        bytes32 contentHash;
        uint40 validFrom;
        uint40 validUntil;
        uint8 use;
        bool transferable;
        bool revoked;
    }

    IWorkRegistry private immutable _works;
    IPolicyRegistry private immutable _policies;
    LicenceToken private immutable _token;

    mapping(uint256 licenceId => Licence) private _licences;
    /// @dev Per holder of transferable licence tokens: validUntil of the running one, by the time it was
    /// received (0 from the time it left or was revoked), so `isLicensed` answers for past moments too.
    mapping(bytes32 contentHash => mapping(address holder => mapping(uint8 use => Checkpoints.Trace208))) private
        _tokenRights;
    mapping(address signer => uint256) private _nonceFloors;
    mapping(bytes32 contentHash => mapping(uint32 policyId => bool)) private _mintingDisabled;

    mapping(bytes32 contentHash => mapping(address licensee => mapping(uint8 use => Period))) private _periods;
    /// @dev The lapsed periods before the current one (key: validFrom, value: validUntil), so that
    /// `isLicensed` answers for a past moment after a later licence started a new period.
    mapping(bytes32 contentHash => mapping(address licensee => mapping(uint8 use => Checkpoints.Trace208))) private
        _periodHistory;
    mapping(address account => Account) private _accounts;
    mapping(bytes32 contentHash => Royalty) private _royalties;
    mapping(bytes32 offerHash => OfferState) private _offers;
    mapping(bytes32 contentHash => bytes32[] parents) private _parents;
    /// @dev Parent i's share in bits [16i, 16i + 16): MAX_PARENTS shares fill one slot.
    mapping(bytes32 contentHash => uint256 packedShares) private _shares;
    uint64 private _licenceCount;

    constructor(IWorkRegistry works, address trustedForwarder)
        EIP712("rightsledger licences", "1")
        ERC2771Context(trustedForwarder)
    {
        _works = works;
        _policies = works.policyRegistry();
        _token = new LicenceToken();
    }

    // ---------------------------------------------------------------- getting a licence

    /// @inheritdoc ILicenceManager
    function buyLicence(bytes32 contentHash, uint8 use, address licensee, uint32 expectedPolicyId, uint40 minValidUntil)
        external
        payable
        returns (uint64 licenceId, uint40 validUntil)
    {
        address payer = _msgSender();
        if (licensee == address(0)) licensee = payer;
        // The registry's own answer decides what is for sale, so buying follows the check's order exactly.
        (, uint8 reason) = _works.check(contentHash, use, address(0), 0);
        if (reason != REASON_LICENCE_REQUIRED) revert LicenceNotForSale(contentHash, use, reason);
        WorkRecord memory work = _works.workOf(contentHash);
        // What the buyer saw: the terms may not change under a purchase in flight.
        if (work.policyId != expectedPolicyId) revert LicenceTermsChanged(contentHash, expectedPolicyId, work.policyId);
        _requireMintable(contentHash, work.policyId);
        (Rule memory rule, uint40 expiresAt) = _policies.ruleOf(work.policyId, use);
        if (msg.value != rule.fee) revert LicenceWrongPayment(rule.fee, msg.value);
        validUntil = _earliest(_earliest(_FOREVER, rule.end), expiresAt);
        if (validUntil < minValidUntil) revert LicenceValidityTooShort(minValidUntil, validUntil);
        licenceId = _issue(
            contentHash, use, licensee, validUntil, SOURCE_BOUGHT, payer, msg.value, _transferable(rule)
        );
        _collect(contentHash, work.holder, msg.value);
        _token.mint(licensee, licenceId);
    }

    /// @inheritdoc ILicenceManager
    function grantLicence(bytes32 contentHash, uint8 use, address licensee, uint40 validUntil)
        external
        returns (uint64 licenceId)
    {
        address sender = _msgSender();
        if (!_works.isHolderOrOperator(contentHash, sender)) revert LicenceUnauthorized(contentHash, sender);
        _requireLicensable(contentHash, use);
        Rule memory rule = _mintableRule(contentHash, use);
        licenceId = _issue(contentHash, use, licensee, validUntil, SOURCE_GRANTED, sender, 0, _transferable(rule));
        _token.mint(licensee, licenceId);
    }

    /// @inheritdoc ILicenceManager
    function redeemOffer(LicenceOffer calldata offer, bytes calldata signature, address licensee)
        external
        payable
        returns (uint64 licenceId)
    {
        bytes32 offerHash = _hashOffer(offer);
        OfferState storage state = _offers[offerHash];
        if (state.cancelled) revert LicenceOfferCancelled(offerHash);
        if (block.timestamp >= offer.expiresAt) revert LicenceOfferExpired(offer.expiresAt);
        if (offer.maxRedemptions == 0) revert LicenceOfferInvalid();
        uint256 floor = _nonceFloors[offer.signer];
        if (offer.nonce < floor) revert LicenceOfferNonceCancelled(offer.signer, offer.nonce, floor);
        uint32 redemptions = state.redemptions;
        if (redemptions >= offer.maxRedemptions) revert LicenceOfferUsedUp(offerHash, offer.maxRedemptions);
        if (!SignatureChecker.isValidSignatureNow(offer.signer, offerHash, signature)) {
            revert LicenceOfferBadSignature(offer.signer);
        }
        // A signature outlives a transfer of the work: only the current holder's (or operator's) offers count.
        if (!_works.isHolderOrOperator(offer.contentHash, offer.signer)) {
            revert LicenceOfferSignerNotHolder(offer.contentHash, offer.signer);
        }
        address payer = _msgSender();
        if (licensee == address(0)) licensee = offer.licensee == address(0) ? payer : offer.licensee;
        if (offer.licensee != address(0) && licensee != offer.licensee) {
            revert LicenceOfferNotForLicensee(licensee, offer.licensee);
        }
        if (msg.value != offer.price) revert LicenceWrongPayment(offer.price, msg.value);
        _requireLicensable(offer.contentHash, offer.use);
        bool transferable = _transferable(_mintableRule(offer.contentHash, offer.use));

        // Cannot overflow: redemptions < maxRedemptions, a uint32.
        unchecked {
            state.redemptions = redemptions + 1;
        }
        emit OfferRedeemed(offerHash, offer.signer, redemptions + 1);
        licenceId = _issue(
            offer.contentHash, offer.use, licensee, offer.validUntil, SOURCE_OFFER, payer, msg.value, transferable
        );
        _collect(offer.contentHash, _holderOf(offer.contentHash), msg.value);
        _token.mint(licensee, licenceId);
    }

    /// @inheritdoc ILicenceManager
    function cancelOffer(LicenceOffer calldata offer) external {
        address sender = _msgSender();
        if (sender != offer.signer && !_works.isHolderOrOperator(offer.contentHash, sender)) {
            revert LicenceUnauthorized(offer.contentHash, sender);
        }
        bytes32 offerHash = _hashOffer(offer);
        _offers[offerHash].cancelled = true;
        emit OfferCancelled(offerHash, sender);
    }

    /// @inheritdoc ILicenceManager
    function cancelOffersBelow(uint256 nonce) external {
        address signer = _msgSender();
        uint256 floor = _nonceFloors[signer];
        if (nonce <= floor) revert LicenceNonceFloorNotRaised(floor, nonce);
        _nonceFloors[signer] = nonce;
        emit OffersCancelledBelow(signer, nonce);
    }

    /// @inheritdoc ILicenceManager
    function setMintingDisabled(bytes32 contentHash, uint32 policyId, bool disabled) external {
        address sender = _msgSender();
        if (!_works.isHolderOrOperator(contentHash, sender)) revert LicenceUnauthorized(contentHash, sender);
        _mintingDisabled[contentHash][policyId] = disabled;
        emit MintingDisabledChanged(contentHash, policyId, disabled, sender);
    }

    /// @inheritdoc ILicenceManager
    function revokeLicence(uint64 licenceId, string calldata evidenceURI) external {
        address registrar = _msgSender();
        if (!IAccessControl(address(_works)).hasRole(_REGISTRAR_ROLE, registrar)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(registrar, _REGISTRAR_ROLE);
        }
        Licence storage entry = _existingLicence(licenceId);
        if (entry.revoked) revert LicenceAlreadyRevoked(licenceId);
        entry.revoked = true;
        uint40 now_ = SafeCast.toUint40(block.timestamp);
        address holder = _token.ownerOf(licenceId);
        if (now_ < entry.validUntil) {
            if (entry.transferable) {
                _tokenRights[entry.contentHash][holder][entry.use].push(now_, 0);
            } else {
                // A personal licence's period may merge several licences: revoking one ends the period now.
                Period storage period = _periods[entry.contentHash][holder][entry.use];
                if (period.validUntil > now_) period.validUntil = now_;
            }
        }
        emit LicenceRevoked(licenceId, registrar, evidenceURI);
    }

    /// @inheritdoc ILicenceTransferHook
    function onLicenceTransfer(uint256 licenceId, address from, address to) external {
        if (msg.sender != address(_token)) revert LicenceUnauthorized(bytes32(licenceId), msg.sender);
        Licence storage entry = _licences[licenceId];
        if (!entry.transferable) revert LicenceNotTransferable(SafeCast.toUint64(licenceId));
        uint40 now_ = SafeCast.toUint40(block.timestamp);
        // A lapsed or revoked token moves as a receipt only: there is no right left to move.
        if (entry.revoked || now_ >= entry.validUntil) return;
        bytes32 contentHash = entry.contentHash;
        uint8 use = entry.use;
        _tokenRights[contentHash][from][use].push(now_, 0);
        Checkpoints.Trace208 storage rights = _tokenRights[contentHash][to][use];
        if (rights.latest() > now_) revert LicenceTransferableHeld(contentHash, use, to);
        rights.push(now_, entry.validUntil);
    }

    // ---------------------------------------------------------------- money

    /// @inheritdoc ILicenceManager
    function withdraw(address payable to) external returns (uint256 amount) {
        address account = _msgSender();
        if (to == address(0)) to = payable(account);
        amount = _accounts[account].withdrawable;
        if (amount == 0) revert LicenceNothingToWithdraw(account);
        _accounts[account].withdrawable = 0;
        emit Withdrawn(account, to, amount);
        // The balance is zeroed before the call: a re-entering `to` finds nothing left to take.
        // A pull payment; the balance is zeroed first.
        // slither-disable-next-line low-level-calls
        (bool sent,) = to.call{value: amount}("");
        if (!sent) revert LicenceWithdrawFailed(to, amount);
    }

    /// @inheritdoc ILicenceManager
    function setRoyalty(bytes32 contentHash, address receiver, uint16 bps) external {
        address sender = _msgSender();
        if (!_works.isHolderOrOperator(contentHash, sender)) revert LicenceUnauthorized(contentHash, sender);
        if (bps > _WHOLE_BPS || (receiver == address(0) && bps != 0)) revert LicenceInvalidRoyalty(receiver, bps);
        _royalties[contentHash] = Royalty({receiver: receiver, bps: bps});
        emit RoyaltySet(contentHash, receiver, bps, sender);
    }

    /// @inheritdoc IERC2981
    /// @dev The royalty its holder set with `setRoyalty`; (address(0), 0) if none was set.
    function royaltyInfo(uint256 tokenId, uint256 salePrice) external view returns (address, uint256) {
        Royalty memory royalty = _royalties[bytes32(tokenId)];
        return (royalty.receiver, salePrice * royalty.bps / _WHOLE_BPS);
    }

    // ---------------------------------------------------------------- derivatives

    /// @inheritdoc ILicenceManager
    function registerDerivative(
        bytes32 contentHash,
        bytes32[] calldata parents,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId) {
        address registrant = _msgSender();
        uint256 packed;
        (policyId, packed) = _enforceParents(contentHash, parents, registrant, policyId);
        registrationId = _works.registerFor(registrant, contentHash, holder, policyId, metadataURI);
        _emitLinks(contentHash, parents, packed);
    }

    /// @inheritdoc ILicenceManager
    function registerDerivativeWithCode(
        bytes32 contentHash,
        bytes10 code,
        bytes32[] calldata parents,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId) {
        address registrant = _msgSender();
        uint256 packed;
        (policyId, packed) = _enforceParents(contentHash, parents, registrant, policyId);
        registrationId = _works.registerForWithCode(registrant, contentHash, code, holder, policyId, metadataURI);
        _emitLinks(contentHash, parents, packed);
    }

    /// @dev Enforces each parent's `derivative` rule for `registrant`, passes a share-alike parent's
    /// policy down (returned), and records the parents and their packed revenue shares.
    function _enforceParents(bytes32 contentHash, bytes32[] calldata parents, address registrant, uint32 policyId)
        private
        returns (uint32, uint256 packed)
    {
        uint256 n = parents.length;
        if (n == 0 || n > MAX_PARENTS) revert DerivativeParentCount(n);
        uint256 totalBps;
        for (uint256 i; i < n; ++i) {
            bytes32 parent = parents[i];
            for (uint256 j; j < i; ++j) {
                if (parents[j] == parent) revert DerivativeDuplicateParent(parent);
            }
            (bool allowed, uint8 reason) = _works.check(parent, USE_DERIVATIVE, registrant, 0);
            if (!allowed) revert DerivativeNotAllowed(parent, reason);
            uint32 parentPolicy = _works.workOf(parent).policyId;
            (Rule memory rule,) = _policies.ruleOf(parentPolicy, USE_DERIVATIVE);
            if (rule.duties & DUTY_SHARE_ALIKE != 0) {
                if (policyId == 0) policyId = parentPolicy;
                else if (policyId != parentPolicy) revert DerivativeShareAlikeRequired(parent, parentPolicy);
            }
            totalBps += rule.revenueShareBps;
            packed |= uint256(rule.revenueShareBps) << (16 * i);
        }
        if (totalBps > _WHOLE_BPS) revert DerivativeSharesExceedWhole(totalBps);

        _parents[contentHash] = parents;
        _shares[contentHash] = packed;
        return (policyId, packed);
    }

    /// @dev The links follow the registration's own events: the derivative's trail reads in order.
    function _emitLinks(bytes32 contentHash, bytes32[] calldata parents, uint256 packed) private {
        for (uint256 i; i < parents.length; ++i) {
            // The call before was to our own immutable registry.
            // slither-disable-next-line reentrancy-events
            emit DerivativeLinked(contentHash, parents[i], _shareAt(packed, i));
        }
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc ILicenceOracle
    function isLicensed(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bool)
    {
        Period memory period = _periods[contentHash][licensee][use];
        if (period.validFrom <= timestamp) {
            if (timestamp < period.validUntil) return true;
        } else {
            // Before the current period began: the lapsed period that had started by then, if any.
            // timestamp < validFrom of the current period, a uint40: the cast cannot truncate.
            uint256 until = _periodHistory[contentHash][licensee][use].upperLookup(uint48(timestamp));
            if (timestamp < until) return true;
        }
        return _holdsTokenRight(contentHash, use, licensee, timestamp);
    }

    /// @inheritdoc ILicenceManager
    function licence(uint64 licenceId) external view returns (LicenceRecord memory) {
        Licence memory entry = _existingLicence(licenceId);
        return LicenceRecord({
            contentHash: entry.contentHash,
            use: entry.use,
            holder: _token.ownerOf(licenceId),
            validFrom: entry.validFrom,
            validUntil: entry.validUntil,
            transferable: entry.transferable,
            revoked: entry.revoked
        });
    }

    /// @inheritdoc ILicenceManager
    function licenceStatus(uint64 licenceId) external view returns (bool valid, uint8 reason) {
        Licence memory entry = _existingLicence(licenceId);
        if (entry.revoked) return (false, REASON_REVOKED);
        if (_works.workOf(entry.contentHash).status == STATUS_DISPUTED) return (false, REASON_DISPUTED);
        if (block.timestamp >= entry.validUntil) return (false, REASON_EXPIRED);
        return (true, REASON_ALLOWED_BY_LICENCE);
    }

    /// @inheritdoc ILicenceManager
    function licenceToken() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ILicenceManager
    function nonceFloorOf(address signer) external view returns (uint256) {
        return _nonceFloors[signer];
    }

    /// @inheritdoc ILicenceManager
    function isMintingDisabled(bytes32 contentHash, uint32 policyId) external view returns (bool) {
        return _mintingDisabled[contentHash][policyId];
    }

    /// @inheritdoc ILicenceManager
    function licenceOf(bytes32 contentHash, uint8 use, address licensee)
        external
        view
        returns (uint40 validFrom, uint40 validUntil)
    {
        Period memory period = _periods[contentHash][licensee][use];
        return (period.validFrom, period.validUntil);
    }

    /// @inheritdoc ILicenceManager
    function parentsOf(bytes32 contentHash)
        external
        view
        returns (bytes32[] memory parents, uint16[] memory sharesBps)
    {
        parents = _parents[contentHash];
        uint256 packed = _shares[contentHash];
        sharesBps = new uint16[](parents.length);
        for (uint256 i; i < parents.length; ++i) {
            sharesBps[i] = _shareAt(packed, i);
        }
    }

    /// @inheritdoc ILicenceManager
    function earningsOf(address account) external view returns (uint256 withdrawable, uint256 earned) {
        Account memory entry = _accounts[account];
        return (entry.withdrawable, entry.earned);
    }

    /// @inheritdoc ILicenceManager
    function offerState(bytes32 offerHash) external view returns (uint32 redemptions, bool cancelled) {
        OfferState memory state = _offers[offerHash];
        return (state.redemptions, state.cancelled);
    }

    /// @inheritdoc ILicenceManager
    function hashOffer(LicenceOffer calldata offer) external view returns (bytes32) {
        return _hashOffer(offer);
    }

    /// @inheritdoc ILicenceManager
    function workRegistry() external view returns (IWorkRegistry) {
        return _works;
    }

    /// @inheritdoc ILicenceManager
    function licenceCount() external view returns (uint64) {
        return _licenceCount;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC2981).interfaceId || interfaceId == type(ILicenceOracle).interfaceId
            || interfaceId == type(ILicenceManager).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Records a licence. A licence that starts while the licensee's previous one for the same
    /// use still runs extends that period; otherwise a new period starts. Every period is kept
    /// (`_periodHistory`), so `isLicensed` answers for past moments too.
    function _issue(
        bytes32 contentHash,
        uint8 use,
        address licensee,
        uint40 validUntil,
        uint8 source,
        address payer,
        uint256 price,
        bool transferable
    ) private returns (uint64 licenceId) {
        if (licensee == address(0)) revert LicenceZeroLicensee();
        uint40 now_ = SafeCast.toUint40(block.timestamp);
        if (validUntil <= now_) revert LicenceEndsInPast(validUntil);
        licenceId = ++_licenceCount;
        _licences[licenceId] = Licence({
            contentHash: contentHash,
            validFrom: now_,
            validUntil: validUntil,
            use: use,
            transferable: transferable,
            revoked: false
        });
        uint40 validFrom = now_;
        if (transferable) {
            Checkpoints.Trace208 storage rights = _tokenRights[contentHash][licensee][use];
            if (rights.latest() > now_) revert LicenceTransferableHeld(contentHash, use, licensee);
            rights.push(now_, validUntil);
        } else {
            Period storage period = _periods[contentHash][licensee][use];
            Period memory current = period;
            if (current.validUntil >= now_) {
                validFrom = current.validFrom;
                if (current.validUntil > validUntil) validUntil = current.validUntil;
            } else if (current.validUntil != 0) {
                // A new period after a gap: the lapsed one goes to the history (a first licence and an
                // extension pay nothing for it). Keys increase: each period starts after the last ended.
                _periodHistory[contentHash][licensee][use].push(current.validFrom, current.validUntil);
            }
            period.validFrom = validFrom;
            period.validUntil = validUntil;
        }
        emit LicenceIssued(licenceId, contentHash, licensee, use, source, validFrom, validUntil, payer, price);
    }

    /// @dev Whether `holder` held a running transferable licence token for the use at `timestamp`.
    function _holdsTokenRight(bytes32 contentHash, uint8 use, address holder, uint64 timestamp)
        private
        view
        returns (bool)
    {
        Checkpoints.Trace208 storage rights = _tokenRights[contentHash][holder][use];
        if (rights.length() == 0) return false;
        // Every checkpoint key is a block time, far below 2**48: later moments read the latest.
        uint256 until = timestamp > type(uint48).max ? rights.latest() : rights.upperLookup(uint48(timestamp));
        return timestamp < until;
    }

    /// @dev The rule of the work's current policy for `use`, once minting under that policy is allowed.
    function _mintableRule(bytes32 contentHash, uint8 use) private view returns (Rule memory rule) {
        uint32 policyId = _works.workOf(contentHash).policyId;
        _requireMintable(contentHash, policyId);
        (rule,) = _policies.ruleOf(policyId, use);
    }

    function _requireMintable(bytes32 contentHash, uint32 policyId) private view {
        if (_mintingDisabled[contentHash][policyId]) revert LicenceMintingDisabled(contentHash, policyId);
    }

    function _transferable(Rule memory rule) private pure returns (bool) {
        return rule.duties & DUTY_TRANSFERABLE != 0;
    }

    function _existingLicence(uint64 licenceId) private view returns (Licence storage entry) {
        entry = _licences[licenceId];
        if (entry.contentHash == bytes32(0)) revert LicenceUnknown(licenceId);
    }

    /// @dev Credits a licence payment: each parent's holder its share (rounded down), the work's
    /// holder the rest, so the credits add up to `amount` exactly. Balances only: nothing is sent.
    function _collect(bytes32 contentHash, address holder, uint256 amount) private {
        if (amount == 0) return;
        uint256 rest = amount;
        bytes32[] storage parents = _parents[contentHash];
        uint256 n = parents.length;
        if (n != 0) {
            uint256 packed = _shares[contentHash];
            for (uint256 i; i < n; ++i) {
                uint256 share = amount * _shareAt(packed, i) / _WHOLE_BPS;
                if (share == 0) continue;
                // Cannot underflow: the shares add up to at most 10,000 bps of `amount`, rounded down.
                unchecked {
                    rest -= share;
                }
                bytes32 parent = parents[i];
                _credit(_holderOf(parent), parent, contentHash, share);
            }
        }
        if (rest != 0) _credit(holder, contentHash, contentHash, rest);
    }

    function _credit(address account, bytes32 contentHash, bytes32 licensedWork, uint256 amount) private {
        Account storage entry = _accounts[account];
        entry.withdrawable += SafeCast.toUint128(amount);
        entry.earned += SafeCast.toUint128(amount);
        emit Earned(account, contentHash, licensedWork, amount);
    }

    /// @dev New licences need a registered, undisputed work whose use is not opted out.
    function _requireLicensable(bytes32 contentHash, uint8 use) private view {
        (, uint8 reason) = _works.check(contentHash, use, address(0), 0);
        if (reason == REASON_UNREGISTERED || reason == REASON_DISPUTED || reason == REASON_OPTED_OUT) {
            revert LicenceUnavailable(contentHash, use, reason);
        }
    }

    function _holderOf(bytes32 contentHash) private view returns (address) {
        return IERC721(address(_works)).ownerOf(uint256(contentHash));
    }

    function _hashOffer(LicenceOffer calldata offer) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_OFFER_TYPEHASH, offer)));
    }

    function _shareAt(uint256 packed, uint256 index) private pure returns (uint16) {
        // casting to uint16 is safe because each share is exactly the 16 bits taken here
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(packed >> (16 * index));
    }

    /// @dev The earlier of two end times, where 0 means "no end".
    function _earliest(uint40 a, uint40 b) private pure returns (uint40) {
        if (b == 0 || a <= b) return a;
        return b;
    }
}
