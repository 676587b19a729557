// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {DatasetRegistry} from "../../contracts/registries/DatasetRegistry.sol";
import {CollectionRegistry} from "../../contracts/registries/CollectionRegistry.sol";
import {LevyFund} from "../../contracts/modules/levy/LevyFund.sol";
import {ILevyFund} from "../../contracts/interfaces/modules/levy/ILevyFund.sol";
import {IDatasetRegistry, DatasetRecord} from "../../contracts/interfaces/registries/IDatasetRegistry.sol";
import {ILicenceOracle} from "../../contracts/interfaces/modules/licensing/ILicenceOracle.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {
    Rule,
    MODE_ALLOW,
    MODE_LICENCE,
    USE_AI_TRAINING,
    REASON_ALLOWED_BY_TERMS,
    REASON_ALLOWED_BY_LICENCE,
    REASON_DENIED,
    REASON_LICENCE_REQUIRED,
    REASON_OPTED_OUT,
    REASON_UNREGISTERED
} from "../../contracts/libraries/RightsTypes.sol";

/// @dev A licence module that licenses one (work, licensee) during [from, until).
contract WindowLicences is ILicenceOracle {
    bytes32 public work;
    address public licensee;
    uint64 public from;
    uint64 public until;

    function grant(bytes32 work_, address licensee_, uint64 from_, uint64 until_) external {
        (work, licensee, from, until) = (work_, licensee_, from_, until_);
    }

    function isLicensed(bytes32 contentHash, uint8, address who, uint64 timestamp) external view returns (bool) {
        return contentHash == work && who == licensee && timestamp >= from && timestamp < until;
    }
}

/// @dev Builds StandardMerkleTree-shaped trees (sorted leaves, array layout) as the SDK does.
library TestTree {
    function leaf(bytes32 contentHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contentHash))));
    }

    function pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function build(bytes32[] memory values) internal pure returns (bytes32[] memory tree) {
        uint256 n = values.length;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            leaves[i] = leaf(values[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            bytes32 x = leaves[i];
            uint256 j = i;
            while (j > 0 && leaves[j - 1] > x) {
                leaves[j] = leaves[j - 1];
                --j;
            }
            leaves[j] = x;
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 k; k < n; ++k) {
            tree[tree.length - 1 - k] = leaves[k];
        }
        for (uint256 i = tree.length - n; i > 0; --i) {
            tree[i - 1] = pair(tree[2 * (i - 1) + 1], tree[2 * (i - 1) + 2]);
        }
    }

    function proof(bytes32[] memory tree, bytes32 contentHash) internal pure returns (bytes32[] memory out) {
        bytes32 target = leaf(contentHash);
        uint256 i = tree.length;
        while (i > 0 && tree[i - 1] != target) --i;
        require(i > 0, "not a leaf");
        i -= 1;
        uint256 depth;
        for (uint256 k = i; k > 0; k = (k - 1) / 2) ++depth;
        out = new bytes32[](depth);
        uint256 d;
        while (i > 0) {
            out[d++] = tree[i % 2 == 1 ? i + 1 : i - 1];
            i = (i - 1) / 2;
        }
    }
}

