// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDatasetRegistry, DatasetRecord} from "../interfaces/registries/IDatasetRegistry.sol";
import {IWorkRegistry, CodeProof} from "../interfaces/registries/IWorkRegistry.sol";
import {ContentCodes, NO_CODE, HEADER_IMAGE_64, HEADER_TEXT_64} from "../libraries/ContentCodes.sol";
import {ITermsHistory} from "../interfaces/registries/ITermsHistory.sol";
import {USE_COUNT, REASON_UNREGISTERED, REASON_DISPUTED} from "../libraries/RightsTypes.sol";

/// @dev Flags kept per (dataset, work).
uint8 constant ITEM_PROVEN = 1;
uint8 constant ITEM_VIOLATION = 2;
uint8 constant ITEM_REMOVAL_REQUESTED = 4;
uint8 constant ITEM_REMOVAL_ACKNOWLEDGED = 8;
/// @dev The proof found the work disputed: no holder's terms counted then, so the proof may be made again.
uint8 constant ITEM_PROVEN_WHILE_DISPUTED = 16;
/// @dev The work was proven in the dataset as a near copy (a different file with a code within threshold).
uint8 constant ITEM_NEAR_COPY = 32;
/// @dev Default near-copy thresholds, in bits of the 64-bit code bodies (docs/identity-onchain.md).
uint8 constant DEFAULT_IMAGE_MAX_DISTANCE = 12;
uint8 constant DEFAULT_TEXT_MAX_DISTANCE = 12;

