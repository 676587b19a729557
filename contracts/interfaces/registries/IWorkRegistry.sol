// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {WorkRecord} from "../../libraries/RightsTypes.sol";
import {ILicenceOracle} from "../modules/licensing/ILicenceOracle.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";

/// @notice Shows that a registered work has a given content code: the packed codes of the
/// leaf of its registration's code tree that holds the work, and the sibling hashes above it
/// (ContentCodes has the tree's shape; the SDK builds proofs from the ContentCodesRecorded event).
struct CodeProof {
    bytes leafCodes;
    bytes32[] siblings;
}

/// @title The registry of works: who holds each work, which terms apply, and what a use may do.
/// @notice A work is keyed by its content hash (sha256 of the file's bytes). Holdership is an
/// ERC-721 token whose id is uint256(contentHash), so it can be transferred, and every
/// transfer is a provenance event (`Transfer`).
interface IWorkRegistry {
    /// @notice The hash is registered already, to `holder`.
    error WorkAlreadyRegistered(bytes32 contentHash, address holder);
    /// @notice No work is registered under this hash.
    error WorkNotRegistered(bytes32 contentHash);
    /// @notice The caller is neither the holder nor an operator the holder approved.
    error WorkUnauthorized(bytes32 contentHash, address caller);
    /// @notice A zero content hash at position `index` of the input: it cannot be a sha256 of real content.
    error WorkZeroHash(uint256 index);
    /// @notice An empty list where at least one work is needed.
    error WorkEmptyBatch();
    /// @notice A batch longer than a registration record can count.
    error WorkBatchTooLarge(uint256 length);
    /// @notice A use outside USE_*.
    error UnknownUse(uint8 use);
    /// @notice An opt-out mask with bits for uses that do not exist.
    error WorkInvalidOptOutMask(uint8 mask);
    /// @notice A verification status outside STATUS_*.
    error WorkInvalidStatus(uint8 status);
    /// @notice `codes` must hold 10 bytes (an ISCC content code with its header, or 0) per work.
    error WorkCodesLengthMismatch(uint256 works, uint256 codesLength);
    /// @notice Only a disputed work's holder can be corrected: a registrar marks the dispute first.
    error WorkNotDisputed(bytes32 contentHash);
    /// @notice Only the CollectionRegistry this registry was wired to may contest a work.
    error WorkNotCollectionRegistry(address caller);
    /// @notice The CollectionRegistry is wired once, and was already: `collections`.
    error WorkCollectionRegistryAlreadySet(address collections);
    /// @notice Only an unverified work can be contested: a verified one was settled by a registrar,
    /// a disputed one is disputed already (`status` is its STATUS_*).
    error WorkNotContestable(bytes32 contentHash, uint8 status);

    /// @notice Works were registered: `count` Transfer events from address(0) in the same
    /// transaction name their hashes. A single registration is a batch of one.
    event WorksRegistered(
        uint32 indexed registrationId,
        address indexed registrant,
        address indexed holder,
        uint32 policyId,
        uint256 count,
        string metadataURI
    );
    /// @notice The content codes of registration `registrationId`, 10 bytes per work in the order of
    /// its Transfer events (ISCC unit header and 64-bit body; all zero = no code), and the root of
    /// their tree (ContentCodes), which the registry keeps to verify codes. Only registrations with codes.
    event ContentCodesRecorded(uint32 indexed registrationId, bytes32 codesRoot, bytes codes);
    /// @notice The work now follows policy `policyId` (a terms change; history is this event log).
    event PolicyAttached(bytes32 indexed contentHash, uint32 indexed policyId, address indexed changedBy);
    /// @notice The holder opted the uses in `optOutMask` out (and every other use back in).
    event OptOutChanged(bytes32 indexed contentHash, uint8 optOutMask, address indexed changedBy);
    /// @notice A registrar marked the registration claim verified, disputed, or back to unverified.
    event StatusMarked(bytes32 indexed contentHash, uint8 status, address indexed registrar, string evidenceURI);
    /// @notice A registrar settled a dispute by moving the work from `previousHolder` to `newHolder`,
    /// on the evidence at `evidenceURI`. The work's terms are reset (deny) and it is marked verified.
    event HolderCorrected(
        bytes32 indexed contentHash,
        address indexed previousHolder,
        address indexed newHolder,
        address registrar,
        string evidenceURI
    );
    /// @notice The licence module the registry consults changed.
    event LicenceOracleChanged(address indexed previousOracle, address indexed newOracle);
    /// @notice The registry was wired to the CollectionRegistry whose verified collections may contest works.
    event CollectionRegistrySet(address indexed collections);
    /// @notice `contester` showed that the work is a member of verified collection `collectionId`,
    /// registered individually after it by someone other than the collection's holder: the work is
    /// disputed now (checks answer `disputed`, levy claims by its hash revert) until a registrar
    /// settles it (`correctHolder`, or `markStatus`).
    event ContestedByCollection(bytes32 indexed contentHash, uint256 indexed collectionId, address indexed contester);

    /// @notice Registers one work to `holder` under policy `policyId` (0: no terms, every use denied).
    /// @return registrationId the id of this registration record (registrant, time, metadata URI).
    function register(bytes32 contentHash, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint32 registrationId);

