// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IWorkRegistry, CodeProof} from "../interfaces/registries/IWorkRegistry.sol";
import {ContentCodes, CODE_BYTES} from "../libraries/ContentCodes.sol";
import {Decision} from "../libraries/Decision.sol";
import {IPolicyRegistry} from "../interfaces/registries/IPolicyRegistry.sol";
import {ILicenceOracle} from "../interfaces/modules/licensing/ILicenceOracle.sol";
import {ITermsHistory} from "../interfaces/registries/ITermsHistory.sol";
import {IInlineTerms} from "../interfaces/registries/IInlineTerms.sol";
import {
    Policy,
    Rule,
    WorkRecord,
    USE_COUNT,
    MODE_DENY,
    STATUS_UNVERIFIED,
    STATUS_VERIFIED,
    STATUS_DISPUTED,
    REASON_ALLOWED_BY_TERMS,
    REASON_ALLOWED_BY_LICENCE
} from "../libraries/RightsTypes.sol";

/// @title WorkRegistry
/// @notice Holds the works: holder (as an ERC-721 token, id = uint256(contentHash)), terms,
/// opt-outs and verification status, and answers whether a use is allowed.
/// @dev ERC-721 is implemented here rather than inherited so that a work costs exactly one
/// storage slot (owner, policy, registration, status and opt-outs packed together): that
/// slot is the whole marginal storage cost of a work registered in a batch.
/// Callers are `_msgSender()` (ERC-2771): a relayer (the gateway) may submit a request the
/// user signed (EIP-712, with nonce and deadline) through the trusted ERC2771Forwarder, so
/// holders change their works without paying gas, and the forwarder proves who asked.
contract WorkRegistry is
    IWorkRegistry,
    ITermsHistory,
    IInlineTerms,
    IERC721Metadata,
    IERC721Errors,
    IERC2981,
    AccessControl,
    ERC2771Context
{
    using Strings for uint256;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice May mark registrations verified or disputed (a collective management organisation, a heritage institution).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice May register a work on behalf of its registrant (the licence manager, for derivatives).
    bytes32 public constant DELEGATE_REGISTRAR_ROLE = keccak256("DELEGATE_REGISTRAR_ROLE");

    /// @dev One slot on purpose: 160 + 32 + 32 + 8 + 8 + 16 = 256 bits. `position` is the work's
    /// place in its registration (0-based): with the registration's code root it locates the
    /// work's content code, so codes cost no storage per work.
    struct Work {
        address holder;
        uint32 policyId;
        uint32 registrationId;
        uint8 status;
        uint8 optOutMask;
        uint16 position;
    }

    /// @dev One slot: 160 + 40 + 32 = 232 bits. The metadata URI lives apart, written only when given.
    struct Registration {
        address registrant;
        uint40 registeredAt;
        uint32 count;
    }

    uint8 private constant _ALL_USES_MASK = uint8((1 << USE_COUNT) - 1);
    /// @dev A registration's works are numbered in a uint16 (`Work.position`).
    uint256 private constant _MAX_BATCH = 1 << 16;

    IPolicyRegistry private immutable _policies;
    ILicenceOracle private _licences;

    mapping(bytes32 contentHash => Work) private _works;
    mapping(uint32 registrationId => Registration) private _registrations;
    mapping(uint32 registrationId => string) private _registrationURIs;
    uint32 private _registrationCount;

    mapping(address holder => uint256) private _balances;
    mapping(bytes32 contentHash => address) private _tokenApprovals;
    mapping(address holder => mapping(address operator => bool)) private _operatorApprovals;

    /// @dev Per work, (policyId << 8 | optOutMask) by timestamp, written only when terms change
    /// (registration costs nothing extra): an empty history means the current terms applied since registration.
    // Written through storage pointers: `.push`.
    // slither-disable-next-line uninitialized-state
    mapping(bytes32 contentHash => Checkpoints.Trace208) private _termsHistory;

    /// @dev Per registration with codes, the root of its codes' tree (ContentCodes); 0 = no codes.
    mapping(uint32 registrationId => bytes32) private _codeRoots;

    /// @dev The CollectionRegistry whose verified collections may contest later registrations of their
    /// members. Declared last: the counters' slots stay where the layout tests read them.
    address private _collections;

    constructor(IPolicyRegistry policies, address admin, address trustedForwarder) ERC2771Context(trustedForwarder) {
        _policies = policies;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IWorkRegistry
    function register(bytes32 contentHash, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint32 registrationId)
    {
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        _mint(contentHash, 0, _newWorkSlot(holder, policyId, registrationId));
        _closeRegistration(registrationId, holder, policyId, 1, metadataURI);
    }

    /// @inheritdoc IWorkRegistry
    function registerBatch(bytes32[] calldata contentHashes, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint32 registrationId)
    {
        uint256 n = contentHashes.length;
        registrationId = _openRegistration(holder, policyId, n, metadataURI);
        _mintBatch(contentHashes, _newWorkSlot(holder, policyId, registrationId));
        _closeRegistration(registrationId, holder, policyId, n, metadataURI);
    }

    /// @inheritdoc IWorkRegistry
    function registerWithCode(
        bytes32 contentHash,
        bytes10 code,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId) {
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        _mintWithCode(contentHash, code, _newWorkSlot(holder, policyId, registrationId), registrationId);
        _closeRegistration(registrationId, holder, policyId, 1, metadataURI);
    }

    /// @inheritdoc IWorkRegistry
    function registerBatchWithCodes(
        bytes32[] calldata contentHashes,
        bytes calldata codes,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId) {
        uint256 n = contentHashes.length;
        if (codes.length != n * CODE_BYTES) revert WorkCodesLengthMismatch(n, codes.length);
        registrationId = _openRegistration(holder, policyId, n, metadataURI);
        _mintBatch(contentHashes, _newWorkSlot(holder, policyId, registrationId));
        uint256 data = _codesEventData(codes.length);
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            calldatacopy(add(data, 0x60), codes.offset, codes.length)
        }
        _commitCodes(registrationId, data, n);
        _closeRegistration(registrationId, holder, policyId, n, metadataURI);
    }

    /// @inheritdoc IWorkRegistry
    function registerFor(
        address registrant,
        bytes32 contentHash,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external onlyRole(DELEGATE_REGISTRAR_ROLE) returns (uint32 registrationId) {
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        // _openRegistration recorded the delegate as registrant: record whom it acts for (same slot, already warm).
        _registrations[registrationId].registrant = registrant;
        _mint(contentHash, 0, _newWorkSlot(holder, policyId, registrationId));
        // Cannot overflow: a balance counts distinct registered hashes, far fewer than 2**256.
        unchecked {
            _balances[holder] += 1;
        }
        emit WorksRegistered(registrationId, registrant, holder, policyId, 1, metadataURI);
    }

    /// @inheritdoc IWorkRegistry
    function registerForWithCode(
        address registrant,
        bytes32 contentHash,
        bytes10 code,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external onlyRole(DELEGATE_REGISTRAR_ROLE) returns (uint32 registrationId) {
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        // As in registerFor: the registrant is whom the delegate acts for (same slot, already warm).
        _registrations[registrationId].registrant = registrant;
        _mintWithCode(contentHash, code, _newWorkSlot(holder, policyId, registrationId), registrationId);
        // Cannot overflow: a balance counts distinct registered hashes, far fewer than 2**256.
        unchecked {
            _balances[holder] += 1;
        }
        emit WorksRegistered(registrationId, registrant, holder, policyId, 1, metadataURI);
    }

    // ---------------------------------------------------------------- registration with the terms inline

    /// @inheritdoc IInlineTerms
    function registerWithTerms(bytes32 contentHash, address holder, Policy calldata terms, string calldata metadataURI)
        external
        returns (uint32 registrationId, uint32 policyId)
    {
        // The call is to our own immutable PolicyRegistry, which calls nothing back.
        // slither-disable-next-line reentrancy-benign,reentrancy-events
        policyId = _policies.registerPolicy(terms);
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        _mint(contentHash, 0, _newWorkSlot(holder, policyId, registrationId));
        _closeRegistration(registrationId, holder, policyId, 1, metadataURI);
    }

    /// @inheritdoc IInlineTerms
    function registerWithCodeAndTerms(
        bytes32 contentHash,
        bytes10 code,
        address holder,
        Policy calldata terms,
        string calldata metadataURI
    ) external returns (uint32 registrationId, uint32 policyId) {
        // The call is to our own immutable PolicyRegistry, which calls nothing back.
        // slither-disable-next-line reentrancy-benign,reentrancy-events
        policyId = _policies.registerPolicy(terms);
        registrationId = _openRegistration(holder, policyId, 1, metadataURI);
        _mintWithCode(contentHash, code, _newWorkSlot(holder, policyId, registrationId), registrationId);
        _closeRegistration(registrationId, holder, policyId, 1, metadataURI);
    }

    /// @inheritdoc IInlineTerms
    function registerBatchWithTerms(
        bytes32[] calldata contentHashes,
        address holder,
        Policy calldata terms,
        string calldata metadataURI
    ) external returns (uint32 registrationId, uint32 policyId) {
        // The call is to our own immutable PolicyRegistry, which calls nothing back.
        // slither-disable-next-line reentrancy-benign,reentrancy-events
        policyId = _policies.registerPolicy(terms);
        uint256 n = contentHashes.length;
        registrationId = _openRegistration(holder, policyId, n, metadataURI);
        _mintBatch(contentHashes, _newWorkSlot(holder, policyId, registrationId));
        _closeRegistration(registrationId, holder, policyId, n, metadataURI);
    }

    function _openRegistration(address holder, uint32 policyId, uint256 n, string calldata metadataURI)
        private
        returns (uint32 registrationId)
    {
        if (n == 0) revert WorkEmptyBatch();
        if (n > _MAX_BATCH) revert WorkBatchTooLarge(n);
        if (holder == address(0)) revert ERC721InvalidReceiver(address(0));
        _requirePolicy(policyId);
        registrationId = ++_registrationCount;
        _registrations[registrationId] =
            Registration({registrant: _msgSender(), registeredAt: uint40(block.timestamp), count: uint32(n)});
        if (bytes(metadataURI).length != 0) _registrationURIs[registrationId] = metadataURI;
    }

    /// @dev The slot of a new work, packed as `Work` lays it out (first member in the lowest bits):
    /// holder in bits 0-159, policyId 160-191, registrationId 192-223; status (224-231) and
    /// opt-outs (232-239) start at zero; position (240-255) is added per work (`_mintBatch`). test_batch_registered_work_reads_back_every_field and
    /// testFuzz_packed_slot_matches_the_struct_layout read every field back through the struct.
    function _newWorkSlot(address holder, uint32 policyId, uint32 registrationId) private pure returns (uint256) {
        return uint256(uint160(holder)) | (uint256(policyId) << 160) | (uint256(registrationId) << 192);
    }

    /// @dev The one storage write a registered work costs, and its ERC-721 Transfer event.
    function _mint(bytes32 contentHash, uint256 index, uint256 slotValue) private {
        if (contentHash == bytes32(0)) revert WorkZeroHash(index);
        Work storage work = _works[contentHash];
        address current = work.holder;
        if (current != address(0)) revert WorkAlreadyRegistered(contentHash, current);
        // Assembly because the batch benchmark demands it (issue 5: <= 25,000 gas per work): assigning
        // the fields compiles to one read-modify-write of the slot per field (~450 gas more per work);
        // this is one SSTORE of the whole slot, which was all zeros (checked just above).
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            sstore(work.slot, slotValue)
        }
        emit Transfer(address(0), address(uint160(slotValue)), uint256(contentHash));
    }

    /// @dev `_mint` of one work with its content code: the code's tree (one leaf) is committed for the
    /// registration and the ContentCodesRecorded event emitted.
    function _mintWithCode(bytes32 contentHash, bytes10 code, uint256 slotValue, uint32 registrationId) private {
        _mint(contentHash, 0, slotValue);
        uint256 data = _codesEventData(CODE_BYTES);
        // A bytes10 is left-aligned with zeros after it: one store writes the packed code and its padding.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            mstore(add(data, 0x60), code)
        }
        _commitCodes(registrationId, data, 1);
    }

    /// @dev `_mint` for every hash of a batch, in order, position i in bits 240-255 of work i's slot:
    /// the same checks, errors, storage word and Transfer events, in one loop of assembly because
    /// the batch benchmark demands it (issue 11: with codes, at most an OpenZeppelin ERC-721 batch
    /// mint per token; the Solidity loop spent ~400 gas per work on bounds checks, memory and jumps).
    /// `_MAX_BATCH` (checked in `_openRegistration`) keeps i within 16 bits.
    function _mintBatch(bytes32[] calldata contentHashes, uint256 slotValue) private {
        bytes4 zeroHash = IWorkRegistry.WorkZeroHash.selector;
        bytes4 alreadyRegistered = IWorkRegistry.WorkAlreadyRegistered.selector;
        bytes32 transferTopic = IERC721.Transfer.selector;
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let holder := and(slotValue, 0xffffffffffffffffffffffffffffffffffffffff)
            // The mapping's slot for key h is keccak256(h ++ _works.slot): the second word stays put.
            mstore(0x20, _works.slot)
            let end := add(contentHashes.offset, shl(5, contentHashes.length))
            for { let at := contentHashes.offset let i := 0 } lt(at, end) { at := add(at, 0x20) i := add(i, 1) } {
                let contentHash := calldataload(at)
                if iszero(contentHash) {
                    mstore(0, zeroHash)
                    mstore(0x04, i)
                    revert(0, 0x24)
                }
                mstore(0, contentHash)
                let slot := keccak256(0, 0x40)
                let current := and(sload(slot), 0xffffffffffffffffffffffffffffffffffffffff)
                if current {
                    mstore(0, alreadyRegistered)
                    mstore(0x04, contentHash)
                    mstore(0x24, current)
                    revert(0, 0x44)
                }
                // The slot was all zeros (no holder: never registered, as a holder is never reset).
                sstore(slot, or(slotValue, shl(240, i)))
                log4(0, 0, transferTopic, 0, holder, contentHash)
            }
        }
    }

    /// @dev Memory for the ContentCodesRecorded event's data (codesRoot, offset, length, `codesLength`
    /// bytes of codes, zero-padded to a word), at the free memory pointer, which it moves past;
    /// the codes go at `data + 0x60`.
    function _codesEventData(uint256 codesLength) private pure returns (uint256 data) {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            data := mload(0x40)
            let padded := and(add(codesLength, 31), not(31))
            mstore(add(data, 0x20), 0x40)
            mstore(add(data, 0x40), codesLength)
            // The last word of the codes first: the bytes after them must be zero in the event.
            mstore(add(add(data, 0x40), padded), 0)
            mstore(0x40, add(add(data, 0x60), padded))
        }
    }

    /// @dev Computes the codes' root, stores it for the registration and emits ContentCodesRecorded
    /// from the event data prepared by `_codesEventData` and filled with `n` codes.
    function _commitCodes(uint32 registrationId, uint256 data, uint256 n) private {
        uint256 scratch;
        uint256 size;
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            scratch := mload(0x40)
            size := add(0x60, and(add(mload(add(data, 0x40)), 31), not(31)))
        }
        bytes32 root = ContentCodes.rootInMemory(data + 0x60, n, scratch);
        _codeRoots[registrationId] = root;
        bytes32 topic = IWorkRegistry.ContentCodesRecorded.selector;
        // The event is emitted from the memory the codes were hashed in: no second copy.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            mstore(data, root)
            log2(data, size, topic, registrationId)
        }
    }

    function _closeRegistration(
        uint32 registrationId,
        address holder,
        uint32 policyId,
        uint256 n,
        string calldata metadataURI
    ) private {
        // Cannot overflow: a balance counts distinct registered hashes, far fewer than 2**256.
        unchecked {
            _balances[holder] += n;
        }
        emit WorksRegistered(registrationId, _msgSender(), holder, policyId, n, metadataURI);
    }

    // ---------------------------------------------------------------- terms, opt-out, status

    /// @inheritdoc IWorkRegistry
    function setPolicy(bytes32 contentHash, uint32 policyId) external {
        _requirePolicy(policyId);
        _setPolicy(contentHash, policyId);
    }

    /// @inheritdoc IWorkRegistry
    function setPolicyBatch(bytes32[] calldata contentHashes, uint32 policyId) external {
        if (contentHashes.length == 0) revert WorkEmptyBatch();
        _requirePolicy(policyId);
        for (uint256 i; i < contentHashes.length; ++i) {
            _setPolicy(contentHashes[i], policyId);
        }
    }

    /// @inheritdoc IInlineTerms
    function setTerms(bytes32 contentHash, Policy calldata terms) external returns (uint32 policyId) {
        // The call is to our own immutable PolicyRegistry, which calls nothing back.
        // slither-disable-next-line reentrancy-benign,reentrancy-events
        policyId = _policies.registerPolicy(terms);
        _setPolicy(contentHash, policyId);
    }

    function _setPolicy(bytes32 contentHash, uint32 policyId) private {
        Work storage work = _authorizedWork(contentHash);
        _checkpointTerms(contentHash, work, policyId, work.optOutMask);
        work.policyId = policyId;
        emit PolicyAttached(contentHash, policyId, _msgSender());
    }

    /// @inheritdoc IWorkRegistry
    function setOptOut(bytes32 contentHash, uint8 optOutMask) external {
        if (optOutMask & ~_ALL_USES_MASK != 0) revert WorkInvalidOptOutMask(optOutMask);
        Work storage work = _authorizedWork(contentHash);
        _checkpointTerms(contentHash, work, work.policyId, optOutMask);
        work.optOutMask = optOutMask;
        emit OptOutChanged(contentHash, optOutMask, _msgSender());
    }

    /// @inheritdoc IWorkRegistry
    function markStatus(bytes32 contentHash, uint8 status, string calldata evidenceURI)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (status > STATUS_DISPUTED) revert WorkInvalidStatus(status);
        Work storage work = _existingWork(contentHash);
        work.status = status;
        emit StatusMarked(contentHash, status, _msgSender(), evidenceURI);
    }

    /// @inheritdoc IWorkRegistry
    function correctHolder(bytes32 contentHash, address newHolder, string calldata evidenceURI)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (newHolder == address(0)) revert ERC721InvalidReceiver(address(0));
        Work storage work = _existingWork(contentHash);
        if (work.status != STATUS_DISPUTED) revert WorkNotDisputed(contentHash);
        address previous = work.holder;
        address registrar = _msgSender();
        // The wrong holder's terms go with it: the work answers "deny" until its holder sets terms.
        _checkpointTerms(contentHash, work, 0, 0);
        if (_tokenApprovals[contentHash] != address(0)) delete _tokenApprovals[contentHash];
        // Cannot overflow or underflow: `previous` holds this token, and balances count distinct tokens.
        unchecked {
            _balances[previous] -= 1;
            _balances[newHolder] += 1;
        }
        work.holder = newHolder;
        work.policyId = 0;
        work.optOutMask = 0;
        work.status = STATUS_VERIFIED;
        emit Transfer(previous, newHolder, uint256(contentHash));
        emit HolderCorrected(contentHash, previous, newHolder, registrar, evidenceURI);
        emit PolicyAttached(contentHash, 0, registrar);
        emit OptOutChanged(contentHash, 0, registrar);
        emit StatusMarked(contentHash, STATUS_VERIFIED, registrar, evidenceURI);
    }

    /// @inheritdoc IWorkRegistry
    function setLicenceOracle(ILicenceOracle oracle) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ILicenceOracle previous = _licences;
        _licences = oracle;
        emit LicenceOracleChanged(address(previous), address(oracle));
    }

    /// @inheritdoc IWorkRegistry
    function setCollectionRegistry(address collections) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_collections != address(0)) revert WorkCollectionRegistryAlreadySet(_collections);
        if (collections == address(0)) revert WorkNotCollectionRegistry(address(0));
        _collections = collections;
        emit CollectionRegistrySet(collections);
    }

    /// @inheritdoc IWorkRegistry
    /// @dev The CollectionRegistry checked the proof, the collection's verification and the precedence;
    /// it calls directly (never through the forwarder), hence `msg.sender`.
    function contestByCollection(bytes32 contentHash, uint256 collectionId, address contester) external {
        if (msg.sender != _collections) revert WorkNotCollectionRegistry(msg.sender);
        Work storage work = _existingWork(contentHash);
        uint8 status = work.status;
        if (status != STATUS_UNVERIFIED) revert WorkNotContestable(contentHash, status);
        work.status = STATUS_DISPUTED;
        emit ContestedByCollection(contentHash, collectionId, contester);
    }

    // ---------------------------------------------------------------- checks

    /// @inheritdoc IWorkRegistry
    function check(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bool allowed, uint8 reason)
    {
        if (use >= USE_COUNT) revert UnknownUse(use);
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        Work memory work = _works[contentHash];
        Rule memory rule;
        uint40 expiresAt;
        if (work.holder != address(0) && work.policyId != 0) (rule, expiresAt) = _policies.ruleOf(work.policyId, use);
        reason = _decide(contentHash, work, rule, expiresAt, use, licensee, timestamp);
        allowed = reason == REASON_ALLOWED_BY_TERMS || reason == REASON_ALLOWED_BY_LICENCE;
    }

    /// @inheritdoc IWorkRegistry
    function checkBatch(bytes32[] calldata contentHashes, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bytes memory reasons)
    {
        if (use >= USE_COUNT) revert UnknownUse(use);
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        uint256 n = contentHashes.length;
        reasons = new bytes(n);
        // Works of one collection share a policy: fetch a rule only when the policy changes.
        uint32 cachedPolicyId;
        Rule memory rule;
        uint40 expiresAt;
        for (uint256 i; i < n; ++i) {
            Work memory work = _works[contentHashes[i]];
            if (work.policyId != cachedPolicyId) {
                cachedPolicyId = work.policyId;
                if (cachedPolicyId == 0) {
                    rule = Rule(MODE_DENY, 0, 0, 0, 0, 0);
                    expiresAt = 0;
                } else {
                    (rule, expiresAt) = _policies.ruleOf(cachedPolicyId, use);
                }
            }
            reasons[i] = bytes1(_decide(contentHashes[i], work, rule, expiresAt, use, licensee, timestamp));
        }
    }

    /// @dev The order of evaluation is the project's semantics (README, "Checks"): the most
    /// restrictive fact about the work decides first; a licence survives opt-out and expiry
    /// until its own end, but not a dispute over who holds the work.
    function _decide(
        bytes32 contentHash,
        Work memory work,
        Rule memory rule,
        uint40 expiresAt,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) private view returns (uint8) {
        return Decision.decide(
            work.holder != address(0),
            work.status,
            work.optOutMask,
            expiresAt,
            rule,
            _licences,
            contentHash,
            use,
            licensee,
            timestamp
        );
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IWorkRegistry
    function workOf(bytes32 contentHash) external view returns (WorkRecord memory record) {
        Work memory work = _works[contentHash];
        if (work.holder == address(0)) revert WorkNotRegistered(contentHash);
        Registration memory registration = _registrations[work.registrationId];
        record = WorkRecord({
            holder: work.holder,
            registrant: registration.registrant,
            policyId: work.policyId,
            registrationId: work.registrationId,
            registeredAt: registration.registeredAt,
            status: work.status,
            optOutMask: work.optOutMask,
            metadataURI: _registrationURIs[work.registrationId]
        });
    }

    /// @inheritdoc IWorkRegistry
    function isRegistered(bytes32 contentHash) external view returns (bool) {
        return _works[contentHash].holder != address(0);
    }

    /// @inheritdoc IWorkRegistry
    function isHolderOrOperator(bytes32 contentHash, address account) public view returns (bool) {
        address holder = _works[contentHash].holder;
        if (holder == address(0) || account == address(0)) return false;
        return account == holder || _operatorApprovals[holder][account] || _tokenApprovals[contentHash] == account;
    }

    /// @inheritdoc IWorkRegistry
    function policyRegistry() external view returns (IPolicyRegistry) {
        return _policies;
    }

    /// @inheritdoc IWorkRegistry
    function licenceOracle() external view returns (ILicenceOracle) {
        return _licences;
    }

    /// @inheritdoc IWorkRegistry
    function collectionRegistry() external view returns (address) {
        return _collections;
    }

    /// @inheritdoc IWorkRegistry
    function verifyCode(bytes32 contentHash, bytes10 code, CodeProof calldata proof) external view returns (bool) {
        Work memory work = _works[contentHash];
        if (work.holder == address(0)) return false;
        bytes32 root = _codeRoots[work.registrationId];
        if (root == bytes32(0)) return false;
        uint256 count = _registrations[work.registrationId].count;
        return ContentCodes.verify(root, count, work.position, code, proof.leafCodes, proof.siblings);
    }

    /// @inheritdoc IWorkRegistry
    function codeCommitmentOf(bytes32 contentHash)
        external
        view
        returns (uint32 registrationId, uint16 position, uint32 count, bytes32 codesRoot)
    {
        Work memory work = _existingWork(contentHash);
        return (
            work.registrationId,
            work.position,
            _registrations[work.registrationId].count,
            _codeRoots[work.registrationId]
        );
    }

    /// @inheritdoc IWorkRegistry
    function registrationCount() external view returns (uint32) {
        return _registrationCount;
    }

    /// @inheritdoc IERC2981
    /// @dev The licence module keeps each work's royalty (set by its holder); without one, there is none.
    function royaltyInfo(uint256 tokenId, uint256 salePrice) external view returns (address, uint256) {
        if (address(_licences) == address(0)) return (address(0), 0);
        return IERC2981(address(_licences)).royaltyInfo(tokenId, salePrice);
    }

    // ---------------------------------------------------------------- terms history

    /// @dev Before the first change, records the terms set at registration, so history starts there.
    function _checkpointTerms(bytes32 contentHash, Work storage work, uint32 policyId, uint8 optOutMask) private {
        Checkpoints.Trace208 storage history = _termsHistory[contentHash];
        if (history.length() == 0) {
            uint48 registeredAt = _registrations[work.registrationId].registeredAt;
            history.push(registeredAt, _packTerms(work.policyId, work.optOutMask));
        }
        history.push(uint48(block.timestamp), _packTerms(policyId, optOutMask));
    }

    function _packTerms(uint32 policyId, uint8 optOutMask) private pure returns (uint208) {
        return (uint208(policyId) << 8) | optOutMask;
    }

    /// @dev The work as it stood at `timestamp`: holder 0 if not registered yet, else the terms then in force.
    function _workAt(bytes32 contentHash, uint64 timestamp) private view returns (Work memory work) {
        work = _works[contentHash];
        if (work.holder == address(0)) return work;
        if (timestamp < _registrations[work.registrationId].registeredAt) return Work(address(0), 0, 0, 0, 0, 0);
        Checkpoints.Trace208 storage history = _termsHistory[contentHash];
        if (history.length() != 0) {
            uint208 packed = history.upperLookupRecent(uint48(timestamp));
            work.policyId = uint32(packed >> 8);
            work.optOutMask = uint8(packed);
        }
    }

    /// @inheritdoc ITermsHistory
    function termsAt(bytes32 contentHash, uint64 timestamp)
        external
        view
        returns (bool registered, uint32 policyId, uint8 optOutMask)
    {
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        Work memory work = _workAt(contentHash, timestamp);
        return (work.holder != address(0), work.policyId, work.optOutMask);
    }

    /// @inheritdoc ITermsHistory
    function checkAt(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bool allowed, uint8 reason)
    {
        if (use >= USE_COUNT) revert UnknownUse(use);
        if (timestamp == 0) timestamp = uint64(block.timestamp);
        Work memory work = _workAt(contentHash, timestamp);
        Rule memory rule;
        uint40 expiresAt;
        if (work.holder != address(0) && work.policyId != 0) (rule, expiresAt) = _policies.ruleOf(work.policyId, use);
        reason = _decide(contentHash, work, rule, expiresAt, use, licensee, timestamp);
        allowed = reason == REASON_ALLOWED_BY_TERMS || reason == REASON_ALLOWED_BY_LICENCE;
    }

    /// @inheritdoc ITermsHistory
    function policyIdsOf(bytes32[] calldata contentHashes) external view returns (bytes memory packedIds) {
        uint256 n = contentHashes.length;
        packedIds = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint32 policyId = _works[contentHashes[i]].policyId;
            // Cannot overflow: i < n, and n * 4 was allocated above.
            unchecked {
                uint256 at = i * 4;
                packedIds[at] = bytes1(uint8(policyId >> 24));
                packedIds[at + 1] = bytes1(uint8(policyId >> 16));
                packedIds[at + 2] = bytes1(uint8(policyId >> 8));
                packedIds[at + 3] = bytes1(uint8(policyId));
            }
        }
    }

    // ---------------------------------------------------------------- ERC-721

    /// @inheritdoc IERC721Metadata
    function name() external pure returns (string memory) {
        return "rightsledger works";
    }

    /// @inheritdoc IERC721Metadata
    function symbol() external pure returns (string memory) {
        return "RLW";
    }

    /// @inheritdoc IERC721Metadata
    /// @dev The registration's metadata URI; a URI ending in "/" names a folder, and the work's hash is appended.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        Work memory work = _requireOwned(tokenId);
        string memory uri = _registrationURIs[work.registrationId];
        bytes memory raw = bytes(uri);
        if (raw.length != 0 && raw[raw.length - 1] == "/") return string.concat(uri, tokenId.toHexString(32));
        return uri;
    }

    /// @inheritdoc IERC721
    function balanceOf(address holder) external view returns (uint256) {
        if (holder == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[holder];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) external view returns (address) {
        return _requireOwned(tokenId).holder;
    }

    /// @inheritdoc IERC721
    function approve(address to, uint256 tokenId) external {
        address holder = _requireOwned(tokenId).holder;
        address sender = _msgSender();
        if (sender != holder && !_operatorApprovals[holder][sender]) revert ERC721InvalidApprover(sender);
        _tokenApprovals[bytes32(tokenId)] = to;
        emit Approval(holder, to, tokenId);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _tokenApprovals[bytes32(tokenId)];
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _operatorApprovals[_msgSender()][operator] = approved;
        emit ApprovalForAll(_msgSender(), operator, approved);
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address holder, address operator) external view returns (bool) {
        return _operatorApprovals[holder][operator];
    }

    /// @inheritdoc IERC721
    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        bytes32 contentHash = bytes32(tokenId);
        Work storage work = _works[contentHash];
        address holder = work.holder;
        if (holder == address(0)) revert ERC721NonexistentToken(tokenId);
        if (holder != from) revert ERC721IncorrectOwner(from, tokenId, holder);
        if (!isHolderOrOperator(contentHash, _msgSender())) revert ERC721InsufficientApproval(_msgSender(), tokenId);

        if (_tokenApprovals[contentHash] != address(0)) delete _tokenApprovals[contentHash];
        // Cannot overflow or underflow: `from` holds this token, and balances count distinct tokens.
        unchecked {
            _balances[from] -= 1;
            _balances[to] += 1;
        }
        work.holder = to;
        emit Transfer(from, to, tokenId);
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(_msgSender(), from, to, tokenId, data);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == type(IWorkRegistry).interfaceId || interfaceId == type(IERC2981).interfaceId
            || interfaceId == type(ITermsHistory).interfaceId || interfaceId == type(IInlineTerms).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }

    function _requireOwned(uint256 tokenId) private view returns (Work memory work) {
        work = _works[bytes32(tokenId)];
        if (work.holder == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function _existingWork(bytes32 contentHash) private view returns (Work storage work) {
        work = _works[contentHash];
        if (work.holder == address(0)) revert WorkNotRegistered(contentHash);
    }

    function _authorizedWork(bytes32 contentHash) private view returns (Work storage work) {
        work = _existingWork(contentHash);
        if (!isHolderOrOperator(contentHash, _msgSender())) revert WorkUnauthorized(contentHash, _msgSender());
    }

    function _requirePolicy(uint32 policyId) private view {
        if (policyId > _policies.policyCount()) revert IPolicyRegistry.PolicyUnknown(policyId);
    }
}
