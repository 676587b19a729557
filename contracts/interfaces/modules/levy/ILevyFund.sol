// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice One epoch's accounts, as the fund reports them.
/// @dev Three slots: (contributed, pool), (items, perItem), (claimed, finalizedAt, claimUntil, finalized,
/// individualClaimsFrom): the third is full, 128 + 40 + 40 + 8 + 40 = 256 bits.
struct EpochRecord {
    uint128 contributed; // paid in by trainers during the epoch
    uint128 pool; // contributed + carried over, fixed when the epoch is finalized
    uint64 items; // works in the datasets admitted during the epoch (a running total kept at admission)
    uint128 perItem; // pool / items, rounded down
    uint128 claimed; // paid out of pool to holders so far
    uint40 finalizedAt; // when the epoch was finalized (0: not yet)
    uint40 claimUntil; // the claim window stays open at least until here
    bool finalized;
    uint40 individualClaimsFrom; // `claim` opens here (half an epoch length after finalization); members first
}

/// @notice A dataset's share of the levy: the epoch it was admitted to, and how many of its items were paid.
struct Admission {
    uint64 epoch;
    uint48 claims;
    bool admitted;
}

/// @title The AI levy fund: trainers contribute per epoch, holders of the works in that epoch's
/// admitted datasets claim a pro-rata share by proof of inclusion.
/// @notice Epochs are fixed periods from deployment. A registrar (the WorkRegistry's REGISTRAR_ROLE:
/// the collective management organisation running the levy) admits declared datasets whose item
/// count it checked; only admitted datasets share in the levy, each in the epoch it was admitted in.
/// After an epoch ends anyone finalizes it, in constant gas: its pool (contributions + carry-over)
/// is divided by the items admitted during it. Each (work, dataset) pair claims `perItem` once, to
/// the work's holder, and a dataset pays out at most `itemCount` shares, so an under-counted dataset
/// only shortens its own holders. The claim window lasts at least one epoch length from
/// finalization (the next epoch cannot be finalized before), then what is unclaimed, and the
/// rounding remainder, roll over. Payouts are credited and withdrawn (pull payments).
/// A work is paid when it was registered (individually, or as a member of a collection a registrar
/// verified) strictly before the dataset was declared, and it is not disputed.
/// Members first: for the first half of the minimum claim window (half an epoch length from
/// finalization, until `individualClaimsFrom`) only `claimForCollectionMember` pays; `claim`, by a
/// work's own registration, opens after it. So the holder of a verified collection is paid for its
/// members before anyone who registered one of them individually later (a squatter) can claim its
/// share; works whose own registration answers for them (ICollectionRegistry's precedence: registered
/// before the collection, registered by its holder, or verified by a registrar) are claimed only by
/// `claim` (the member claim reverts LevyWorkRegisteredIndividually for them), so nobody takes their
/// share in the first phase, and their holders claim in the second, which lasts at least half an epoch
/// length (rounded up; the next epoch's finalize cannot close it sooner).
interface ILevyFund {
    /// @notice An epoch length of zero (every epoch computation would divide by zero) or above 2**32 - 1
    /// seconds (finalize's uint40 timestamps could not hold its claim window).
    error LevyInvalidEpochLength();
    /// @notice Epochs are finalized in order, once each, and only after they end.
    error LevyEpochNotFinalizable(uint256 epoch, uint256 nextToFinalize, uint256 currentEpoch);
    /// @notice The previous epoch's claim window is still open until `claimUntil`.
    error LevyClaimWindowStillOpen(uint256 epoch, uint256 claimUntil);
    /// @notice The claim window of the dataset's epoch is not open (not finalized yet, or closed).
    error LevyClaimWindowClosed(uint256 datasetId, uint256 epoch);
    /// @notice Collection members first: `claim` for epoch `epoch` opens at `opensAt` (until then only
    /// `claimForCollectionMember` pays).
    error LevyMembersFirst(uint256 epoch, uint256 opensAt);
    /// @notice This work's share for this dataset was claimed already.
    error LevyAlreadyClaimed(uint256 datasetId, bytes32 contentHash);
    /// @notice The proof does not show the work in the dataset.
    error LevyInvalidProof(uint256 datasetId, bytes32 contentHash);
    /// @notice Only registered works have a holder to pay.
    error LevyWorkNotRegistered(bytes32 contentHash);
    /// @notice The work (or its collection) is disputed: nobody is paid until a registrar settles it.
    error LevyWorkDisputed(bytes32 contentHash);
    /// @notice The work (or its collection) was registered at `registeredAt`, not before the dataset's declaration.
    error LevyRegisteredAfterDeclaration(bytes32 contentHash, uint256 registeredAt, uint256 declaredAt);
    /// @notice A collection claim needs a collection a registrar verified (`status` is its STATUS_*).
    error LevyCollectionNotVerified(uint256 collectionId, uint8 status);
    /// @notice The member proof does not show the work in the collection.
    error LevyInvalidMemberProof(uint256 collectionId, bytes32 contentHash);
    /// @notice The work's own registration answers for it (it came before the collection, or is the
    /// collection holder's): claim with `claim`.
    error LevyWorkRegisteredIndividually(bytes32 contentHash);
    /// @notice The dataset was not admitted to the levy.
    error LevyDatasetNotAdmitted(uint256 datasetId);
    /// @notice The dataset was admitted already.
    error LevyDatasetAlreadyAdmitted(uint256 datasetId);
    /// @notice The dataset paid out all `itemCount` shares its declarer counted.
    error LevyDatasetExhausted(uint256 datasetId, uint256 itemCount);
    /// @notice Only a registrar (WorkRegistry REGISTRAR_ROLE) may do this.
    error LevyUnauthorized(address caller);
    /// @notice A contribution of nothing.
    error LevyZeroContribution();
    /// @notice Nothing to withdraw.
    error LevyNothingToWithdraw(address account);
    /// @notice Sending the withdrawal to `to` failed.
    error LevyWithdrawalFailed(address to, uint256 amount);

