// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CodeProof} from "./IWorkRegistry.sol";

/// @notice A declared dataset as the registry reports it.
struct DatasetRecord {
    address declarer;
    uint40 declaredAt;
    uint8 use; // USE_*
    uint48 itemCount;
    bytes32 root; // Merkle root over the content hashes (OpenZeppelin StandardMerkleTree, leaf type bytes32)
    string manifestURI;
}

/// @title Declarations of the datasets AI trainers used, and accountability for what they hold.
/// @notice A trainer declares a dataset by the Merkle root of its content hashes. Anyone holding a
/// file proves it is in a dataset; if the work's terms did not permit the declared use at
/// declaration time and no licence covered the declarer then, the proof records a violation.
/// Holders request removal of their work; the declarer acknowledges.
/// @dev Leaf = keccak256(bytes.concat(keccak256(abi.encode(contentHash)))); pairs hashed sorted
/// (OpenZeppelin MerkleProof), so trees built by the StandardMerkleTree of openzeppelin/merkle-tree
/// with leaf encoding ["bytes32"] verify here.
/// A tree may instead commit to each item's ISCC content code beside its hash (leaf encoding
/// ["bytes32", "bytes10"]): leaf = keccak256(bytes.concat(keccak256(abi.encode(contentHash, code)))),
/// code = the 10-byte ISCC unit (header, 64-bit body) or bytes10(0) for an item without one.
/// The two leaf kinds hash 32 and 64 bytes, so a proof of one never passes as the other.
/// With such a tree `proveNearCopy` accepts an item that is not a registered work's exact bytes
/// but whose code is within the registry's threshold of one. The contract checks the registered
/// code (by the work registry's code proof) and the distance; it cannot check that the item's code
/// is the code of the item's file: a declarer who lies about a leaf's code is caught only by
/// someone who holds the file (recompute its code, show the leaf's hash is the file's sha256).
interface IDatasetRegistry {
    /// @notice No dataset has this id.
    error DatasetUnknown(uint256 datasetId);
    /// @notice A declaration with a zero root or no items.
    error DatasetEmpty();
    /// @notice An item count above 2**48 - 1.
    error DatasetTooLarge(uint256 itemCount);
    /// @notice A use outside USE_*.
    error UnknownUse(uint8 use);
    /// @notice The proof does not show `contentHash` in the dataset's tree.
    error DatasetInvalidProof(uint256 datasetId, bytes32 contentHash);
    /// @notice Inclusion of this work in this dataset was proven already (the record stands; a proof
    /// made while the work was disputed may be made again once the dispute is settled).
    error DatasetAlreadyProven(uint256 datasetId, bytes32 contentHash);
    /// @notice Inclusion must be proven before removal can be requested.
    error DatasetNotProven(uint256 datasetId, bytes32 contentHash);
    /// @notice The caller is neither the work's holder nor an operator the holder approved.
    error DatasetNotHolder(bytes32 contentHash, address caller);
    /// @notice Only the declarer may do this.
    error DatasetNotDeclarer(uint256 datasetId, address caller);
    /// @notice Removal was requested already (or acknowledged).
    error DatasetRemovalAlreadyRequested(uint256 datasetId, bytes32 contentHash);
    /// @notice No removal is pending for this work in this dataset.
    error DatasetNoRemovalPending(uint256 datasetId, bytes32 contentHash);
    /// @notice The proof does not show (`contentHash`, `code`) as a leaf of the dataset's tree.
    error DatasetInvalidCodedProof(uint256 datasetId, bytes32 contentHash, bytes10 code);
    /// @notice A near copy needs codes on both sides: `contentHash` has NO_CODE (featureless or unknown).
    error DatasetNoCode(bytes32 contentHash);
    /// @notice The item's code and the work's are of different kinds (ISCC headers: e.g. text vs image).
    error DatasetCodeTypeMismatch(bytes2 itemHeader, bytes2 workHeader);
    /// @notice The registry takes no near-copy proofs for codes with this header (no threshold set).
    error DatasetNearCopyNotAccepted(bytes2 codeHeader);
    /// @notice The code proof does not show that the registered work `contentHash` has `code`.
    error DatasetInvalidCodeProof(bytes32 contentHash, bytes10 code);
    /// @notice The item's code is `distance` bits from the work's, more than the threshold.
    error DatasetNotNearCopy(bytes32 contentHash, bytes32 itemHash, uint8 distance, uint8 maxDistance);
    /// @notice Only a registrar of the work registry (REGISTRAR_ROLE) may set thresholds.
    error DatasetNotRegistrar(address caller);
    /// @notice A threshold above 64 bits.
    error DatasetInvalidThreshold(uint8 maxDistance);

