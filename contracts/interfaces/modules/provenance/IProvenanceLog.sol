// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IWorkRegistry} from "../../registries/IWorkRegistry.sol";

/// @title The provenance trail and AI-disclosure label of registered works.
/// @notice The holder of a work, or an operator the holder approved in the WorkRegistry (an
/// archive that digitised it, an agent), appends lifecycle stages to the work's trail: each is
/// an event with the actor, the block time and a reference to a details document (its URI and
/// the hash of its bytes). The same accounts set the work's AI-disclosure label, bound to its
/// content hash; every change of the label is itself a stage of the trail (`DisclosureSet`).
interface IProvenanceLog {
    /// @notice No work is registered under this hash.
    error ProvenanceWorkNotRegistered(bytes32 contentHash);
    /// @notice The caller is neither the holder of the work nor an approved operator.
    error ProvenanceUnauthorized(bytes32 contentHash, address caller);
    /// @notice A stage outside STAGE_* (or one another contract records, which cannot be appended here).
    error ProvenanceUnknownStage(uint8 stage);
    /// @notice A derived-from stage needs between 1 and MAX_PARENTS parents; other stages take none.
    error ProvenanceInvalidParents(uint8 stage, uint256 count);
    /// @notice A parent hash that is zero or the work itself.
    error ProvenanceInvalidParent(bytes32 contentHash, bytes32 parent);
    /// @notice An empty list where at least one work is needed.
    error ProvenanceEmptyBatch();
    /// @notice A disclosure level outside DISCLOSURE_HUMAN_MADE .. DISCLOSURE_AI_GENERATED.
    error DisclosureUnknownLevel(uint8 level);
    /// @notice Phase bits that name no phase.
    error DisclosureUnknownPhases(uint8 phases);
    /// @notice Phases that contradict the level: human-made names none, ideation-only exactly
    /// ideation, AI-in-production at least one phase besides ideation.
    error DisclosureInconsistentPhases(uint8 level, uint8 phases);

    /// @notice A lifecycle stage of the work was recorded by `actor`. `parents` is non-empty
    /// only for STAGE_DERIVED_FROM. `detailsHash` is the sha256 of the document at `detailsURI`.
    event StageRecorded(
        bytes32 indexed contentHash,
        uint8 indexed stage,
        address indexed actor,
        string detailsURI,
        bytes32 detailsHash,
        bytes32[] parents
    );
    /// @notice `derivativeHash` was recorded as derived from `parentHash` (so a parent can find its derivatives).
    event DerivativeRecorded(bytes32 indexed parentHash, bytes32 indexed derivativeHash, address indexed actor);
    /// @notice The work's AI-disclosure label is now (`level`, `phases`, `tools`).
    event DisclosureSet(bytes32 indexed contentHash, uint8 level, uint8 phases, address indexed actor, string tools);

    /// @notice Appends `stage` to the work's trail. Holder or approved operator only.
    /// @param parents the works it derives from (STAGE_DERIVED_FROM only; empty otherwise).
    function recordStage(
        bytes32 contentHash,
        uint8 stage,
        string calldata detailsURI,
        bytes32 detailsHash,
        bytes32[] calldata parents
    ) external;

    /// @notice Appends the same stage (not derived-from) with the same details to many works,
    /// e.g. a digitisation campaign. Holder or approved operator of each, only.
    function recordStageBatch(
        bytes32[] calldata contentHashes,
        uint8 stage,
        string calldata detailsURI,
        bytes32 detailsHash
    ) external;

    /// @notice Sets the work's AI-disclosure label. Holder or approved operator only.
    /// @param level a DISCLOSURE_* level (not NONE).
    /// @param phases PHASE_* flags of the phases in which AI was used, consistent with `level`.
    /// @param tools the AI tools used: names, or a URI of a document listing them ("" for none).
    function setDisclosure(bytes32 contentHash, uint8 level, uint8 phases, string calldata tools) external;

    /// @notice The work's label: level (DISCLOSURE_NONE if never set), phases, tools, and who set it when.
    function disclosureOf(bytes32 contentHash)
        external
        view
        returns (uint8 level, uint8 phases, string memory tools, uint40 setAt, address setBy);

    /// @notice The registry whose holders and operators may write here.
    function workRegistry() external view returns (IWorkRegistry);
}
