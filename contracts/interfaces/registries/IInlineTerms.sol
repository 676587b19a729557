// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Policy} from "../../libraries/RightsTypes.sol";

/// @title Registrations and terms changes that carry the terms themselves.
/// @notice Each call finds the policy equal to `terms` (PolicyRegistry de-duplicates by hash) or
/// stores it, then registers or re-points the works at it, in one transaction. A request a user
/// signs for a relayer (ERC-2771) therefore commits to the terms, not to a policy id that someone
/// else's terms could take first, and a policy is stored only for a signed request, at its gas.
/// @dev The terms are validated by the PolicyRegistry (its Policy* errors). The PolicyRegistered
/// event of new terms names the WorkRegistry as `registeredBy`; the signer is the registrant of
/// the WorksRegistered event (the `changedBy` of PolicyAttached) in the same transaction.
interface IInlineTerms {
    /// @notice `register` with the policy equal to `terms` (stored first if new).
    /// @return registrationId the id of this registration record.
    /// @return policyId the id of the terms' policy.
    function registerWithTerms(bytes32 contentHash, address holder, Policy calldata terms, string calldata metadataURI)
        external
        returns (uint32 registrationId, uint32 policyId);

    /// @notice `registerWithCode` with the policy equal to `terms` (stored first if new).
    function registerWithCodeAndTerms(
        bytes32 contentHash,
        bytes10 code,
        address holder,
        Policy calldata terms,
        string calldata metadataURI
    ) external returns (uint32 registrationId, uint32 policyId);

    /// @notice `registerBatch` with the policy equal to `terms` (stored first if new).
    function registerBatchWithTerms(
        bytes32[] calldata contentHashes,
        address holder,
        Policy calldata terms,
        string calldata metadataURI
    ) external returns (uint32 registrationId, uint32 policyId);

    /// @notice `setPolicy` with the policy equal to `terms` (stored first if new). Holder or approved operator only.
    function setTerms(bytes32 contentHash, Policy calldata terms) external returns (uint32 policyId);
}
