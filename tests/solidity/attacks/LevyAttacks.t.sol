// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CollectionAttackBase} from "./CollectionAttackBase.t.sol";
import {TestTree} from "../Datasets.t.sol";
import {DatasetRegistry} from "../../../contracts/registries/DatasetRegistry.sol";
import {CollectionRegistry} from "../../../contracts/registries/CollectionRegistry.sol";
import {LevyFund} from "../../../contracts/modules/levy/LevyFund.sol";
import {ILevyFund} from "../../../contracts/interfaces/modules/levy/ILevyFund.sol";
import {
    USE_AI_TRAINING, STATUS_VERIFIED, STATUS_DISPUTED, MODE_ALLOW
} from "../../../contracts/libraries/RightsTypes.sol";

/// @dev A holder's contract wallet that cannot receive ether.
contract NoReceiveWallet {
    function withdrawTo(LevyFund fund, address payable to) external returns (uint256) {
        return fund.withdraw(to);
    }
}

/// @dev The levy attacks of issue 12, as an attacker (eve) would run them. Each failed on the
/// code before the fix (the attack succeeded); each passes now.
contract LevyAttacksTest is CollectionAttackBase {
    /// Finding 1: eve registers a collection with a declared dataset's root (after its declaration,
    /// even after finalize) and claims the levy of every unregistered work in it.
    function test_attack_copiedRootCollectionCannotClaimLevy() public {
        bytes32[] memory values = _hashes(4, 1);
        bytes32[] memory tree = TestTree.build(values);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 4);
        _admit(id);
        _contribute(400);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        vm.prank(eve);
        uint256 collectionId = collections.registerCollection(tree[0], 4, eve, 0, "");
        bytes32[] memory proof = TestTree.proof(tree, values[0]);
        // Unverified: a root proves nothing about who holds the works.
        vm.expectRevert(
            abi.encodeWithSelector(ILevyFund.LevyCollectionNotVerified.selector, collectionId, uint8(0))
        );
        fund.claimForCollectionMember(id, values[0], proof, collectionId, proof);
        // Even verified (a registrar misled), a collection registered after the declaration is not paid.
        vm.prank(admin);
        collections.markCollectionStatus(collectionId, STATUS_VERIFIED, "ipfs://mistake");
        vm.expectRevert(
            abi.encodeWithSelector(
                ILevyFund.LevyRegisteredAfterDeclaration.selector, values[0], T0 + EPOCH, T0 + 10
            )
        );
        fund.claimForCollectionMember(id, values[0], proof, collectionId, proof);
        assertEq(fund.balanceOf(eve), 0, "eve got nothing");
    }

    /// The honest counterpart: an archive's verified collection, registered before the dataset, is paid.
    function test_verified_collection_registered_before_the_declaration_is_paid() public {
        bytes32[] memory values = _hashes(4, 11);
        bytes32[] memory tree = TestTree.build(values);
        vm.prank(alice);
        uint256 collectionId = collections.registerCollection(tree[0], 4, alice, 0, "");
        vm.prank(admin);
        collections.markCollectionStatus(collectionId, STATUS_VERIFIED, "ipfs://deed");
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 4);
        _admit(id);
        _contribute(400);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        bytes32[] memory proof = TestTree.proof(tree, values[2]);
        assertEq(fund.claimForCollectionMember(id, values[2], proof, collectionId, proof), 100, "one share");
        assertEq(fund.balanceOf(alice), 100, "credited to the archive");
    }

    /// Finding 2: eve declares her two works as a dataset of one item and, claiming first, takes the
    /// share of the honest dataset of the same epoch; alice's claim then fails.
    function test_attack_undercountedDatasetCannotTakeOtherDatasetsShares() public {
        bytes32[] memory honest = _hashes(2, 2);
        _register(alice, honest[0], 0);
        _register(alice, honest[1], 0);
        bytes32[] memory own = _hashes(2, 3);
        _register(eve, own[0], 0);
        _register(eve, own[1], 0);
        vm.warp(T0 + 10);
        uint256 honestId = _declare(trainer, honest, 2);
        uint256 eveId = _declare(eve, own, 1);
        _admit(honestId);
        _admit(eveId);
        _contribute(300);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        bytes32[] memory eveTree = TestTree.build(own);
        fund.claim(eveId, own[0], TestTree.proof(eveTree, own[0]));
        bytes32[] memory proof = TestTree.proof(eveTree, own[1]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyDatasetExhausted.selector, eveId, 1));
        fund.claim(eveId, own[1], proof);
        bytes32[] memory honestTree = TestTree.build(honest);
        fund.claim(honestId, honest[0], TestTree.proof(honestTree, honest[0]));
        fund.claim(honestId, honest[1], TestTree.proof(honestTree, honest[1]));
        assertEq(fund.balanceOf(alice), 200, "alice paid both shares");
        assertEq(fund.balanceOf(eve), 100, "eve paid only the share she counted");
    }

    /// Finding 2 (Sybil): an honest count of eve's own works does not let her share a levy that no
    /// registrar admitted her dataset to.
    function test_attack_sybilDatasetOfOwnWorksCannotShareTheLevy() public {
        bytes32[] memory own = _hashes(50, 4);
        vm.prank(eve);
        works.registerBatch(own, eve, 0, "");
        vm.warp(T0 + 10);
        uint256 eveId = _declare(eve, own, 50);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyUnauthorized.selector, eve));
        fund.admitDataset(eveId);
        _contribute(1000);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        bytes32[] memory proof = TestTree.proof(TestTree.build(own), own[0]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyDatasetNotAdmitted.selector, eveId));
        fund.claim(eveId, own[0], proof);
    }

    /// A squatter registering a work after the declaration is not paid either.
    function test_attack_workRegisteredAfterTheDeclarationCannotClaimLevy() public {
        bytes32[] memory values = _hashes(2, 6);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 2);
        _admit(id);
        _contribute(200);
        vm.warp(T0 + 20);
        _register(eve, values[0], 0);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ILevyFund.LevyRegisteredAfterDeclaration.selector, values[0], T0 + 20, T0 + 10)
        );
        fund.claim(id, values[0], proof);
    }

    /// A disputed work is not paid while the dispute stands.
    function test_attack_disputedWorkCannotClaimLevy() public {
        bytes32[] memory values = _hashes(1, 7);
        _register(eve, values[0], 0);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 1);
        _admit(id);
        vm.prank(admin);
        works.markStatus(values[0], STATUS_DISPUTED, "ipfs://complaint");
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyWorkDisputed.selector, values[0]));
        fund.claim(id, values[0], proof);
    }

    /// Finding 3: finalize walked every dataset of the epoch; now it costs the same for 1 and 5,000.
    function test_attack_manyDeclarationsCannotLockFinalize() public {
        uint256 one = _finalizeGasWith(1);
        uint256 many = _finalizeGasWith(5_000);
        emit log_named_uint("finalize gas, 1 admitted dataset", one);
        emit log_named_uint("finalize gas, 5000 admitted datasets", many);
        assertLe(many * 100, one * 110, "5,000 datasets cost at most 10 % more than 1");
        assertLe(one * 100, many * 110, "and at most 10 % less");
        assertLe(many, 100_000, "far below a block");
    }

    event log_named_uint(string key, uint256 val);

    function _finalizeGasWith(uint256 n) internal returns (uint256 used) {
        uint256 snapshot = vm.snapshotState();
        bytes32[] memory values = _hashes(1, 8);
        bytes32 root = TestTree.build(values)[0];
        vm.warp(T0 + 10);
        vm.startPrank(admin);
        for (uint256 i; i < n; ++i) {
            fund.admitDataset(datasets.declare(root, 1, USE_AI_TRAINING, ""));
        }
        vm.stopPrank();
        _contribute(1 ether);
        vm.warp(T0 + EPOCH);
        uint256 before = gasleft();
        fund.finalize(0);
        used = before - gasleft();
        vm.revertToState(snapshot);
    }

    /// Finding 3 (truncation): `uint64(items)` wrapped silently; an epoch's item total that does not
    /// fit its field now reverts. The total is set near its limit in storage (slot of `_epochs[0]` + 1).
    function test_attack_itemTotalCannotWrapAround() public {
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(uint256(0), uint256(0)))) + 1);
        vm.store(address(fund), slot, bytes32(uint256(type(uint64).max - 1)));
        assertEq(uint256(fund.epochOf(0).items), type(uint64).max - 1, "the slot is the item total");
        vm.prank(trainer);
        uint256 id = datasets.declare(TestTree.build(_hashes(1, 9))[0], 2, USE_AI_TRAINING, "");
        vm.prank(admin);
        vm.expectRevert();
        fund.admitDataset(id);
        assertEq(uint256(fund.epochOf(0).items), type(uint64).max - 1, "unchanged");
    }

    /// Finding 7: finalization lags two epochs; finalize(0) then finalize(1) back to back gave
    /// epoch 0 a claim window of zero seconds.
    function test_attack_laggingFinalizationCannotCloseAClaimWindowAtOnce() public {
        bytes32[] memory values = _hashes(1, 5);
        _register(alice, values[0], 0);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 1);
        _admit(id);
        _contribute(100);
        vm.warp(T0 + 3 * EPOCH);
        fund.finalize(0);
        vm.expectRevert(
            abi.encodeWithSelector(ILevyFund.LevyClaimWindowStillOpen.selector, 0, T0 + 4 * EPOCH)
        );
        fund.finalize(1);
        vm.warp(T0 + 4 * EPOCH - 1);
        assertEq(fund.claim(id, values[0], TestTree.proof(TestTree.build(values), values[0])), 100, "paid late");
        vm.warp(T0 + 4 * EPOCH);
        fund.finalize(1);
    }

    /// Low: an epoch length of zero divided by zero in every epoch computation.
    function test_attack_zeroEpochLengthIsRefusedAtConstruction() public {
        vm.expectRevert(ILevyFund.LevyInvalidEpochLength.selector);
        new LevyFund(datasets, collections, 0, address(forwarder));
    }

    /// Low: a holder that is a contract which cannot receive ether withdraws to another address.
    function test_attack_contractHolderThatCannotReceiveEtherStillWithdraws() public {
        NoReceiveWallet wallet = new NoReceiveWallet();
        bytes32[] memory values = _hashes(1, 10);
        _register(address(wallet), values[0], 0);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 1);
        _admit(id);
        _contribute(100);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        fund.claim(id, values[0], TestTree.proof(TestTree.build(values), values[0]));
        address payable to = payable(address(0xBEEF));
        assertEq(wallet.withdrawTo(fund, to), 100, "withdrawn");
        assertEq(to.balance, 100, "paid to the address the holder chose");
    }

    /// Finding 6 (residual): eve registers a member of alice's verified collection individually, after
    /// the collection and before the declaration, and claimed its levy share first by the bare hash.
    function test_attack_squatter_claiming_a_members_levy_first_is_refused_in_the_members_phase() public {
        bytes32[] memory values = _hashes(2, 12);
        (uint256 collectionId, bytes32[] memory members) = _verifiedCollection(alice, values);
        vm.warp(T0 + 5);
        _register(eve, values[0], allowAll);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 2);
        _admit(id);
        _contribute(200);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        assertEq(fund.epochOf(0).individualClaimsFrom, T0 + EPOCH + EPOCH / 2, "members first for half an epoch");
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyMembersFirst.selector, 0, T0 + EPOCH + EPOCH / 2));
        fund.claim(id, values[0], proof);
        // The archive is paid first, whoever sends the claim.
        assertEq(fund.claimForCollectionMember(id, values[0], proof, collectionId, TestTree.proof(members, values[0])), 100, "a share");
        assertEq(fund.balanceOf(alice), 100, "the archive got the member's share");
        vm.warp(T0 + EPOCH + EPOCH / 2);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyAlreadyClaimed.selector, id, values[0]));
        fund.claim(id, values[0], proof);
        assertEq(fund.balanceOf(eve), 0, "eve got nothing");
    }

    /// A contested squatter cannot claim by the bare hash in the second phase either.
    function test_attack_contested_squatter_cannot_claim_by_the_bare_hash_after_the_members_phase() public {
        bytes32[] memory values = _hashes(2, 13);
        (uint256 collectionId, bytes32[] memory members) = _verifiedCollection(alice, values);
        vm.warp(T0 + 5);
        _register(eve, values[1], 0);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 2);
        _admit(id);
        _contribute(200);
        collections.contestMember(collectionId, values[1], TestTree.proof(members, values[1]));
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[1]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyWorkDisputed.selector, values[1]));
        fund.claim(id, values[1], proof);
        assertEq(fund.claimForCollectionMember(id, values[1], proof, collectionId, TestTree.proof(members, values[1])), 100, "a share");
        assertEq(fund.balanceOf(alice), 100, "the archive is paid");
    }

    /// A work registered individually before the collection is the individual holder's: nobody takes
    /// its share in the members' phase, and its holder claims it as soon as individual claims open.
    function test_work_registered_before_the_collection_is_paid_to_its_holder_in_the_second_phase() public {
        bytes32[] memory values = _hashes(2, 14);
        _register(bob, values[0], 0);
        vm.warp(T0 + 5);
        (uint256 collectionId, bytes32[] memory members) = _verifiedCollection(alice, values);
        vm.warp(T0 + 10);
        uint256 id = _declare(trainer, values, 2);
        _admit(id);
        _contribute(200);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        bytes32[] memory memberProof = TestTree.proof(members, values[0]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyWorkRegisteredIndividually.selector, values[0]));
        fund.claimForCollectionMember(id, values[0], proof, collectionId, memberProof);
        vm.warp(T0 + EPOCH + EPOCH / 2 - 1);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyMembersFirst.selector, 0, T0 + EPOCH + EPOCH / 2));
        fund.claim(id, values[0], proof);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        assertEq(fund.claim(id, values[0], proof), 100, "paid the second individual claims open");
        assertEq(fund.balanceOf(bob), 100, "to its own holder");
    }
}
