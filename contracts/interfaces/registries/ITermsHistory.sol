// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The registry's memory of terms: what applied to a work at a past time.
/// @notice Accountability for a past use (a dataset declared last year) needs the terms in force
/// then, not now. The registry checkpoints each work's policy and opt-outs whenever they change.
interface ITermsHistory {
    /// @notice The policy id and opt-out mask in force for the work at `timestamp`
    /// (both 0, and `registered` false, if the work was not registered then).
    function termsAt(bytes32 contentHash, uint64 timestamp)
        external
        view
        returns (bool registered, uint32 policyId, uint8 optOutMask);

    /// @notice `check` as it would have answered at `timestamp` (0: now), with the terms in force then.
    /// @dev Holder, verification status and licences are as they are now, and the licence module is
    /// asked about `timestamp`. A work registered after `timestamp` answers REASON_UNREGISTERED.
    function checkAt(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bool allowed, uint8 reason);

    /// @notice The policy id of each work (0 for unregistered works), packed as 4 big-endian bytes per work.
    /// @dev Lets a bulk audit fetch each distinct policy's fee once, without a call per work.
    function policyIdsOf(bytes32[] calldata contentHashes) external view returns (bytes memory packedIds);
}
