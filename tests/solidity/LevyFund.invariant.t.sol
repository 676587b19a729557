// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {BaseTest} from "./Base.t.sol";
import {TestTree} from "./Datasets.t.sol";
import {DatasetRegistry} from "../../contracts/registries/DatasetRegistry.sol";
import {LevyFund} from "../../contracts/modules/levy/LevyFund.sol";
import {CollectionRegistry} from "../../contracts/registries/CollectionRegistry.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {USE_AI_TRAINING} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Random trainers contribute and declare, time passes, epochs are finalized, holders claim
/// and withdraw. Ghosts count every wei in and out.
contract LevyHandler is Test {
    LevyFund internal fund;
    DatasetRegistry internal datasets;
    WorkRegistry internal works;
    uint256 internal epochLength;
    uint256 internal now_;
    address[3] internal holders = [address(0xA11CE), address(0xB0B), address(0xCAFE)];

    mapping(uint256 datasetId => bytes32[]) internal _values;
    uint256 public datasetCount;
    uint256 public ghostIn;
    uint256 public ghostOut;
    uint256 public claims;

    constructor(LevyFund fund_, DatasetRegistry datasets_, WorkRegistry works_, uint256 epochLength_) {
        fund = fund_;
        datasets = datasets_;
        works = works_;
        epochLength = epochLength_;
        now_ = block.timestamp;
    }

    function contribute(uint256 amount) external {
        amount = bound(amount, 1, 1_000 ether);
        vm.deal(address(this), amount);
        fund.contribute{value: amount}();
        ghostIn += amount;
    }

    function declare(uint256 n, uint256 salt, uint256 holderSeed) external {
        n = bound(n, 1, 6);
        bytes32[] memory values = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            values[i] = keccak256(abi.encode("levy", salt, i));
            // Most works registered, some not (their share goes unclaimed and rolls over).
            if ((salt >> i) % 4 != 0 && !works.isRegistered(values[i])) {
                address holder = holders[(holderSeed + i) % 3];
                vm.prank(holder);
                works.register(values[i], holder, 0, "");
            }
        }
        bytes32[] memory tree = TestTree.build(values);
        uint256 id = datasets.declare(tree[0], n, USE_AI_TRAINING, "");
        _values[id] = values;
        datasetCount = id;
    }

    function warp(uint256 seconds_) external {
        now_ += bound(seconds_, 1, 2 * epochLength);
        vm.warp(now_);
    }

    function finalizeNext(uint256 epoch) external {
        epoch = bound(epoch, 0, fund.currentEpoch());
        try fund.finalize(epoch) {} catch {}
    }

    function claim(uint256 datasetSeed, uint256 itemSeed) external {
        if (datasetCount == 0) return;
        uint256 id = bound(datasetSeed, 1, datasetCount);
        bytes32[] memory values = _values[id];
        bytes32 h = values[itemSeed % values.length];
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), h);
        try fund.claim(id, h, proof) {
            ++claims;
        } catch {}
    }

    function withdraw(uint256 holderSeed) external {
        address holder = holders[holderSeed % 3];
        uint256 before = holder.balance;
        vm.prank(holder);
        try fund.withdraw() returns (uint256 amount) {
            assertEq(holder.balance - before, amount, "paid what was credited");
            ghostOut += amount;
        } catch {}
    }

    receive() external payable {}
}

contract LevyFundInvariantTest is BaseTest {
    LevyHandler internal handler;
    LevyFund internal fund;
    uint256 internal constant EPOCH = 1 days;

    function setUp() public override {
        super.setUp();
        vm.warp(1_000_000);
        DatasetRegistry datasets = new DatasetRegistry(address(works), address(forwarder));
        CollectionRegistry collections = new CollectionRegistry(works, address(forwarder));
        fund = new LevyFund(datasets, collections, EPOCH, address(forwarder));
        handler = new LevyHandler(fund, datasets, works, EPOCH);
        targetContract(address(handler));
    }

    function invariant_balance_is_exactly_the_sum_of_the_books() public view {
        (uint256 credited, uint256 claimable, uint256 carried, uint256 pending) = fund.accounts();
        assertEq(address(fund).balance, credited + claimable + carried + pending, "books balance");
        assertEq(address(fund).balance + handler.ghostOut(), handler.ghostIn(), "no wei created or lost");
    }
}
