// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceOracle} from "../interfaces/modules/licensing/ILicenceOracle.sol";
import {
    Rule,
    MODE_DENY,
    MODE_LICENCE,
    STATUS_DISPUTED,
    REASON_UNREGISTERED,
    REASON_ALLOWED_BY_TERMS,
    REASON_ALLOWED_BY_LICENCE,
    REASON_DENIED,
    REASON_LICENCE_REQUIRED,
    REASON_OUTSIDE_WINDOW,
    REASON_EXPIRED,
    REASON_DISPUTED,
    REASON_OPTED_OUT
} from "./RightsTypes.sol";

/// @title Decision
/// @notice The project's order of evaluation of a check (README, "Semantics of terms and
/// checks"), in one place for every registry that answers checks (works, collections).
library Decision {
    /// @notice The REASON_* answer: the most restrictive fact decides first; a licence survives
    /// opt-out and expiry until its own end, but not a dispute over who holds the work.
    /// @dev Facts come as values, not a memory struct: batch checks call this once per work, and
    /// memory allocated in a loop is never freed (its cost grows with the square of its size).
    /// @param registered whether a record exists (at the time asked about).
    /// @param status the record's STATUS_*.
    /// @param optOutMask bit u set: use u opted out.
    /// @param expiresAt the policy's expiry; 0 = never.
    /// @param rule the policy's rule for `use`.
    /// @param licences the licence module to ask, or address(0) for none.
    function decide(
        bool registered,
        uint8 status,
        uint8 optOutMask,
        uint40 expiresAt,
        Rule memory rule,
        ILicenceOracle licences,
        bytes32 contentHash,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) internal view returns (uint8) {
        if (!registered) return REASON_UNREGISTERED;
        if (status == STATUS_DISPUTED) return REASON_DISPUTED;
        if (
            licensee != address(0) && address(licences) != address(0)
                && licences.isLicensed(contentHash, use, licensee, timestamp)
        ) return REASON_ALLOWED_BY_LICENCE;
        if (optOutMask & (1 << use) != 0) return REASON_OPTED_OUT;
        if (expiresAt != 0 && timestamp >= expiresAt) return REASON_EXPIRED;
        if (rule.mode == MODE_DENY) return REASON_DENIED;
        if ((rule.start != 0 && timestamp < rule.start) || (rule.end != 0 && timestamp >= rule.end)) {
            return REASON_OUTSIDE_WINDOW;
        }
        if (rule.mode == MODE_LICENCE) return REASON_LICENCE_REQUIRED;
        return REASON_ALLOWED_BY_TERMS;
    }
}
