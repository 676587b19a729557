// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Vm.sol";
import {LicenceBaseTest} from "./LicenceBase.t.sol";
import {LicenceManager} from "../../contracts/modules/licensing/LicenceManager.sol";
import {LicenceOffer} from "../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {PolicyRegistry} from "../../contracts/registries/PolicyRegistry.sol";
import {WorkRegistry} from "../../contracts/registries/WorkRegistry.sol";
import {Policy, Rule, MODE_ALLOW, MODE_LICENCE, USE_COMMERCIAL, USE_DERIVATIVE} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Drives the licence manager with random actors: purchases, grants, offers, derivatives
/// with revenue shares, withdrawals, royalty changes and transfers of works. Ghost state records
/// what only holders (or their operators) may have done.
contract LicenceHandler is Test {
    WorkRegistry internal works;
    LicenceManager internal licences;
    uint256[4] internal keys = [uint256(0xA11CE5EC), 0xB0B5EC, 0xE5E5EC, 0xCAFE5EC];
    address[4] internal actors;
    bytes32[] public hashes;
    uint32 internal forSale; // commercial licence for a fee, derivatives allowed with a 33.33% share
    mapping(bytes32 contentHash => address) public expectedRoyaltyReceiver;
    uint256 public ghostWithdrawn;
    uint256 public ghostPaid;

    constructor(WorkRegistry works_, PolicyRegistry policies, LicenceManager licences_) {
        works = works_;
        licences = licences_;
        for (uint256 i; i < 4; ++i) {
            actors[i] = vm.addr(keys[i]);
        }
        Policy memory p;
        p.rules[USE_COMMERCIAL] = Rule(MODE_LICENCE, 0, 0, 0.0123 ether, 0, 0);
        p.rules[USE_DERIVATIVE] = Rule(MODE_ALLOW, 0, 0, 0, 0, 3333);
        forSale = policies.registerPolicy(p);
    }

    function hashCount() external view returns (uint256) {
        return hashes.length;
    }

    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }

    function register(uint256 actorSeed, uint256 salt) external {
        address who = actors[actorSeed % 4];
        bytes32 h = keccak256(abi.encode("work", salt % 32));
        if (works.isRegistered(h)) return;
        vm.prank(who);
        works.register(h, who, forSale, "");
        hashes.push(h);
    }

    function registerDerivative(uint256 actorSeed, uint256 salt, uint256 parentA, uint256 parentB) external {
        if (hashes.length < 2) return;
        address who = actors[actorSeed % 4];
        bytes32 h = keccak256(abi.encode("derivative", salt % 32));
        if (works.isRegistered(h)) return;
        bytes32[] memory parents = new bytes32[](2);
        parents[0] = hashes[parentA % hashes.length];
        parents[1] = hashes[parentB % hashes.length];
        if (parents[0] == parents[1]) return;
        vm.prank(who);
        licences.registerDerivative(h, parents, who, forSale, "");
        hashes.push(h);
    }

    function buy(uint256 actorSeed, uint256 index, uint256 extra) external {
        if (hashes.length == 0) return;
        address who = actors[actorSeed % 4];
        bytes32 h = hashes[index % hashes.length];
        uint256 value = 0.0123 ether + (extra % 3 == 0 ? extra % 1 ether : 0);
        vm.deal(who, value);
        vm.prank(who);
        try licences.buyLicence{value: value}(h, USE_COMMERCIAL, address(0), forSale, 0) {
            ghostPaid += value;
        } catch {}
    }

    function redeem(uint256 signerSeed, uint256 buyerSeed, uint256 index, uint256 price, uint256 nonce) external {
        if (hashes.length == 0) return;
        bytes32 h = hashes[index % hashes.length];
        uint256 s = signerSeed % 4;
        address buyer = actors[buyerSeed % 4];
        price = price % 2 ether;
        LicenceOffer memory offer = LicenceOffer({
            contentHash: h,
            use: USE_COMMERCIAL,
            licensee: address(0),
            price: price,
            validUntil: uint40(block.timestamp + 1 days),
            expiresAt: uint40(block.timestamp + 1 hours),
            maxRedemptions: 1,
            signer: actors[s],
            nonce: nonce
        });
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(keys[s], licences.hashOffer(offer));
        vm.deal(buyer, price);
        vm.prank(buyer);
        try licences.redeemOffer{value: price}(offer, abi.encodePacked(r, sig, v), address(0)) {
            require(works.isHolderOrOperator(h, actors[s]), "an offer by a non-holder was redeemed");
            ghostPaid += price;
        } catch {}
    }

    function grant(uint256 actorSeed, uint256 index, uint256 licenseeSeed) external {
        if (hashes.length == 0) return;
        address who = actors[actorSeed % 4];
        bytes32 h = hashes[index % hashes.length];
        address licensee = actors[licenseeSeed % 4];
        bool authorized = works.isHolderOrOperator(h, who);
        vm.prank(who);
        try licences.grantLicence(h, USE_DERIVATIVE, licensee, uint40(block.timestamp + 1 days)) {
            require(authorized, "a non-holder granted a licence");
        } catch {
            require(!authorized, "the holder could not grant");
        }
    }

    function setRoyalty(uint256 actorSeed, uint256 index, uint256 receiverSeed) external {
        if (hashes.length == 0) return;
        address who = actors[actorSeed % 4];
        bytes32 h = hashes[index % hashes.length];
        address receiver = actors[receiverSeed % 4];
        bool authorized = works.isHolderOrOperator(h, who);
        vm.prank(who);
        try licences.setRoyalty(h, receiver, 500) {
            require(authorized, "a non-holder set a royalty");
            expectedRoyaltyReceiver[h] = receiver;
        } catch {
            require(!authorized, "the holder could not set a royalty");
        }
    }

    function withdraw(uint256 actorSeed) external {
        address who = actors[actorSeed % 4];
        (uint256 withdrawable,) = licences.earningsOf(who);
        vm.prank(who);
        try licences.withdraw(payable(address(0xD00D))) returns (uint256 amount) {
            require(amount == withdrawable, "withdrew the whole balance");
            ghostWithdrawn += amount;
        } catch {
            require(withdrawable == 0, "a balance could not be withdrawn");
        }
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 index) external {
        if (hashes.length == 0) return;
        bytes32 h = hashes[index % hashes.length];
        address holder = works.ownerOf(uint256(h));
        vm.prank(holder);
        works.transferFrom(holder, actors[toSeed % 4], uint256(h));
        fromSeed;
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + secondsAhead % 2 days);
    }
}