    /// @notice Registers many works, all to `holder` under one policy, in one transaction.
    /// @dev `metadataURI` names the collection; for a URI ending in "/", tokenURI appends the work's hash.
    function registerBatch(bytes32[] calldata contentHashes, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint32 registrationId);

    /// @notice `register`, recording the work's ISCC content code (NO_CODE, all zero: none) on chain.
    function registerWithCode(
        bytes32 contentHash,
        bytes10 code,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice `registerBatch`, recording each work's content code: `codes` packs 10 bytes per work,
    /// in the order of `contentHashes` (all zero bytes: that work has no code). The codes are in the
    /// ContentCodesRecorded event; one word per registration (their tree's root) is stored.
    function registerBatchWithCodes(
        bytes32[] calldata contentHashes,
        bytes calldata codes,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice Registers one work on behalf of `registrant`, who is recorded as its registrant.
    /// DELEGATE_REGISTRAR_ROLE only: the licence manager, after it enforced a derivative's parents' terms.
    function registerFor(
        address registrant,
        bytes32 contentHash,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice `registerFor`, recording the work's ISCC content code (NO_CODE, all zero: none) on chain,
    /// in a ContentCodesRecorded event as `registerWithCode` does. DELEGATE_REGISTRAR_ROLE only.
    function registerForWithCode(
        address registrant,
        bytes32 contentHash,
        bytes10 code,
        address holder,
        uint32 policyId,
        string calldata metadataURI
    ) external returns (uint32 registrationId);

    /// @notice Points the work at another policy. Holder or approved operator only.
    function setPolicy(bytes32 contentHash, uint32 policyId) external;

    /// @notice Points many works at one policy. Holder or approved operator of each, only.
    function setPolicyBatch(bytes32[] calldata contentHashes, uint32 policyId) external;

    /// @notice Opts the uses whose bits are set in `optOutMask` out, whatever the policy says. Holder or operator only.
    function setOptOut(bytes32 contentHash, uint8 optOutMask) external;

    /// @notice Marks a registration verified, disputed or unverified, with evidence. REGISTRAR_ROLE only.
    function markStatus(bytes32 contentHash, uint8 status, string calldata evidenceURI) external;

    /// @notice Settles a dispute over who holds a work: moves it to `newHolder` (the holder's terms and
    /// opt-outs reset to none, status verified), with the evidence. REGISTRAR_ROLE only, disputed works only.
    function correctHolder(bytes32 contentHash, address newHolder, string calldata evidenceURI) external;

    /// @notice Sets the licence module consulted for `allowed-by-licence` (address(0): none). Admin only.
    function setLicenceOracle(ILicenceOracle oracle) external;
    /// @notice Wires the CollectionRegistry whose `contestMember` may dispute works. Admin only, once.
    function setCollectionRegistry(address collections) external;
    /// @notice Marks an unverified work disputed on behalf of `contester`, who proved to the wired
    /// CollectionRegistry that a verified collection registered it first (ICollectionRegistry.contestMember).
    /// The wired CollectionRegistry only.
    function contestByCollection(bytes32 contentHash, uint256 collectionId, address contester) external;

    /// @notice May `licensee` make `use` of the work at `timestamp` (0: now)? See the README for the order of evaluation.
    /// @return allowed whether the use is permitted.
    /// @return reason a REASON_* code that says why.
    function check(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bool allowed, uint8 reason);

    /// @notice `check` for many works at once: one REASON_* byte per hash, in order.
    function checkBatch(bytes32[] calldata contentHashes, uint8 use, address licensee, uint64 timestamp)
        external
        view
        returns (bytes memory reasons);

    /// @notice The record of a registered work. Reverts with WorkNotRegistered otherwise.
    function workOf(bytes32 contentHash) external view returns (WorkRecord memory);

    /// @notice Whether a work is registered under `contentHash`.
    function isRegistered(bytes32 contentHash) external view returns (bool);

    /// @notice Whether `account` may change the work's terms (its holder or an approved operator).
    function isHolderOrOperator(bytes32 contentHash, address account) external view returns (bool);

    /// @notice The policy registry this registry resolves policy ids in.
    function policyRegistry() external view returns (IPolicyRegistry);

    /// @notice The licence module consulted by checks, or address(0).
    function licenceOracle() external view returns (ILicenceOracle);
    /// @notice The CollectionRegistry that may contest works, or address(0) before it is wired.
    function collectionRegistry() external view returns (address);

    /// @notice Whether the registered work `contentHash` was registered with content code `code`
    /// (NO_CODE included), shown by `proof`. False for unregistered works, works registered
    /// without codes, and any other code or proof. Transfers, terms and status do not change it.
    function verifyCode(bytes32 contentHash, bytes10 code, CodeProof calldata proof) external view returns (bool);

    /// @notice Where a work's code is committed: its registration, its position in it (0-based,
    /// the order of registration), the registration's size and code root (0: registered without codes).
    function codeCommitmentOf(bytes32 contentHash)
        external
        view
        returns (uint32 registrationId, uint16 position, uint32 count, bytes32 codesRoot);

    /// @notice How many registration records (single or batch) exist.
    function registrationCount() external view returns (uint32);
}