/// @title DatasetRegistry
/// @notice Dataset declarations (Merkle roots of content hashes), proofs of inclusion, violations
/// and removal requests. See IDatasetRegistry for the leaf and pair hashing.
/// @dev A violation is recorded only for an answer that refuses the use on the terms: denied,
/// licence-required (no licence), outside-window, expired, opted-out. An unregistered work had no
/// terms to break, and a disputed one has no holder whose terms count, so neither is a violation.
contract DatasetRegistry is IDatasetRegistry, ERC2771Context {
    /// @dev One slot: 160 + 40 + 8 + 48 = 256 bits. The root and the URI live apart.
    struct Dataset {
        address declarer;
        uint40 declaredAt;
        uint8 use;
        uint48 itemCount;
    }

    address private immutable _works;

    mapping(uint256 datasetId => Dataset) private _datasets;
    mapping(uint256 datasetId => bytes32) private _roots;
    mapping(uint256 datasetId => string) private _manifestURIs;
    mapping(uint256 datasetId => mapping(bytes32 contentHash => uint8)) private _itemFlags;
    uint256 private _datasetCount;
    /// @dev Per ISCC code header, the near-copy threshold plus one; 0 = near copies not accepted.
    mapping(bytes2 codeHeader => uint8) private _thresholdsPlusOne;

    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    constructor(address works, address trustedForwarder) ERC2771Context(trustedForwarder) {
        // The deploy script passes the registry it just deployed.
        // slither-disable-next-line missing-zero-check
        _works = works;
        _thresholdsPlusOne[HEADER_IMAGE_64] = DEFAULT_IMAGE_MAX_DISTANCE + 1;
        _thresholdsPlusOne[HEADER_TEXT_64] = DEFAULT_TEXT_MAX_DISTANCE + 1;
        emit NearCopyThresholdSet(HEADER_IMAGE_64, true, DEFAULT_IMAGE_MAX_DISTANCE, address(0));
        emit NearCopyThresholdSet(HEADER_TEXT_64, true, DEFAULT_TEXT_MAX_DISTANCE, address(0));
    }

    /// @inheritdoc IDatasetRegistry
    function declare(bytes32 root, uint256 itemCount, uint8 use, string calldata manifestURI)
        external
        returns (uint256 datasetId)
    {
        if (root == bytes32(0) || itemCount == 0) revert DatasetEmpty();
        if (itemCount > type(uint48).max) revert DatasetTooLarge(itemCount);
        if (use >= USE_COUNT) revert UnknownUse(use);
        datasetId = ++_datasetCount;
        address declarer = _msgSender();
        _datasets[datasetId] = Dataset({
            declarer: declarer,
            declaredAt: uint40(block.timestamp),
            use: use,
            itemCount: uint48(itemCount)
        });
        _roots[datasetId] = root;
        if (bytes(manifestURI).length != 0) _manifestURIs[datasetId] = manifestURI;
        emit DatasetDeclared(datasetId, declarer, root, use, itemCount, manifestURI);
    }

    /// @inheritdoc IDatasetRegistry
    function proveInclusion(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof)
        external
        returns (bool violation, uint8 reason)
    {
        Dataset memory dataset = _existing(datasetId);
        if (!_verify(datasetId, contentHash, proof)) revert DatasetInvalidProof(datasetId, contentHash);
        uint8 flags = _itemFlags[datasetId][contentHash];
        // A proof stands, unless it was made while the work was disputed (no terms were judged then).
        if (flags & ITEM_PROVEN != 0 && flags & ITEM_PROVEN_WHILE_DISPUTED == 0) {
            revert DatasetAlreadyProven(datasetId, contentHash);
        }
        bool allowed;
        (allowed, reason) =
            ITermsHistory(_works).checkAt(contentHash, dataset.use, dataset.declarer, dataset.declaredAt);
        if (reason == REASON_DISPUTED && flags & ITEM_PROVEN != 0) revert DatasetAlreadyProven(datasetId, contentHash);
        violation = !allowed && reason != REASON_UNREGISTERED && reason != REASON_DISPUTED;
        flags = (flags & ~ITEM_PROVEN_WHILE_DISPUTED) | ITEM_PROVEN;
        if (violation) flags |= ITEM_VIOLATION;
        if (reason == REASON_DISPUTED) flags |= ITEM_PROVEN_WHILE_DISPUTED;
        _itemFlags[datasetId][contentHash] = flags;
        emit InclusionProven(datasetId, contentHash, _msgSender(), reason);
        if (violation) emit ViolationRecorded(datasetId, contentHash, dataset.declarer, reason);
    }

    /// @inheritdoc IDatasetRegistry
    function proveCodedInclusion(uint256 datasetId, bytes32 contentHash, bytes10 code, bytes32[] calldata proof)
        external
        returns (bool violation, uint8 reason)
    {
        Dataset memory dataset = _existing(datasetId);
        if (!_verifyCoded(datasetId, contentHash, code, proof)) {
            revert DatasetInvalidCodedProof(datasetId, contentHash, code);
        }
        (violation, reason) = _recordProof(datasetId, dataset, contentHash, 0);
    }

    /// @inheritdoc IDatasetRegistry
    function proveNearCopy(
        uint256 datasetId,
        bytes32 itemHash,
        bytes10 itemCode,
        bytes32[] calldata itemProof,
        bytes32 workHash,
        bytes10 workCode,
        CodeProof calldata codeProof
    ) external returns (bool violation, uint8 reason, uint8 distance) {
        Dataset memory dataset = _existing(datasetId);
        if (!_verifyCoded(datasetId, itemHash, itemCode, itemProof)) {
            revert DatasetInvalidCodedProof(datasetId, itemHash, itemCode);
        }
        if (itemCode == NO_CODE) revert DatasetNoCode(itemHash);
        if (workCode == NO_CODE) revert DatasetNoCode(workHash);
        bytes2 header = ContentCodes.header(workCode);
        if (ContentCodes.header(itemCode) != header) revert DatasetCodeTypeMismatch(ContentCodes.header(itemCode), header);
        uint8 plusOne = _thresholdsPlusOne[header];
        if (plusOne == 0) revert DatasetNearCopyNotAccepted(header);
        if (!IWorkRegistry(_works).verifyCode(workHash, workCode, codeProof)) {
            revert DatasetInvalidCodeProof(workHash, workCode);
        }
        // At most 64: a popcount of 64 bits.
        distance = uint8(ContentCodes.distance(itemCode, workCode));
        if (distance >= plusOne) revert DatasetNotNearCopy(workHash, itemHash, distance, plusOne - 1);
        // An item with the work's own bytes is an exact inclusion, whatever the codes say.
        bool nearCopy = itemHash != workHash;
        (violation, reason) = _recordProof(datasetId, dataset, workHash, nearCopy ? ITEM_NEAR_COPY : 0);
        if (nearCopy) emit NearCopyProven(datasetId, workHash, itemHash, itemCode, distance, _msgSender());
    }

    /// @inheritdoc IDatasetRegistry
    function setNearCopyThreshold(bytes2 codeHeader, bool accepted, uint8 maxDistance) external {
        address sender = _msgSender();
        if (!IAccessControl(_works).hasRole(_REGISTRAR_ROLE, sender)) revert DatasetNotRegistrar(sender);
        if (maxDistance > 64) revert DatasetInvalidThreshold(maxDistance);
        _thresholdsPlusOne[codeHeader] = accepted ? maxDistance + 1 : 0;
        emit NearCopyThresholdSet(codeHeader, accepted, accepted ? maxDistance : 0, sender);
    }

    /// @inheritdoc IDatasetRegistry
    function nearCopyThreshold(bytes2 codeHeader) external view returns (bool accepted, uint8 maxDistance) {
        uint8 plusOne = _thresholdsPlusOne[codeHeader];
        return plusOne == 0 ? (false, 0) : (true, plusOne - 1);
    }

    /// @dev The record of a verified leaf for `contentHash`, judged on its terms for the declared use,
    /// for the declarer, at declaration time; `nearCopyFlag` is ITEM_NEAR_COPY or 0. As for exact
    /// proofs (branch `attack`), a proof made while the work was disputed may be made again.
    function _recordProof(uint256 datasetId, Dataset memory dataset, bytes32 contentHash, uint8 nearCopyFlag)
        private
        returns (bool violation, uint8 reason)
    {
        uint8 flags = _itemFlags[datasetId][contentHash];
        if (flags & ITEM_PROVEN != 0 && flags & ITEM_PROVEN_WHILE_DISPUTED == 0) {
            revert DatasetAlreadyProven(datasetId, contentHash);
        }
        bool allowed;
        (allowed, reason) =
            ITermsHistory(_works).checkAt(contentHash, dataset.use, dataset.declarer, dataset.declaredAt);
        if (reason == REASON_DISPUTED && flags & ITEM_PROVEN != 0) revert DatasetAlreadyProven(datasetId, contentHash);
        violation = !allowed && reason != REASON_UNREGISTERED && reason != REASON_DISPUTED;
        flags = (flags & ~(ITEM_PROVEN_WHILE_DISPUTED | ITEM_NEAR_COPY)) | ITEM_PROVEN | nearCopyFlag;
        if (violation) flags |= ITEM_VIOLATION;
        if (reason == REASON_DISPUTED) flags |= ITEM_PROVEN_WHILE_DISPUTED;
        _itemFlags[datasetId][contentHash] = flags;
        emit InclusionProven(datasetId, contentHash, _msgSender(), reason);
        if (violation) emit ViolationRecorded(datasetId, contentHash, dataset.declarer, reason);
    }

    /// @inheritdoc IDatasetRegistry
    function requestRemoval(uint256 datasetId, bytes32 contentHash, string calldata note) external {
        _existing(datasetId);
        address sender = _msgSender();
        if (!IWorkRegistry(_works).isHolderOrOperator(contentHash, sender)) revert DatasetNotHolder(contentHash, sender);
        uint8 flags = _itemFlags[datasetId][contentHash];
        if (flags & ITEM_PROVEN == 0) revert DatasetNotProven(datasetId, contentHash);
        if (flags & ITEM_REMOVAL_REQUESTED != 0) revert DatasetRemovalAlreadyRequested(datasetId, contentHash);
        _itemFlags[datasetId][contentHash] = flags | ITEM_REMOVAL_REQUESTED;
        emit RemovalRequested(datasetId, contentHash, sender, note);
    }

    /// @inheritdoc IDatasetRegistry
    function acknowledgeRemoval(uint256 datasetId, bytes32 contentHash, string calldata note) external {
        Dataset memory dataset = _existing(datasetId);
        address sender = _msgSender();
        if (sender != dataset.declarer) revert DatasetNotDeclarer(datasetId, sender);
        uint8 flags = _itemFlags[datasetId][contentHash];
        if (flags & ITEM_REMOVAL_REQUESTED == 0 || flags & ITEM_REMOVAL_ACKNOWLEDGED != 0) {
            revert DatasetNoRemovalPending(datasetId, contentHash);
        }
        _itemFlags[datasetId][contentHash] = flags | ITEM_REMOVAL_ACKNOWLEDGED;
        emit RemovalAcknowledged(datasetId, contentHash, sender, note);
    }

    /// @inheritdoc IDatasetRegistry
    function verifyInclusion(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        _existing(datasetId);
        return _verify(datasetId, contentHash, proof);
    }

    /// @inheritdoc IDatasetRegistry
    function datasetOf(uint256 datasetId) external view returns (DatasetRecord memory) {
        Dataset memory dataset = _existing(datasetId);
        return DatasetRecord({
            declarer: dataset.declarer,
            declaredAt: dataset.declaredAt,
            use: dataset.use,
            itemCount: dataset.itemCount,
            root: _roots[datasetId],
            manifestURI: _manifestURIs[datasetId]
        });
    }

    /// @inheritdoc IDatasetRegistry
    function itemFlags(uint256 datasetId, bytes32 contentHash) external view returns (uint8) {
        return _itemFlags[datasetId][contentHash];
    }

    /// @inheritdoc IDatasetRegistry
    function datasetCount() external view returns (uint256) {
        return _datasetCount;
    }

    /// @inheritdoc IDatasetRegistry
    function workRegistry() external view returns (address) {
        return _works;
    }

    function _existing(uint256 datasetId) private view returns (Dataset memory dataset) {
        dataset = _datasets[datasetId];
        if (dataset.declarer == address(0)) revert DatasetUnknown(datasetId);
    }

    function _verifyCoded(uint256 datasetId, bytes32 contentHash, bytes10 code, bytes32[] calldata proof)
        private
        view
        returns (bool)
    {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(contentHash, code))));
        return MerkleProof.verifyCalldata(proof, _roots[datasetId], leaf);
    }

    function _verify(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof) private view returns (bool) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(contentHash))));
        return MerkleProof.verifyCalldata(proof, _roots[datasetId], leaf);
    }
}