contract DatasetsTest is BaseTest {
    DatasetRegistry internal datasets;
    address internal trainer = address(0x7EA1);
    uint32 internal openTraining;
    uint32 internal paidTraining;

    function setUp() public override {
        super.setUp();
        datasets = new DatasetRegistry(address(works), address(forwarder));
        openTraining = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(MODE_ALLOW), 0));
        paidTraining = policies.registerPolicy(
            _policyWith(USE_AI_TRAINING, _licenceRule(1 ether), 0)
        );
        vm.warp(1_000_000);
    }

    function _licenceRule(uint96 fee) internal pure returns (Rule memory r) {
        r = _rule(MODE_LICENCE);
        r.fee = fee;
    }

    function _declare(bytes32[] memory values) internal returns (uint256 id, bytes32[] memory tree) {
        tree = TestTree.build(values);
        vm.prank(trainer);
        id = datasets.declare(tree[0], values.length, USE_AI_TRAINING, "ipfs://manifest");
    }

    function _prove(uint256 id, bytes32[] memory tree, bytes32 h) internal returns (bool violation, uint8 reason) {
        return datasets.proveInclusion(id, h, TestTree.proof(tree, h));
    }

    function testFuzz_every_leaf_of_a_sorted_pair_tree_verifies_with_MerkleProof(uint256 n, uint256 salt) public pure {
        n = bound(n, 1, 33);
        bytes32[] memory values = _hashes(n, salt);
        bytes32[] memory tree = TestTree.build(values);
        for (uint256 i; i < n; ++i) {
            bytes32[] memory p = TestTree.proof(tree, values[i]);
            assertTrue(MerkleProof.verify(p, tree[0], TestTree.leaf(values[i])), "leaf verifies");
            assertFalse(MerkleProof.verify(p, tree[0], TestTree.leaf(keccak256("outsider"))), "outsider fails");
        }
    }

    function test_declare_records_root_count_use_time_and_uri() public {
        (uint256 id, bytes32[] memory tree) = _declare(_hashes(5, 1));
        DatasetRecord memory record = datasets.datasetOf(id);
        assertEq(id, 1, "first id");
        assertEq(record.declarer, trainer, "declarer");
        assertEq(record.root, tree[0], "root");
        assertEq(uint256(record.itemCount), 5, "count");
        assertEq(uint256(record.declaredAt), block.timestamp, "time");
        assertEq(uint256(record.use), USE_AI_TRAINING, "use");
        vm.expectRevert(IDatasetRegistry.DatasetEmpty.selector);
        datasets.declare(bytes32(0), 1, USE_AI_TRAINING, "");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetUnknown.selector, 9));
        datasets.datasetOf(9);
    }

    function test_violation_is_judged_on_the_terms_in_force_at_declaration() public {
        bytes32[] memory values = _hashes(4, 2);
        _register(alice, values[0], 0); // denied
        _register(alice, values[1], paidTraining); // licence required
        _register(alice, values[2], openTraining); // allowed
        // Absolute times: via-IR may reuse an earlier read of block.timestamp across warps.
        vm.warp(1_000_010);
        (uint256 id, bytes32[] memory tree) = _declare(values);
        vm.warp(1_000_020);
        // Terms change afterwards, both ways: the judgement must not follow them.
        vm.startPrank(alice);
        works.setPolicy(values[0], openTraining);
        works.setPolicy(values[2], 0);
        works.setOptOut(values[2], uint8(1 << USE_AI_TRAINING));
        vm.stopPrank();

        (bool v0, uint8 r0) = _prove(id, tree, values[0]);
        (bool v1, uint8 r1) = _prove(id, tree, values[1]);
        (bool v2, uint8 r2) = _prove(id, tree, values[2]);
        (bool v3, uint8 r3) = _prove(id, tree, values[3]);
        assertTrue(v0 && r0 == REASON_DENIED, "denied then: violation");
        assertTrue(v1 && r1 == REASON_LICENCE_REQUIRED, "unlicensed then: violation");
        assertTrue(!v2 && r2 == REASON_ALLOWED_BY_TERMS, "allowed then: no violation");
        assertTrue(!v3 && r3 == REASON_UNREGISTERED, "unregistered: no violation");
        assertEq(uint256(datasets.itemFlags(id, values[0])), 3, "proven + violation");
        assertEq(uint256(datasets.itemFlags(id, values[2])), 1, "proven only");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetAlreadyProven.selector, id, values[0]));
        _prove(id, tree, values[0]);
    }

    function test_a_licence_valid_at_declaration_prevents_the_violation() public {
        WindowLicences licences = new WindowLicences();
        vm.prank(admin);
        works.setLicenceOracle(licences);
        bytes32[] memory values = _hashes(2, 3);
        _register(alice, values[0], paidTraining);
        _register(alice, values[1], paidTraining);
        uint64 t = uint64(block.timestamp);
        licences.grant(values[0], trainer, t, t + 100);
        (uint256 id, bytes32[] memory tree) = _declare(values);
        vm.warp(t + 1000); // the licence has ended since
        (bool v0, uint8 r0) = _prove(id, tree, values[0]);
        (bool v1,) = _prove(id, tree, values[1]);
        assertTrue(!v0 && r0 == REASON_ALLOWED_BY_LICENCE, "licensed then");
        assertTrue(v1, "the other was not licensed");
    }

    function test_checkAt_answers_with_the_terms_of_each_moment() public {
        bytes32 h = keccak256("work");
        _register(alice, h, openTraining);
        uint64 registered = uint64(block.timestamp);
        vm.warp(registered + 100);
        vm.prank(alice);
        works.setPolicy(h, paidTraining);
        vm.warp(registered + 200);
        vm.prank(alice);
        works.setOptOut(h, uint8(1 << USE_AI_TRAINING));
        vm.warp(registered + 300);
        (, uint8 before) = works.checkAt(h, USE_AI_TRAINING, address(0), registered - 1);
        (, uint8 first) = works.checkAt(h, USE_AI_TRAINING, address(0), registered + 99);
        (, uint8 second) = works.checkAt(h, USE_AI_TRAINING, address(0), registered + 100);
        (, uint8 third) = works.checkAt(h, USE_AI_TRAINING, address(0), registered + 250);
        (, uint8 current) = works.checkAt(h, USE_AI_TRAINING, address(0), 0);
        assertEq(uint256(before), REASON_UNREGISTERED, "before registration");
        assertEq(uint256(first), REASON_ALLOWED_BY_TERMS, "original terms");
        assertEq(uint256(second), REASON_LICENCE_REQUIRED, "new policy from its second");
        assertEq(uint256(third), REASON_OPTED_OUT, "opted out");
        assertEq(uint256(current), REASON_OPTED_OUT, "now");
        (bool registeredThen, uint32 policyThen, uint8 maskThen) = works.termsAt(h, registered + 150);
        assertTrue(registeredThen, "registered");
        assertEq(uint256(policyThen), paidTraining, "policy at 150");
        assertEq(uint256(maskThen), 0, "mask at 150");
    }

    function test_removal_needs_proof_holder_and_declarer() public {
        bytes32[] memory values = _hashes(2, 4);
        _register(alice, values[0], 0);
        (uint256 id, bytes32[] memory tree) = _declare(values);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotProven.selector, id, values[0]));
        datasets.requestRemoval(id, values[0], "");
        _prove(id, tree, values[0]);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotHolder.selector, values[0], eve));
        datasets.requestRemoval(id, values[0], "");
        vm.prank(alice);
        datasets.requestRemoval(id, values[0], "please remove");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotDeclarer.selector, id, eve));
        datasets.acknowledgeRemoval(id, values[0], "");
        vm.prank(trainer);
        datasets.acknowledgeRemoval(id, values[0], "removed");
        assertEq(uint256(datasets.itemFlags(id, values[0])), 1 | 2 | 4 | 8, "all flags");
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNoRemovalPending.selector, id, values[0]));
        datasets.acknowledgeRemoval(id, values[0], "");
    }
}

