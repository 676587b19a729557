// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "../Base.t.sol";
import {TestTree} from "../Datasets.t.sol";
import {DatasetRegistry, ITEM_PROVEN, ITEM_VIOLATION, ITEM_PROVEN_WHILE_DISPUTED} from "../../../contracts/registries/DatasetRegistry.sol";
import {CollectionRegistry} from "../../../contracts/registries/CollectionRegistry.sol";
import {IWorkRegistry} from "../../../contracts/interfaces/registries/IWorkRegistry.sol";
import {IDatasetRegistry} from "../../../contracts/interfaces/registries/IDatasetRegistry.sol";
import {ICollectionRegistry} from "../../../contracts/interfaces/registries/ICollectionRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import "../../../contracts/libraries/RightsTypes.sol";

/// @dev Squatting on collections, holder correction, and proofs made while a work was disputed.
contract RegistryAttacksTest is BaseTest {
    CollectionRegistry internal collections;
    DatasetRegistry internal datasets;
    uint32 internal allowAll;
    address internal archive = address(0xA5C);

    function setUp() public override {
        super.setUp();
        vm.warp(1_000_000);
        collections = new CollectionRegistry(works, address(forwarder));
        datasets = new DatasetRegistry(address(works), address(forwarder));
        allowAll = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(MODE_ALLOW), 0));
    }

    /// Finding 6: eve registers one work of an archive's collection individually, with terms that
    /// allow what the archive denies; her record overrode the collection's deny.
    function test_attack_laterIndividualRegistrationCannotOverrideCollectionTerms() public {
        bytes32[] memory values = _hashes(4, 1);
        bytes32[] memory tree = TestTree.build(values);
        vm.prank(archive);
        uint256 id = collections.registerCollection(tree[0], 4, archive, 0, "ipfs://archive");
        vm.warp(1_000_100);
        _register(eve, values[0], allowAll);
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        (bool allowed, uint8 reason) = collections.checkMember(id, values[0], proof, USE_AI_TRAINING, address(0), 0);
        assertFalse(allowed, "the archive's deny stands");
        assertEq(reason, REASON_DENIED, "the collection answers");
        bytes32[] memory one = new bytes32[](1);
        one[0] = values[0];
        uint8[] memory lengths = new uint8[](1);
        lengths[0] = uint8(proof.length);
        bytes memory reasons = collections.checkMembers(id, one, proof, lengths, USE_AI_TRAINING, address(0), 0);
        assertEq(uint8(reasons[0]), REASON_DENIED, "the batch check too");
    }

    function test_earlier_individual_registration_and_the_holders_own_answer_for_themselves() public {
        bytes32[] memory values = _hashes(4, 2);
        bytes32[] memory tree = TestTree.build(values);
        _register(alice, values[0], allowAll); // before the collection: alice's own claim
        vm.warp(1_000_100);
        vm.prank(archive);
        uint256 id = collections.registerCollection(tree[0], 4, archive, 0, "");
        vm.warp(1_000_200);
        _register(archive, values[1], allowAll); // the archive refines one work's terms
        (, uint8 first) = collections.checkMember(id, values[0], TestTree.proof(tree, values[0]), USE_AI_TRAINING, address(0), 0);
        (, uint8 second) = collections.checkMember(id, values[1], TestTree.proof(tree, values[1]), USE_AI_TRAINING, address(0), 0);
        assertEq(first, REASON_ALLOWED_BY_TERMS, "the earlier individual registration answers");
        assertEq(second, REASON_ALLOWED_BY_TERMS, "the collection holder's own registration answers");
    }

    /// Finding 6: a disputed work was frozen for good; a registrar now corrects its holder, with evidence.
    function test_attack_squattedWorkIsCorrectedToItsHolderByARegistrar() public {
        bytes32 work = keccak256("a painting");
        _register(eve, work, allowAll);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotDisputed.selector, work));
        works.correctHolder(work, alice, "ipfs://evidence");
        vm.prank(admin);
        works.markStatus(work, STATUS_DISPUTED, "ipfs://complaint");
        bytes32 role = works.REGISTRAR_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        works.correctHolder(work, eve, "");
        vm.expectEmit(true, true, true, true);
        emit IWorkRegistry.HolderCorrected(work, eve, alice, admin, "ipfs://evidence");
        vm.prank(admin);
        works.correctHolder(work, alice, "ipfs://evidence");
        assertEq(works.ownerOf(uint256(work)), alice, "alice holds it");
        assertEq(works.balanceOf(eve), 0, "eve's balance");
        assertEq(works.balanceOf(alice), 1, "alice's balance");
        (bool allowed, uint8 reason) = works.check(work, USE_AI_TRAINING, address(0), 0);
        assertFalse(allowed, "the squatter's allow is gone");
        assertEq(reason, REASON_DENIED, "deny until alice sets terms");
        assertEq(works.workOf(work).status, STATUS_VERIFIED, "settled");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, work, eve));
        works.setPolicy(work, allowAll);
        vm.prank(alice);
        works.setPolicy(work, allowAll);
    }

    function test_attack_squattedCollectionIsCorrectedToItsHolderByARegistrar() public {
        bytes32[] memory values = _hashes(2, 3);
        vm.prank(eve);
        uint256 id = collections.registerCollection(TestTree.build(values)[0], 2, eve, allowAll, "");
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ICollectionRegistry.CollectionNotDisputed.selector, id));
        collections.correctCollectionHolder(id, archive, "ipfs://deed");
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_DISPUTED, "ipfs://complaint");
        vm.prank(admin);
        collections.correctCollectionHolder(id, archive, "ipfs://deed");
        assertEq(collections.collectionOf(id).holder, archive, "the archive holds it");
        assertEq(collections.collectionOf(id).policyId, 0, "the squatter's terms are gone");
        assertEq(collections.collectionOf(id).status, STATUS_VERIFIED, "settled");
    }

    /// Low: a proof made while the work was briefly disputed recorded no violation and could not be redone.
    function test_attack_proofWhileDisputedCanBeRedoneAndRecordsTheViolation() public {
        bytes32[] memory values = _hashes(1, 4);
        _register(alice, values[0], 0); // every use denied
        vm.warp(1_000_010);
        address trainer = address(0x7A1);
        vm.prank(trainer);
        uint256 id = datasets.declare(TestTree.build(values)[0], 1, USE_AI_TRAINING, "");
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.prank(admin);
        works.markStatus(values[0], STATUS_DISPUTED, "");
        (bool violation, uint8 reason) = datasets.proveInclusion(id, values[0], proof);
        assertFalse(violation, "no terms counted while disputed");
        assertEq(reason, REASON_DISPUTED, "disputed");
        assertEq(datasets.itemFlags(id, values[0]), ITEM_PROVEN | ITEM_PROVEN_WHILE_DISPUTED, "may be redone");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetAlreadyProven.selector, id, values[0]));
        datasets.proveInclusion(id, values[0], proof);
        vm.prank(admin);
        works.markStatus(values[0], STATUS_VERIFIED, "");
        (violation, reason) = datasets.proveInclusion(id, values[0], proof);
        assertTrue(violation, "the violation is recorded once the dispute is settled");
        assertEq(reason, REASON_DENIED, "denied at declaration");
        assertEq(datasets.itemFlags(id, values[0]), ITEM_PROVEN | ITEM_VIOLATION, "proven, violation, final");
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetAlreadyProven.selector, id, values[0]));
        datasets.proveInclusion(id, values[0], proof);
    }
}
