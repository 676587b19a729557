// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {BaseTest} from "./Base.t.sol";
import {TestTree} from "./Datasets.t.sol";
import {DatasetRegistry} from "../../contracts/registries/DatasetRegistry.sol";
import {LevyFund} from "../../contracts/modules/levy/LevyFund.sol";
import {Admission, EpochRecord} from "../../contracts/interfaces/modules/levy/ILevyFund.sol";
import {DatasetRecord} from "../../contracts/interfaces/registries/IDatasetRegistry.sol";
import {CollectionRegistry} from "../../contracts/registries/CollectionRegistry.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {USE_AI_TRAINING} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Random trainers contribute and declare (some under-counting), a registrar admits, time
/// passes, epochs are finalized, holders claim (by their own registration, or as the archive whose
/// verified collection holds the works nobody registered) and withdraw. Ghosts count every wei in
/// and out, what each dataset paid, and whether an honest claim in its window was ever refused.
contract LevyHandler is Test {
    LevyFund internal fund;
    DatasetRegistry internal datasets;
    WorkRegistry internal works;
    CollectionRegistry internal collections;
    address internal registrar;
    address internal archive = address(0xA5C);
    uint256 internal epochLength;
    uint256 internal now_;
    address[3] internal holders = [address(0xA11CE), address(0xB0B), address(0xCAFE)];

    mapping(uint256 datasetId => bytes32[]) internal _values;
    mapping(uint256 datasetId => bool) public honest;
    /// @dev Per dataset, the archive's verified collection of its works nobody registered individually (0: none).
    mapping(uint256 datasetId => uint256) internal _collectionOf;
    mapping(uint256 datasetId => bytes32[]) internal _members;
    mapping(uint256 datasetId => uint256) public paidOut;
    uint256 public datasetCount;
    uint256 public ghostIn;
    uint256 public ghostOut;
    uint256 public claims;
    uint256 public honestClaimsPaid;
    bool public honestClaimRefused;
    bool public windowCutShort;
    bool public paidInTheMembersPhase;
    bool public honestMemberClaimRefused;
    uint256 public memberClaimsPaid;

    constructor(
        LevyFund fund_,
        DatasetRegistry datasets_,
        WorkRegistry works_,
        CollectionRegistry collections_,
        address registrar_,
        uint256 epochLength_
    ) {
        fund = fund_;
        datasets = datasets_;
        works = works_;
        collections = collections_;
        registrar = registrar_;
        epochLength = epochLength_;
        now_ = block.timestamp;
    }

    function contribute(uint256 amount) external {
        amount = bound(amount, 1, 1_000 ether);
        vm.deal(address(this), amount);
        fund.contribute{value: amount}();
        ghostIn += amount;
    }

    function declare(uint256 n, uint256 salt, uint256 holderSeed, uint256 undercount) external {
        n = bound(n, 1, 6);
        bytes32[] memory values = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            values[i] = keccak256(abi.encode("levy", salt, i));
            // Most works registered, some not (their share goes unclaimed and rolls over).
            if ((salt >> i) % 4 != 0 && !works.isRegistered(values[i])) {
                address holder = holders[(holderSeed + i) % 3];
                vm.prank(holder);
                works.register(values[i], holder, 0, "");
            }
        }
        // The works nobody registered go into the archive's collection, which a registrar verifies.
        bytes32[] memory members = _unregistered(values);
        uint256 collectionId;
        if (members.length != 0) {
            vm.prank(archive);
            collectionId = collections.registerCollection(TestTree.build(members)[0], members.length, archive, 0, "");
            vm.prank(registrar);
            collections.markCollectionStatus(collectionId, 1, "");
        }
        // Registered strictly before the declaration.
        now_ += 1;
        vm.warp(now_);
        uint256 count = undercount % 3 == 0 && n > 1 ? n - 1 : n;
        bytes32[] memory tree = TestTree.build(values);
        uint256 id = datasets.declare(tree[0], count, USE_AI_TRAINING, "");
        _values[id] = values;
        _members[id] = members;
        _collectionOf[id] = collectionId;
        honest[id] = count == n;
        datasetCount = id;
    }

    function admit(uint256 datasetSeed) external {
        if (datasetCount == 0) return;
        uint256 id = bound(datasetSeed, 1, datasetCount);
        vm.prank(registrar);
        try fund.admitDataset(id) {} catch {}
    }

    function warp(uint256 seconds_) external {
        now_ += bound(seconds_, 1, 2 * epochLength);
        vm.warp(now_);
    }

    function finalizeNext(uint256 epoch) external {
        epoch = bound(epoch, 0, fund.currentEpoch());
        try fund.finalize(epoch) {
            if (epoch != 0 && block.timestamp < fund.epochOf(epoch - 1).claimUntil) windowCutShort = true;
            EpochRecord memory record = fund.epochOf(epoch);
            if (record.claimUntil < record.finalizedAt + epochLength) windowCutShort = true;
            // The second phase (individual claims) lasts at least half the minimum window.
            if (record.individualClaimsFrom > record.claimUntil - epochLength / 2) windowCutShort = true;
        } catch {}
    }

    function claim(uint256 datasetSeed, uint256 itemSeed) external {
        if (datasetCount == 0) return;
        uint256 id = bound(datasetSeed, 1, datasetCount);
        bytes32[] memory values = _values[id];
        bytes32 h = values[itemSeed % values.length];
        bytes32[] memory proof = TestTree.proof(TestTree.build(values), h);
        bool shouldPay = _honestAndOpen(id, h);
        try fund.claim(id, h, proof) returns (uint256 amount) {
            ++claims;
            paidOut[id] += amount;
            if (block.timestamp < fund.epochOf(fund.admissionOf(id).epoch).individualClaimsFrom) {
                paidInTheMembersPhase = true;
            }
            if (shouldPay) ++honestClaimsPaid;
        } catch {
            if (shouldPay) honestClaimRefused = true;
        }
    }

    function _unregistered(bytes32[] memory values) internal view returns (bytes32[] memory members) {
        uint256 m;
        for (uint256 i; i < values.length; ++i) {
            if (!works.isRegistered(values[i])) ++m;
        }
        members = new bytes32[](m);
        m = 0;
        for (uint256 i; i < values.length; ++i) {
            if (!works.isRegistered(values[i])) members[m++] = values[i];
        }
    }

    /// The archive's claim for a member of its verified collection: from finalization on, in either phase.
    function claimMember(uint256 datasetSeed, uint256 itemSeed) external {
        if (datasetCount == 0) return;
        uint256 id = bound(datasetSeed, 1, datasetCount);
        bytes32[] memory members = _members[id];
        if (members.length == 0) return;
        bytes32 h = members[itemSeed % members.length];
        bytes32[] memory proof = TestTree.proof(TestTree.build(_values[id]), h);
        bytes32[] memory memberProof = TestTree.proof(TestTree.build(members), h);
        Admission memory admission = fund.admissionOf(id);
        bool shouldPay = honest[id] && admission.admitted && !fund.isClaimed(id, h)
            && fund.epochOf(admission.epoch).finalized && !fund.epochOf(admission.epoch + 1).finalized;
        try fund.claimForCollectionMember(id, h, proof, _collectionOf[id], memberProof) returns (uint256 amount) {
            ++claims;
            ++memberClaimsPaid;
            paidOut[id] += amount;
        } catch {
            if (shouldPay) honestMemberClaimRefused = true;
        }
    }

    /// @dev An honest dataset, admitted, its epoch's window open and past the members' phase, a work
    /// registered before the declaration, unclaimed.
    function _honestAndOpen(uint256 id, bytes32 h) internal view returns (bool) {
        Admission memory admission = fund.admissionOf(id);
        if (!honest[id] || !admission.admitted || !works.isRegistered(h) || fund.isClaimed(id, h)) return false;
        EpochRecord memory record = fund.epochOf(admission.epoch);
        if (!record.finalized || fund.epochOf(admission.epoch + 1).finalized) return false;
        if (block.timestamp < record.individualClaimsFrom) return false;
        return works.workOf(h).registeredAt < datasets.datasetOf(id).declaredAt;
    }

    function withdraw(uint256 holderSeed) external {
        address holder = holders[holderSeed % 3];
        uint256 before = holder.balance;
        vm.prank(holder);
        try fund.withdraw(payable(address(0))) returns (uint256 amount) {
            assertEq(holder.balance - before, amount, "paid what was credited");
            ghostOut += amount;
        } catch {}
    }

    receive() external payable {}
}

