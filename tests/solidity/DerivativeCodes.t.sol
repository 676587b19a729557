// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {LicenceBaseTest} from "./LicenceBase.t.sol";
import {CodeTrees} from "./utils/CodeTrees.sol";
import {ILicenceManager} from "../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {IWorkRegistry} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {NO_CODE} from "../../contracts/libraries/ContentCodes.sol";
import {WorkRecord, USE_DERIVATIVE, MODE_ALLOW, REASON_DENIED} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Derivatives registered with their content code: LicenceManager.registerDerivativeWithCode
/// through WorkRegistry.registerForWithCode, recorded as any coded registration is.
contract DerivativeCodesTest is LicenceBaseTest {
    bytes32 internal constant SONG = keccak256("a song");
    bytes32 internal constant REMIX = keccak256("a remix");
    bytes10 internal constant REMIX_CODE = 0x2101a1b2c3d4e5f60718;

    function _one(bytes32 a) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](1);
        out[0] = a;
    }

    function _allowDerivatives() internal returns (uint32 pid) {
        pid = policies.registerPolicy(_policyWith(USE_DERIVATIVE, _rule(MODE_ALLOW), 0));
        _register(alice, SONG, pid);
    }

    function test_derivative_with_code_records_the_code_for_the_codes_index() public {
        _allowDerivatives();
        vm.recordLogs();
        vm.prank(bob);
        uint32 rid = licences.registerDerivativeWithCode(REMIX, REMIX_CODE, _one(SONG), bob, 0, "ipfs://remix");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory codes = abi.encodePacked(REMIX_CODE);

        // The codes index pairs ContentCodesRecorded with the same transaction's mint Transfers, both
        // from the WorkRegistry: the delegated path must emit exactly what registerWithCode emits.
        uint256 mints;
        bool recorded;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(works)) continue;
            if (logs[i].topics[0] == keccak256("Transfer(address,address,uint256)")) {
                assertEq(logs[i].topics[1], bytes32(0), "a mint");
                assertEq(logs[i].topics[3], REMIX, "of the derivative");
                ++mints;
            } else if (logs[i].topics[0] == IWorkRegistry.ContentCodesRecorded.selector) {
                assertEq(uint256(logs[i].topics[1]), rid, "registration id");
                (bytes32 root, bytes memory eventCodes) = abi.decode(logs[i].data, (bytes32, bytes));
                assertEq(root, CodeTrees.root(codes), "root");
                assertEq(keccak256(eventCodes), keccak256(codes), "the code");
                assertEq(mints, 1, "after its mint");
                recorded = true;
            }
        }
        assertEq(mints, 1, "one mint");
        assertTrue(recorded, "ContentCodesRecorded emitted by the registry");

        (uint32 registrationId, uint16 position, uint32 count, bytes32 codesRoot) = works.codeCommitmentOf(REMIX);
        assertEq(registrationId, rid, "commitment's registration");
        assertEq(position, 0, "position");
        assertEq(count, 1, "count");
        assertEq(codesRoot, keccak256(codes), "stored root");
        assertTrue(works.verifyCode(REMIX, REMIX_CODE, CodeTrees.proof(codes, 0)), "the code verifies");
        assertFalse(works.verifyCode(REMIX, REMIX_CODE ^ bytes10(uint80(1)), CodeTrees.proof(codes, 0)), "one bit off");

        WorkRecord memory r = works.workOf(REMIX);
        assertEq(r.registrant, bob, "registrant is the caller, not the licence manager");
        assertEq(r.holder, bob, "holder");
        assertEq(works.balanceOf(bob), 1, "balance");
        (bytes32[] memory parents,) = licences.parentsOf(REMIX);
        assertEq(parents.length, 1, "linked to its parent");
        assertEq(parents[0], SONG, "the parent");
    }

    function test_derivative_with_code_emits_registration_then_links() public {
        _allowDerivatives();
        vm.prank(bob);
        vm.expectEmit(true, true, true, true, address(works));
        emit IWorkRegistry.WorksRegistered(2, bob, bob, 0, 1, "");
        vm.expectEmit(true, true, false, true, address(licences));
        emit ILicenceManager.DerivativeLinked(REMIX, SONG, 0);
        licences.registerDerivativeWithCode(REMIX, REMIX_CODE, _one(SONG), bob, 0, "");
    }

    function test_derivative_with_code_still_enforces_the_parents_rule() public {
        _register(alice, SONG, 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeNotAllowed.selector, SONG, REASON_DENIED));
        licences.registerDerivativeWithCode(REMIX, REMIX_CODE, _one(SONG), bob, 0, "");
        assertFalse(works.isRegistered(REMIX), "nothing registered");
    }

    function test_only_the_licence_manager_may_register_for_with_code() public {
        bytes32 role = works.DELEGATE_REGISTRAR_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        works.registerForWithCode(alice, REMIX, REMIX_CODE, eve, 0, "");
        // Not even the registry's admin: only the role's holder (the licence manager).
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        works.registerForWithCode(alice, REMIX, REMIX_CODE, admin, 0, "");
        assertFalse(works.isRegistered(REMIX), "nothing registered");
    }

    function test_the_same_bytes_cannot_be_registered_twice_through_any_path() public {
        _allowDerivatives();
        vm.prank(bob);
        licences.registerDerivativeWithCode(REMIX, REMIX_CODE, _one(SONG), bob, 0, "");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, REMIX, bob));
        licences.registerDerivativeWithCode(REMIX, REMIX_CODE, _one(SONG), eve, 0, "");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, REMIX, bob));
        works.registerWithCode(REMIX, REMIX_CODE, eve, 0, "");
        // Registered bytes cannot come back as a derivative either (the parent, as derived from another work).
        bytes32 other = keccak256("another song");
        _register(alice, other, works.workOf(SONG).policyId);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, SONG, alice));
        licences.registerDerivativeWithCode(SONG, REMIX_CODE, _one(other), bob, 0, "");
        assertEq(works.ownerOf(uint256(REMIX)), bob, "the first registration stands");
    }

    function test_derivative_with_no_code_records_the_zero_code() public {
        _allowDerivatives();
        vm.prank(bob);
        licences.registerDerivativeWithCode(REMIX, NO_CODE, _one(SONG), bob, 0, "");
        bytes memory codes = abi.encodePacked(NO_CODE);
        assertTrue(works.verifyCode(REMIX, NO_CODE, CodeTrees.proof(codes, 0)), "NO_CODE recorded as such");
    }

    function testFuzz_derivative_code_verifies_exactly(bytes10 code, bytes10 other) public {
        vm.assume(code != other);
        _allowDerivatives();
        vm.prank(bob);
        licences.registerDerivativeWithCode(REMIX, code, _one(SONG), bob, 0, "");
        bytes memory codes = abi.encodePacked(code);
        assertTrue(works.verifyCode(REMIX, code, CodeTrees.proof(codes, 0)), "its code");
        assertFalse(works.verifyCode(REMIX, other, CodeTrees.proof(codes, 0)), "any other code");
    }
}
