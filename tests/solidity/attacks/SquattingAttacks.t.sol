// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CollectionAttackBase} from "./CollectionAttackBase.t.sol";
import {TestTree} from "../Datasets.t.sol";
import {CollectionRegistry} from "../../../contracts/registries/CollectionRegistry.sol";
import {IWorkRegistry} from "../../../contracts/interfaces/registries/IWorkRegistry.sol";
import {ICollectionRegistry} from "../../../contracts/interfaces/registries/ICollectionRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import "../../../contracts/libraries/RightsTypes.sol";

/// @dev Issue 12, finding 6 (residual): a squatter's later individual registration of a collection
/// member answered a check of the bare hash. Anyone now contests it with the member's proof.
contract SquattingAttacksTest is CollectionAttackBase {
    /// The archive's collection (every use denied), verified by a registrar.
    function _archiveCollection(bytes32[] memory values) internal returns (uint256 id, bytes32[] memory tree) {
        return _verifiedCollection(archive, values);
    }

    function test_attack_squatter_registering_a_collection_member_later_is_contested_and_bare_hash_check_denies()
        public
    {
        bytes32[] memory values = _hashes(4, 1);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        _register(eve, values[0], allowAll);
        (bool allowed,) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertTrue(allowed, "the attack: the bare hash followed the squatter");
        vm.expectEmit(true, true, true, true, address(works));
        emit IWorkRegistry.ContestedByCollection(values[0], id, bob);
        vm.prank(bob); // anyone
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
        uint8 reason;
        (allowed, reason) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertFalse(allowed, "the squatter's allow no longer answers");
        assertEq(reason, REASON_DISPUTED, "disputed");
        assertEq(works.workOf(values[0]).status, STATUS_DISPUTED, "the record is disputed");
        // A registrar settles it with the existing correction: the archive holds the work.
        vm.prank(admin);
        works.correctHolder(values[0], archive, "ipfs://deed");
        assertEq(works.ownerOf(uint256(values[0])), archive, "moved to the archive");
        (allowed, reason) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertFalse(allowed, "deny, as the archive's collection");
        assertEq(reason, REASON_DENIED, "denied by terms, no longer disputed");
    }

    function test_attack_copied_root_unverified_collection_cannot_contest_a_real_creators_registration() public {
        bytes32[] memory values = _hashes(2, 2);
        bytes32[] memory tree = TestTree.build(values);
        vm.prank(eve); // eve registers a root over works she does not hold, before their creator does
        uint256 id = collections.registerCollection(tree[0], 2, eve, 0, "");
        vm.warp(T0 + 100);
        _register(alice, values[0], allowAll);
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ICollectionRegistry.CollectionNotVerified.selector, id, STATUS_UNVERIFIED));
        collections.contestMember(id, values[0], proof);
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_DISPUTED, "ipfs://complaint");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ICollectionRegistry.CollectionNotVerified.selector, id, STATUS_DISPUTED));
        collections.contestMember(id, values[0], proof);
        assertEq(works.workOf(values[0]).status, STATUS_UNVERIFIED, "alice's record untouched");
    }

    function test_collection_holders_own_later_registration_cannot_be_contested() public {
        bytes32[] memory values = _hashes(2, 3);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        _register(archive, values[1], allowAll); // the archive refines one work's terms
        bytes32[] memory proof = TestTree.proof(tree, values[1]);
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ICollectionRegistry.CollectionMemberRegisteredByCollectionHolder.selector, id, values[1])
        );
        collections.contestMember(id, values[1], proof);
    }

    function test_earlier_individual_registration_cannot_be_contested() public {
        bytes32[] memory values = _hashes(2, 4);
        _register(alice, values[0], allowAll);
        vm.warp(T0 + 100);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollectionRegistry.CollectionMemberRegisteredBefore.selector, id, values[0], T0, T0 + 100
            )
        );
        collections.contestMember(id, values[0], proof);
        (bool allowed,) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertTrue(allowed, "alice's earlier record answers");
    }

    function test_registration_in_the_same_second_as_the_collection_is_contested() public {
        bytes32[] memory values = _hashes(2, 5);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        _register(eve, values[0], allowAll); // same timestamp: not strictly before, the collection wins
        vm.prank(bob);
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
        assertEq(works.workOf(values[0]).status, STATUS_DISPUTED, "disputed");
    }

    function test_contest_needs_a_member_proof_and_a_registration() public {
        bytes32[] memory values = _hashes(2, 6);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        bytes32 stranger = keccak256("not a member");
        _register(eve, stranger, allowAll);
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        vm.expectRevert(abi.encodeWithSelector(ICollectionRegistry.CollectionInvalidProof.selector, id, stranger));
        collections.contestMember(id, stranger, proof);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotRegistered.selector, values[0]));
        collections.contestMember(id, values[0], proof);
        vm.expectRevert(abi.encodeWithSelector(ICollectionRegistry.CollectionUnknown.selector, id + 1));
        collections.contestMember(id + 1, values[0], proof);
    }

    function test_attack_only_the_wired_collection_registry_can_dispute_a_work() public {
        bytes32 work = keccak256("a painting");
        _register(alice, work, allowAll);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotCollectionRegistry.selector, eve));
        works.contestByCollection(work, 1, eve);
        // Wired once: not even the admin rewires it to a contract that disputes anything.
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IWorkRegistry.WorkCollectionRegistryAlreadySet.selector, address(collections))
        );
        works.setCollectionRegistry(eve);
        bytes32 role = works.DEFAULT_ADMIN_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        works.setCollectionRegistry(eve);
        assertEq(works.collectionRegistry(), address(collections), "wired to the CollectionRegistry");
        assertEq(works.workOf(work).status, STATUS_UNVERIFIED, "untouched");
    }

    function test_a_disputed_or_registrar_settled_work_cannot_be_contested_again() public {
        bytes32[] memory values = _hashes(2, 7);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        _register(eve, values[0], allowAll);
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        collections.contestMember(id, values[0], proof);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotContestable.selector, values[0], STATUS_DISPUTED));
        collections.contestMember(id, values[0], proof);
        // The registrar finds for eve (a licence from the archive, say): the decision stands.
        vm.prank(admin);
        works.markStatus(values[0], STATUS_VERIFIED, "ipfs://licence-from-the-archive");
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotContestable.selector, values[0], STATUS_VERIFIED));
        collections.contestMember(id, values[0], proof);
    }
}
