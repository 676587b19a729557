// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {ILevyFund, EpochRecord, Admission} from "../../interfaces/modules/levy/ILevyFund.sol";
import {IDatasetRegistry, DatasetRecord} from "../../interfaces/registries/IDatasetRegistry.sol";
import {IWorkRegistry} from "../../interfaces/registries/IWorkRegistry.sol";
import {ICollectionRegistry, CollectionRecord} from "../../interfaces/registries/ICollectionRegistry.sol";
import {WorkRecord, STATUS_VERIFIED, STATUS_DISPUTED} from "../../libraries/RightsTypes.sol";

/// @title LevyFund
/// @notice See ILevyFund. Integer accounting, exact: at every moment the balance equals
/// credited + claimable + carriedOver + pending (tested as an invariant).
/// @dev The items of an epoch are counted when a registrar admits a dataset (a running total), so
/// `finalize` reads and writes a fixed number of slots, whatever the number of datasets.
contract LevyFund is ILevyFund, ERC2771Context {
    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    IDatasetRegistry private immutable _datasets;
    IWorkRegistry private immutable _works;
    ICollectionRegistry private immutable _collections;
    uint256 private immutable _genesis;
    uint256 private immutable _epochLength;

    mapping(uint256 epoch => EpochRecord) private _epochs;
    mapping(uint256 datasetId => Admission) private _admissions;
    mapping(uint256 datasetId => mapping(bytes32 contentHash => bool)) private _claimed;
    mapping(address account => uint256) private _balances;

    uint256 private _nextToFinalize;
    uint256 private _credited;
    uint256 private _carriedOver;
    uint256 private _pending;

    constructor(
        IDatasetRegistry datasets,
        ICollectionRegistry collections,
        uint256 epochLength,
        address trustedForwarder
    ) ERC2771Context(trustedForwarder) {
        // Zero divides by zero; beyond 2**32 s (136 years) finalize's uint40 timestamps could not hold
        // the claim window, and every finalize would revert, locking the contributions.
        if (epochLength == 0 || epochLength > type(uint32).max) revert LevyInvalidEpochLength();
        _datasets = datasets;
        _collections = collections;
        _works = IWorkRegistry(datasets.workRegistry());
        _genesis = block.timestamp;
        _epochLength = epochLength;
    }

    /// @inheritdoc ILevyFund
    function contribute() external payable {
        if (msg.value == 0) revert LevyZeroContribution();
        uint256 epoch = currentEpoch();
        EpochRecord storage record = _epochs[epoch];
        record.contributed = SafeCast.toUint128(record.contributed + msg.value);
        _pending += msg.value;
        emit Contributed(epoch, _msgSender(), msg.value);
    }

    /// @inheritdoc ILevyFund
    function admitDataset(uint256 datasetId) external {
        address sender = _msgSender();
        if (!IAccessControl(address(_works)).hasRole(_REGISTRAR_ROLE, sender)) revert LevyUnauthorized(sender);
        Admission storage admission = _admissions[datasetId];
        if (admission.admitted) revert LevyDatasetAlreadyAdmitted(datasetId);
        DatasetRecord memory dataset = _datasets.datasetOf(datasetId);
        // The current epoch is never finalized (only ended epochs are), so its count can still grow.
        uint256 epoch = currentEpoch();
        admission.epoch = SafeCast.toUint64(epoch);
        admission.admitted = true;
        EpochRecord storage record = _epochs[epoch];
        record.items = SafeCast.toUint64(uint256(record.items) + dataset.itemCount);
        emit DatasetAdmitted(epoch, datasetId, sender, dataset.itemCount);
    }

    /// @inheritdoc ILevyFund
    function finalize(uint256 epoch) external {
        uint256 current = currentEpoch();
        if (epoch != _nextToFinalize || epoch >= current) {
            revert LevyEpochNotFinalizable(epoch, _nextToFinalize, current);
        }
        EpochRecord storage record = _epochs[epoch];
        uint256 pool = record.contributed + _carriedOver;
        _pending -= record.contributed;
        if (epoch != 0) {
            // The previous epoch's claim window closes now, never before its minimum length: what it
            // did not pay out rolls over.
            EpochRecord storage previous = _epochs[epoch - 1];
            if (block.timestamp < previous.claimUntil) revert LevyClaimWindowStillOpen(epoch - 1, previous.claimUntil);
            pool += uint256(previous.perItem) * previous.items - previous.claimed;
        }
        uint256 items = record.items;
        uint256 perItem = items == 0 ? 0 : pool / items;
        // On purpose: what the rounding leaves over.
        // slither-disable-next-line divide-before-multiply
        uint256 carried = pool - perItem * items;
        uint256 claimUntil = block.timestamp + _epochLength;
        // Members first for half the minimum window (ILevyFund): individual claims open after it.
        uint256 individualClaimsFrom = block.timestamp + _epochLength / 2;
        record.pool = SafeCast.toUint128(pool);
        record.perItem = SafeCast.toUint128(perItem);
        record.finalizedAt = SafeCast.toUint40(block.timestamp);
        record.claimUntil = SafeCast.toUint40(claimUntil);
        record.finalized = true;
        record.individualClaimsFrom = SafeCast.toUint40(individualClaimsFrom);
        _carriedOver = carried;
        _nextToFinalize = epoch + 1;
        emit EpochFinalized(epoch, pool, items, perItem, carried, claimUntil);
    }

    /// @inheritdoc ILevyFund
    function claim(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof) external returns (uint256 amount) {
        if (!_works.isRegistered(contentHash)) revert LevyWorkNotRegistered(contentHash);
        DatasetRecord memory dataset = _datasets.datasetOf(datasetId);
        WorkRecord memory work = _works.workOf(contentHash);
        if (work.status == STATUS_DISPUTED) revert LevyWorkDisputed(contentHash);
        if (work.registeredAt >= dataset.declaredAt) {
            revert LevyRegisteredAfterDeclaration(contentHash, work.registeredAt, dataset.declaredAt);
        }
        return _credit(datasetId, dataset, contentHash, proof, work.holder, true);
    }

    /// @inheritdoc ILevyFund
    function claimForCollectionMember(
        uint256 datasetId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint256 collectionId,
        bytes32[] calldata memberProof
    ) external returns (uint256 amount) {
        DatasetRecord memory dataset = _datasets.datasetOf(datasetId);
        CollectionRecord memory collection = _collections.collectionOf(collectionId);
        if (collection.status != STATUS_VERIFIED) revert LevyCollectionNotVerified(collectionId, collection.status);
        if (collection.registeredAt >= dataset.declaredAt) {
            revert LevyRegisteredAfterDeclaration(contentHash, collection.registeredAt, dataset.declaredAt);
        }
        if (!_collections.isMember(collectionId, contentHash, memberProof)) {
            revert LevyInvalidMemberProof(collectionId, contentHash);
        }
        // The precedence of ICollectionRegistry: an earlier individual registration, one the collection's
        // holder (or an operator it approved for all its works) made, or one a registrar verified answers
        // for the work; a later one by anyone else does not.
        if (_works.isRegistered(contentHash)) {
            WorkRecord memory work = _works.workOf(contentHash);
            if (
                work.registeredAt < collection.registeredAt || work.status == STATUS_VERIFIED
                    || work.registrant == collection.holder
                    || IERC721(address(_works)).isApprovedForAll(collection.holder, work.registrant)
            ) {
                revert LevyWorkRegisteredIndividually(contentHash);
            }
        }
        return _credit(datasetId, dataset, contentHash, proof, collection.holder, false);
    }

    function _credit(
        uint256 datasetId,
        DatasetRecord memory dataset,
        bytes32 contentHash,
        bytes32[] calldata proof,
        address holder,
        bool individual
    ) private returns (uint256 amount) {
        Admission storage admission = _admissions[datasetId];
        if (!admission.admitted) revert LevyDatasetNotAdmitted(datasetId);
        uint256 epoch = admission.epoch;
        // The window is open from the epoch's finalization until the next epoch's.
        if (epoch + 1 != _nextToFinalize) revert LevyClaimWindowClosed(datasetId, epoch);
        EpochRecord storage record = _epochs[epoch];
        if (individual && block.timestamp < record.individualClaimsFrom) {
            revert LevyMembersFirst(epoch, record.individualClaimsFrom);
        }
        if (_claimed[datasetId][contentHash]) revert LevyAlreadyClaimed(datasetId, contentHash);
        uint48 claims = admission.claims;
        // A dataset pays at most the shares it brought to the count: an under-counted one shortens only its own holders.
        if (claims >= dataset.itemCount) revert LevyDatasetExhausted(datasetId, dataset.itemCount);
        if (!_datasets.verifyInclusion(datasetId, contentHash, proof)) revert LevyInvalidProof(datasetId, contentHash);
        amount = record.perItem;
        _claimed[datasetId][contentHash] = true;
        // Cannot overflow: claims < itemCount, a uint48.
        unchecked {
            admission.claims = claims + 1;
        }
        // Within the pool: the admitted counts add up to `items`, and each dataset pays at most its count.
        record.claimed = SafeCast.toUint128(record.claimed + amount);
        _balances[holder] += amount;
        _credited += amount;
        emit LevyClaimed(epoch, datasetId, contentHash, holder, amount);
    }

    /// @inheritdoc ILevyFund
    function withdraw(address payable to) external returns (uint256 amount) {
        address account = _msgSender();
        if (to == address(0)) to = payable(account);
        amount = _balances[account];
        if (amount == 0) revert LevyNothingToWithdraw(account);
        _balances[account] = 0;
        _credited -= amount;
        emit Withdrawn(account, to, amount);
        // A pull payment to where the claimant says; balance zeroed first.
        // slither-disable-next-line low-level-calls
        (bool sent,) = to.call{value: amount}("");
        if (!sent) revert LevyWithdrawalFailed(to, amount);
    }

    /// @inheritdoc ILevyFund
    function epochAt(uint256 timestamp) public view returns (uint256) {
        if (timestamp < _genesis) return 0;
        return (timestamp - _genesis) / _epochLength;
    }

    /// @inheritdoc ILevyFund
    function currentEpoch() public view returns (uint256) {
        return epochAt(block.timestamp);
    }

    /// @inheritdoc ILevyFund
    function schedule() external view returns (uint256 genesis, uint256 epochLength) {
        return (_genesis, _epochLength);
    }

    /// @inheritdoc ILevyFund
    function epochOf(uint256 epoch) external view returns (EpochRecord memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc ILevyFund
    function admissionOf(uint256 datasetId) external view returns (Admission memory) {
        return _admissions[datasetId];
    }

    /// @inheritdoc ILevyFund
    function isClaimed(uint256 datasetId, bytes32 contentHash) external view returns (bool) {
        return _claimed[datasetId][contentHash];
    }

    /// @inheritdoc ILevyFund
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ILevyFund
    function accounts()
        external
        view
        returns (uint256 credited, uint256 claimable, uint256 carriedOver, uint256 pending)
    {
        if (_nextToFinalize != 0) {
            EpochRecord storage open = _epochs[_nextToFinalize - 1];
            claimable = uint256(open.perItem) * open.items - open.claimed;
        }
        return (_credited, claimable, _carriedOver, _pending);
    }
}
