// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {CodeTrees, LeafTrees} from "./utils/CodeTrees.sol";
import {
    DatasetRegistry,
    ITEM_NEAR_COPY,
    ITEM_PROVEN_WHILE_DISPUTED
} from "../../contracts/registries/DatasetRegistry.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/registries/IDatasetRegistry.sol";
import {CodeProof} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {NO_CODE, HEADER_IMAGE_64, HEADER_TEXT_64} from "../../contracts/libraries/ContentCodes.sol";
import {
    MODE_ALLOW,
    USE_AI_TRAINING,
    REASON_DENIED,
    REASON_DISPUTED,
    REASON_ALLOWED_BY_TERMS,
    STATUS_DISPUTED,
    STATUS_VERIFIED
} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Near copies in declared datasets: a leaf commits to an item's code; the registry checks the
/// registered work's code by its proof and the distance by popcount, and records against the work.
contract NearCopyTest is BaseTest {
    DatasetRegistry internal datasets;
    address internal trainer = address(0x7EA1);

    bytes10 internal constant WORK_CODE = 0x2101f0e1d2c3b4a59687;
    bytes10 internal constant TEXT_CODE = 0x2001f0e1d2c3b4a59687;
    bytes32 internal constant WORK = keccak256("the registered photo");
    bytes32 internal constant ITEM = keccak256("the photo, resized and re-encoded");

    /// @dev The batch the work was registered in (work at position 2), for its code proof.
    bytes internal registeredCodes;
    bytes32[] internal registeredHashes;

    function setUp() public override {
        super.setUp();
        datasets = new DatasetRegistry(address(works), address(forwarder));
        vm.warp(1_000_000);
        registeredHashes = _hashes(40, 1);
        registeredHashes[2] = WORK;
        registeredCodes = CodeTrees.randomCodes(40, 1);
        bytes memory codes = registeredCodes;
        assembly {
            // Put WORK_CODE at position 2 (bytes 20-29 of the packed codes).
            let at := add(add(codes, 0x20), 20)
            mstore(at, or(WORK_CODE, and(mload(at), shr(80, not(0)))))
        }
        registeredCodes = codes;
        vm.prank(alice);
        works.registerBatchWithCodes(registeredHashes, registeredCodes, alice, 0, ""); // policy 0: training denied
        vm.warp(1_000_010);
    }

    function _codeProof(uint256 position) internal view returns (CodeProof memory) {
        return CodeTrees.proof(registeredCodes, position);
    }

    /// @dev A dataset of the item (with `itemCode`) and a few unrelated coded leaves.
    function _declare(bytes32 itemHash, bytes10 itemCode) internal returns (uint256 id, bytes32[] memory tree) {
        bytes32[] memory leaves = new bytes32[](5);
        leaves[0] = LeafTrees.codedLeaf(itemHash, itemCode);
        for (uint256 i = 1; i < 5; ++i) {
            leaves[i] = LeafTrees.codedLeaf(keccak256(abi.encode("other", i)), bytes10(uint80(0x2101) << 64 | uint80(i)));
        }
        tree = LeafTrees.build(leaves);
        vm.prank(trainer);
        id = datasets.declare(tree[0], 5, USE_AI_TRAINING, "ipfs://coded-manifest");
    }

    function _flip(bytes10 code, uint64 mask) internal pure returns (bytes10) {
        return code ^ bytes10(uint80(mask));
    }

    function _proveNear(uint256 id, bytes32[] memory tree, bytes10 itemCode, bytes32 workHash, bytes10 workCode, uint256 position)
        internal
        returns (bool, uint8, uint8)
    {
        bytes32[] memory itemProof = LeafTrees.proof(tree, LeafTrees.codedLeaf(ITEM, itemCode));
        return datasets.proveNearCopy(id, ITEM, itemCode, itemProof, workHash, workCode, _codeProof(position));
    }

    function test_near_copy_records_the_violation_against_the_registered_work() public {
        bytes10 itemCode = _flip(WORK_CODE, 0x8000_0000_0001_0105); // 5 bits
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, itemCode);
        vm.expectEmit(true, true, true, true);
        emit IDatasetRegistry.NearCopyProven(id, WORK, ITEM, itemCode, 5, address(this));
        (bool violation, uint8 reason, uint8 distance) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        assertTrue(violation, "the work's terms denied training");
        assertEq(reason, REASON_DENIED, "reason");
        assertEq(distance, 5, "distance");
        assertEq(datasets.itemFlags(id, WORK), 1 | 2 | ITEM_NEAR_COPY, "proven, violation, near copy: on the work");
        assertEq(datasets.itemFlags(id, ITEM), 0, "nothing on the item's own hash");
        vm.prank(alice);
        datasets.requestRemoval(id, WORK, "a copy of my photo");
        vm.prank(trainer);
        datasets.acknowledgeRemoval(id, WORK, "removed");
        assertEq(datasets.itemFlags(id, WORK), 1 | 2 | 4 | 8 | ITEM_NEAR_COPY, "removal against the work");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetAlreadyProven.selector, id, WORK));
        _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
    }

    function testFuzz_near_copy_within_threshold_only(uint64 mask) public {
        uint8 bits;
        for (uint64 v = mask; v != 0; v >>= 1) bits += uint8(v & 1);
        bytes10 itemCode = _flip(WORK_CODE, mask);
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, itemCode);
        if (bits > 12) {
            vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotNearCopy.selector, WORK, ITEM, bits, 12));
            _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
            assertEq(datasets.itemFlags(id, WORK), 0, "nothing recorded");
        } else {
            (,, uint8 distance) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
            assertEq(distance, bits, "distance is the popcount of the XOR");
            assertEq(datasets.itemFlags(id, WORK) & ITEM_NEAR_COPY, ITEM_NEAR_COPY, "near copy");
        }
    }

    function test_a_code_proof_of_another_work_is_refused() public {
        // Eve claims the item copies WORK, using the code and proof of another work (position 5).
        bytes10 otherCode = CodeTrees.codeAt(registeredCodes, 5);
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, otherCode);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidCodeProof.selector, WORK, otherCode));
        _proveNear(id, tree, otherCode, WORK, otherCode, 5);
        // Or claims WORK has the item's code, with WORK's own proof.
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidCodeProof.selector, WORK, otherCode));
        _proveNear(id, tree, otherCode, WORK, otherCode, 2);
    }

    function test_featureless_and_code_less_works_have_no_near_copies() public {
        // Position 6 of the batch is NO_CODE (a featureless image).
        bytes32 featureless = registeredHashes[6];
        assertEq(CodeTrees.codeAt(registeredCodes, 6), NO_CODE, "fixture");
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, NO_CODE);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNoCode.selector, ITEM));
        _proveNear(id, tree, NO_CODE, featureless, NO_CODE, 6);
        bytes10 itemCode = _flip(WORK_CODE, 1);
        (id, tree) = _declare(ITEM, itemCode);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNoCode.selector, featureless));
        _proveNear(id, tree, itemCode, featureless, NO_CODE, 6);
        // A work registered without codes: no code proof can exist.
        _register(bob, keccak256("plain"), 0);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidCodeProof.selector, keccak256("plain"), WORK_CODE));
        _proveNear(id, tree, itemCode, keccak256("plain"), WORK_CODE, 2);
    }

    function test_a_leaf_that_lies_about_its_code_escapes_without_the_file() public {
        // The dataset holds a near copy of WORK but its leaf claims a distant code: the contract
        // cannot see the file, so the true code does not match the leaf and the lie does not match WORK.
        bytes10 trueCode = _flip(WORK_CODE, 0x3);
        bytes10 lie = _flip(WORK_CODE, type(uint64).max);
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, lie);
        bytes32[] memory lieProof = LeafTrees.proof(tree, LeafTrees.codedLeaf(ITEM, lie));
        CodeProof memory codeProof = _codeProof(2);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidCodedProof.selector, id, ITEM, trueCode));
        datasets.proveNearCopy(id, ITEM, trueCode, lieProof, WORK, WORK_CODE, codeProof);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotNearCopy.selector, WORK, ITEM, uint8(64), uint8(12)));
        datasets.proveNearCopy(id, ITEM, lie, lieProof, WORK, WORK_CODE, codeProof);
    }

    function test_codes_of_different_kinds_are_not_compared() public {
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, TEXT_CODE);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetCodeTypeMismatch.selector, HEADER_TEXT_64, HEADER_IMAGE_64));
        _proveNear(id, tree, TEXT_CODE, WORK, WORK_CODE, 2);
    }

    function test_thresholds_are_the_registrars_per_code_kind() public {
        (bool accepted, uint8 maxDistance) = datasets.nearCopyThreshold(HEADER_IMAGE_64);
        assertTrue(accepted && maxDistance == 12, "image default");
        (accepted, maxDistance) = datasets.nearCopyThreshold(HEADER_TEXT_64);
        assertTrue(accepted && maxDistance == 12, "text default");
        (accepted,) = datasets.nearCopyThreshold(0x2201);
        assertFalse(accepted, "audio not accepted by default");

        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotRegistrar.selector, eve));
        datasets.setNearCopyThreshold(HEADER_IMAGE_64, true, 64);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidThreshold.selector, uint8(65)));
        datasets.setNearCopyThreshold(HEADER_IMAGE_64, true, 65);

        bytes10 itemCode = _flip(WORK_CODE, 0x1f); // 5 bits
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, itemCode);
        vm.prank(admin);
        datasets.setNearCopyThreshold(HEADER_IMAGE_64, true, 4);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNotNearCopy.selector, WORK, ITEM, uint8(5), uint8(4)));
        _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        vm.prank(admin);
        datasets.setNearCopyThreshold(HEADER_IMAGE_64, false, 0);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetNearCopyNotAccepted.selector, HEADER_IMAGE_64));
        _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        vm.prank(admin);
        datasets.setNearCopyThreshold(HEADER_IMAGE_64, true, 5);
        (,, uint8 distance) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        assertEq(distance, 5, "accepted at the new threshold");
    }

    function test_coded_leaves_prove_exact_inclusion_and_plain_leaves_stay_valid() public {
        uint32 open = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(MODE_ALLOW), 0));
        vm.prank(alice);
        works.setPolicy(registeredHashes[7], open);
        vm.warp(1_000_020);
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = LeafTrees.codedLeaf(WORK, WORK_CODE);
        leaves[1] = LeafTrees.codedLeaf(registeredHashes[7], CodeTrees.codeAt(registeredCodes, 7));
        leaves[2] = LeafTrees.plainLeaf(registeredHashes[8]); // an item whose leaf has no code (old encoding)
        bytes32[] memory tree = LeafTrees.build(leaves);
        vm.prank(trainer);
        uint256 id = datasets.declare(tree[0], 3, USE_AI_TRAINING, "");
        (bool violation, uint8 reason) =
            datasets.proveCodedInclusion(id, WORK, WORK_CODE, LeafTrees.proof(tree, leaves[0]));
        assertTrue(violation && reason == REASON_DENIED, "exact copy of a denied work");
        assertEq(datasets.itemFlags(id, WORK) & ITEM_NEAR_COPY, 0, "exact, not near");
        (violation, reason) = datasets.proveCodedInclusion(
            id, registeredHashes[7], CodeTrees.codeAt(registeredCodes, 7), LeafTrees.proof(tree, leaves[1])
        );
        assertTrue(!violation && reason == REASON_ALLOWED_BY_TERMS, "allowed then");
        (violation,) = datasets.proveInclusion(id, registeredHashes[8], LeafTrees.proof(tree, leaves[2]));
        assertTrue(violation, "a sha256-only leaf proves as before");
        // A coded leaf is not a plain leaf, nor the other way round.
        bytes32[] memory codedProof = LeafTrees.proof(tree, leaves[0]);
        assertFalse(datasets.verifyInclusion(id, WORK, codedProof), "coded leaf is no plain leaf");
        bytes32[] memory plainProof = LeafTrees.proof(tree, leaves[2]);
        vm.expectRevert(
            abi.encodeWithSelector(IDatasetRegistry.DatasetInvalidCodedProof.selector, id, registeredHashes[8], NO_CODE)
        );
        datasets.proveCodedInclusion(id, registeredHashes[8], NO_CODE, plainProof);
    }

    function test_the_code_survives_transfer_and_dispute_for_near_copy_proofs() public {
        vm.prank(alice);
        works.transferFrom(alice, bob, uint256(WORK));
        bytes10 itemCode = _flip(WORK_CODE, 0x0101);
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, itemCode);
        (,, uint8 distance) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        assertEq(distance, 2, "still verified after the transfer");
        vm.prank(bob);
        datasets.requestRemoval(id, WORK, "the new holder asks");
        assertEq(datasets.itemFlags(id, WORK) & 4, 4, "removal requested by the new holder");
    }

    function test_a_near_copy_proven_while_the_work_was_disputed_is_proven_again_after() public {
        bytes10 itemCode = _flip(WORK_CODE, 0x11);
        (uint256 id, bytes32[] memory tree) = _declare(ITEM, itemCode);
        vm.prank(admin);
        works.markStatus(WORK, STATUS_DISPUTED, "ipfs://who-made-it");
        (bool violation, uint8 reason,) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        assertTrue(!violation && reason == REASON_DISPUTED, "no holder's terms counted while disputed");
        assertEq(datasets.itemFlags(id, WORK), 1 | ITEM_PROVEN_WHILE_DISPUTED | ITEM_NEAR_COPY, "flags");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetAlreadyProven.selector, id, WORK));
        _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        vm.prank(admin);
        works.markStatus(WORK, STATUS_VERIFIED, "");
        (violation, reason,) = _proveNear(id, tree, itemCode, WORK, WORK_CODE, 2);
        assertTrue(violation && reason == REASON_DENIED, "judged on the terms once the dispute is settled");
        assertEq(datasets.itemFlags(id, WORK), 1 | 2 | ITEM_NEAR_COPY, "the disputed mark is gone");
    }
}
