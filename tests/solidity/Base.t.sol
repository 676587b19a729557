// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {PolicyRegistry} from "../../contracts/registries/PolicyRegistry.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {Policy, Rule, MODE_ALLOW, MODE_LICENCE, MODE_DENY} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Deploys the contracts as the SDK's `deploy` does: the ERC-2771 forwarder, the
/// PolicyRegistry, then WorkRegistry(policies, admin, forwarder) with the admin as first registrar.
abstract contract BaseTest is Test {
    ERC2771Forwarder internal forwarder;
    PolicyRegistry internal policies;
    WorkRegistry internal works;

    address internal admin = address(0xAD);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal eve = address(0xE5E);
    /// @dev The policy each work got from `_register`: what a buyer saw (read without a call, so a prank stays put).
    mapping(bytes32 contentHash => uint32) internal policyOfWork;

    function setUp() public virtual {
        vm.label(alice, "alice");
        vm.label(bob, "bob");
        vm.label(eve, "eve");
        forwarder = new ERC2771Forwarder("rightsledger");
        policies = new PolicyRegistry();
        works = new WorkRegistry(policies, admin, address(forwarder));
    }

    function _rule(uint8 mode) internal pure returns (Rule memory) {
        return Rule({mode: mode, start: 0, end: 0, fee: 0, duties: 0, revenueShareBps: 0});
    }

    function _policyWith(uint8 use, Rule memory rule, uint40 expiresAt) internal pure returns (Policy memory p) {
        p.rules[use] = rule;
        p.expiresAt = expiresAt;
    }

    function _register(address holder, bytes32 contentHash, uint32 policyId) internal {
        vm.prank(holder);
        works.register(contentHash, holder, policyId, "");
        policyOfWork[contentHash] = policyId;
    }

    function _hashes(uint256 n, uint256 salt) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = keccak256(abi.encode(salt, i));
        }
    }
}
