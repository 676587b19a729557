// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

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
