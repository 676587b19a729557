// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ICollectionRegistry, CollectionRecord} from "../interfaces/registries/ICollectionRegistry.sol";
import {IWorkRegistry} from "../interfaces/registries/IWorkRegistry.sol";
import {IPolicyRegistry} from "../interfaces/registries/IPolicyRegistry.sol";
import {Decision} from "../libraries/Decision.sol";
import {ILicenceOracle} from "../interfaces/modules/licensing/ILicenceOracle.sol";
import {
    Rule,
    WorkRecord,
    USE_COUNT,
    STATUS_VERIFIED,
    STATUS_DISPUTED,
    REASON_UNREGISTERED,
    REASON_ALLOWED_BY_TERMS,
    REASON_ALLOWED_BY_LICENCE
} from "../libraries/RightsTypes.sol";

/// @title CollectionRegistry
/// @notice See ICollectionRegistry. Answers follow WorkRegistry's order of evaluation, after the
/// precedence between a collection and an individual registration.
contract CollectionRegistry is ICollectionRegistry, ERC2771Context {
    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    uint8 private constant _ALL_USES_MASK = uint8((1 << USE_COUNT) - 1);

    /// @dev One slot: 160 + 32 + 40 + 8 + 8 = 248 bits.
    struct Collection {
        address holder;
        uint32 policyId;
        uint40 registeredAt;
        uint8 status;
        uint8 optOutMask;
    }

    IWorkRegistry private immutable _works;
    IPolicyRegistry private immutable _policies;

    mapping(uint256 collectionId => Collection) private _collections;
    mapping(uint256 collectionId => bytes32) private _roots;
    mapping(uint256 collectionId => string) private _metadataURIs;
    /// @dev Per collection with codes, the root over its (content hash, code) leaves; 0 = no codes.
    mapping(uint256 collectionId => bytes32) private _codesRoots;
    uint256 private _collectionCount;

    constructor(IWorkRegistry works, address trustedForwarder) ERC2771Context(trustedForwarder) {
        _works = works;
        _policies = works.policyRegistry();
    }

    /// @inheritdoc ICollectionRegistry
    function registerCollection(bytes32 root, uint256 count, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint256 collectionId)
    {
        collectionId = _registerCollection(root, count, holder, policyId, metadataURI);
    }

    /// @inheritdoc ICollectionRegistry
    function registerCollectionWithCodes(
        bytes32 root,
        bytes32 codesRoot,
        uint256 count,
        address holder,
        uint32 policyId,
        string calldata metadataURI,
        string calldata manifestURI
    ) external returns (uint256 collectionId) {
        if (codesRoot == bytes32(0)) revert CollectionEmpty();
        collectionId = _registerCollection(root, count, holder, policyId, metadataURI);
        _codesRoots[collectionId] = codesRoot;
        emit CollectionCodesCommitted(collectionId, codesRoot, manifestURI);
    }

    function _registerCollection(
        bytes32 root,
        uint256 count,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) private returns (uint256 collectionId) {
        if (root == bytes32(0) || count == 0) revert CollectionEmpty();
        if (holder == address(0)) revert CollectionUnauthorized(0, holder);
        _requirePolicy(policyId);
        collectionId = ++_collectionCount;
        _collections[collectionId] = Collection({
            holder: holder,
            policyId: policyId,
            registeredAt: uint40(block.timestamp),
            status: 0,
            optOutMask: 0
        });
        _roots[collectionId] = root;
        if (bytes(metadataURI).length != 0) _metadataURIs[collectionId] = metadataURI;
        emit CollectionRegistered(collectionId, _msgSender(), holder, root, policyId, count, metadataURI);
    }

    /// @inheritdoc ICollectionRegistry
    function setCollectionPolicy(uint256 collectionId, uint32 policyId) external {
        _requirePolicy(policyId);
        _holderOnly(collectionId).policyId = policyId;
        emit CollectionPolicyAttached(collectionId, policyId, _msgSender());
    }

    /// @inheritdoc ICollectionRegistry
    function setCollectionOptOut(uint256 collectionId, uint8 optOutMask) external {
        if (optOutMask & ~_ALL_USES_MASK != 0) revert IWorkRegistry.WorkInvalidOptOutMask(optOutMask);
        _holderOnly(collectionId).optOutMask = optOutMask;
        emit CollectionOptOutChanged(collectionId, optOutMask, _msgSender());
    }

    /// @inheritdoc ICollectionRegistry
    function markCollectionStatus(uint256 collectionId, uint8 status, string calldata evidenceURI) external {
        address sender = _msgSender();
        if (!IAccessControl(address(_works)).hasRole(_REGISTRAR_ROLE, sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(sender, _REGISTRAR_ROLE);
        }
        if (status > STATUS_DISPUTED) revert IWorkRegistry.WorkInvalidStatus(status);
        _existing(collectionId);
        _collections[collectionId].status = status;
        emit CollectionStatusMarked(collectionId, status, sender, evidenceURI);
    }

    /// @inheritdoc ICollectionRegistry
    function correctCollectionHolder(uint256 collectionId, address newHolder, string calldata evidenceURI) external {
        address registrar = _msgSender();
        if (!IAccessControl(address(_works)).hasRole(_REGISTRAR_ROLE, registrar)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(registrar, _REGISTRAR_ROLE);
        }
        if (newHolder == address(0)) revert CollectionUnauthorized(collectionId, newHolder);
        Collection memory collection = _existing(collectionId);
        if (collection.status != STATUS_DISPUTED) revert CollectionNotDisputed(collectionId);
        // The wrong holder's terms go with it: the members answer "deny" until the holder sets terms.
        _collections[collectionId] = Collection({
            holder: newHolder,
            policyId: 0,
            registeredAt: collection.registeredAt,
            status: STATUS_VERIFIED,
            optOutMask: 0
        });
        emit CollectionHolderCorrected(collectionId, collection.holder, newHolder, registrar, evidenceURI);
        emit CollectionPolicyAttached(collectionId, 0, registrar);
        emit CollectionOptOutChanged(collectionId, 0, registrar);
        emit CollectionStatusMarked(collectionId, STATUS_VERIFIED, registrar, evidenceURI);
    }

    /// @inheritdoc ICollectionRegistry
    function contestMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata memberProof) external {
        Collection memory collection = _existing(collectionId);
        if (collection.status != STATUS_VERIFIED) revert CollectionNotVerified(collectionId, collection.status);
        if (!isMember(collectionId, contentHash, memberProof)) revert CollectionInvalidProof(collectionId, contentHash);
        // Reverts WorkNotRegistered for a work without a registration of its own.
        WorkRecord memory work = _works.workOf(contentHash);
        if (work.registeredAt < collection.registeredAt) {
            revert CollectionMemberRegisteredBefore(collectionId, contentHash, work.registeredAt, collection.registeredAt);
        }
        if (_byHolder(work.registrant, collection.holder)) {
            revert CollectionMemberRegisteredByCollectionHolder(collectionId, contentHash);
        }
        // A work a registrar settled (verified) or disputed already is not contestable: the WorkRegistry
        // reverts WorkNotContestable. It accepts this only from the CollectionRegistry its admin wired,
        // and emits the event.
        _works.contestByCollection(contentHash, collectionId, _msgSender());
    }

    /// @inheritdoc ICollectionRegistry
    function isMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata proof) public view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _roots[collectionId], _leaf(contentHash));
    }

    /// @inheritdoc ICollectionRegistry
    function isCodedMember(uint256 collectionId, bytes32 contentHash, bytes10 code, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 codesRoot = _codesRoots[collectionId];
        if (codesRoot == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, codesRoot, keccak256(bytes.concat(keccak256(abi.encode(contentHash, code)))));
    }

    /// @inheritdoc ICollectionRegistry
    function codesRootOf(uint256 collectionId) external view returns (bytes32) {
        return _codesRoots[collectionId];
    }

    /// @inheritdoc ICollectionRegistry
    function checkMember(
        uint256 collectionId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) external view returns (bool allowed, uint8 reason) {
        if (use >= USE_COUNT) revert IWorkRegistry.UnknownUse(use);
        Collection memory collection = _existing(collectionId);
        if (!isMember(collectionId, contentHash, proof)) revert CollectionInvalidProof(collectionId, contentHash);
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        if (_individualAnswers(collection, contentHash)) return _works.check(contentHash, use, licensee, timestamp);
        (Rule memory rule, uint40 expiresAt) = _policies.ruleOf(collection.policyId, use);
        reason = _decide(contentHash, collection, rule, expiresAt, use, licensee, timestamp);
        allowed = reason == REASON_ALLOWED_BY_TERMS || reason == REASON_ALLOWED_BY_LICENCE;
    }

    /// @inheritdoc ICollectionRegistry
    function checkMembers(
        uint256 collectionId,
        bytes32[] calldata contentHashes,
        bytes32[] calldata proofs,
        uint8[] calldata proofLengths,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) external view returns (bytes memory reasons) {
        if (use >= USE_COUNT) revert IWorkRegistry.UnknownUse(use);
        uint256 n = contentHashes.length;
        if (proofLengths.length != n) revert CollectionBadBatch();
        Collection memory collection = _existing(collectionId);
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        (Rule memory rule, uint40 expiresAt) = _policies.ruleOf(collection.policyId, use);
        bytes32 root = _roots[collectionId];
        reasons = new bytes(n);
        uint256 at;
        for (uint256 i; i < n; ++i) {
            uint256 end = at + proofLengths[i];
            if (end > proofs.length) revert CollectionBadBatch();
            bytes32 contentHash = contentHashes[i];
            uint8 reason;
            if (!MerkleProof.verifyCalldata(proofs[at:end], root, _leaf(contentHash))) {
                reason = REASON_UNREGISTERED;
            } else if (_individualAnswers(collection, contentHash)) {
                (, reason) = _works.check(contentHash, use, licensee, timestamp);
            } else {
                reason = _decide(contentHash, collection, rule, expiresAt, use, licensee, timestamp);
            }
            reasons[i] = bytes1(reason);
            at = end;
        }
    }

    /// @inheritdoc ICollectionRegistry
    function holderOfMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata proof)
        external
        view
        returns (address)
    {
        if (!isMember(collectionId, contentHash, proof)) return address(0);
        return _collections[collectionId].holder;
    }

    /// @inheritdoc ICollectionRegistry
    function collectionOf(uint256 collectionId) external view returns (CollectionRecord memory) {
        Collection memory collection = _existing(collectionId);
        return CollectionRecord({
            holder: collection.holder,
            policyId: collection.policyId,
            registeredAt: collection.registeredAt,
            status: collection.status,
            optOutMask: collection.optOutMask,
            root: _roots[collectionId],
            metadataURI: _metadataURIs[collectionId]
        });
    }

    /// @inheritdoc ICollectionRegistry
    function collectionCount() external view returns (uint256) {
        return _collectionCount;
    }

    /// @dev WorkRegistry's order of evaluation, for a collection's terms.
    function _decide(
        bytes32 contentHash,
        Collection memory collection,
        Rule memory rule,
        uint40 expiresAt,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) private view returns (uint8) {
        // The licence module is asked only when there is a licensee to ask about.
        ILicenceOracle licences = licensee == address(0) ? ILicenceOracle(address(0)) : _works.licenceOracle();
        return Decision.decide(
            timestamp >= collection.registeredAt,
            collection.status,
            collection.optOutMask,
            expiresAt,
            rule,
            licences,
            contentHash,
            use,
            licensee,
            timestamp
        );
    }

    /// @dev The precedence (ICollectionRegistry): a work's own registration answers when it came strictly
    /// before the collection, when the collection's holder made it (whoever holds the token now), or when
    /// a registrar verified it; a later one by anyone else does not (whoever holds the token now: a
    /// registration naming the archive as holder, or handed to it, does not carry its registrant's terms
    /// over the collection's).
    function _individualAnswers(Collection memory collection, bytes32 contentHash) private view returns (bool) {
        if (!_works.isRegistered(contentHash)) return false;
        WorkRecord memory work = _works.workOf(contentHash);
        return work.registeredAt < collection.registeredAt || work.status == STATUS_VERIFIED
            || _byHolder(work.registrant, collection.holder);
    }

    /// @dev Whether a registration by `registrant` is the collection holder's own: it sent it, or an
    /// operator it approved for all its works (a staff key) did.
    function _byHolder(address registrant, address holder) private view returns (bool) {
        return registrant == holder || IERC721(address(_works)).isApprovedForAll(holder, registrant);
    }

    function _leaf(bytes32 contentHash) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contentHash))));
    }

    function _existing(uint256 collectionId) private view returns (Collection memory collection) {
        collection = _collections[collectionId];
        if (collection.holder == address(0)) revert CollectionUnknown(collectionId);
    }

    function _holderOnly(uint256 collectionId) private view returns (Collection storage collection) {
        _existing(collectionId);
        collection = _collections[collectionId];
        if (collection.holder != _msgSender()) revert CollectionUnauthorized(collectionId, _msgSender());
    }

    function _requirePolicy(uint32 policyId) private view {
        if (policyId > _policies.policyCount()) revert IPolicyRegistry.PolicyUnknown(policyId);
    }
}