    /// @notice A dataset was declared.
    event DatasetDeclared(
        uint256 indexed datasetId,
        address indexed declarer,
        bytes32 indexed root,
        uint8 use,
        uint256 itemCount,
        string manifestURI
    );
    /// @notice `prover` showed that `contentHash` is in the dataset; `reason` is what the registry
    /// answered for the declared use, for the declarer, at declaration time.
    event InclusionProven(uint256 indexed datasetId, bytes32 indexed contentHash, address indexed prover, uint8 reason);
    /// @notice The dataset used the work when its terms did not permit it and no licence covered the declarer.
    event ViolationRecorded(uint256 indexed datasetId, bytes32 indexed contentHash, address indexed declarer, uint8 reason);
    /// @notice The dataset's item `itemHash`, whose leaf commits to `itemCode`, was shown to be a near
    /// copy of the registered work `contentHash`, `distance` bits from its code. InclusionProven (and
    /// ViolationRecorded, if any) for `contentHash` are emitted in the same call: the record is the work's.
    event NearCopyProven(
        uint256 indexed datasetId,
        bytes32 indexed contentHash,
        bytes32 indexed itemHash,
        bytes10 itemCode,
        uint8 distance,
        address prover
    );
    /// @notice A registrar set the Hamming distance within which a code with this header is a near copy.
    event NearCopyThresholdSet(bytes2 indexed codeHeader, bool accepted, uint8 maxDistance, address indexed registrar);
    /// @notice The work's holder asked the declarer to remove it from the dataset.
    event RemovalRequested(uint256 indexed datasetId, bytes32 indexed contentHash, address indexed requester, string note);
    /// @notice The declarer acknowledged the removal request.
    event RemovalAcknowledged(uint256 indexed datasetId, bytes32 indexed contentHash, address indexed declarer, string note);

    /// @notice Declares a dataset of `itemCount` works with Merkle root `root`, used for `use`.
    /// @return datasetId the new dataset's id (ids start at 1).
    function declare(bytes32 root, uint256 itemCount, uint8 use, string calldata manifestURI)
        external
        returns (uint256 datasetId);

    /// @notice Proves `contentHash` is in the dataset, and records a violation if the use was not permitted then.
    /// A proof that found the work disputed (ITEM_PROVEN_WHILE_DISPUTED) can be made again after the dispute.
    /// @return violation whether a violation was recorded.
    /// @return reason the registry's answer (REASON_*) for the declared use at declaration time.
    function proveInclusion(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof)
        external
        returns (bool violation, uint8 reason);

    /// @notice `proveInclusion` for a tree whose leaves commit to codes: (`contentHash`, `code`) is a leaf.
    function proveCodedInclusion(uint256 datasetId, bytes32 contentHash, bytes10 code, bytes32[] calldata proof)
        external
        returns (bool violation, uint8 reason);

    /// @notice Proves that the dataset holds a near copy of the registered work `workHash`: the leaf
    /// (`itemHash`, `itemCode`) is in the dataset's tree (`itemProof`), the work was registered with
    /// `workCode` (`codeProof`, see IWorkRegistry.verifyCode), both codes are of the same kind and
    /// within its threshold. Then records inclusion, and a violation if the work's terms did not permit
    /// the use at declaration time, against the registered work, flagged ITEM_NEAR_COPY (32).
    /// @return violation whether a violation was recorded.
    /// @return reason the registry's answer (REASON_*) for the declared use at declaration time.
    /// @return distance the Hamming distance of the two codes' bodies.
    function proveNearCopy(
        uint256 datasetId,
        bytes32 itemHash,
        bytes10 itemCode,
        bytes32[] calldata itemProof,
        bytes32 workHash,
        bytes10 workCode,
        CodeProof calldata codeProof
    ) external returns (bool violation, uint8 reason, uint8 distance);

    /// @notice Sets whether near copies are accepted for codes with `codeHeader` and within how
    /// many bits (0-64). REGISTRAR_ROLE of the work registry only. Defaults: image and text
    /// Content-Codes (64-bit) within 12 bits; any other kind not accepted.
    function setNearCopyThreshold(bytes2 codeHeader, bool accepted, uint8 maxDistance) external;

    /// @notice Whether near copies are accepted for codes with `codeHeader`, and the threshold.
    function nearCopyThreshold(bytes2 codeHeader) external view returns (bool accepted, uint8 maxDistance);

    /// @notice The holder (or operator) asks the declarer to remove the work. Inclusion must be proven.
    function requestRemoval(uint256 datasetId, bytes32 contentHash, string calldata note) external;

    /// @notice The declarer acknowledges a pending removal request.
    function acknowledgeRemoval(uint256 datasetId, bytes32 contentHash, string calldata note) external;

    /// @notice Whether `proof` shows `contentHash` in the dataset's tree (no state change).
    function verifyInclusion(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice The dataset record. Reverts with DatasetUnknown for an unknown id.
    function datasetOf(uint256 datasetId) external view returns (DatasetRecord memory);

    /// @notice What is recorded about a work in a dataset: ITEM_* flags (0: nothing).
    function itemFlags(uint256 datasetId, bytes32 contentHash) external view returns (uint8);

    /// @notice How many datasets were declared (the highest id).
    function datasetCount() external view returns (uint256);

    /// @notice The works registry consulted for holders and past terms.
    function workRegistry() external view returns (address);
}
