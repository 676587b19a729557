// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// Vocabulary of the provenance trail and the AI-disclosure label. Kept apart from
// RightsTypes.sol (terms) so the two can change independently; the numbers are stable and
// shared with the SDK (rightsledger/disclosure.py, rightsledger/provenance.py).

/// @dev Stages a holder or approved operator appends to a work's trail in ProvenanceLog.
/// Other stages come from the contracts that cause them: registration and holdership
/// transfers (WorkRegistry `Transfer`), terms changes (`PolicyAttached`), opt-outs,
/// verification marks, disclosures (`DisclosureSet`), and licences (the licence module).
uint8 constant STAGE_CREATED = 0;
uint8 constant STAGE_DIGITISED = 1;
uint8 constant STAGE_TRANSFORMED = 2;
uint8 constant STAGE_DERIVED_FROM = 3;
uint8 constant STAGE_COUNT = 4;

/// @dev At most this many parents per derived-from stage, so one stage's gas stays bounded.
uint256 constant MAX_PARENTS = 64;

/// @dev Disclosure levels; 0 means no disclosure was made.
uint8 constant DISCLOSURE_NONE = 0;
uint8 constant DISCLOSURE_HUMAN_MADE = 1;
uint8 constant DISCLOSURE_AI_IDEATION_ONLY = 2;
uint8 constant DISCLOSURE_AI_PRODUCTION_PHASES = 3;
uint8 constant DISCLOSURE_AI_GENERATED_HUMAN_EDITED = 4;
uint8 constant DISCLOSURE_AI_GENERATED = 5;

/// @dev Phases in which AI was used (bit flags).
uint8 constant PHASE_IDEATION = 1;
uint8 constant PHASE_DRAFTING = 2;
uint8 constant PHASE_PRODUCTION = 4;
uint8 constant PHASE_POST_PRODUCTION = 8;
uint8 constant PHASE_TRANSLATION = 16;
uint8 constant PHASE_VOICE_PERFORMANCE = 32;
uint8 constant PHASES_KNOWN = 63;

/// @notice A work's AI-disclosure label as stored.
/// @dev One slot on purpose: 8 + 8 + 40 + 160 = 216 bits. The tools text lives apart,
/// written only when given.
struct Disclosure {
    uint8 level; // DISCLOSURE_*
    uint8 phases; // PHASE_* flags
    uint40 setAt; // block time of the last change
    address setBy; // who made the last change
}
