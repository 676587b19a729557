// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A collection registered by Merkle root, as the registry reports it.
struct CollectionRecord {
    address holder;
    uint32 policyId;
    uint40 registeredAt;
    uint8 status; // STATUS_*
    uint8 optOutMask;
    bytes32 root;
    string metadataURI;
}

/// @title Collections registered by the Merkle root of their content hashes.
/// @notice An archive registers any number of works sharing one policy in one transaction, at a
/// fixed cost: one root, no storage per work. An item is proven (inclusion proof) whenever it is
/// checked or claimed. Leaves and pairs are hashed as in IDatasetRegistry (OpenZeppelin
/// StandardMerkleTree over bytes32 values).
/// @dev Precedence, for a proven member also registered on its own in the WorkRegistry: its own
/// record answers when it was registered strictly before the collection, when the collection's holder
/// made that registration (its registrant, or an operator the holder approved for all its works: the
/// holder refining terms for one work, the token perhaps sold since), or when a registrar verified it (a contest settled for its holder); otherwise the
/// collection answers: a later individual registration by anyone else (a squatter) cannot override the
/// collection's terms, even one naming the collection's holder as holder or handed to it.
/// Anyone may contest such a registration with the member's proof when a registrar verified the
/// collection (`contestMember`): the work is then disputed in the WorkRegistry, so a check of its bare
/// hash answers `disputed` and levy claims by its hash revert, until a registrar settles it (corrects
/// its holder, or marks it verified). Collection terms have no history: checks
/// at a past time use the collection's current policy and opt-outs.
interface ICollectionRegistry {
    /// @notice No collection has this id.
    error CollectionUnknown(uint256 collectionId);
    /// @notice A zero root, or no items.
    error CollectionEmpty();
    /// @notice The proof does not show `contentHash` in the collection.
    error CollectionInvalidProof(uint256 collectionId, bytes32 contentHash);
    /// @notice Only the collection's holder may do this.
    error CollectionUnauthorized(uint256 collectionId, address caller);
    /// @notice Input arrays of different lengths, or proof lengths not adding up.
    error CollectionBadBatch();
    /// @notice Only a disputed collection's holder can be corrected.
    error CollectionNotDisputed(uint256 collectionId);
    /// @notice Only a collection a registrar verified may contest a member's registration (a copied root
    /// proves nothing about who holds the works); `status` is its STATUS_*.
    error CollectionNotVerified(uint256 collectionId, uint8 status);
    /// @notice The work was registered individually at `registeredAt`, strictly before the collection
    /// (at `collectionRegisteredAt`): its own registration answers for it.
    error CollectionMemberRegisteredBefore(
        uint256 collectionId, bytes32 contentHash, uint256 registeredAt, uint256 collectionRegisteredAt
    );
    /// @notice The collection's holder made the work's own registration: it refines the collection's terms
    /// (whoever holds the token now, a buyer say).
    error CollectionMemberRegisteredByCollectionHolder(uint256 collectionId, bytes32 contentHash);

    /// @notice A collection of `count` works was registered under `policyId`.
    event CollectionRegistered(
        uint256 indexed collectionId,
        address indexed registrant,
        address indexed holder,
        bytes32 root,
        uint32 policyId,
        uint256 count,
        string metadataURI
    );
    /// @notice The collection's works now follow policy `policyId`.
    event CollectionPolicyAttached(uint256 indexed collectionId, uint32 indexed policyId, address indexed changedBy);
    /// @notice The collection's holder opted the uses in `optOutMask` out.
    event CollectionOptOutChanged(uint256 indexed collectionId, uint8 optOutMask, address indexed changedBy);
    /// @notice A registrar marked the collection verified, disputed or unverified.
    event CollectionStatusMarked(uint256 indexed collectionId, uint8 status, address indexed registrar, string evidenceURI);

    /// @notice A registrar settled a dispute by moving the collection to `newHolder` on the evidence at
    /// `evidenceURI`; its terms are reset (deny) and it is marked verified.
    event CollectionHolderCorrected(
        uint256 indexed collectionId,
        address indexed previousHolder,
        address indexed newHolder,
        address registrar,
        string evidenceURI
    );

