// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {ProvenanceLog} from "../../contracts/modules/provenance/ProvenanceLog.sol";
import {IProvenanceLog} from "../../contracts/interfaces/modules/provenance/IProvenanceLog.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import "../../contracts/libraries/ProvenanceTypes.sol";

contract ProvenanceLogTest is BaseTest {
    ProvenanceLog internal log;

    bytes32 internal constant WORK = keccak256("a scanned herbarium plate");
    bytes32 internal constant PARENT = keccak256("the original plate");
    bytes32 internal constant DETAILS = keccak256("details document");

    // Redeclared so the test can expect them.
    event StageRecorded(
        bytes32 indexed contentHash,
        uint8 indexed stage,
        address indexed actor,
        string detailsURI,
        bytes32 detailsHash,
        bytes32[] parents
    );
    event DerivativeRecorded(bytes32 indexed parentHash, bytes32 indexed derivativeHash, address indexed actor);
    event DisclosureSet(bytes32 indexed contentHash, uint8 level, uint8 phases, address indexed actor, string tools);

    function setUp() public override {
        super.setUp();
        log = new ProvenanceLog(works, address(forwarder));
        _register(alice, WORK, 0);
    }

    function _none() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    function test_holder_records_a_stage_with_its_details() public {
        vm.expectEmit(true, true, true, true);
        emit StageRecorded(WORK, STAGE_CREATED, alice, "ipfs://details", DETAILS, _none());
        vm.prank(alice);
        log.recordStage(WORK, STAGE_CREATED, "ipfs://details", DETAILS, _none());
    }

    function test_approved_operator_records_digitisation() public {
        vm.prank(alice);
        works.setApprovalForAll(bob, true);
        vm.expectEmit(true, true, true, true);
        emit StageRecorded(WORK, STAGE_DIGITISED, bob, "https://archive.example/scan-report", DETAILS, _none());
        vm.prank(bob);
        log.recordStage(WORK, STAGE_DIGITISED, "https://archive.example/scan-report", DETAILS, _none());
    }

    function test_non_holder_cannot_record_or_disclose() public {
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceUnauthorized.selector, WORK, eve));
        log.recordStage(WORK, STAGE_CREATED, "", bytes32(0), _none());
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceUnauthorized.selector, WORK, eve));
        log.setDisclosure(WORK, DISCLOSURE_HUMAN_MADE, 0, "");
    }

    function test_unregistered_work_is_reported_as_such() public {
        bytes32 other = keccak256("never registered");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceWorkNotRegistered.selector, other));
        log.recordStage(other, STAGE_CREATED, "", bytes32(0), _none());
    }

    function test_previous_holder_loses_access_after_transfer() public {
        vm.prank(alice);
        works.transferFrom(alice, bob, uint256(WORK));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceUnauthorized.selector, WORK, alice));
        log.recordStage(WORK, STAGE_TRANSFORMED, "", bytes32(0), _none());
        vm.prank(bob);
        log.recordStage(WORK, STAGE_TRANSFORMED, "", bytes32(0), _none());
    }

    function test_derived_from_names_parents_and_tells_each_parent() public {
        bytes32[] memory parents = new bytes32[](2);
        parents[0] = PARENT;
        parents[1] = keccak256("a second source");
        vm.expectEmit(true, true, true, true);
        emit StageRecorded(WORK, STAGE_DERIVED_FROM, alice, "", bytes32(0), parents);
        vm.expectEmit(true, true, true, true);
        emit DerivativeRecorded(parents[0], WORK, alice);
        vm.expectEmit(true, true, true, true);
        emit DerivativeRecorded(parents[1], WORK, alice);
        vm.prank(alice);
        log.recordStage(WORK, STAGE_DERIVED_FROM, "", bytes32(0), parents);
    }

    function test_parents_only_where_they_belong() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceInvalidParents.selector, STAGE_DERIVED_FROM, 0));
        log.recordStage(WORK, STAGE_DERIVED_FROM, "", bytes32(0), _none());
        bytes32[] memory one = new bytes32[](1);
        one[0] = PARENT;
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceInvalidParents.selector, STAGE_CREATED, 1));
        log.recordStage(WORK, STAGE_CREATED, "", bytes32(0), one);
        one[0] = WORK;
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceInvalidParent.selector, WORK, WORK));
        log.recordStage(WORK, STAGE_DERIVED_FROM, "", bytes32(0), one);
        bytes32[] memory tooMany = _hashes(MAX_PARENTS + 1, 7);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceLog.ProvenanceInvalidParents.selector, STAGE_DERIVED_FROM, MAX_PARENTS + 1)
        );
        log.recordStage(WORK, STAGE_DERIVED_FROM, "", bytes32(0), tooMany);
        vm.stopPrank();
    }

    function test_stages_recorded_elsewhere_cannot_be_appended_here(uint8 stage) public {
        stage = uint8(bound(stage, STAGE_COUNT, type(uint8).max));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceUnknownStage.selector, stage));
        log.recordStage(WORK, stage, "", bytes32(0), _none());
    }

    function test_batch_records_one_stage_for_a_collection_and_is_atomic() public {
        bytes32[] memory plates = _hashes(20, 3);
        vm.prank(alice);
        works.registerBatch(plates, alice, 0, "");
        vm.prank(alice);
        log.recordStageBatch(plates, STAGE_DIGITISED, "ipfs://campaign", DETAILS);

        plates[19] = keccak256("someone else's work");
        _register(bob, plates[19], 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceUnauthorized.selector, plates[19], alice));
        log.recordStageBatch(plates, STAGE_DIGITISED, "ipfs://campaign", DETAILS);

        vm.expectRevert(IProvenanceLog.ProvenanceEmptyBatch.selector);
        log.recordStageBatch(new bytes32[](0), STAGE_DIGITISED, "", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.ProvenanceInvalidParents.selector, STAGE_DERIVED_FROM, 0));
        log.recordStageBatch(plates, STAGE_DERIVED_FROM, "", bytes32(0));
    }

    function test_disclosure_is_stored_compactly_and_emitted() public {
        vm.warp(1_800_000_000);
        uint8 phases = PHASE_DRAFTING | PHASE_POST_PRODUCTION;
        vm.expectEmit(true, true, true, true);
        emit DisclosureSet(WORK, DISCLOSURE_AI_PRODUCTION_PHASES, phases, alice, "ipfs://tools");
        vm.prank(alice);
        log.setDisclosure(WORK, DISCLOSURE_AI_PRODUCTION_PHASES, phases, "ipfs://tools");
        (uint8 level, uint8 p, string memory tools, uint40 setAt, address setBy) = log.disclosureOf(WORK);
        assertEq(level, DISCLOSURE_AI_PRODUCTION_PHASES, "level");
        assertEq(p, phases, "phases");
        assertEq(keccak256(bytes(tools)), keccak256("ipfs://tools"), "tools");
        assertEq(setAt, 1_800_000_000, "time");
        assertEq(setBy, alice, "actor");

        vm.prank(alice);
        log.setDisclosure(WORK, DISCLOSURE_HUMAN_MADE, 0, "");
        (level,, tools,,) = log.disclosureOf(WORK);
        assertEq(level, DISCLOSURE_HUMAN_MADE, "changed");
        assertEq(bytes(tools).length, 0, "tools cleared");
    }

    function test_undisclosed_work_reads_level_none() public view {
        (uint8 level,,,, address setBy) = log.disclosureOf(WORK);
        assertEq(level, DISCLOSURE_NONE, "none");
        assertEq(setBy, address(0), "nobody");
    }

    function test_disclosure_rejects_unknown_levels_and_phases() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.DisclosureUnknownLevel.selector, 0));
        log.setDisclosure(WORK, 0, 0, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.DisclosureUnknownLevel.selector, 6));
        log.setDisclosure(WORK, 6, 1, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceLog.DisclosureUnknownPhases.selector, 64));
        log.setDisclosure(WORK, DISCLOSURE_AI_GENERATED, 64, "");
        vm.stopPrank();
    }

    function test_disclosure_phases_must_match_the_level() public {
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceLog.DisclosureInconsistentPhases.selector, DISCLOSURE_HUMAN_MADE, 1)
        );
        log.setDisclosure(WORK, DISCLOSURE_HUMAN_MADE, PHASE_IDEATION, "");
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceLog.DisclosureInconsistentPhases.selector, DISCLOSURE_AI_IDEATION_ONLY, 3)
        );
        log.setDisclosure(WORK, DISCLOSURE_AI_IDEATION_ONLY, PHASE_IDEATION | PHASE_DRAFTING, "");
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceLog.DisclosureInconsistentPhases.selector, DISCLOSURE_AI_PRODUCTION_PHASES, 1
            )
        );
        log.setDisclosure(WORK, DISCLOSURE_AI_PRODUCTION_PHASES, PHASE_IDEATION, "");
        log.setDisclosure(WORK, DISCLOSURE_AI_IDEATION_ONLY, PHASE_IDEATION, "");
        log.setDisclosure(WORK, DISCLOSURE_AI_GENERATED, 0, "model card: ipfs://x");
        vm.stopPrank();
    }

    function test_fuzz_accepted_labels_are_exactly_the_consistent_ones(uint8 level, uint8 phases) public {
        level = uint8(bound(level, DISCLOSURE_HUMAN_MADE, DISCLOSURE_AI_GENERATED));
        phases = uint8(bound(phases, 0, PHASES_KNOWN));
        bool consistent = level == DISCLOSURE_HUMAN_MADE
            ? phases == 0
            : level == DISCLOSURE_AI_IDEATION_ONLY
                ? phases == PHASE_IDEATION
                : level == DISCLOSURE_AI_PRODUCTION_PHASES ? phases & ~PHASE_IDEATION != 0 : true;
        if (!consistent) {
            vm.expectRevert(
                abi.encodeWithSelector(IProvenanceLog.DisclosureInconsistentPhases.selector, level, phases)
            );
        }
        vm.prank(alice);
        log.setDisclosure(WORK, level, phases, "");
        if (consistent) {
            (uint8 storedLevel, uint8 storedPhases,,,) = log.disclosureOf(WORK);
            assertEq(storedLevel, level, "level kept");
            assertEq(storedPhases, phases, "phases kept");
        }
    }

    function test_relayed_request_acts_for_the_signer() public {
        uint256 key = 0xA11CE5;
        address signer = vm.addr(key);
        _register(signer, PARENT, 0);
        bytes memory data = abi.encodeCall(log.setDisclosure, (PARENT, DISCLOSURE_HUMAN_MADE, 0, ""));
        ERC2771Forwarder.ForwardRequestData memory request = ERC2771Forwarder.ForwardRequestData({
            from: signer,
            to: address(log),
            value: 0,
            gas: 200_000,
            deadline: uint48(block.timestamp + 1 hours),
            data: data,
            signature: ""
        });
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
                ),
                signer,
                address(log),
                0,
                200_000,
                forwarder.nonces(signer),
                request.deadline,
                keccak256(data)
            )
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = forwarder.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifying
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        request.signature = abi.encodePacked(r, s, v);
        vm.prank(eve); // the relayer pays; the signer acts
        forwarder.execute(request);
        (uint8 level,,,, address setBy) = log.disclosureOf(PARENT);
        assertEq(level, DISCLOSURE_HUMAN_MADE, "set through the forwarder");
        assertEq(setBy, signer, "actor is the signer, not the relayer");
    }
}