/// forge-config: default.invariant.runs = 256
/// forge-config: default.invariant.depth = 100
contract LicenceManagerInvariantTest is LicenceBaseTest {
    LicenceHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new LicenceHandler(works, policies, licences);
        targetContract(address(handler));
    }

    function invariant_ether_held_equals_the_sum_of_withdrawable_balances() public view {
        uint256 sum;
        for (uint256 i; i < 4; ++i) {
            (uint256 withdrawable,) = licences.earningsOf(handler.actor(i));
            sum += withdrawable;
        }
        assertEq(address(licences).balance, sum, "every wei held is owed to someone");
        assertEq(handler.ghostPaid() - handler.ghostWithdrawn(), sum, "paid in minus paid out");
    }

    function invariant_earnings_never_fall_below_withdrawable() public view {
        uint256 earned;
        for (uint256 i; i < 4; ++i) {
            (uint256 withdrawable, uint256 total) = licences.earningsOf(handler.actor(i));
            assertLe(withdrawable, total, "cannot withdraw more than was earned");
            earned += total;
        }
        assertEq(earned, handler.ghostPaid(), "every payment credited exactly once, to the wei");
    }

    function invariant_royalties_only_as_holders_set_them() public view {
        uint256 n = handler.hashCount();
        for (uint256 i; i < n; ++i) {
            bytes32 h = handler.hashes(i);
            (address receiver,) = licences.royaltyInfo(uint256(h), 1 ether);
            assertEq(receiver, handler.expectedRoyaltyReceiver(h), "royalty as a holder set it");
        }
    }
}
