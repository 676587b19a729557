// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {BaseTest} from "./Base.t.sol";
import {PolicyRegistry} from "../../contracts/registries/PolicyRegistry.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {Policy, Rule, MODE_ALLOW, STATUS_DISPUTED} from "../../contracts/libraries/RightsTypes.sol";
import {CodeProof} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {CodeTrees} from "./utils/CodeTrees.sol";

/// @dev Drives the registry with random actors. Ghost state records what each work's
/// terms must be: only calls by the holder (or its operator) may move them.
contract RegistryHandler is Test {
    WorkRegistry internal works;
    address[4] internal actors = [address(0xA11CE), address(0xB0B), address(0xE5E), address(0xCAFE)];
    bytes32[] public hashes;
    mapping(bytes32 => uint32) public expectedPolicy;
    mapping(bytes32 => address) public expectedHolder;
    uint32 internal policyCount;
    /// @dev Each work registered with codes: its code and proof, built once from the batch's codes.
    mapping(bytes32 => bool) internal coded;
    mapping(bytes32 => bytes10) internal codes_;
    mapping(bytes32 => bytes) internal leafCodes;
    mapping(bytes32 => bytes32[]) internal siblings;

    constructor(WorkRegistry works_, PolicyRegistry policies) {
        works = works_;
        for (uint8 u; u < 7; ++u) {
            Policy memory p;
            p.rules[u] = Rule(MODE_ALLOW, 0, 0, 0, 0, 0);
            policies.registerPolicy(p);
        }
        policyCount = 7;
    }

    function hashCount() external view returns (uint256) {
        return hashes.length;
    }

    function register(uint256 actorSeed, uint256 salt, uint256 policySeed) external {
        address actor = actors[actorSeed % 4];
        bytes32 h = keccak256(abi.encode("work", salt % 64));
        uint32 pid = uint32(policySeed % (policyCount + 1));
        if (expectedHolder[h] != address(0)) return;
        vm.prank(actor);
        works.register(h, actor, pid, "");
        hashes.push(h);
        expectedPolicy[h] = pid;
        expectedHolder[h] = actor;
    }

    /// @dev The batch path writes each new work's slot as one packed word: the invariants read it back.
    function registerBatch(uint256 actorSeed, uint256 salt, uint256 policySeed, uint8 size) external {
        address registrant = actors[actorSeed % 4];
        uint32 pid = uint32(policySeed % (policyCount + 1));
        bytes32[] memory batch = new bytes32[](bound(size, 1, 3));
        for (uint256 i; i < batch.length; ++i) {
            batch[i] = keccak256(abi.encode("work", (salt + i) % 64));
            if (expectedHolder[batch[i]] != address(0)) return;
        }
        vm.prank(registrant);
        works.registerBatch(batch, registrant, pid, "");
        for (uint256 i; i < batch.length; ++i) {
            hashes.push(batch[i]);
            expectedPolicy[batch[i]] = pid;
            expectedHolder[batch[i]] = registrant;
        }
    }

    /// @dev Batches with codes, longer than a code leaf sometimes (33 codes), so proofs have siblings.
    function registerBatchWithCodes(uint256 actorSeed, uint256 salt, uint256 policySeed, uint8 size) external {
        address registrant = actors[actorSeed % 4];
        uint32 pid = uint32(policySeed % (policyCount + 1));
        uint256 n = size % 2 == 0 ? bound(size, 1, 4) : 33;
        bytes32[] memory batch = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            batch[i] = keccak256(abi.encode("work", (salt + i) % 160));
            if (expectedHolder[batch[i]] != address(0)) return;
        }
        bytes memory codes = CodeTrees.randomCodes(n, salt);
        vm.prank(registrant);
        works.registerBatchWithCodes(batch, codes, registrant, pid, "");
        for (uint256 i; i < n; ++i) {
            hashes.push(batch[i]);
            expectedPolicy[batch[i]] = pid;
            expectedHolder[batch[i]] = registrant;
            CodeProof memory proof = CodeTrees.proof(codes, i);
            coded[batch[i]] = true;
            codes_[batch[i]] = CodeTrees.codeAt(codes, i);
            leafCodes[batch[i]] = proof.leafCodes;
            siblings[batch[i]] = proof.siblings;
        }
    }

    /// @dev A registrar's dispute must not touch the code either.
    function dispute(uint256 index) external {
        if (hashes.length == 0) return;
        vm.prank(address(0xAD));
        works.markStatus(hashes[index % hashes.length], STATUS_DISPUTED, "");
    }

    /// @dev The code registered for `h` and its proof, if it was registered with codes.
    function codeOf(bytes32 h) external view returns (bool, bytes10, CodeProof memory) {
        return (coded[h], codes_[h], CodeProof(leafCodes[h], siblings[h]));
    }

    function setPolicy(uint256 actorSeed, uint256 index, uint256 policySeed) external {
        if (hashes.length == 0) return;
        bytes32 h = hashes[index % hashes.length];
        address actor = actors[actorSeed % 4];
        uint32 pid = uint32(policySeed % (policyCount + 1));
        bool authorized = works.isHolderOrOperator(h, actor);
        vm.prank(actor);
        try works.setPolicy(h, pid) {
            require(authorized, "a non-holder changed terms");
            expectedPolicy[h] = pid;
        } catch {
            require(!authorized, "the holder could not change terms");
        }
    }

    function transfer(uint256 actorSeed, uint256 toSeed, uint256 index) external {
        if (hashes.length == 0) return;
        bytes32 h = hashes[index % hashes.length];
        address actor = actors[actorSeed % 4];
        address to = actors[toSeed % 4];
        address holder = expectedHolder[h];
        vm.prank(actor);
        try works.transferFrom(holder, to, uint256(h)) {
            expectedHolder[h] = to;
        } catch {}
    }

    function approveAll(uint256 actorSeed, uint256 operatorSeed, bool approved) external {
        address actor = actors[actorSeed % 4];
        address operator = actors[operatorSeed % 4];
        vm.prank(actor);
        works.setApprovalForAll(operator, approved);
    }

    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }
}

contract WorkRegistryInvariantTest is BaseTest {
    RegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RegistryHandler(works, policies);
        targetContract(address(handler));
    }

    function invariant_terms_change_only_by_holder_or_operator() public view {
        uint256 n = handler.hashCount();
        for (uint256 i; i < n; ++i) {
            bytes32 h = handler.hashes(i);
            assertEq(works.workOf(h).policyId, handler.expectedPolicy(h), "terms as the holder set them");
            assertEq(works.ownerOf(uint256(h)), handler.expectedHolder(h), "holder as transfers made it");
        }
    }

    function invariant_codes_never_change_and_only_they_verify() public view {
        uint256 n = handler.hashCount();
        for (uint256 i; i < n; ++i) {
            bytes32 h = handler.hashes(i);
            (bool hasCodes, bytes10 code, CodeProof memory proof) = handler.codeOf(h);
            if (!hasCodes) {
                (,,, bytes32 root) = works.codeCommitmentOf(h);
                assertEq(root, bytes32(0), "a work registered without codes has no code root");
                continue;
            }
            assertTrue(works.verifyCode(h, code, proof), "the registered code verifies");
            assertFalse(works.verifyCode(h, code ^ bytes10(uint80(1) << 63), proof), "a flipped bit does not");
        }
    }

    function invariant_balances_count_every_work() public view {
        uint256 sum;
        for (uint256 i; i < 4; ++i) {
            sum += works.balanceOf(handler.actor(i));
        }
        assertEq(sum, handler.hashCount(), "balances sum to the number of works");
    }
}
