// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CollectionAttackBase} from "./CollectionAttackBase.t.sol";
import {TestTree} from "../Datasets.t.sol";
import {DatasetRegistry} from "../../../contracts/registries/DatasetRegistry.sol";
import {CollectionRegistry} from "../../../contracts/registries/CollectionRegistry.sol";
import {LevyFund} from "../../../contracts/modules/levy/LevyFund.sol";
import {ILevyFund, EpochRecord} from "../../../contracts/interfaces/modules/levy/ILevyFund.sol";
import {IWorkRegistry} from "../../../contracts/interfaces/registries/IWorkRegistry.sol";
import {ICollectionRegistry} from "../../../contracts/interfaces/registries/ICollectionRegistry.sol";
import "../../../contracts/libraries/RightsTypes.sol";

/// @dev A holder's wallet that re-enters the fund when paid.
contract ReentrantWallet {
    LevyFund internal immutable _fund;
    uint256 public reentered;
    bytes public reentryError;

    constructor(LevyFund fund) {
        _fund = fund;
    }

    function withdraw() external returns (uint256) {
        return _fund.withdraw(payable(address(this)));
    }

    receive() external payable {
        if (reentered == 0) {
            reentered = 1;
            try _fund.withdraw(payable(address(this))) {
                reentered = 2; // paid twice: the attack worked
            } catch (bytes memory reason) {
                reentryError = reason;
            }
        }
    }
}

