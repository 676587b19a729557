// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {LicenceBaseTest} from "./LicenceBase.t.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {PolicyRegistry} from "../../contracts/registries/PolicyRegistry.sol";
import {LicenceManager} from "../../contracts/modules/licensing/LicenceManager.sol";
import {LicenceRecord} from "../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Policy, Rule, MODE_LICENCE, USE_AI_TRAINING, DUTY_TRANSFERABLE} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Actors buy transferable licences, pass the tokens around, a registrar revokes some, time
/// passes, holders withdraw. Ghosts count every wei paid in and out.
contract LicenceTokenHandler is Test {
    WorkRegistry internal works;
    LicenceManager internal licences;
    IERC721 internal token;
    address internal registrar;
    address[4] public actors = [address(0xA1), address(0xA2), address(0xA3), address(0xA4)];
    bytes32[] public hashes;
    uint32 public policyId;
    uint256 public ghostPaid;
    uint256 public ghostWithdrawn;
    uint256 public constant FEE = 0.02 ether;

    constructor(WorkRegistry works_, PolicyRegistry policies, LicenceManager licences_, address registrar_) {
        works = works_;
        licences = licences_;
        token = IERC721(licences_.licenceToken());
        registrar = registrar_;
        Policy memory p;
        p.rules[USE_AI_TRAINING] = Rule(MODE_LICENCE, 0, 0, uint96(FEE), DUTY_TRANSFERABLE, 0);
        policyId = policies.registerPolicy(p);
    }

    function hashCount() external view returns (uint256) {
        return hashes.length;
    }

    function register(uint256 actorSeed, uint256 salt) external {
        if (hashes.length >= 4) return;
        address who = actors[actorSeed % 4];
        bytes32 h = keccak256(abi.encode("licence token", salt));
        if (works.isRegistered(h)) return;
        vm.prank(who);
        works.register(h, who, policyId, "");
        hashes.push(h);
    }

    function buy(uint256 actorSeed, uint256 index, uint256 horizon) external {
        if (hashes.length == 0) return;
        address who = actors[actorSeed % 4];
        bytes32 h = hashes[index % hashes.length];
        vm.deal(who, FEE);
        vm.prank(who);
        try licences.buyLicence{value: FEE}(h, USE_AI_TRAINING, address(0), policyId, uint40(horizon % 3)) {
            ghostPaid += FEE;
        } catch {}
    }

    function transfer(uint256 idSeed, uint256 toSeed) external {
        uint256 count = licences.licenceCount();
        if (count == 0) return;
        uint256 id = bound(idSeed, 1, count);
        address owner = token.ownerOf(id);
        vm.prank(owner);
        try token.transferFrom(owner, actors[toSeed % 4], id) {} catch {}
    }

    function revoke(uint256 idSeed) external {
        uint256 count = licences.licenceCount();
        if (count == 0 || idSeed % 5 != 0) return;
        vm.prank(registrar);
        try licences.revokeLicence(uint64(bound(idSeed, 1, count)), "ipfs://evidence") {} catch {}
    }

    function withdraw(uint256 actorSeed) external {
        address who = actors[actorSeed % 4];
        (uint256 withdrawable,) = licences.earningsOf(who);
        vm.prank(who);
        try licences.withdraw(payable(address(0xD00D))) returns (uint256 amount) {
            require(amount == withdrawable, "withdrew the whole balance");
            ghostWithdrawn += amount;
        } catch {}
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + secondsAhead % 30 days);
    }
}

/// forge-config: default.invariant.runs = 256
/// forge-config: default.invariant.depth = 100
contract LicenceTokenInvariantTest is LicenceBaseTest {
    LicenceTokenHandler internal handler;
    IERC721 internal token;

    function setUp() public override {
        super.setUp();
        handler = new LicenceTokenHandler(works, policies, licences, admin);
        token = IERC721(licences.licenceToken());
        targetContract(address(handler));
    }

    function invariant_every_licence_is_one_token_held_by_an_actor() public view {
        uint256 held;
        for (uint256 i; i < 4; ++i) {
            held += token.balanceOf(handler.actors(i));
        }
        assertEq(held, licences.licenceCount(), "one token per licence, none lost or doubled");
    }

    function invariant_a_transfer_moves_the_right_and_never_copies_it() public view {
        uint256 n = handler.hashCount();
        uint256 count = licences.licenceCount();
        for (uint256 k; k < n; ++k) {
            bytes32 h = handler.hashes(k);
            uint256 running;
            for (uint256 id = 1; id <= count; ++id) {
                LicenceRecord memory record = licences.licence(uint64(id));
                if (record.contentHash == h && !record.revoked && block.timestamp < record.validUntil) ++running;
            }
            uint256 licensed;
            for (uint256 i; i < 4; ++i) {
                if (licences.isLicensed(h, USE_AI_TRAINING, handler.actors(i), uint64(block.timestamp))) ++licensed;
            }
            assertEq(licensed, running, "licensed holders = running, unrevoked tokens");
        }
    }

    function invariant_payments_are_conserved() public view {
        uint256 sum;
        for (uint256 i; i < 4; ++i) {
            (uint256 withdrawable,) = licences.earningsOf(handler.actors(i));
            sum += withdrawable;
        }
        assertEq(address(licences).balance, sum, "every wei held is owed to someone");
        assertEq(handler.ghostPaid() - handler.ghostWithdrawn(), sum, "paid in minus paid out");
    }
}
