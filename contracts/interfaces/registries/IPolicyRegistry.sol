// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Policy, Rule} from "../../libraries/RightsTypes.sol";

/// @title Reusable, de-duplicated usage terms.
/// @notice A policy is stored once per distinct content (keyed by the hash of its ABI
/// encoding); ids start at 1 and never change, so 100,000 works can share one policy.
interface IPolicyRegistry {
    /// @notice A rule's mode is not one of MODE_DENY, MODE_LICENCE, MODE_ALLOW.
    error PolicyInvalidMode(uint8 use, uint8 mode);
    /// @notice A rule's window ends at or before it starts.
    error PolicyInvalidWindow(uint8 use, uint40 start, uint40 end);
    /// @notice A rule names duties this version does not know.
    error PolicyInvalidDuties(uint8 use, uint8 duties);
    /// @notice A revenue share above 10,000 basis points (100%).
    error PolicyInvalidShare(uint8 use, uint16 revenueShareBps);
    /// @notice A fee on a rule that is not in licence mode.
    error PolicyFeeWithoutLicence(uint8 use, uint96 fee);
    /// @notice A deny rule carrying a window, duties or share: it would denote the same terms as a plain deny.
    error PolicyDenyWithConditions(uint8 use);
    /// @notice No policy has this id.
    error PolicyUnknown(uint32 policyId);
    /// @notice A use outside USE_*.
    error UnknownUse(uint8 use);

    /// @notice A new distinct policy was stored.
    event PolicyRegistered(uint32 indexed policyId, bytes32 indexed policyHash, address indexed registeredBy, Policy policy);

    /// @notice Stores `policy` unless an identical one exists; returns its id either way.
    /// @dev Permissionless: a policy binds nothing until a holder attaches it to a work.
    function registerPolicy(Policy calldata policy) external returns (uint32 policyId);

    /// @notice The policy with id `policyId`. Reverts with PolicyUnknown for an unknown id.
    function policyOf(uint32 policyId) external view returns (Policy memory);

    /// @notice The rule for `use` under `policyId`, and the policy's expiry. Id 0 is the empty policy (deny all).
    function ruleOf(uint32 policyId, uint8 use) external view returns (Rule memory rule, uint40 expiresAt);

    /// @notice The id of the policy whose hash is `policyHash`, or 0 if none is stored.
    function policyIdOf(bytes32 policyHash) external view returns (uint32);

    /// @notice The hash that identifies `policy`: keccak256(abi.encode(policy)).
    function hashPolicy(Policy calldata policy) external pure returns (bytes32);

    /// @notice How many distinct policies exist (the highest id).
    function policyCount() external view returns (uint32);
}
