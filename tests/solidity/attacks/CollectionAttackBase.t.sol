// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "../Base.t.sol";
import {TestTree} from "../Datasets.t.sol";
import {DatasetRegistry} from "../../../contracts/registries/DatasetRegistry.sol";
import {CollectionRegistry} from "../../../contracts/registries/CollectionRegistry.sol";
import {LevyFund} from "../../../contracts/modules/levy/LevyFund.sol";
import {USE_AI_TRAINING, STATUS_VERIFIED, MODE_ALLOW} from "../../../contracts/libraries/RightsTypes.sol";

/// @dev What the collection, contest and levy attack tests share: a dataset registry, a collection
/// registry wired into the work registry, a levy fund, an allow-all policy, and the steps of a
/// verified collection and of a declared, admitted and funded dataset.
abstract contract CollectionAttackBase is BaseTest {
    uint256 internal constant EPOCH = 1 days;
    uint256 internal constant T0 = 1_000_000;
    DatasetRegistry internal datasets;
    CollectionRegistry internal collections;
    LevyFund internal fund;
    uint32 internal allowAll;
    address internal archive = address(0xA5C);
    address internal trainer = address(0x7A1);

    function setUp() public virtual override {
        super.setUp();
        vm.warp(T0);
        datasets = new DatasetRegistry(address(works), address(forwarder));
        collections = new CollectionRegistry(works, address(forwarder));
        fund = new LevyFund(datasets, collections, EPOCH, address(forwarder));
        vm.prank(admin);
        works.setCollectionRegistry(address(collections));
        allowAll = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(MODE_ALLOW), 0));
    }

    /// `holder`'s collection of `values` (every use denied), registered now and verified by a registrar.
    function _verifiedCollection(address holder, bytes32[] memory values)
        internal
        returns (uint256 id, bytes32[] memory tree)
    {
        tree = TestTree.build(values);
        vm.prank(holder);
        id = collections.registerCollection(tree[0], values.length, holder, 0, "ipfs://archive");
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_VERIFIED, "ipfs://deed");
    }

    function _declare(address declarer, bytes32[] memory values, uint256 count) internal returns (uint256 id) {
        vm.prank(declarer);
        id = datasets.declare(TestTree.build(values)[0], count, USE_AI_TRAINING, "");
    }

    function _admit(uint256 id) internal {
        vm.prank(admin);
        fund.admitDataset(id);
    }

    function _contribute(uint256 amount) internal {
        vm.deal(trainer, amount);
        vm.prank(trainer);
        fund.contribute{value: amount}();
    }
}
