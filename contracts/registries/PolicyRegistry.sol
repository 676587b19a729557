// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPolicyRegistry} from "../interfaces/registries/IPolicyRegistry.sol";
import {
    Policy,
    Rule,
    USE_COUNT,
    MODE_DENY,
    MODE_LICENCE,
    MODE_ALLOW,
    DUTIES_KNOWN
} from "../libraries/RightsTypes.sol";

/// @title PolicyRegistry
/// @notice Says what terms mean: reusable policies, de-duplicated by hash, ids from 1.
contract PolicyRegistry is IPolicyRegistry {
    uint16 private constant _MAX_BPS = 10_000;

    /// @dev Only rules that differ from "deny" are written: an unset rule reads as deny.
    mapping(uint32 policyId => mapping(uint256 use => Rule)) private _rules;
    mapping(uint32 policyId => uint40) private _expiresAt;
    mapping(bytes32 policyHash => uint32 policyId) private _idByHash;
    uint32 private _count;

    /// @inheritdoc IPolicyRegistry
    function registerPolicy(Policy calldata policy) external returns (uint32 policyId) {
        _validate(policy);
        bytes32 policyHash = keccak256(abi.encode(policy));
        policyId = _idByHash[policyHash];
        if (policyId != 0) return policyId;

        policyId = ++_count;
        _idByHash[policyHash] = policyId;
        for (uint256 use; use < USE_COUNT; ++use) {
            if (policy.rules[use].mode != MODE_DENY) _rules[policyId][use] = policy.rules[use];
        }
        if (policy.expiresAt != 0) _expiresAt[policyId] = policy.expiresAt;
        emit PolicyRegistered(policyId, policyHash, msg.sender, policy);
    }

    /// @inheritdoc IPolicyRegistry
    function policyOf(uint32 policyId) external view returns (Policy memory policy) {
        if (policyId == 0 || policyId > _count) revert PolicyUnknown(policyId);
        for (uint256 use; use < USE_COUNT; ++use) {
            policy.rules[use] = _rules[policyId][use];
        }
        policy.expiresAt = _expiresAt[policyId];
    }

    /// @inheritdoc IPolicyRegistry
    function ruleOf(uint32 policyId, uint8 use) external view returns (Rule memory rule, uint40 expiresAt) {
        if (use >= USE_COUNT) revert UnknownUse(use);
        if (policyId > _count) revert PolicyUnknown(policyId);
        return (_rules[policyId][use], _expiresAt[policyId]);
    }

    /// @inheritdoc IPolicyRegistry
    function policyIdOf(bytes32 policyHash) external view returns (uint32) {
        return _idByHash[policyHash];
    }

    /// @inheritdoc IPolicyRegistry
    function hashPolicy(Policy calldata policy) external pure returns (bytes32) {
        return keccak256(abi.encode(policy));
    }

    /// @inheritdoc IPolicyRegistry
    function policyCount() external view returns (uint32) {
        return _count;
    }

    /// @dev Rejects anything that would let two different encodings mean the same terms,
    /// so that de-duplication by hash is sound.
    function _validate(Policy calldata policy) private pure {
        for (uint256 i; i < USE_COUNT; ++i) {
            Rule calldata rule = policy.rules[i];
            uint8 use = uint8(i);
            if (rule.mode > MODE_ALLOW) revert PolicyInvalidMode(use, rule.mode);
            if (rule.mode == MODE_DENY) {
                if (rule.start != 0 || rule.end != 0 || rule.duties != 0 || rule.revenueShareBps != 0) {
                    revert PolicyDenyWithConditions(use);
                }
            }
            if (rule.fee != 0 && rule.mode != MODE_LICENCE) revert PolicyFeeWithoutLicence(use, rule.fee);
            if (rule.end != 0 && rule.end <= rule.start) revert PolicyInvalidWindow(use, rule.start, rule.end);
            if (rule.duties & ~DUTIES_KNOWN != 0) revert PolicyInvalidDuties(use, rule.duties);
            if (rule.revenueShareBps > _MAX_BPS) revert PolicyInvalidShare(use, rule.revenueShareBps);
        }
    }
}
