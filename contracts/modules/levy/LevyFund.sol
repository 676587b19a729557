// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {ILevyFund, EpochRecord} from "../../interfaces/modules/levy/ILevyFund.sol";
import {IDatasetRegistry, DatasetRecord} from "../../interfaces/registries/IDatasetRegistry.sol";
import {IWorkRegistry} from "../../interfaces/registries/IWorkRegistry.sol";
import {ICollectionRegistry} from "../../interfaces/registries/ICollectionRegistry.sol";

/// @title LevyFund
/// @notice See ILevyFund. Integer accounting, exact: at every moment the balance equals
/// credited + claimable + carriedOver + pending (tested as an invariant).
/// @dev Finalizing an epoch counts the datasets declared up to its end, walking dataset ids from
/// where the previous finalization stopped: each dataset is read once, ever.
contract LevyFund is ILevyFund, ERC2771Context {
    IDatasetRegistry private immutable _datasets;
    IWorkRegistry private immutable _works;
    ICollectionRegistry private immutable _collections;
    uint256 private immutable _genesis;
    uint256 private immutable _epochLength;

    mapping(uint256 epoch => EpochRecord) private _epochs;
    mapping(uint256 datasetId => mapping(bytes32 contentHash => bool)) private _claimed;
    mapping(address account => uint256) private _balances;

    uint256 private _nextToFinalize;
    uint256 private _nextDatasetToCount = 1;
    uint256 private _credited;
    uint256 private _carriedOver;
    uint256 private _pending;

    constructor(
        IDatasetRegistry datasets,
        ICollectionRegistry collections,
        uint256 epochLength,
        address trustedForwarder
    ) ERC2771Context(trustedForwarder) {
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
        // uint128 holds far more wei than exists.
        _epochs[epoch].contributed += uint128(msg.value);
        _pending += msg.value;
        emit Contributed(epoch, _msgSender(), msg.value);
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
            // The previous epoch's claim window closes now: what it did not pay out rolls over.
            EpochRecord storage previous = _epochs[epoch - 1];
            pool += uint256(previous.perItem) * previous.items - previous.claimed;
        }
        uint256 items = _countItemsDeclaredBefore(_genesis + (epoch + 1) * _epochLength);
        uint256 perItem = items == 0 ? 0 : pool / items;
        // On purpose: what the rounding leaves over.
        // slither-disable-next-line divide-before-multiply
        uint256 carried = pool - perItem * items;
        record.pool = uint128(pool);
        record.items = uint64(items);
        record.perItem = uint128(perItem);
        record.finalized = true;
        _carriedOver = carried;
        _nextToFinalize = epoch + 1;
        emit EpochFinalized(epoch, pool, items, perItem, carried);
    }

    /// @inheritdoc ILevyFund
    function claim(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof) external returns (uint256 amount) {
        if (!_works.isRegistered(contentHash)) revert LevyWorkNotRegistered(contentHash);
        return _credit(datasetId, contentHash, proof, _works.workOf(contentHash).holder);
    }

    /// @inheritdoc ILevyFund
    function claimForCollectionMember(
        uint256 datasetId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint256 collectionId,
        bytes32[] calldata memberProof
    ) external returns (uint256 amount) {
        address holder = _collections.holderOfMember(collectionId, contentHash, memberProof);
        if (holder == address(0) || _works.isRegistered(contentHash)) revert LevyWorkNotRegistered(contentHash);
        return _credit(datasetId, contentHash, proof, holder);
    }

    function _credit(uint256 datasetId, bytes32 contentHash, bytes32[] calldata proof, address holder)
        private
        returns (uint256 amount)
    {
        DatasetRecord memory dataset = _datasets.datasetOf(datasetId);
        uint256 epoch = epochAt(dataset.declaredAt);
        // The window is open from the epoch's finalization until the next epoch's.
        if (epoch + 1 != _nextToFinalize) revert LevyClaimWindowClosed(datasetId, epoch);
        if (_claimed[datasetId][contentHash]) revert LevyAlreadyClaimed(datasetId, contentHash);
        if (!_datasets.verifyInclusion(datasetId, contentHash, proof)) revert LevyInvalidProof(datasetId, contentHash);
        EpochRecord storage record = _epochs[epoch];
        amount = record.perItem;
        // A declarer may under-count its dataset; claims never reach into other epochs' money.
        if (record.claimed + amount > uint256(record.perItem) * record.items) revert LevyEpochExhausted(epoch);
        _claimed[datasetId][contentHash] = true;
        record.claimed += uint128(amount);
        _balances[holder] += amount;
        _credited += amount;
        emit LevyClaimed(epoch, datasetId, contentHash, holder, amount);
    }

    /// @inheritdoc ILevyFund
    function withdraw() external returns (uint256 amount) {
        address account = _msgSender();
        amount = _balances[account];
        if (amount == 0) revert LevyNothingToWithdraw(account);
        _balances[account] = 0;
        _credited -= amount;
        emit Withdrawn(account, amount);
        // A pull payment to the claimant; balance zeroed first.
        // slither-disable-next-line low-level-calls
        (bool sent,) = payable(account).call{value: amount}("");
        if (!sent) revert LevyWithdrawalFailed(account, amount);
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

    function _countItemsDeclaredBefore(uint256 end) private returns (uint256 items) {
        uint256 next = _nextDatasetToCount;
        uint256 count = _datasets.datasetCount();
        while (next <= count) {
            DatasetRecord memory dataset = _datasets.datasetOf(next);
            if (dataset.declaredAt >= end) break;
            items += dataset.itemCount;
            ++next;
        }
        _nextDatasetToCount = next;
    }
}