    /// @notice `contributor` paid `amount` wei into `epoch`.
    event Contributed(uint256 indexed epoch, address indexed contributor, uint256 amount);
    /// @notice A registrar admitted dataset `datasetId` (of `itemCount` items) to the levy of `epoch`.
    event DatasetAdmitted(uint256 indexed epoch, uint256 indexed datasetId, address indexed registrar, uint256 itemCount);
    /// @notice The epoch's pool was fixed and divided; `carriedOver` moves to the next epoch; claims
    /// are open at least until `claimUntil`.
    event EpochFinalized(
        uint256 indexed epoch, uint256 pool, uint256 items, uint256 perItem, uint256 carriedOver, uint256 claimUntil
    );
    /// @notice The holder of `contentHash` was credited its share for dataset `datasetId`.
    event LevyClaimed(
        uint256 indexed epoch, uint256 indexed datasetId, bytes32 indexed contentHash, address holder, uint256 amount
    );
    /// @notice `account` withdrew `amount` wei to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Pays `msg.value` into the current epoch.
    function contribute() external payable;

    /// @notice Admits a declared dataset to the levy of the current epoch, adding its item count to
    /// the epoch's total. Registrar only, once per dataset.
    function admitDataset(uint256 datasetId) external;

    /// @notice Fixes and divides the pool of `epoch` (the next unfinalized one, after it ended and
    /// after the previous epoch's claim window closed). Constant gas, whatever the number of datasets.
    function finalize(uint256 epoch) external;

    /// @notice Credits the holder of `contentHash` its share of the dataset's epoch, once per work per dataset,
    /// by the work's own registration; from the epoch's `individualClaimsFrom` on (LevyMembersFirst before).
    /// @return amount the wei credited.
    function claim(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice `claim` for a work registered as a member of a collection (by Merkle root):
    /// `memberProof` shows it in collection `collectionId`, which a registrar verified and which was
    /// registered before the dataset was declared; the collection's holder is credited. Open from the
    /// epoch's finalization: members are paid first.
    function claimForCollectionMember(
        uint256 datasetId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint256 collectionId,
        bytes32[] calldata memberProof
    ) external returns (uint256 amount);

    /// @notice Sends everything credited to the caller to `to` (address(0): the caller).
    function withdraw(address payable to) external returns (uint256 amount);

    /// @notice The epoch containing `timestamp` (timestamps before the first epoch count as epoch 0).
    function epochAt(uint256 timestamp) external view returns (uint256);

    /// @notice The current epoch.
    function currentEpoch() external view returns (uint256);

    /// @notice When epoch 0 started, and how long an epoch (and the shortest claim window) lasts, in seconds.
    function schedule() external view returns (uint256 genesis, uint256 epochLength);

    /// @notice The accounts of `epoch`.
    function epochOf(uint256 epoch) external view returns (EpochRecord memory);

    /// @notice Whether and when the dataset was admitted, and how many of its shares were paid.
    function admissionOf(uint256 datasetId) external view returns (Admission memory);

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
