// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice One epoch's accounts, as the fund reports them.
struct EpochRecord {
    uint128 contributed; // paid in by trainers during the epoch
    uint128 pool; // contributed + carried over, fixed when the epoch is finalized
    uint64 items; // works in the datasets declared during the epoch
    uint128 perItem; // pool / items, rounded down
    uint128 claimed; // paid out of pool to holders so far
    bool finalized;
}

/// @title The AI levy fund: trainers contribute per epoch, holders of the works in that epoch's
/// declared datasets claim a pro-rata share by proof of inclusion.
/// @notice Epochs are fixed periods from deployment. After an epoch ends anyone finalizes it:
/// its pool (contributions + carry-over) is divided by the number of items in the datasets
/// declared during it. Each (work, dataset) pair claims `perItem` once, to the work's holder,
/// until the next epoch is finalized; then what is unclaimed, and the rounding remainder, roll
/// over to the next epoch. Payouts are credited and withdrawn (pull payments).
/// Shares are counted from the item counts declarers give: a dataset declared with more items
/// than it holds dilutes the epoch's shares; one with fewer cannot pay out more than its epoch's pool.
interface ILevyFund {
    /// @notice Epochs are finalized in order, once each, and only after they end.
    error LevyEpochNotFinalizable(uint256 epoch, uint256 nextToFinalize, uint256 currentEpoch);
    /// @notice The claim window of the dataset's epoch is not open (not finalized yet, or closed).
    error LevyClaimWindowClosed(uint256 datasetId, uint256 epoch);
    /// @notice This work's share for this dataset was claimed already.
    error LevyAlreadyClaimed(uint256 datasetId, bytes32 contentHash);
    /// @notice The proof does not show the work in the dataset.
    error LevyInvalidProof(uint256 datasetId, bytes32 contentHash);
    /// @notice Only registered works have a holder to pay.
    error LevyWorkNotRegistered(bytes32 contentHash);
    /// @notice The epoch's pool is paid out: its datasets held more works than their declarers counted.
    error LevyEpochExhausted(uint256 epoch);
    /// @notice A contribution of nothing.
    error LevyZeroContribution();
    /// @notice Nothing to withdraw.
    error LevyNothingToWithdraw(address account);
    /// @notice Sending the withdrawal failed.
    error LevyWithdrawalFailed(address account, uint256 amount);

    /// @notice `contributor` paid `amount` wei into `epoch`.
    event Contributed(uint256 indexed epoch, address indexed contributor, uint256 amount);
    /// @notice The epoch's pool was fixed and divided; `carriedOver` moves to the next epoch.
    event EpochFinalized(uint256 indexed epoch, uint256 pool, uint256 items, uint256 perItem, uint256 carriedOver);
    /// @notice The holder of `contentHash` was credited its share for dataset `datasetId`.
    event LevyClaimed(
        uint256 indexed epoch, uint256 indexed datasetId, bytes32 indexed contentHash, address holder, uint256 amount
    );
    /// @notice `account` withdrew `amount` wei.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Pays `msg.value` into the current epoch.
    function contribute() external payable;

    /// @notice Fixes and divides the pool of `epoch` (the next unfinalized one, after it ended).
    function finalize(uint256 epoch) external;

    /// @notice Credits the holder of `contentHash` its share of the dataset's epoch, once per work per dataset.
    /// @return amount the wei credited.
    function claim(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice `claim` for a work registered only as a member of a collection (by Merkle root):
    /// `memberProof` shows it in collection `collectionId`, whose holder is credited.
    function claimForCollectionMember(
        uint256 datasetId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint256 collectionId,
        bytes32[] calldata memberProof
    ) external returns (uint256 amount);

    /// @notice Sends the caller everything credited to it.
    function withdraw() external returns (uint256 amount);

    /// @notice The epoch containing `timestamp` (timestamps before the first epoch count as epoch 0).
    function epochAt(uint256 timestamp) external view returns (uint256);

    /// @notice The current epoch.
    function currentEpoch() external view returns (uint256);

    /// @notice When epoch 0 started, and how long an epoch lasts, in seconds.
    function schedule() external view returns (uint256 genesis, uint256 epochLength);

    /// @notice The accounts of `epoch`.
    function epochOf(uint256 epoch) external view returns (EpochRecord memory);

    /// @notice Whether the share of `contentHash` in dataset `datasetId` was claimed.
    function isClaimed(uint256 datasetId, bytes32 contentHash) external view returns (bool);

    /// @notice Wei credited to `account` and not yet withdrawn.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The fund's books: credited but not withdrawn, claimable in the open claim window,
    /// carried over, and contributed to epochs not finalized yet. They sum to the fund's balance.
    function accounts()
        external
        view
        returns (uint256 credited, uint256 claimable, uint256 carriedOver, uint256 pending);
}
