// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IProvenanceLog} from "../../interfaces/modules/provenance/IProvenanceLog.sol";
import {IWorkRegistry} from "../../interfaces/registries/IWorkRegistry.sol";
import {
    Disclosure,
    STAGE_DERIVED_FROM,
    STAGE_COUNT,
    MAX_PARENTS,
    DISCLOSURE_HUMAN_MADE,
    DISCLOSURE_AI_IDEATION_ONLY,
    DISCLOSURE_AI_PRODUCTION_PHASES,
    DISCLOSURE_AI_GENERATED,
    PHASE_IDEATION,
    PHASES_KNOWN
} from "../../libraries/ProvenanceTypes.sol";

/// @title ProvenanceLog
/// @notice Lifecycle stages and AI-disclosure labels of the works in one WorkRegistry.
/// @dev Stages live only in the event log (the trail is read by the SDK from events, paged by
/// block range and filtered by the indexed content hash); the label is also kept in storage
/// so it can be read in one call. Callers are `_msgSender()` (ERC-2771) so the gateway can
/// relay requests holders signed, as in WorkRegistry.
contract ProvenanceLog is IProvenanceLog, ERC2771Context {
    IWorkRegistry private immutable _works;

    mapping(bytes32 contentHash => Disclosure) private _disclosures;
    mapping(bytes32 contentHash => string) private _tools;

    constructor(IWorkRegistry works, address trustedForwarder) ERC2771Context(trustedForwarder) {
        _works = works;
    }

    // ---------------------------------------------------------------- stages

    /// @inheritdoc IProvenanceLog
    function recordStage(
        bytes32 contentHash,
        uint8 stage,
        string calldata detailsURI,
        bytes32 detailsHash,
        bytes32[] calldata parents
    ) external {
        if (stage >= STAGE_COUNT) revert ProvenanceUnknownStage(stage);
        uint256 n = parents.length;
        if (stage == STAGE_DERIVED_FROM ? (n == 0 || n > MAX_PARENTS) : n != 0) {
            revert ProvenanceInvalidParents(stage, n);
        }
        address actor = _authorize(contentHash);
        for (uint256 i; i < n; ++i) {
            bytes32 parent = parents[i];
            if (parent == bytes32(0) || parent == contentHash) revert ProvenanceInvalidParent(contentHash, parent);
        }
        emit StageRecorded(contentHash, stage, actor, detailsURI, detailsHash, parents);
        for (uint256 i; i < n; ++i) {
            emit DerivativeRecorded(parents[i], contentHash, actor);
        }
    }

    /// @inheritdoc IProvenanceLog
    function recordStageBatch(
        bytes32[] calldata contentHashes,
        uint8 stage,
        string calldata detailsURI,
        bytes32 detailsHash
    ) external {
        if (stage >= STAGE_COUNT) revert ProvenanceUnknownStage(stage);
        if (stage == STAGE_DERIVED_FROM) revert ProvenanceInvalidParents(stage, 0);
        uint256 n = contentHashes.length;
        if (n == 0) revert ProvenanceEmptyBatch();
        bytes32[] memory noParents;
        for (uint256 i; i < n; ++i) {
            address actor = _authorize(contentHashes[i]);
            emit StageRecorded(contentHashes[i], stage, actor, detailsURI, detailsHash, noParents);
        }
    }

    // ---------------------------------------------------------------- disclosure

    /// @inheritdoc IProvenanceLog
    function setDisclosure(bytes32 contentHash, uint8 level, uint8 phases, string calldata tools) external {
        _requireConsistent(level, phases);
        address actor = _authorize(contentHash);
        _disclosures[contentHash] =
            Disclosure({level: level, phases: phases, setAt: uint40(block.timestamp), setBy: actor});
        // The tools text costs storage only when there is one, or one to clear.
        if (bytes(tools).length != 0 || bytes(_tools[contentHash]).length != 0) _tools[contentHash] = tools;
        emit DisclosureSet(contentHash, level, phases, actor, tools);
    }

    /// @inheritdoc IProvenanceLog
    function disclosureOf(bytes32 contentHash)
        external
        view
        returns (uint8 level, uint8 phases, string memory tools, uint40 setAt, address setBy)
    {
        Disclosure memory d = _disclosures[contentHash];
        return (d.level, d.phases, _tools[contentHash], d.setAt, d.setBy);
    }

    /// @inheritdoc IProvenanceLog
    function workRegistry() external view returns (IWorkRegistry) {
        return _works;
    }

    // ---------------------------------------------------------------- internals

    /// @dev The label's own consistency rules: the level says how AI was involved, the phases where.
    function _requireConsistent(uint8 level, uint8 phases) private pure {
        if (level < DISCLOSURE_HUMAN_MADE || level > DISCLOSURE_AI_GENERATED) revert DisclosureUnknownLevel(level);
        if (phases & ~PHASES_KNOWN != 0) revert DisclosureUnknownPhases(phases);
        bool consistent = true;
        if (level == DISCLOSURE_HUMAN_MADE) consistent = phases == 0;
        else if (level == DISCLOSURE_AI_IDEATION_ONLY) consistent = phases == PHASE_IDEATION;
        else if (level == DISCLOSURE_AI_PRODUCTION_PHASES) consistent = phases & ~PHASE_IDEATION != 0;
        if (!consistent) revert DisclosureInconsistentPhases(level, phases);
    }

    function _authorize(bytes32 contentHash) private view returns (address actor) {
        actor = _msgSender();
        if (!_works.isHolderOrOperator(contentHash, actor)) {
            if (!_works.isRegistered(contentHash)) revert ProvenanceWorkNotRegistered(contentHash);
            revert ProvenanceUnauthorized(contentHash, actor);
        }
    }
}