contract LevyFundTest is BaseTest {
    function test_an_undercounted_dataset_cannot_pay_out_more_than_its_count() public {
        vm.warp(1_000_000);
        DatasetRegistry datasets = new DatasetRegistry(address(works), address(forwarder));
        CollectionRegistry collections = new CollectionRegistry(works, address(forwarder));
        LevyFund fund = new LevyFund(datasets, collections, 1 days, address(forwarder));
        bytes32[] memory values = _hashes(2, 9);
        _register(alice, values[0], 0);
        _register(alice, values[1], 0);
        vm.warp(1_000_010);
        bytes32[] memory tree = TestTree.build(values);
        datasets.declare(tree[0], 1, USE_AI_TRAINING, ""); // two works, declared as one
        vm.prank(admin);
        fund.admitDataset(1);
        vm.deal(address(this), 10);
        fund.contribute{value: 10}();
        vm.warp(1_000_000 + 1 days);
        fund.finalize(0);
        vm.warp(1_000_000 + 1 days + 12 hours); // individual claims open after the members' half of the window
        assertEq(fund.claim(1, values[0], TestTree.proof(tree, values[0])), 10, "the one counted share");
        bytes32[] memory proof = TestTree.proof(tree, values[1]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyDatasetExhausted.selector, 1, 1));
        fund.claim(1, values[1], proof);
    }
}
