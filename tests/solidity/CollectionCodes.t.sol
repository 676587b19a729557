// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {BaseTest} from "./Base.t.sol";
import {LeafTrees} from "./utils/CodeTrees.sol";
import {CollectionRegistry} from "../../contracts/registries/CollectionRegistry.sol";
import {ICollectionRegistry} from "../../contracts/interfaces/registries/ICollectionRegistry.sol";
import {NO_CODE} from "../../contracts/libraries/ContentCodes.sol";
import {USE_TDM, MODE_ALLOW, REASON_ALLOWED_BY_TERMS} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Collections that commit to their members' content codes: a second root over (content hash,
/// code) leaves, beside the membership root, at a fixed cost per collection.
contract CollectionCodesTest is BaseTest {
    CollectionRegistry internal collections;

    function setUp() public override {
        super.setUp();
        collections = new CollectionRegistry(works, address(forwarder));
    }

    function _members(uint256 n) internal pure returns (bytes32[] memory hs, bytes10[] memory codes) {
        hs = _hashes(n, 7);
        codes = new bytes10[](n);
        for (uint256 i; i < n; ++i) {
            // Every third member has no code (a featureless image): NO_CODE in its leaf.
            codes[i] = i % 3 == 2 ? NO_CODE : bytes10(bytes2(0x2101)) | bytes10(uint80(uint64(uint256(hs[i]))));
        }
    }

    function _trees(bytes32[] memory hs, bytes10[] memory codes)
        internal
        pure
        returns (bytes32[] memory plain, bytes32[] memory coded)
    {
        bytes32[] memory plainLeaves = new bytes32[](hs.length);
        bytes32[] memory codedLeaves = new bytes32[](hs.length);
        for (uint256 i; i < hs.length; ++i) {
            plainLeaves[i] = LeafTrees.plainLeaf(hs[i]);
            codedLeaves[i] = LeafTrees.codedLeaf(hs[i], codes[i]);
        }
        plain = LeafTrees.build(plainLeaves);
        coded = LeafTrees.build(codedLeaves);
    }

    function test_coded_collection_commits_both_roots_and_names_its_manifest() public {
        (bytes32[] memory hs, bytes10[] memory codes) = _members(5);
        (bytes32[] memory plain, bytes32[] memory coded) = _trees(hs, codes);
        uint32 pid = policies.registerPolicy(_policyWith(USE_TDM, _rule(MODE_ALLOW), 0));
        vm.prank(alice);
        vm.expectEmit(true, true, true, true, address(collections));
        emit ICollectionRegistry.CollectionRegistered(1, alice, alice, plain[0], pid, 5, "ipfs://meta");
        vm.expectEmit(true, false, false, true, address(collections));
        emit ICollectionRegistry.CollectionCodesCommitted(1, coded[0], "https://archive.example/members.json");
        uint256 id = collections.registerCollectionWithCodes(
            plain[0], coded[0], 5, alice, pid, "ipfs://meta", "https://archive.example/members.json"
        );
        assertEq(id, 1, "first collection");
        assertEq(collections.codesRootOf(id), coded[0], "codes root stored");
        assertEq(collections.collectionOf(id).root, plain[0], "membership root as before");
        for (uint256 i; i < hs.length; ++i) {
            bytes32[] memory memberProof = LeafTrees.proof(plain, LeafTrees.plainLeaf(hs[i]));
            bytes32[] memory codeProof = LeafTrees.proof(coded, LeafTrees.codedLeaf(hs[i], codes[i]));
            assertTrue(collections.isMember(id, hs[i], memberProof), "membership by the plain root");
            assertTrue(collections.isCodedMember(id, hs[i], codes[i], codeProof), "its code");
            assertFalse(collections.isCodedMember(id, hs[i], codes[i] ^ bytes10(uint80(1)), codeProof), "another code");
            (bool allowed, uint8 reason) = collections.checkMember(id, hs[i], memberProof, USE_TDM, address(0), 0);
            assertTrue(allowed, "checked as any member");
            assertEq(reason, REASON_ALLOWED_BY_TERMS, "by the collection's terms");
        }
        // A code proof is no membership proof, and the other way round.
        bytes32[] memory p0 = LeafTrees.proof(coded, LeafTrees.codedLeaf(hs[0], codes[0]));
        assertFalse(collections.isMember(id, hs[0], p0), "a code proof does not prove membership");
    }

    function test_a_plain_collection_has_no_codes() public {
        (bytes32[] memory hs, bytes10[] memory codes) = _members(3);
        (bytes32[] memory plain, bytes32[] memory coded) = _trees(hs, codes);
        vm.prank(alice);
        uint256 id = collections.registerCollection(plain[0], 3, alice, 0, "");
        assertEq(collections.codesRootOf(id), bytes32(0), "no codes root");
        bytes32[] memory codeProof = LeafTrees.proof(coded, LeafTrees.codedLeaf(hs[0], codes[0]));
        assertFalse(collections.isCodedMember(id, hs[0], codes[0], codeProof), "nothing to verify against");
    }

    function test_a_zero_codes_root_is_refused() public {
        (bytes32[] memory hs, bytes10[] memory codes) = _members(2);
        (bytes32[] memory plain,) = _trees(hs, codes);
        vm.prank(alice);
        vm.expectRevert(ICollectionRegistry.CollectionEmpty.selector);
        collections.registerCollectionWithCodes(plain[0], bytes32(0), 2, alice, 0, "", "members.json");
        assertEq(collections.collectionCount(), 0, "nothing registered");
    }

    /// @dev Members are off chain: the gas of a coded collection does not depend on how many it has.
    function testFuzz_gas_per_coded_collection_is_constant(uint256 count) public {
        count = bound(count, 1, 1 << 40);
        vm.prank(alice);
        uint256 before = gasleft();
        collections.registerCollectionWithCodes(keccak256("root a"), keccak256("codes a"), 1, alice, 0, "", "m.json");
        uint256 one = before - gasleft();
        vm.prank(alice);
        before = gasleft();
        collections.registerCollectionWithCodes(keccak256("root b"), keccak256("codes b"), count, alice, 0, "", "m.json");
        uint256 many = before - gasleft();
        // The second pays a warm counter slot; never more for more members.
        assertLe(many, one, "no gas per member");
        assertLe(one, 150_000, "a few slots and two events");
    }
}
