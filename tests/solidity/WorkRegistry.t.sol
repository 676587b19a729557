// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {IWorkRegistry} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {IPolicyRegistry} from "../../contracts/interfaces/registries/IPolicyRegistry.sol";
import {ILicenceOracle} from "../../contracts/interfaces/modules/licensing/ILicenceOracle.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import "../../contracts/libraries/RightsTypes.sol";

/// @dev A licence module stand-in for the check order: licences themselves are tested with the licence contracts.
contract FixedOracle is ILicenceOracle {
    address public licensee;

    constructor(address who) {
        licensee = who;
    }

    function isLicensed(bytes32, uint8, address who, uint64) external view returns (bool) {
        return who == licensee;
    }
}

contract WorkRegistryTest is BaseTest {
    bytes32 internal constant WORK = keccak256("a work");

    function test_register_records_holder_registrant_policy_and_time() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_PROMOTION, _rule(MODE_ALLOW), 0));
        vm.warp(1_800_000_000);
        vm.prank(bob);
        uint32 rid = works.register(WORK, alice, pid, "ipfs://meta");
        WorkRecord memory r = works.workOf(WORK);
        assertEq(r.holder, alice, "holder");
        assertEq(r.registrant, bob, "registrant");
        assertEq(r.policyId, pid, "policy");
        assertEq(r.registrationId, rid, "registration id");
        assertEq(r.registeredAt, 1_800_000_000, "time");
        assertEq(works.ownerOf(uint256(WORK)), alice, "ERC-721 owner");
        assertEq(works.balanceOf(alice), 1, "balance");
        assertEq(keccak256(bytes(works.tokenURI(uint256(WORK)))), keccak256("ipfs://meta"), "token URI");
    }

    function test_register_twice_reverts_with_the_holder() public {
        _register(alice, WORK, 0);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, WORK, alice));
        _register(eve, WORK, 0);
    }

    function test_register_rejects_zero_hash_unknown_policy_and_zero_holder() public {
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkZeroHash.selector, uint256(0)));
        works.register(bytes32(0), alice, 0, "");
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyUnknown.selector, uint32(9)));
        works.register(WORK, alice, 9, "");
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        works.register(WORK, address(0), 0, "");
    }

    function test_registerBatch_registers_all_and_is_atomic() public {
        bytes32[] memory hs = _hashes(50, 1);
        vm.prank(alice);
        works.registerBatch(hs, alice, 0, "ipfs://folder/");
        assertEq(works.balanceOf(alice), 50, "balance counts the batch");
        for (uint256 i; i < hs.length; ++i) {
            assertTrue(works.isRegistered(hs[i]), "each registered");
        }
        string memory uri = works.tokenURI(uint256(hs[3]));
        assertTrue(bytes(uri).length == bytes("ipfs://folder/").length + 66, "folder URI gets the hash appended");

        bytes32[] memory overlap = _hashes(3, 2);
        overlap[2] = hs[0];
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, hs[0], alice));
        works.registerBatch(overlap, bob, 0, "");
        assertFalse(works.isRegistered(overlap[0]), "nothing of a failed batch is stored");

        vm.expectRevert(IWorkRegistry.WorkEmptyBatch.selector);
        works.registerBatch(new bytes32[](0), bob, 0, "");
    }

    function test_batch_registration_costs_far_less_per_work_than_single() public {
        bytes32[] memory hs = _hashes(200, 3);
        vm.prank(alice);
        uint256 before = gasleft();
        works.registerBatch(hs, alice, 0, "");
        uint256 perWork = (before - gasleft()) / hs.length;

        vm.prank(bob);
        before = gasleft();
        works.register(WORK, bob, 0, "");
        uint256 single = before - gasleft();
        assertLe(perWork * 2, single, "a batched work costs under half a single registration");
        assertLe(perWork, 27_000, "about one storage slot and one event per batched work");
    }

    // ------------------------------------------------------------------ the packed slot of a new work
    // WorkRegistry writes a new work's slot as one word (assembly, for the batch gas target): these
    // read every field back through the `Work` struct, proving the word matches its layout.

    /// @dev Storage slots of the counters (forge inspect ... storageLayout); each use checks itself.
    bytes32 internal constant _REGISTRATION_COUNT_SLOT = bytes32(uint256(5));
    bytes32 internal constant _POLICY_COUNT_SLOT = bytes32(uint256(3));

    function test_batch_registered_work_reads_back_every_field() public {
        uint32 open = policies.registerPolicy(_policyWith(USE_PROMOTION, _rule(MODE_ALLOW), 0));
        uint32 licensed = policies.registerPolicy(_policyWith(USE_PROMOTION, _rule(MODE_LICENCE), 0));
        // Earlier registrations, so that the batch's registration id (3) differs from its policy id (2).
        _register(eve, keccak256("an earlier work"), 0);
        _register(eve, keccak256("another earlier work"), 0);
        vm.warp(1_800_000_000);
        bytes32[] memory hs = _hashes(3, 11);
        vm.prank(bob);
        uint32 rid = works.registerBatch(hs, alice, licensed, "ipfs://batch/");
        assertEq(rid, 3, "third registration");
        for (uint256 i; i < hs.length; ++i) {
            WorkRecord memory r = works.workOf(hs[i]);
            assertEq(r.holder, alice, "holder");
            assertEq(r.registrant, bob, "registrant");
            assertEq(r.policyId, licensed, "policy");
            assertEq(r.registrationId, rid, "registration id");
            assertEq(r.registeredAt, 1_800_000_000, "time");
            assertEq(r.status, STATUS_UNVERIFIED, "status starts unverified");
            assertEq(r.optOutMask, 0, "no opt-outs");
            assertEq(works.ownerOf(uint256(hs[i])), alice, "ERC-721 owner");
            (bool registered, uint32 policyThen, uint8 maskThen) = works.termsAt(hs[i], 1_800_000_000);
            assertTrue(registered && policyThen == licensed && maskThen == 0, "terms at registration");
            (, uint8 reason) = works.checkAt(hs[i], USE_PROMOTION, address(0), 1_800_000_000);
            assertEq(reason, REASON_LICENCE_REQUIRED, "checkAt reads the packed policy");
            (, reason) = works.checkAt(hs[i], USE_PROMOTION, address(0), 1_799_999_999);
            assertEq(reason, REASON_UNREGISTERED, "not registered before its registration");
        }
        assertEq(works.balanceOf(alice), 3, "balance");
        assertEq(keccak256(works.policyIdsOf(hs)), keccak256(abi.encodePacked(licensed, licensed, licensed)), "ids");

        // Later writes of single fields keep their neighbours, and the terms history starts from the packed slot.
        bytes32 h = hs[1];
        vm.warp(1_800_000_100);
        vm.startPrank(alice);
        works.setPolicy(h, open);
        works.setOptOut(h, uint8(1 << USE_AI_TRAINING));
        works.transferFrom(alice, bob, uint256(h));
        vm.stopPrank();
        vm.prank(admin);
        works.markStatus(h, STATUS_VERIFIED, "");
        WorkRecord memory after_ = works.workOf(h);
        assertEq(after_.holder, bob, "holder after transfer");
        assertEq(after_.policyId, open, "policy after change");
        assertEq(after_.registrationId, rid, "registration id kept");
        assertEq(after_.status, STATUS_VERIFIED, "status after marking");
        assertEq(after_.optOutMask, uint8(1 << USE_AI_TRAINING), "opt-outs after change");
        (, uint32 policyBefore, uint8 maskBefore) = works.termsAt(h, 1_800_000_099);
        assertTrue(policyBefore == licensed && maskBefore == 0, "history starts with the registered terms");
        (, uint8 reasonBefore) = works.checkAt(h, USE_PROMOTION, address(0), 1_800_000_099);
        (, uint8 reasonNow) = works.checkAt(h, USE_PROMOTION, address(0), 1_800_000_100);
        assertEq(reasonBefore, REASON_LICENCE_REQUIRED, "terms then");
        assertEq(reasonNow, REASON_ALLOWED_BY_TERMS, "terms now");
        assertEq(works.workOf(hs[0]).policyId, licensed, "the neighbouring works are untouched");
    }

    function testFuzz_packed_slot_matches_the_struct_layout(
        address holder,
        uint32 policyId,
        uint32 registrationId,
        uint8 status,
        uint8 mask,
        bool batch
    ) public {
        vm.assume(holder != address(0) && holder.code.length == 0 && holder != address(vm));
        vm.assume(holder != address(forwarder)); // its calls carry the real sender in a suffix
        registrationId = uint32(bound(registrationId, 1, type(uint32).max));
        status = uint8(bound(status, 0, STATUS_DISPUTED));
        mask = uint8(bound(mask, 0, 127));
        // Let every policy id exist and make the next registration id the fuzzed one.
        vm.store(address(policies), _POLICY_COUNT_SLOT, bytes32(uint256(type(uint32).max)));
        assertEq(policies.policyCount(), type(uint32).max, "policy count slot");
        vm.store(address(works), _REGISTRATION_COUNT_SLOT, bytes32(uint256(registrationId - 1)));
        assertEq(works.registrationCount(), registrationId - 1, "registration count slot");

        bytes32[] memory hs = _hashes(batch ? 2 : 1, registrationId);
        vm.prank(alice);
        uint32 rid = batch
            ? works.registerBatch(hs, holder, policyId, "")
            : works.register(hs[0], holder, policyId, "");
        assertEq(rid, registrationId, "registration id");
        for (uint256 i; i < hs.length; ++i) {
            WorkRecord memory r = works.workOf(hs[i]);
            assertEq(r.holder, holder, "holder");
            assertEq(r.policyId, policyId, "policy");
            assertEq(r.registrationId, registrationId, "registration id");
            assertEq(r.status, 0, "status");
            assertEq(r.optOutMask, 0, "opt-outs");
            assertEq(works.ownerOf(uint256(hs[i])), holder, "ERC-721 owner");
            (bool registered, uint32 policyNow, uint8 maskNow) = works.termsAt(hs[i], 0);
            assertTrue(registered && policyNow == policyId && maskNow == 0, "termsAt");
        }
        assertEq(uint256(uint32(bytes4(works.policyIdsOf(hs)))), policyId, "policyIdsOf");
        // The two fields left zero are where the struct puts them: writing them keeps the rest.
        vm.prank(admin);
        works.markStatus(hs[0], status, "");
        vm.prank(holder);
        works.setOptOut(hs[0], mask);
        WorkRecord memory changed = works.workOf(hs[0]);
        assertEq(changed.status, status, "status written");
        assertEq(changed.optOutMask, mask, "opt-outs written");
        assertEq(changed.holder, holder, "holder kept");
        assertEq(changed.policyId, policyId, "policy kept");
        assertEq(changed.registrationId, registrationId, "registration id kept");
    }

    // ------------------------------------------------------------------ terms changes

    function test_only_holder_or_operator_changes_terms() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_TDM, _rule(MODE_ALLOW), 0));
        _register(alice, WORK, 0);

        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, eve));
        works.setPolicy(WORK, pid);

        vm.prank(alice);
        works.setApprovalForAll(bob, true);
        vm.prank(bob);
        works.setPolicy(WORK, pid);
        assertEq(works.workOf(WORK).policyId, pid, "operator changed terms");

        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, eve));
        works.setOptOut(WORK, 1);
    }

    function testFuzz_non_holder_cannot_change_terms(address caller, uint8 mask) public {
        vm.assume(caller != alice);
        _register(alice, WORK, 0);
        uint32 pid = policies.registerPolicy(_policyWith(USE_TDM, _rule(MODE_ALLOW), 0));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, caller));
        works.setPolicy(WORK, pid);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, caller));
        works.setOptOut(WORK, uint8(bound(mask, 0, 127)));
        assertEq(works.workOf(WORK).policyId, 0, "terms unchanged");
    }

    function test_setPolicy_on_unregistered_work_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkNotRegistered.selector, WORK));
        works.setPolicy(WORK, 0);
    }

    function test_transfer_moves_the_right_to_change_terms() public {
        _register(alice, WORK, 0);
        vm.prank(alice);
        works.transferFrom(alice, bob, uint256(WORK));
        assertEq(works.workOf(WORK).holder, bob, "new holder");
        assertEq(works.balanceOf(alice), 0, "old balance");
        assertEq(works.balanceOf(bob), 1, "new balance");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, alice));
        works.setOptOut(WORK, 1);
        vm.prank(bob);
        works.setOptOut(WORK, 1);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, eve, uint256(WORK)));
        works.transferFrom(bob, eve, uint256(WORK));
    }

    // ------------------------------------------------------------------ registrar

    function test_registrar_marks_disputed_and_others_cannot() public {
        _register(alice, WORK, 0);
        bytes32 role = works.REGISTRAR_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        works.markStatus(WORK, STATUS_DISPUTED, "");
        vm.prank(admin);
        works.markStatus(WORK, STATUS_DISPUTED, "ipfs://evidence");
        assertEq(works.workOf(WORK).status, STATUS_DISPUTED, "disputed");
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkInvalidStatus.selector, uint8(3)));
        works.markStatus(WORK, 3, "");
    }

    // ------------------------------------------------------------------ checks

    function _reason(bytes32 h, uint8 use, address who, uint64 t) internal view returns (uint8 r) {
        (, r) = works.check(h, use, who, t);
    }

    function test_check_answers_every_reason() public {
        uint64 t = 1_900_000_000;
        Policy memory p;
        p.rules[USE_COMMERCIAL] = Rule(MODE_ALLOW, 0, 0, 0, 0, 0);
        p.rules[USE_PROMOTION] = Rule(MODE_ALLOW, uint40(t + 10), uint40(t + 20), 0, 0, 0);
        p.rules[USE_AI_TRAINING] = Rule(MODE_LICENCE, 0, 0, 1 ether, 0, 0);
        uint32 pid = policies.registerPolicy(p);
        p.expiresAt = uint40(t);
        uint32 expired = policies.registerPolicy(p);
        _register(alice, WORK, pid);

        assertEq(_reason(keccak256("nothing"), USE_COMMERCIAL, address(0), t), REASON_UNREGISTERED, "unregistered");
        assertEq(_reason(WORK, USE_COMMERCIAL, address(0), t), REASON_ALLOWED_BY_TERMS, "allowed-by-terms");
        assertEq(_reason(WORK, USE_DERIVATIVE, address(0), t), REASON_DENIED, "no rule means denied");
        assertEq(_reason(WORK, USE_AI_TRAINING, address(0), t), REASON_LICENCE_REQUIRED, "licence-required");
        assertEq(_reason(WORK, USE_PROMOTION, address(0), t), REASON_OUTSIDE_WINDOW, "before the window");

        FixedOracle oracle = new FixedOracle(bob);
        vm.prank(admin);
        works.setLicenceOracle(oracle);
        assertEq(_reason(WORK, USE_AI_TRAINING, bob, t), REASON_ALLOWED_BY_LICENCE, "allowed-by-licence");

        vm.prank(alice);
        works.setOptOut(WORK, uint8(1 << USE_COMMERCIAL));
        assertEq(_reason(WORK, USE_COMMERCIAL, address(0), t), REASON_OPTED_OUT, "opted-out");

        vm.prank(alice);
        works.setPolicy(WORK, expired);
        assertEq(_reason(WORK, USE_AI_TRAINING, address(0), t), REASON_EXPIRED, "expired at its first second");
        assertEq(_reason(WORK, USE_AI_TRAINING, address(0), t - 1), REASON_LICENCE_REQUIRED, "valid a second before");
        assertEq(_reason(WORK, USE_AI_TRAINING, bob, t), REASON_ALLOWED_BY_LICENCE, "a licence outlives expiry");

        vm.prank(admin);
        works.markStatus(WORK, STATUS_DISPUTED, "");
        assertEq(_reason(WORK, USE_AI_TRAINING, bob, t), REASON_DISPUTED, "a dispute beats everything");

        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.UnknownUse.selector, uint8(7)));
        works.check(WORK, 7, address(0), t);
    }

    function testFuzz_window_is_half_open(uint40 start, uint40 length, uint64 t) public {
        start = uint40(bound(start, 1, type(uint40).max - 2));
        length = uint40(bound(length, 1, type(uint40).max - start));
        uint40 end = start + length;
        t = uint64(bound(t, 1, type(uint40).max));
        uint32 pid = policies.registerPolicy(_policyWith(USE_PROMOTION, Rule(MODE_ALLOW, start, end, 0, 0, 0), 0));
        _register(alice, WORK, pid);
        uint8 expected = (t >= start && t < end) ? REASON_ALLOWED_BY_TERMS : REASON_OUTSIDE_WINDOW;
        assertEq(_reason(WORK, USE_PROMOTION, address(0), t), expected, "inside [start, end) only");
        assertEq(_reason(WORK, USE_PROMOTION, address(0), start), REASON_ALLOWED_BY_TERMS, "start is inside");
        assertEq(_reason(WORK, USE_PROMOTION, address(0), end), REASON_OUTSIDE_WINDOW, "end is outside");
    }

    function testFuzz_checkBatch_equals_check(uint256 seed, uint8 use, uint64 t) public {
        use = uint8(bound(use, 0, USE_COUNT - 1));
        t = uint64(bound(t, 1, type(uint40).max));
        uint32 a = policies.registerPolicy(_policyWith(use, Rule(MODE_ALLOW, 1000, 5000, 0, 0, 0), 0));
        uint32 b = policies.registerPolicy(_policyWith(use, Rule(MODE_LICENCE, 0, 0, 1, 0, 0), 3000));
        bytes32[] memory hs = _hashes(12, seed);
        for (uint256 i; i < hs.length; ++i) {
            uint256 pick = uint256(keccak256(abi.encode(seed, i))) % 4;
            if (pick == 3) continue; // leave unregistered
            _register(alice, hs[i], pick == 0 ? 0 : (pick == 1 ? a : b));
        }
        bytes memory batch = works.checkBatch(hs, use, address(0), t);
        assertEq(batch.length, hs.length, "one answer per hash");
        for (uint256 i; i < hs.length; ++i) {
            assertEq(uint8(batch[i]), _reason(hs[i], use, address(0), t), "batch answer equals single answer");
        }
    }

    function test_supports_erc721_and_registry_interfaces() public view {
        assertTrue(works.supportsInterface(0x80ac58cd), "ERC-721");
        assertTrue(works.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        assertTrue(works.supportsInterface(type(IWorkRegistry).interfaceId), "IWorkRegistry");
    }
}