    /// @notice Collection `collectionId` also commits to its members' ISCC content codes: `codesRoot`
    /// is the root over leaves of (content hash, code) (OpenZeppelin StandardMerkleTree over
    /// ["bytes32", "bytes10"] values, as DatasetRegistry's coded leaves; NO_CODE for a member without
    /// one), and the members manifest at `manifestURI` lists every member with its code, so anyone can
    /// rebuild both roots from it and index the members' codes.
    event CollectionCodesCommitted(uint256 indexed collectionId, bytes32 codesRoot, string manifestURI);

    /// @notice Registers the works under `root` to `holder` with policy `policyId`, in one transaction.
    function registerCollection(bytes32 root, uint256 count, address holder, uint32 policyId, string calldata metadataURI)
        external
        returns (uint256 collectionId);

    /// @notice `registerCollection`, committing to the members' content codes too (`codesRoot`, see
    /// CollectionCodesCommitted; membership proofs stay by `root`). One more word stored per collection.
    function registerCollectionWithCodes(
        bytes32 root,
        bytes32 codesRoot,
        uint256 count,
        address holder,
        uint32 policyId,
        string calldata metadataURI,
        string calldata manifestURI
    ) external returns (uint256 collectionId);

    /// @notice Points the whole collection at another policy. Holder only.
    function setCollectionPolicy(uint256 collectionId, uint32 policyId) external;

    /// @notice Opts the uses in `optOutMask` out for the whole collection. Holder only.
    function setCollectionOptOut(uint256 collectionId, uint8 optOutMask) external;

    /// @notice Marks the collection's claim verified, disputed or unverified. WorkRegistry REGISTRAR_ROLE only.
    function markCollectionStatus(uint256 collectionId, uint8 status, string calldata evidenceURI) external;

    /// @notice Settles a dispute over who holds a collection: moves it to `newHolder` (terms and opt-outs
    /// reset, status verified), with the evidence. WorkRegistry REGISTRAR_ROLE only, disputed collections only.
    function correctCollectionHolder(uint256 collectionId, address newHolder, string calldata evidenceURI) external;

    /// @notice Contests an individual registration of a member: anyone may call, with the member's proof.
    /// Requires a collection a registrar verified, and a registration of `contentHash` in the WorkRegistry
    /// made at or after the collection's (the precedence above) by another registrant than the collection's
    /// holder, and not verified by a registrar.
    /// The WorkRegistry then marks the work disputed (IWorkRegistry.ContestedByCollection).
    function contestMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata memberProof) external;

    /// @notice Whether `proof` shows `contentHash` in the collection.
    function isMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata proof) external view returns (bool);

    /// @notice Whether `proof` shows that member `contentHash` of the collection has content code `code`
    /// (a proof in the tree of `codesRoot`); false for a collection without codes.
    function isCodedMember(uint256 collectionId, bytes32 contentHash, bytes10 code, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice The root over the members' (content hash, code) leaves; zero for a collection without codes.
    function codesRootOf(uint256 collectionId) external view returns (bytes32);

    /// @notice `check` for a work of the collection, proven by `proof` (reverts if the proof fails).
    function checkMember(
        uint256 collectionId,
        bytes32 contentHash,
        bytes32[] calldata proof,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) external view returns (bool allowed, uint8 reason);

    /// @notice Batch check with proofs: `proofs` holds every item's proof back to back, `proofLengths[i]`
    /// nodes for item i. An item whose proof fails answers REASON_UNREGISTERED. One reason byte per item.
    function checkMembers(
        uint256 collectionId,
        bytes32[] calldata contentHashes,
        bytes32[] calldata proofs,
        uint8[] calldata proofLengths,
        uint8 use,
        address licensee,
        uint64 timestamp
    ) external view returns (bytes memory reasons);

    /// @notice The holder of a proven member (address(0) if the proof fails).
    function holderOfMember(uint256 collectionId, bytes32 contentHash, bytes32[] calldata proof)
        external
        view
        returns (address);

    /// @notice The collection's record.
    function collectionOf(uint256 collectionId) external view returns (CollectionRecord memory);

    /// @notice How many collections exist.
    function collectionCount() external view returns (uint256);
}