/// forge-config: default.invariant.runs = 256
/// forge-config: default.invariant.depth = 100
contract LevyFundInvariantTest is BaseTest {
    LevyHandler internal handler;
    LevyFund internal fund;
    DatasetRegistry internal datasets;
    uint256 internal constant EPOCH = 1 days;

    function setUp() public override {
        super.setUp();
        vm.warp(1_000_000);
        datasets = new DatasetRegistry(address(works), address(forwarder));
        CollectionRegistry collections = new CollectionRegistry(works, address(forwarder));
        fund = new LevyFund(datasets, collections, EPOCH, address(forwarder));
        handler = new LevyHandler(fund, datasets, works, collections, admin, EPOCH);
        targetContract(address(handler));
    }

    function invariant_balance_is_exactly_the_sum_of_the_books() public view {
        (uint256 credited, uint256 claimable, uint256 carried, uint256 pending) = fund.accounts();
        assertEq(address(fund).balance, credited + claimable + carried + pending, "books balance");
        assertEq(address(fund).balance + handler.ghostOut(), handler.ghostIn(), "no wei created or lost");
    }

    function invariant_no_dataset_is_paid_beyond_its_share() public view {
        uint256 n = handler.datasetCount();
        for (uint256 id = 1; id <= n; ++id) {
            Admission memory admission = fund.admissionOf(id);
            DatasetRecord memory dataset = datasets.datasetOf(id);
            assertLe(admission.claims, dataset.itemCount, "no more claims than counted items");
            uint256 share = uint256(fund.epochOf(admission.epoch).perItem) * dataset.itemCount;
            assertLe(handler.paidOut(id), share, "no more than its items' shares");
        }
    }

    /// An individual claim (by the work's own registration) is honest-and-paid in the window's second phase.
    function invariant_an_honest_holder_with_a_valid_proof_is_paid_within_the_window() public view {
        assertFalse(handler.honestClaimRefused(), "an honest claim in its window was refused");
        assertFalse(handler.paidInTheMembersPhase(), "an individual claim was paid in the members' phase");
        assertFalse(handler.honestMemberClaimRefused(), "an honest member claim in its window was refused");
        assertFalse(handler.windowCutShort(), "a claim window closed before its minimum length");
    }
}
