// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {LicenceBaseTest} from "../LicenceBase.t.sol";
import {ILicenceManager, LicenceOffer, LicenceRecord} from "../../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import "../../../contracts/libraries/RightsTypes.sol";

/// @dev The licence attacks of issue 12 and the licence lifecycle (tokens, transfer, revocation,
/// minting disabled), as a buyer (trainer), a holder (alice, signerAlice) and an attacker (eve) see them.
contract LicenceAttacksTest is LicenceBaseTest {
    bytes32 internal constant SONG = keccak256("a song");
    uint96 internal constant FEE = 0.01 ether;
    address internal trainer = address(0x7A1);
    /// @dev setUp's time, as a constant: via-IR may read block.timestamp after a later warp.
    uint256 internal constant T = 1_800_000_000;

    function setUp() public override {
        super.setUp();
        vm.warp(T);
        vm.deal(trainer, 100 ether);
        vm.deal(bob, 100 ether);
    }

    function _windowed(uint96 fee, uint40 end, uint8 duties) internal returns (uint32) {
        Rule memory rule = _licenceRule(fee);
        rule.end = end;
        rule.duties = duties;
        return policies.registerPolicy(_policyWith(USE_AI_TRAINING, rule, 0));
    }

    /// Finding 8: the holder front-runs a purchase, switching to a policy with the same fee whose
    /// window ends one second later; the buyer's exact payment still matched.
    function test_attack_frontRunPolicySwitchCannotChangeWhatTheBuyerPays() public {
        uint40 seenEnd = uint40(block.timestamp + 365 days);
        uint32 seen = _windowed(FEE, seenEnd, 0);
        _register(alice, SONG, seen);
        uint32 worse = _windowed(FEE, uint40(block.timestamp + 1), 0);
        vm.prank(alice);
        works.setPolicy(SONG, worse); // the front-running transaction
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceTermsChanged.selector, SONG, seen, worse));
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), seen, seenEnd);
        // Pinning the validity alone also holds, whatever policy id the buyer passes.
        vm.prank(trainer);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceValidityTooShort.selector, seenEnd, uint40(block.timestamp + 1))
        );
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), worse, seenEnd);
        assertEq(trainer.balance, 100 ether, "nothing paid");
    }

    /// Low: offers could only be cancelled one by one, each needing its full text.
    function test_attack_leakedOldOffersAreCancelledByTheNonceFloor() public {
        _register(signerAlice, SONG, 0);
        LicenceOffer memory old1 = _offer(SONG, USE_TDM, address(0), 0);
        LicenceOffer memory old2 = _offer(SONG, USE_AI_TRAINING, address(0), 0);
        old2.nonce = 41;
        LicenceOffer memory fresh = _offer(SONG, USE_TDM, address(0), 0);
        fresh.nonce = 42;
        bytes memory sig1 = _sign(ALICE_KEY, licences, old1);
        bytes memory sig2 = _sign(ALICE_KEY, licences, old2);
        bytes memory sig3 = _sign(ALICE_KEY, licences, fresh);
        vm.prank(signerAlice);
        licences.cancelOffersBelow(42);
        assertEq(licences.nonceFloorOf(signerAlice), 42, "floor recorded");
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceOfferNonceCancelled.selector, signerAlice, 1, 42)
        );
        licences.redeemOffer(old1, sig1, address(0));
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceOfferNonceCancelled.selector, signerAlice, 41, 42)
        );
        licences.redeemOffer(old2, sig2, address(0));
        vm.prank(eve);
        licences.redeemOffer(fresh, sig3, address(0));
        vm.prank(signerAlice);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceNonceFloorNotRaised.selector, 42, 7));
        licences.cancelOffersBelow(7);
    }

    function test_every_licence_is_a_token_and_a_personal_one_cannot_be_transferred() public {
        uint32 pid = _windowed(FEE, 0, 0);
        _register(alice, SONG, pid);
        vm.prank(trainer);
        (uint64 id,) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        IERC721 token = IERC721(licences.licenceToken());
        assertEq(token.ownerOf(id), trainer, "the licensee holds the token");
        LicenceRecord memory record = licences.licence(id);
        assertEq(record.contentHash, SONG, "the work");
        assertFalse(record.transferable, "personal: the rule has no transferable duty");
        vm.prank(trainer);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceNotTransferable.selector, id));
        token.transferFrom(trainer, bob, id);
    }

    function test_attack_transferredLicenceMovesTheRightAndLeavesNoCopy() public {
        uint32 pid = _windowed(FEE, 0, DUTY_TRANSFERABLE);
        _register(alice, SONG, pid);
        vm.prank(trainer);
        (uint64 id,) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        uint256 bought = T;
        IERC721 token = IERC721(licences.licenceToken());
        vm.warp(bought + 100);
        vm.prank(trainer);
        token.transferFrom(trainer, bob, id);
        (bool trainerNow,) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        (bool bobNow, uint8 reason) = works.check(SONG, USE_AI_TRAINING, bob, 0);
        assertFalse(trainerNow, "the seller keeps no copy of the right");
        assertTrue(bobNow, "the buyer holds it");
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "by licence");
        (bool trainerThen,) = works.check(SONG, USE_AI_TRAINING, trainer, uint64(bought + 50));
        (bool bobThen,) = works.check(SONG, USE_AI_TRAINING, bob, uint64(bought + 50));
        assertTrue(trainerThen, "the seller's past use stays licensed");
        assertFalse(bobThen, "the buyer had no right before");
        // A holder of a running transferable licence cannot stack a second one for the same use.
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ILicenceManager.LicenceTransferableHeld.selector, SONG, USE_AI_TRAINING, bob)
        );
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
    }

    function test_attack_holderDisablesMintingUnderAPolicyAndNoNewLicenceIsIssued() public {
        uint32 pid = _windowed(FEE, 0, 0);
        _register(signerAlice, SONG, pid);
        vm.prank(trainer);
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnauthorized.selector, SONG, eve));
        licences.setMintingDisabled(SONG, pid, true);
        vm.prank(signerAlice);
        licences.setMintingDisabled(SONG, pid, true);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceMintingDisabled.selector, SONG, pid));
        licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        LicenceOffer memory offer = _offer(SONG, USE_AI_TRAINING, address(0), 0);
        bytes memory sig = _sign(ALICE_KEY, licences, offer);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceMintingDisabled.selector, SONG, pid));
        licences.redeemOffer(offer, sig, address(0));
        (bool allowed,) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        assertTrue(allowed, "a licence already sold stays valid");
    }

    function test_attack_revokedOrDisputedLicenceAnswersWithItsReason() public {
        uint32 pid = _windowed(FEE, uint40(block.timestamp + 10 days), 0);
        _register(alice, SONG, pid);
        vm.prank(trainer);
        (uint64 id,) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        (bool valid, uint8 reason) = licences.licenceStatus(id);
        assertTrue(valid, "valid when bought");
        assertEq(reason, REASON_ALLOWED_BY_LICENCE, "by licence");

        vm.prank(admin);
        works.markStatus(SONG, STATUS_DISPUTED, "ipfs://claim");
        (valid, reason) = licences.licenceStatus(id);
        assertFalse(valid, "no licence counts on a disputed work");
        assertEq(reason, REASON_DISPUTED, "disputed");
        vm.prank(admin);
        works.markStatus(SONG, STATUS_UNVERIFIED, "");

        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, eve, keccak256("REGISTRAR_ROLE")
            )
        );
        licences.revokeLicence(id, "");
        uint256 revokedAt = T + 1 days;
        vm.warp(revokedAt);
        vm.prank(admin);
        licences.revokeLicence(id, "ipfs://fraud");
        (valid, reason) = licences.licenceStatus(id);
        assertFalse(valid, "revoked");
        assertEq(reason, REASON_REVOKED, "revoked reason");
        (, uint8 now_) = works.check(SONG, USE_AI_TRAINING, trainer, 0);
        assertEq(now_, REASON_LICENCE_REQUIRED, "the check no longer sees the licence");
        (bool before,) = works.check(SONG, USE_AI_TRAINING, trainer, uint64(revokedAt - 1));
        assertTrue(before, "use before the revocation stays licensed");

        vm.warp(T + 21 days);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceAlreadyRevoked.selector, id));
        licences.revokeLicence(id, "");
    }

    function test_expired_licence_answers_expired() public {
        uint32 pid = _windowed(FEE, uint40(block.timestamp + 10 days), 0);
        _register(alice, SONG, pid);
        vm.prank(trainer);
        (uint64 id,) = licences.buyLicence{value: FEE}(SONG, USE_AI_TRAINING, address(0), pid, 0);
        vm.warp(T + 10 days);
        (bool valid, uint8 reason) = licences.licenceStatus(id);
        assertFalse(valid, "ended");
        assertEq(reason, REASON_EXPIRED, "expired");
        vm.expectRevert(abi.encodeWithSelector(ILicenceManager.LicenceUnknown.selector, uint64(99)));
        licences.licenceStatus(99);
    }
}
