// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {LicenceBaseTest} from "./LicenceBase.t.sol";
import {LicenceManager} from "../../contracts/modules/licensing/LicenceManager.sol";
import {ILicenceManager, LicenceOffer} from "../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {IWorkRegistry} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import "../../contracts/libraries/RightsTypes.sol";

/// @dev A holder's wallet that refuses ether, to show a failed withdrawal keeps the balance.
contract RefusingWallet {}

contract LicenceManagerTest is LicenceBaseTest {
    bytes32 internal constant SONG = keccak256("a song");
    bytes32 internal constant REMIX = keccak256("a remix");
    bytes32 internal constant MASHUP = keccak256("a mashup");
    uint96 internal constant FEE = 0.01 ether;
    address internal trainer = address(0x7A1);

    function setUp() public override {
        super.setUp();
        vm.warp(1_800_000_000);
        vm.deal(trainer, 100 ether);
        vm.deal(bob, 100 ether);
        vm.label(trainer, "trainer");
    }

    function _sellTraining(address holder, bytes32 work, uint96 fee) internal returns (uint32 pid) {
        pid = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _licenceRule(fee), 0));
        _register(holder, work, pid);
    }

    // ------------------------------------------------------------------ buying

    function test_buy_licence_turns_licence_required_into_allowed_by_licence() public {
        _sellTraining(alice, SONG, FEE);
        (bool allowed, uint8 reason) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        assertFalse(allowed, "not before buying");
        assertEq(reason, REASON_LICENCE_REQUIRED, "licence required");

        vm.prank(trainer);
        (uint64 id, uint40 until) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        assertEq(id, 1, "first licence");
        assertEq(until, type(uint40).max, "no window end and no expiry: perpetual");
        (allowed, reason) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        assertTrue(allowed, "allowed after buying");
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "by licence");
        (, reason) = works.check(SONG, USE_AI_TRAINING, bob, 0);
        assertEq(reason, REASON_LICENCE_REQUIRED, "only the licensee is licensed");
        (, reason) = works.check(SONG, USE_AI_GENERATIVE_TRAINING, trainer, 0);
        assertEq(reason, REASON_DENIED, "only the licensed use");

        bytes memory batch = works.checkBatch(_pair(SONG, MASHUP), USE_AI_TRAINING, trainer, 0);
        assertEq(uint8(batch[0]), REASON_ALLOWED_BY_LICENCE, "batch check sees the licence");
        assertEq(uint8(batch[1]), REASON_UNREGISTERED, "batch check, unregistered");

        (uint256 withdrawable, uint256 earned) = licences.earningsOf(alice);
        assertEq(withdrawable, FEE, "holder's balance");
        assertEq(earned, FEE, "holder's earnings");
        assertEq(address(licences).balance, FEE, "held until withdrawn");
    }

    function test_bought_licence_ends_with_the_window_or_the_expiry_whichever_first() public {
        Policy memory p = _policyWith(USE_AI_TRAINING, _licenceRule(FEE), uint40(block.timestamp + 20 days));
        p.rules[USE_AI_TRAINING].end = uint40(block.timestamp + 10 days);
        _register(alice, SONG, policies.registerPolicy(p));
        vm.prank(trainer);
        (, uint40 until) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        assertEq(until, block.timestamp + 10 days, "the window's end");

        (bool allowed,) = works.check(SONG, USE_AI_TRAINING, trainer, uint64(until - 1));
        assertTrue(allowed, "valid to the last second");
        (allowed,) = works.check(SONG, USE_AI_TRAINING, trainer, uint64(until));
        assertFalse(allowed, "ended on time");
        (allowed,) = works.check(SONG, USE_AI_TRAINING, trainer, uint64(block.timestamp - 1));
        assertFalse(allowed, "not valid before it was bought");

        p.rules[USE_AI_TRAINING].end = uint40(block.timestamp + 30 days);
        uint32 longer = policies.registerPolicy(p);
        vm.prank(alice);
        works.setPolicy(SONG, longer);
        policyOfWork[SONG] = longer;
        vm.prank(bob);
        (, until) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        assertEq(until, block.timestamp + 20 days, "the terms' expiry");
    }

    function testFuzz_buy_rejects_any_payment_but_the_fee(uint256 paid) public {
        _sellTraining(alice, SONG, FEE);
        paid = bound(paid, 0, 50 ether);
        vm.assume(paid != FEE);
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceWrongPayment.selector, uint256(FEE), paid));
        licences.buyLicence{value: paid}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
    }

    function test_buy_is_refused_with_the_checks_reason() public {
        _expectNotForSale(SONG, REASON_UNREGISTERED);

        uint32 allowPid = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _rule(MODE_ALLOW), 0));
        _register(alice, SONG, allowPid);
        _expectNotForSale(SONG, REASON_ALLOWED_BY_TERMS);

        vm.prank(alice);
        works.setPolicy(SONG, 0);
        _expectNotForSale(SONG, REASON_DENIED);

        Rule memory windowed = _licenceRule(FEE);
        windowed.start = uint40(block.timestamp + 1 days);
        uint32 later = policies.registerPolicy(_policyWith(USE_AI_TRAINING, windowed, 0));
        vm.prank(alice);
        works.setPolicy(SONG, later);
        _expectNotForSale(SONG, REASON_OUTSIDE_WINDOW);

        uint32 expired = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _licenceRule(FEE), 1_700_000_000));
        vm.prank(alice);
        works.setPolicy(SONG, expired);
        _expectNotForSale(SONG, REASON_EXPIRED);

        uint32 open = policies.registerPolicy(_policyWith(USE_AI_TRAINING, _licenceRule(FEE), 0));
        vm.prank(alice);
        works.setPolicy(SONG, open);
        vm.prank(alice);
        works.setOptOut(SONG, uint8(1 << USE_AI_TRAINING));
        _expectNotForSale(SONG, REASON_OPTED_OUT);

        vm.prank(alice);
        works.setOptOut(SONG, 0);
        vm.prank(admin);
        works.markStatus(SONG, STATUS_DISPUTED, "");
        _expectNotForSale(SONG, REASON_DISPUTED);
    }

    function _expectNotForSale(bytes32 work, uint8 reason) internal {
        vm.prank(trainer);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceNotForSale.selector, work, USE_AI_TRAINING, reason)
        );
        licences.buyLicence{value: FEE}(work, USE_AI_TRAINING, address(0), policyOfWork[work], 0);
    }

    function test_opt_out_stops_new_licences_but_a_sold_licence_runs_to_its_end() public {
        _sellTraining(alice, SONG, FEE);
        vm.prank(trainer);
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        vm.prank(alice);
        works.setOptOut(SONG, uint8(1 << USE_AI_TRAINING));

        (, uint8 reason) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "the sold licence stays valid");
        (, reason) = works.check(SONG, USE_AI_TRAINING, bob, 0);
        assertEq(reason, REASON_OPTED_OUT, "everyone else: opted out");
        _expectNotForSale(SONG, REASON_OPTED_OUT);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILicenceManager.LicenceUnavailable.selector, SONG, USE_AI_TRAINING, REASON_OPTED_OUT
            )
        );
        licences.grantLicence(SONG, USE_AI_TRAINING, bob, uint40(block.timestamp + 1 days));
    }

    function test_buying_again_extends_the_running_licence() public {
        Policy memory p = _policyWith(USE_AI_TRAINING, _licenceRule(FEE), 0);
        p.rules[USE_AI_TRAINING].end = uint40(block.timestamp + 10 days);
        _register(alice, SONG, policies.registerPolicy(p));
        vm.prank(trainer);
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        uint256 bought = 1_800_000_000; // setUp's time (via-IR may read block.timestamp after the warp)
        vm.warp(bought + 5 days);
        vm.prank(alice);
        licences.grantLicence(SONG, USE_AI_TRAINING, trainer, uint40(block.timestamp + 30 days));
        (uint40 from, uint40 until) = licences.licenceOf(SONG, USE_AI_TRAINING, trainer);
        assertEq(from, bought, "the period continues from the first licence");
        assertEq(until, block.timestamp + 30 days, "to the later end");
    }

    function test_a_lapsed_licence_still_answers_for_its_own_time_after_a_new_one() public {
        _register(alice, SONG, 0);
        uint256 t0 = 1_800_000_000;
        vm.prank(alice);
        licences.grantLicence(SONG, USE_AI_TRAINING, trainer, uint40(t0 + 10 days));
        vm.warp(t0 + 20 days);
        vm.prank(alice);
        licences.grantLicence(SONG, USE_AI_TRAINING, trainer, uint40(t0 + 40 days));
        (uint40 from,) = licences.licenceOf(SONG, USE_AI_TRAINING, trainer);
        assertEq(from, t0 + 20 days, "a new period after the gap");
        assertTrue(licences.isLicensed(SONG, USE_AI_TRAINING, trainer, uint64(t0 + 5 days)), "first period kept");
        assertFalse(licences.isLicensed(SONG, USE_AI_TRAINING, trainer, uint64(t0 + 10 days)), "first period ended");
        assertFalse(licences.isLicensed(SONG, USE_AI_TRAINING, trainer, uint64(t0 + 15 days)), "the gap");
        assertTrue(licences.isLicensed(SONG, USE_AI_TRAINING, trainer, uint64(t0 + 25 days)), "second period");
        assertFalse(licences.isLicensed(SONG, USE_AI_TRAINING, trainer, uint64(t0 - 1)), "before any licence");
        (, uint8 reason) = works.checkAt(SONG, USE_AI_TRAINING, trainer, uint64(t0 + 5 days));
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "a past check sees the licence of its time");
    }

    function testFuzz_isLicensed_matches_the_periods_issued(uint32 gap, uint32 first, uint32 second, uint32 probe) public {
        _register(alice, SONG, 0);
        uint256 t0 = 1_800_000_000;
        uint256 len1 = bound(first, 1, 100 days);
        uint256 start2 = t0 + len1 + bound(gap, 0, 100 days);
        uint256 end2 = start2 + bound(second, 1, 100 days);
        vm.prank(alice);
        licences.grantLicence(SONG, USE_TDM, trainer, uint40(t0 + len1));
        vm.warp(start2);
        vm.prank(alice);
        licences.grantLicence(SONG, USE_TDM, trainer, uint40(end2));
        uint256 t = bound(probe, t0 - 10, end2 + 10);
        bool expected = (t >= t0 && t < t0 + len1) || (t >= start2 && t < end2)
            || (start2 <= t0 + len1 && t >= t0 && t < end2);
        assertEq(licences.isLicensed(SONG, USE_TDM, trainer, uint64(t)), expected, "licensed exactly in the periods");
    }

    // ------------------------------------------------------------------ granting

    function test_holder_or_operator_grants_and_nobody_else() public {
        _register(alice, SONG, 0);
        uint40 until = uint40(block.timestamp + 1 days);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnauthorized.selector, SONG, eve));
        licences.grantLicence(SONG, USE_COMMERCIAL, eve, until);

        vm.prank(alice);
        works.setApprovalForAll(bob, true);
        vm.prank(bob);
        licences.grantLicence(SONG, USE_COMMERCIAL, eve, until);
        (, uint8 reason) = works.check(SONG, USE_COMMERCIAL, eve, 0);
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "granted even where the terms deny");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceEndsInPast.selector, uint40(block.timestamp)));
        licences.grantLicence(SONG, USE_COMMERCIAL, eve, uint40(block.timestamp));
        vm.prank(alice);
        vm.expectRevert(ILicenceManager.LicenceZeroLicensee.selector);
        licences.grantLicence(SONG, USE_COMMERCIAL, address(0), until);
    }

    function testFuzz_only_holder_or_operator_grants_or_sets_royalties(address caller, uint8 use) public {
        vm.assume(caller != alice);
        use = uint8(bound(use, 0, USE_COUNT - 1));
        _register(alice, SONG, 0);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnauthorized.selector, SONG, caller));
        licences.grantLicence(SONG, use, caller, uint40(block.timestamp + 1 days));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnauthorized.selector, SONG, caller));
        licences.setRoyalty(SONG, caller, 1000);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, SONG, caller));
        works.setPolicy(SONG, 0);
        (bool allowed,) = works.check(SONG, use, caller, 0);
        assertFalse(allowed, "no licence appeared");
    }

    // ------------------------------------------------------------------ offers

    function test_offer_is_redeemed_once_and_pays_the_holder() public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_AI_GENERATIVE_TRAINING, trainer, 0.5 ether);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);

        vm.prank(bob);
        licences.redeemOffer{value: 0.5 ether}(offer, sig, address(0));
        (, uint8 reason) = works.check(SONG, USE_AI_GENERATIVE_TRAINING, trainer, 0);
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "licensed to the named licensee, whoever paid");
        (uint256 withdrawable,) = licences.earningsOf(signerAlice);
        assertEq(withdrawable, 0.5 ether, "the holder earned without sending a transaction");
        (, uint8 after_) = works.check(SONG, USE_AI_GENERATIVE_TRAINING, trainer, offer.validUntil);
        assertEq(after_, REASON_DENIED, "the licence ends at the offer's validUntil");

        bytes32 offerHash = licences.hashOffer(offer);
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferUsedUp.selector, offerHash, uint32(1)));
        licences.redeemOffer{value: 0.5 ether}(offer, sig, address(0));
    }

    function test_capped_offer_to_anyone_serves_up_to_its_cap() public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_TDM, address(0), 0);
        offer.maxRedemptions = 2;
        bytes memory sig = _sign(ALICE_KEY, licences, offer);
        vm.prank(bob);
        licences.redeemOffer(offer, sig, address(0));
        vm.prank(trainer);
        licences.redeemOffer(offer, sig, address(0));
        (uint32 used,) = licences.offerState(licences.hashOffer(offer));
        assertEq(used, 2, "two redemptions");
        (bool allowed,) = works.check(SONG, USE_TDM, bob, 0);
        assertTrue(allowed, "first redeemer licensed");
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceOfferUsedUp.selector, licences.hashOffer(offer), uint32(2))
        );
        licences.redeemOffer(offer, sig, address(0));
    }

    function testFuzz_offer_cannot_be_used_on_another_chain(uint64 otherChain) public {
        vm.assume(otherChain != block.chainid && otherChain != 0);
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_TDM, address(0), 0);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);
        vm.chainId(otherChain);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferBadSignature.selector, signerAlice));
        licences.redeemOffer(offer, sig, address(0));
    }

    function test_offer_cannot_be_used_on_another_contract() public {
        _register(signerAlice, SONG, 0);
        LicenceManager other = new LicenceManager(works, address(forwarder));
        LicenceOffer memory offer = _offer(SONG, USE_TDM, address(0), 0);
        bytes memory sig = _sign(ALICE_KEY, other, offer);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferBadSignature.selector, signerAlice));
        licences.redeemOffer(offer, sig, address(0));
    }

    function testFuzz_offer_with_changed_terms_or_forged_signer_is_refused(uint256 price, uint256 key) public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_TDM, address(0), 1 ether);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);
        offer.price = bound(price, 0, 1 ether - 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferBadSignature.selector, signerAlice));
        licences.redeemOffer{value: offer.price}(offer, sig, address(0));

        key = bound(key, 1, 2 ** 128);
        vm.assume(key != ALICE_KEY);
        offer.price = 1 ether;
        sig = _sign(key, licences, offer);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferBadSignature.selector, signerAlice));
        licences.redeemOffer{value: 1 ether}(offer, sig, address(0));
    }

    function test_cancelled_offer_cannot_be_redeemed() public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_TDM, address(0), 0);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnauthorized.selector, SONG, eve));
        licences.cancelOffer(offer);
        vm.prank(signerAlice);
        licences.cancelOffer(offer);
        bytes32 offerHash = licences.hashOffer(offer);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferCancelled.selector, offerHash));
        licences.redeemOffer(offer, sig, address(0));
    }

    function test_offer_refusals_expired_wrong_licensee_wrong_payment_and_old_holder() public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory offer = _offer(SONG, USE_TDM, trainer, 1 ether);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferNotForLicensee.selector, bob, trainer));
        licences.redeemOffer{value: 1 ether}(offer, sig, bob);
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceWrongPayment.selector, 1 ether, 2 ether));
        licences.redeemOffer{value: 2 ether}(offer, sig, address(0));

        vm.prank(signerAlice);
        works.transferFrom(signerAlice, bob, uint256(SONG));
        vm.prank(trainer);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceOfferSignerNotHolder.selector, SONG, signerAlice)
        );
        licences.redeemOffer{value: 1 ether}(offer, sig, address(0));

        vm.warp(offer.expiresAt);
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceOfferExpired.selector, offer.expiresAt));
        licences.redeemOffer{value: 1 ether}(offer, sig, address(0));
    }

    // ------------------------------------------------------------------ money

    function test_withdraw_pays_out_the_balance_once() public {
        _sellTraining(alice, SONG, FEE);
        vm.prank(trainer);
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        address payable wallet = payable(address(0xBEEF));
        vm.prank(alice);
        assertEq(licences.withdraw(wallet), FEE, "withdrawn amount");
        assertEq(wallet.balance, FEE, "paid to the chosen address");
        assertEq(address(licences).balance, 0, "nothing left behind");
        (uint256 withdrawable, uint256 earned) = licences.earningsOf(alice);
        assertEq(withdrawable, 0, "balance zeroed");
        assertEq(earned, FEE, "earnings remembered");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceNothingToWithdraw.selector, alice));
        licences.withdraw(wallet);
    }

    function test_failed_withdrawal_keeps_the_balance() public {
        _sellTraining(alice, SONG, FEE);
        vm.prank(trainer);
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), policyOfWork[SONG], 0);
        address refusing = address(new RefusingWallet());
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceWithdrawFailed.selector, refusing, FEE));
        licences.withdraw(payable(refusing));
        (uint256 withdrawable,) = licences.earningsOf(alice);
        assertEq(withdrawable, FEE, "still there");
    }

    function test_royaltyInfo_answers_through_the_registry() public {
        _register(alice, SONG, 0);
        (address receiver, uint256 amount) = works.royaltyInfo(uint256(SONG), 1 ether);
        assertEq(receiver, address(0), "none set");
        assertEq(amount, 0, "none set");
        vm.prank(alice);
        licences.setRoyalty(SONG, bob, 750);
        (receiver, amount) = works.royaltyInfo(uint256(SONG), 1 ether);
        assertEq(receiver, bob, "receiver");
        assertEq(amount, 0.075 ether, "7.5%");
        assertTrue(works.supportsInterface(0x2a55205a), "registry says EIP-2981");
        assertTrue(licences.supportsInterface(0x2a55205a), "licence manager says EIP-2981");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceInvalidRoyalty.selector, bob, uint16(10_001)));
        licences.setRoyalty(SONG, bob, 10_001);
    }

    // ------------------------------------------------------------------ derivatives

    function test_derivative_of_a_no_derivatives_work_is_refused() public {
        _register(alice, SONG, 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeNotAllowed.selector, SONG, REASON_DENIED));
        licences.registerDerivative(REMIX, _one(SONG), bob, 0, "");
        assertFalse(works.isRegistered(REMIX), "nothing registered");
    }

    function testFuzz_derivative_of_any_no_derivatives_terms_is_refused(uint8 otherUse, uint8 mode, uint40 expiry)
        public
    {
        // Whatever else the terms allow, a deny (or absent) derivative rule refuses every derivative.
        otherUse = uint8(bound(otherUse, 0, USE_COUNT - 1));
        vm.assume(otherUse != USE_DERIVATIVE);
        Rule memory other = _rule(uint8(bound(mode, MODE_LICENCE, MODE_ALLOW)));
        uint32 pid = policies.registerPolicy(_policyWith(otherUse, other, expiry));
        _register(alice, SONG, pid);
        vm.prank(bob);
        try licences.registerDerivative(REMIX, _one(SONG), bob, 0, "") {
            assertTrue(false, "a derivative of a no-derivatives work was registered");
        } catch (bytes memory err) {
            assertEq(bytes4(err), ILicenceManager.DerivativeNotAllowed.selector, "refused by the parent's rule");
        }
        assertFalse(works.isRegistered(REMIX), "nothing registered");
    }

    function test_derivative_allowed_by_terms_links_parents_and_records_the_registrant() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_DERIVATIVE, _rule(MODE_ALLOW), 0));
        _register(alice, SONG, pid);
        vm.prank(bob);
        vm.expectEmit(true, true, false, true);
        emit ILicenceManager.DerivativeLinked(REMIX, SONG, 0);
        licences.registerDerivative(REMIX, _one(SONG), bob, 0, "ipfs://remix");
        WorkRecord memory r = works.workOf(REMIX);
        assertEq(r.registrant, bob, "the registrant is the caller, not the licence manager");
        assertEq(r.holder, bob, "holder");
        (bytes32[] memory parents,) = licences.parentsOf(REMIX);
        assertEq(parents.length, 1, "one parent");
        assertEq(parents[0], SONG, "linked");
    }

    function test_derivative_allowed_by_a_licence_the_registrant_holds() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_DERIVATIVE, _licenceRule(FEE), 0));
        _register(alice, SONG, pid);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.DerivativeNotAllowed.selector, SONG, REASON_LICENCE_REQUIRED)
        );
        licences.registerDerivative(REMIX, _one(SONG), bob, 0, "");
        vm.prank(bob);
        licences.buyLicence{value: FEE}(SONG, USE_DERIVATIVE, address(0), policyOfWork[SONG], 0);
        vm.prank(bob);
        licences.registerDerivative(REMIX, _one(SONG), bob, 0, "");
        assertTrue(works.isRegistered(REMIX), "registered with the licence");
    }

    function test_share_alike_passes_the_parents_policy_down() public {
        uint32 sa = policies.registerPolicy(
            _policyWith(USE_DERIVATIVE, _derivativeRule(MODE_ALLOW, DUTY_SHARE_ALIKE | DUTY_ATTRIBUTION, 0), 0)
        );
        uint32 other = policies.registerPolicy(_policyWith(USE_TDM, _rule(MODE_ALLOW), 0));
        _register(alice, SONG, sa);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeShareAlikeRequired.selector, SONG, sa));
        licences.registerDerivative(REMIX, _one(SONG), bob, other, "");
        vm.prank(bob);
        licences.registerDerivative(REMIX, _one(SONG), bob, 0, "");
        assertEq(works.workOf(REMIX).policyId, sa, "inherited");
    }

    function test_derivative_rejects_duplicate_too_many_and_no_parents_and_needs_the_role() public {
        uint32 pid = policies.registerPolicy(_policyWith(USE_DERIVATIVE, _rule(MODE_ALLOW), 0));
        _register(alice, SONG, pid);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeDuplicateParent.selector, SONG));
        licences.registerDerivative(REMIX, _pair(SONG, SONG), bob, 0, "");
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeParentCount.selector, uint256(0)));
        licences.registerDerivative(REMIX, new bytes32[](0), bob, 0, "");
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeParentCount.selector, uint256(17)));
        licences.registerDerivative(REMIX, _hashes(17, 9), bob, 0, "");

        bytes32 role = works.DELEGATE_REGISTRAR_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        works.registerFor(alice, REMIX, eve, 0, "");
    }

    function testFuzz_revenue_split_is_exact_to_the_wei(uint96 fee, uint16 shareA, uint16 shareB) public {
        shareA = uint16(bound(shareA, 0, 10_000));
        shareB = uint16(bound(shareB, 0, 10_000 - shareA));
        fee = uint96(bound(fee, 0, 1000 ether));
        _register(alice, SONG, policies.registerPolicy(_policyWith(USE_DERIVATIVE, _derivativeRule(MODE_ALLOW, 0, shareA), 0)));
        _register(eve, MASHUP, policies.registerPolicy(_policyWith(USE_DERIVATIVE, _derivativeRule(MODE_ALLOW, 0, shareB), 0)));
        uint32 sell = policies.registerPolicy(_policyWith(USE_COMMERCIAL, _licenceRule(fee), 0));
        vm.prank(bob);
        licences.registerDerivative(REMIX, _pair(SONG, MASHUP), bob, sell, "");
        policyOfWork[REMIX] = sell;

        vm.deal(trainer, fee);
        vm.prank(trainer);
        licences.buyLicence{value: fee}(REMIX, USE_COMMERCIAL, address(0), policyOfWork[REMIX], 0);
        (uint256 a,) = licences.earningsOf(alice);
        (uint256 e,) = licences.earningsOf(eve);
        (uint256 b,) = licences.earningsOf(bob);
        assertEq(a, uint256(fee) * shareA / 10_000, "parent A's share, rounded down");
        assertEq(e, uint256(fee) * shareB / 10_000, "parent B's share, rounded down");
        assertEq(a + e + b, fee, "no wei lost: the derivative's holder gets the remainder");
        assertEq(address(licences).balance, fee, "all of it held for withdrawal");
    }

    function test_parents_shares_above_the_whole_are_refused() public {
        _register(alice, SONG, policies.registerPolicy(_policyWith(USE_DERIVATIVE, _derivativeRule(MODE_ALLOW, 0, 6000), 0)));
        _register(eve, MASHUP, policies.registerPolicy(_policyWith(USE_DERIVATIVE, _derivativeRule(MODE_ALLOW, 0, 5000), 0)));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.DerivativeSharesExceedWhole.selector, uint256(11_000)));
        licences.registerDerivative(REMIX, _pair(SONG, MASHUP), bob, 0, "");
    }

    function _one(bytes32 a) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](1);
        out[0] = a;
    }

    function _pair(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](2);
        out[0] = a;
        out[1] = b;
    }
}
