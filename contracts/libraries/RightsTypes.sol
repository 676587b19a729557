// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// Shared vocabulary of the rightsledger contracts. The numeric values are stable: the
// SDK, the gateway and every export use the same numbers and names.

/// @dev Uses, in this order: commercial, promotion, derivative, tdm, ai-training,
/// ai-generative-training, ai-inference. Passed as uint8 so a bad value gets a custom
/// error (`UnknownUse`) rather than the ABI decoder's bare revert.
uint8 constant USE_COMMERCIAL = 0;
uint8 constant USE_PROMOTION = 1;
uint8 constant USE_DERIVATIVE = 2;
uint8 constant USE_TDM = 3;
uint8 constant USE_AI_TRAINING = 4;
uint8 constant USE_AI_GENERATIVE_TRAINING = 5;
uint8 constant USE_AI_INFERENCE = 6;
uint8 constant USE_COUNT = 7;

/// @dev Rule modes. A use without a rule is MODE_DENY: consent is opt-in.
uint8 constant MODE_DENY = 0;
uint8 constant MODE_LICENCE = 1;
uint8 constant MODE_ALLOW = 2;

/// @dev Duties a rule may attach (bit flags).
uint8 constant DUTY_ATTRIBUTION = 1;
uint8 constant DUTY_SHARE_ALIKE = 2;
/// @dev A licence issued under a rule with this duty is a transferable token; without it, the token
/// stays with its licensee (the licence is personal).
uint8 constant DUTY_TRANSFERABLE = 4;
uint8 constant DUTIES_KNOWN = DUTY_ATTRIBUTION | DUTY_SHARE_ALIKE | DUTY_TRANSFERABLE;

/// @dev Answers of a check, most restrictive first in evaluation order (see WorkRegistry).
uint8 constant REASON_UNREGISTERED = 0;
uint8 constant REASON_ALLOWED_BY_TERMS = 1;
uint8 constant REASON_ALLOWED_BY_LICENCE = 2;
uint8 constant REASON_DENIED = 3;
uint8 constant REASON_LICENCE_REQUIRED = 4;
uint8 constant REASON_OUTSIDE_WINDOW = 5;
uint8 constant REASON_EXPIRED = 6;
uint8 constant REASON_DISPUTED = 7;
uint8 constant REASON_OPTED_OUT = 8;
/// @dev Only a licence answers this (LicenceManager.licenceStatus): a registrar revoked it.
uint8 constant REASON_REVOKED = 9;

/// @dev Verification status a registrar gives a registration claim.
uint8 constant STATUS_UNVERIFIED = 0;
uint8 constant STATUS_VERIFIED = 1;
uint8 constant STATUS_DISPUTED = 2;

/// @notice What one use of a work is subject to.
/// @dev Packed into one storage slot on purpose: 8 + 40 + 40 + 96 + 8 + 16 = 208 bits.
struct Rule {
    uint8 mode; // MODE_*
    uint40 start; // first second the rule applies (inclusive); 0 = since always
    uint40 end; // first second it no longer applies (exclusive); 0 = open-ended
    uint96 fee; // wei per licence, only with MODE_LICENCE
    uint8 duties; // DUTY_* flags
    uint16 revenueShareBps; // share of a derivative's licence income owed to this work (derivative rule)
}

/// @notice A reusable set of terms: one rule per use (indexed by USE_*) and an expiry.
struct Policy {
    Rule[7] rules;
    uint40 expiresAt; // first second the whole record no longer grants anything; 0 = never
}

/// @notice A registered work as the registry reports it.
struct WorkRecord {
    address holder;
    address registrant;
    uint32 policyId; // 0 = no terms: every use denied
    uint32 registrationId;
    uint40 registeredAt;
    uint8 status; // STATUS_*
    uint8 optOutMask; // bit u set = use u opted out
    string metadataURI;
}