/// @dev Review 2 of the contest (CollectionRegistry.contestMember) and the levy's members-first
/// phase, as an attacker (eve) would run them: griefing honest holders, overriding an archive's
/// terms, the claim windows' edges. Tests named test_attack_* failed before their fix, or hold.
contract ContestAttacksTest is CollectionAttackBase {
    address internal carol = address(0xCA201);

    /// The archive's collection (every use denied), verified by a registrar.
    function _archiveCollection(bytes32[] memory values) internal returns (uint256 id, bytes32[] memory tree) {
        return _verifiedCollection(archive, values);
    }

    /// A dataset of `values`, admitted, with 100 wei per item, finalized (epoch 0).
    function _paidDataset(bytes32[] memory values) internal returns (uint256 id) {
        id = _declare(trainer, values, values.length);
        _admit(id);
        _contribute(100 * values.length);
        vm.warp(T0 + EPOCH);
        fund.finalize(0);
    }

    function _memberCheck(uint256 id, bytes32[] memory tree, bytes32 work) internal view returns (bool, uint8) {
        return collections.checkMember(id, work, TestTree.proof(tree, work), USE_AI_TRAINING, address(0), 0);
    }

    // ------------------------------------------------------------ precedence and contest

    /// Eve, a trainer, registers a member of the archive's collection *to the archive* (anyone may
    /// name any holder) with terms that allow training: the holder check made her registration the
    /// archive's own refinement, so her terms overrode the collection's and nobody could contest it.
    function test_attack_gift_registration_to_the_archive_with_allow_all_terms_overrides_its_collection() public {
        bytes32[] memory values = _hashes(3, 21);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        vm.prank(eve);
        works.register(values[0], archive, allowAll, "");
        (bool allowed, uint8 reason) = _memberCheck(id, tree, values[0]);
        assertFalse(allowed, "the collection's deny still answers for its member");
        assertEq(reason, REASON_DENIED, "denied by the collection's terms");
        // And it can be contested: the registration is eve's, not the archive's.
        vm.prank(bob);
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
        (allowed, reason) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertFalse(allowed, "the bare hash no longer follows eve's terms");
        assertEq(reason, REASON_DISPUTED, "disputed");
    }

    /// The same through a transfer: eve squats a member, then hands the token to the archive.
    function test_attack_squatter_transferring_to_the_archive_keeps_her_terms_over_the_collection() public {
        bytes32[] memory values = _hashes(2, 22);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 100);
        _register(eve, values[1], allowAll);
        vm.prank(eve);
        works.transferFrom(eve, archive, uint256(values[1]));
        (bool allowed,) = _memberCheck(id, tree, values[1]);
        assertFalse(allowed, "the collection answers, not eve's terms carried by the token");
        vm.prank(bob);
        collections.contestMember(id, values[1], TestTree.proof(tree, values[1]));
        assertEq(works.workOf(values[1]).status, STATUS_DISPUTED, "contestable");
    }

    /// An archive's staff key, approved as the archive's operator, registers a member for it: that is
    /// the archive's own registration (not contestable, its terms answer), as when the archive sends it.
    function test_attack_archive_operator_registering_for_the_archive_is_not_contested() public {
        bytes32[] memory values = _hashes(2, 29);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        address staff = address(0x57AFF);
        vm.prank(archive);
        works.setApprovalForAll(staff, true);
        vm.warp(T0 + 5);
        vm.prank(staff);
        works.register(values[0], archive, allowAll, "");
        (bool allowed,) = _memberCheck(id, tree, values[0]);
        assertTrue(allowed, "the archive's refinement answers");
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollectionRegistry.CollectionMemberRegisteredByCollectionHolder.selector, id, values[0]
            )
        );
        vm.prank(eve);
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
    }

    /// The archive registers one member on its own (refining its terms) and sells the token to bob:
    /// the holder check handed the work back to the collection, so anyone could dispute bob's
    /// purchase and the archive took its levy share in the members' phase.
    function test_attack_archive_sells_its_own_member_registration_and_the_buyer_is_contested_and_unpaid() public {
        bytes32[] memory values = _hashes(2, 23);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 5);
        vm.prank(archive);
        works.register(values[0], archive, allowAll, "");
        vm.prank(archive);
        works.transferFrom(archive, bob, uint256(values[0]));
        bytes32[] memory memberProof = TestTree.proof(tree, values[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollectionRegistry.CollectionMemberRegisteredByCollectionHolder.selector, id, values[0]
            )
        );
        vm.prank(eve);
        collections.contestMember(id, values[0], memberProof);
        (bool allowed,) = _memberCheck(id, tree, values[0]);
        assertTrue(allowed, "bob's record (the archive's refinement) answers");
        vm.warp(T0 + 10);
        uint256 dataset = _paidDataset(values);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyWorkRegisteredIndividually.selector, values[0]));
        fund.claimForCollectionMember(dataset, values[0], proof, id, memberProof);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        assertEq(fund.claim(dataset, values[0], proof), 100, "bob's share");
        assertEq(fund.balanceOf(bob), 100, "paid to the buyer");
        assertEq(fund.balanceOf(archive), 0, "not to the seller");
    }

    /// A registrar settles a contest for eve (the archive's root held her work by mistake) by marking
    /// her registration verified: the collection still answered its member's check and took her
    /// levy share in the members' phase, before she could claim.
    function test_attack_registrar_finds_for_the_individual_but_the_collection_still_answers_and_is_paid_first()
        public
    {
        bytes32[] memory values = _hashes(2, 24);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 5);
        _register(eve, values[0], allowAll);
        bytes32[] memory memberProof = TestTree.proof(tree, values[0]);
        collections.contestMember(id, values[0], memberProof);
        vm.prank(admin);
        works.markStatus(values[0], STATUS_VERIFIED, "ipfs://eve-made-it");
        (bool allowed,) = _memberCheck(id, tree, values[0]);
        assertTrue(allowed, "the registrar's finding (eve's terms) answers");
        vm.warp(T0 + 10);
        uint256 dataset = _paidDataset(values);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        vm.expectRevert(abi.encodeWithSelector(ILevyFund.LevyWorkRegisteredIndividually.selector, values[0]));
        fund.claimForCollectionMember(dataset, values[0], proof, id, memberProof);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        assertEq(fund.claim(dataset, values[0], proof), 100, "eve's share");
        assertEq(fund.balanceOf(eve), 100, "paid to the holder the registrar found for");
    }

    /// A collection contests, then a registrar finds it fraudulent: its contests stand until a
    /// registrar settles each work (held: documented; the contest records its collection in the event).
    function test_contest_by_a_collection_later_disputed_stays_until_a_registrar_settles_the_work() public {
        bytes32[] memory values = _hashes(2, 25);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 5);
        _register(alice, values[0], allowAll);
        bytes32[] memory memberProof = TestTree.proof(tree, values[0]);
        vm.prank(eve);
        collections.contestMember(id, values[0], memberProof);
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_DISPUTED, "ipfs://fraud");
        assertEq(works.workOf(values[0]).status, STATUS_DISPUTED, "alice's work stays disputed");
        // Settled as unverified, it would be contestable again while the collection is verified;
        // a registrar settles with verified, which no contest reopens.
        vm.prank(admin);
        works.markStatus(values[0], STATUS_VERIFIED, "ipfs://alice-made-it");
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_VERIFIED, "ipfs://mistake");
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotContestable.selector, values[0], STATUS_VERIFIED));
        vm.prank(eve);
        collections.contestMember(id, values[0], memberProof);
        (bool allowed,) = works.check(values[0], USE_AI_TRAINING, address(0), 0);
        assertTrue(allowed, "alice's terms answer");
    }

    /// A registrar corrects the collection's wrong holder (eve claimed the archive's works): eve's own
    /// later registrations of members no longer count as the holder's refinements, and are contestable.
    function test_wrong_collection_holder_corrected_loses_its_member_refinements() public {
        bytes32[] memory values = _hashes(2, 30);
        bytes32[] memory tree = TestTree.build(values);
        vm.prank(eve);
        uint256 id = collections.registerCollection(tree[0], 2, eve, 0, "");
        vm.warp(T0 + 5);
        _register(eve, values[0], allowAll);
        vm.prank(admin);
        collections.markCollectionStatus(id, STATUS_DISPUTED, "ipfs://complaint");
        vm.prank(admin);
        collections.correctCollectionHolder(id, archive, "ipfs://deed");
        (bool allowed,) = _memberCheck(id, tree, values[0]);
        assertFalse(allowed, "the corrected collection's terms (none: deny) answer");
        vm.prank(bob);
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
        assertEq(works.workOf(values[0]).status, STATUS_DISPUTED, "eve's registration is contested");
    }

    /// A contest through the forwarder names the signer, not the forwarder (event completeness).
    function test_contest_names_the_contester_and_the_collection() public {
        bytes32[] memory values = _hashes(2, 26);
        (uint256 id, bytes32[] memory tree) = _archiveCollection(values);
        vm.warp(T0 + 5);
        _register(eve, values[0], allowAll);
        vm.expectEmit(true, true, true, true, address(works));
        emit IWorkRegistry.ContestedByCollection(values[0], id, carol);
        vm.prank(carol);
        collections.contestMember(id, values[0], TestTree.proof(tree, values[0]));
    }

    // ------------------------------------------------------------ members first: the windows

    /// Whatever the epoch length (odd, 1 s, long), individual claims open strictly before the next
    /// epoch's finalize can close the window, and stay open at least half an epoch (rounded up).
    function testFuzz_attack_members_first_never_leaves_individual_holders_without_a_window(uint32 length) public {
        uint256 epochLength = bound(uint256(length), 1, 3650 days);
        bytes32[] memory values = _hashes(2, 27);
        _register(bob, values[0], 0);
        vm.warp(block.timestamp + 1);
        vm.prank(trainer);
        uint256 dataset = datasets.declare(TestTree.build(values)[0], 2, USE_AI_TRAINING, "");
        // Deployed now, so the admission falls in epoch 0 even for a 1-second epoch.
        LevyFund levy = new LevyFund(datasets, collections, epochLength, address(forwarder));
        vm.prank(admin);
        levy.admitDataset(dataset);
        vm.deal(trainer, 200);
        vm.prank(trainer);
        levy.contribute{value: 200}();
        (uint256 genesis,) = levy.schedule();
        vm.warp(genesis + epochLength);
        levy.finalize(0);
        EpochRecord memory record = levy.epochOf(0);
        assertLe(record.finalizedAt, record.individualClaimsFrom, "not before finalization");
        assertLe(record.individualClaimsFrom, record.claimUntil, "opens within the minimum window");
        assertLe((epochLength + 1) / 2, uint256(record.claimUntil) - record.individualClaimsFrom, "half an epoch");
        // The next finalize cannot close it before claimUntil.
        vm.warp(record.claimUntil - 1);
        vm.expectRevert();
        levy.finalize(1);
        vm.warp(record.individualClaimsFrom);
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), values[0]);
        assertEq(levy.claim(dataset, values[0], proof), 100, "the individual holder's share, the second it opens");
    }

    /// An epoch length the timestamps cannot hold made every finalize revert (SafeCast): the fund's
    /// contributions were locked for good. Refused at construction.
    function test_attack_epoch_length_too_long_for_the_records_is_refused_at_construction() public {
        vm.expectRevert(ILevyFund.LevyInvalidEpochLength.selector);
        new LevyFund(datasets, collections, uint256(type(uint40).max), address(forwarder));
        vm.expectRevert(ILevyFund.LevyInvalidEpochLength.selector);
        new LevyFund(datasets, collections, type(uint256).max, address(forwarder));
    }

    /// A holder's wallet re-enters withdraw when paid: it is paid once (balance zeroed first).
    function test_attack_reentrant_withdraw_is_paid_once() public {
        bytes32[] memory values = _hashes(2, 28);
        ReentrantWallet wallet = new ReentrantWallet(fund);
        _register(address(wallet), values[0], 0);
        vm.warp(T0 + 10);
        uint256 dataset = _paidDataset(values);
        vm.warp(T0 + EPOCH + EPOCH / 2);
        fund.claim(dataset, values[0], TestTree.proof(TestTree.build(values), values[0]));
        uint256 before = address(fund).balance;
        assertEq(wallet.withdraw(), 100, "paid its share");
        assertEq(wallet.reentered(), 1, "the re-entry was refused");
        assertEq(
            keccak256(wallet.reentryError()),
            keccak256(abi.encodeWithSelector(ILevyFund.LevyNothingToWithdraw.selector, address(wallet))),
            "nothing left to withdraw"
        );
        assertEq(address(fund).balance, before - 100, "once");
        assertEq(address(wallet).balance, 100, "once");
    }
}
