// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {BaseTest} from "./Base.t.sol";
import {CodeTrees} from "./utils/CodeTrees.sol";
import {BenchERC721} from "../../bench/contracts/BenchERC721.sol";
import {IWorkRegistry, CodeProof} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {ContentCodes, NO_CODE} from "../../contracts/libraries/ContentCodes.sol";
import {STATUS_DISPUTED, USE_AI_TRAINING} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Content codes recorded at registration: committed by one root per registration, carried in
/// ContentCodesRecorded, verifiable by anyone with the codes of the event.
contract WorkCodesTest is BaseTest {
    bytes10 internal constant IMAGE_CODE = 0x2101a1b2c3d4e5f60718;
    bytes32 internal constant WORK = keccak256("a coded work");

    function _batch(address holder, bytes32[] memory hs, bytes memory codes) internal returns (uint32 rid) {
        vm.prank(holder);
        rid = works.registerBatchWithCodes(hs, codes, holder, 0, "");
    }

    function test_registerWithCode_commits_the_code_and_emits_it() public {
        vm.recordLogs();
        vm.prank(alice);
        uint32 rid = works.registerWithCode(WORK, IMAGE_CODE, alice, 0, "ipfs://meta");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory codes = abi.encodePacked(IMAGE_CODE);
        (uint32 registrationId, uint16 position, uint32 count, bytes32 root) = works.codeCommitmentOf(WORK);
        assertEq(registrationId, rid, "registration");
        assertEq(position, 0, "position");
        assertEq(count, 1, "count");
        assertEq(root, CodeTrees.root(codes), "one leaf: the root is its hash");
        assertEq(root, keccak256(codes), "the hash of the 10 bytes");
        bool seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != IWorkRegistry.ContentCodesRecorded.selector) continue;
            assertEq(uint256(logs[i].topics[1]), rid, "event registration id");
            (bytes32 eventRoot, bytes memory eventCodes) = abi.decode(logs[i].data, (bytes32, bytes));
            assertEq(eventRoot, root, "event root");
            assertEq(keccak256(eventCodes), keccak256(codes), "event carries the code");
            seen = true;
        }
        assertTrue(seen, "ContentCodesRecorded emitted");
        assertTrue(works.verifyCode(WORK, IMAGE_CODE, CodeTrees.proof(codes, 0)), "the right code verifies");
        assertFalse(works.verifyCode(WORK, IMAGE_CODE ^ bytes10(uint80(1)), CodeTrees.proof(codes, 0)), "one bit off");
        assertEq(works.ownerOf(uint256(WORK)), alice, "an ordinary work otherwise");
        assertEq(works.workOf(WORK).registrationId, rid, "record");
    }

    /// @dev Rebuilds the codes from the events alone, then checks every work verifies with its own
    /// code and proof, and fails with any other code, another work's proof or a tampered proof.
    function testFuzz_batch_codes_verify_and_reject_everything_else(uint256 n, uint256 seed, bytes10 other) public {
        n = bound(n, 1, 100);
        bytes32[] memory hs = _hashes(n, seed);
        bytes memory codes = CodeTrees.randomCodes(n, seed);
        vm.recordLogs();
        uint32 rid = _batch(alice, hs, codes);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory fromChain;
        uint256 transfers;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == keccak256("Transfer(address,address,uint256)")) {
                assertEq(logs[i].topics[3], hs[transfers++], "Transfer events in registration order");
            } else if (logs[i].topics[0] == IWorkRegistry.ContentCodesRecorded.selector) {
                (, fromChain) = abi.decode(logs[i].data, (bytes32, bytes));
            }
        }
        assertEq(transfers, n, "one Transfer per work");
        assertEq(keccak256(fromChain), keccak256(codes), "the event carries every code, in order");
        (, , uint32 count, bytes32 root) = works.codeCommitmentOf(hs[0]);
        assertEq(count, n, "count");
        assertEq(root, CodeTrees.root(codes), "in-place root equals the reference tree");
        for (uint256 i; i < n; ++i) {
            bytes10 code = CodeTrees.codeAt(fromChain, i);
            CodeProof memory p = CodeTrees.proof(fromChain, i);
            (uint32 registrationId, uint16 position,,) = works.codeCommitmentOf(hs[i]);
            assertEq(registrationId, rid, "registration");
            assertEq(position, i, "position in the batch");
            assertTrue(works.verifyCode(hs[i], code, p), "its own code verifies");
            if (other != code) assertFalse(works.verifyCode(hs[i], other, p), "any other code fails");
            uint256 j = (i + 1 + seed % n) % n;
            if (j / 32 != i / 32) {
                assertFalse(works.verifyCode(hs[i], code, CodeTrees.proof(fromChain, j)), "another leaf's proof fails");
            }
            if (code != CodeTrees.codeAt(fromChain, j)) {
                assertFalse(works.verifyCode(hs[j], code, p), "a code and proof of another work fail");
            }
            if (p.siblings.length > 0) {
                p.siblings[seed % p.siblings.length] ^= bytes32(uint256(1));
                assertFalse(works.verifyCode(hs[i], code, p), "a tampered sibling fails");
            } else {
                bytes32[] memory extra = new bytes32[](1);
                assertFalse(works.verifyCode(hs[i], code, CodeProof(p.leafCodes, extra)), "an extra sibling fails");
            }
        }
    }

    function test_code_proof_checks_leaf_length_and_position() public {
        bytes32[] memory hs = _hashes(40, 7);
        bytes memory codes = CodeTrees.randomCodes(40, 7);
        _batch(alice, hs, codes);
        CodeProof memory p = CodeTrees.proof(codes, 35); // second leaf: 8 codes
        assertEq(p.leafCodes.length, 80, "the last leaf holds the rest");
        assertTrue(works.verifyCode(hs[35], CodeTrees.codeAt(codes, 35), p), "verifies");
        // The same leaf for a work at the same offset of the first leaf: right bytes, wrong position.
        assertFalse(works.verifyCode(hs[3], CodeTrees.codeAt(codes, 35), p), "position is bound");
        CodeProof memory short = CodeProof(CodeTrees.slice(p.leafCodes, 0, 70), p.siblings);
        assertFalse(works.verifyCode(hs[32], CodeTrees.codeAt(codes, 32), short), "a truncated leaf fails");
    }

    function test_works_without_codes_verify_nothing() public {
        _register(alice, WORK, 0);
        bytes memory none = abi.encodePacked(NO_CODE);
        assertFalse(works.verifyCode(WORK, NO_CODE, CodeTrees.proof(none, 0)), "no codes recorded: nothing verifies");
        (, , , bytes32 root) = works.codeCommitmentOf(WORK);
        assertEq(root, bytes32(0), "no root");
        assertFalse(works.verifyCode(keccak256("unregistered"), NO_CODE, CodeTrees.proof(none, 0)), "unregistered");
        // A featureless work registered with NO_CODE verifies as having no code, and nothing else.
        vm.prank(bob);
        works.registerWithCode(keccak256("grey square"), NO_CODE, bob, 0, "");
        assertTrue(works.verifyCode(keccak256("grey square"), NO_CODE, CodeTrees.proof(none, 0)), "NO_CODE recorded");
        assertFalse(works.verifyCode(keccak256("grey square"), IMAGE_CODE, CodeTrees.proof(none, 0)), "no other code");
    }

    function test_code_survives_transfer_terms_opt_out_and_dispute() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(1), 0));
        bytes32[] memory hs = _hashes(33, 5);
        bytes memory codes = CodeTrees.randomCodes(33, 5);
        _batch(alice, hs, codes);
        bytes32 h = hs[32];
        bytes10 code = CodeTrees.codeAt(codes, 32);
        CodeProof memory p = CodeTrees.proof(codes, 32);
        vm.startPrank(alice);
        works.setPolicy(h, pid);
        works.setOptOut(h, 1);
        works.transferFrom(alice, bob, uint256(h));
        vm.stopPrank();
        vm.prank(admin);
        works.markStatus(h, STATUS_DISPUTED, "ipfs://evidence");
        assertTrue(works.verifyCode(h, code, p), "the code stays");
        (, uint16 position,,) = works.codeCommitmentOf(h);
        assertEq(position, 32, "position kept");
        assertEq(works.workOf(h).holder, bob, "transferred");
        assertEq(works.workOf(h).policyId, pid, "terms changed");
        assertEq(works.workOf(h).status, STATUS_DISPUTED, "disputed");
    }

    function test_coded_registration_refuses_what_plain_registration_refuses() public {
        _register(alice, WORK, 0);
        bytes32[] memory hs = _hashes(3, 9);
        hs[2] = WORK;
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, WORK, alice));
        _batch(eve, hs, CodeTrees.randomCodes(3, 9));
        assertFalse(works.isRegistered(hs[0]), "nothing of a failed batch is stored");
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, WORK, alice));
        works.registerWithCode(WORK, IMAGE_CODE, eve, 0, "");
        hs[2] = hs[0];
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkAlreadyRegistered.selector, hs[0], eve));
        _batch(eve, hs, CodeTrees.randomCodes(3, 9));
        hs[2] = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkZeroHash.selector, uint256(2)));
        _batch(eve, hs, CodeTrees.randomCodes(3, 9));
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkCodesLengthMismatch.selector, uint256(3), uint256(29)));
        vm.prank(eve);
        works.registerBatchWithCodes(_hashes(3, 10), new bytes(29), eve, 0, "");
        vm.expectRevert(IWorkRegistry.WorkEmptyBatch.selector);
        works.registerBatchWithCodes(new bytes32[](0), "", eve, 0, "");
    }

    function testFuzz_popcount_matches_counting_bits(uint64 x) public pure {
        uint256 naive;
        for (uint64 v = x; v != 0; v >>= 1) naive += v & 1;
        assertEq(ContentCodes.popcount64(x), naive, "popcount");
    }

    /// @dev Execution gas only (forge charges no calldata here; bench/gas.py measures whole transactions).
    function test_coded_batch_costs_no_more_per_work_than_an_erc721_batch_mint() public {
        BenchERC721 nft = new BenchERC721();
        uint256[] memory ids = new uint256[](500);
        for (uint256 i; i < 500; ++i) {
            ids[i] = uint256(keccak256(abi.encode("token", i)));
        }
        nft.mint(alice, 1);
        uint256 before = gasleft();
        nft.mintBatch(alice, ids);
        uint256 erc721 = before - gasleft();
        _register(alice, keccak256("first"), 0);
        bytes32[] memory hs = _hashes(500, 77);
        bytes memory codes = CodeTrees.randomCodes(500, 77);
        vm.prank(alice);
        before = gasleft();
        works.registerBatchWithCodes(hs, codes, alice, 0, "");
        uint256 coded = before - gasleft();
        assertLe(coded, erc721, "a coded batch costs at most the ERC-721 batch mint");
    }
}
