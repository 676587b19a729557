// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {IWorkRegistry} from "../../contracts/interfaces/registries/IWorkRegistry.sol";
import {IInlineTerms} from "../../contracts/interfaces/registries/IInlineTerms.sol";
import {IPolicyRegistry} from "../../contracts/interfaces/registries/IPolicyRegistry.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import "../../contracts/libraries/RightsTypes.sol";

/// @dev Registrations and terms changes carrying their terms (IInlineTerms): the policy is found
/// or stored by hash in the same transaction, so a request signed for a relayer commits to the terms.
contract InlineTermsTest is BaseTest {
    bytes32 internal constant WORK = keccak256("a work");
    bytes10 internal constant CODE = bytes10(0x21010123456789abcdef);
    uint256 internal constant ALICE_KEY = 0xA11CE5;
    uint256 internal constant EVE_KEY = 0xE5E5;

    function _licence(uint96 fee) internal pure returns (Policy memory p) {
        p.rules[USE_AI_TRAINING] = Rule({mode: MODE_LICENCE, start: 0, end: 0, fee: fee, duties: 0, revenueShareBps: 0});
    }

    function test_registerWithTerms_stores_new_terms_once_and_registers_under_them() public {
        vm.prank(alice);
        (uint32 registrationId, uint32 policyId) = works.registerWithTerms(WORK, alice, _licence(7), "ipfs://a");
        assertEq(policyId, 1, "new terms are stored as the first policy");
        assertEq(registrationId, 1, "the first registration");
        WorkRecord memory record = works.workOf(WORK);
        assertEq(record.policyId, policyId, "the work follows the stored terms");
        assertEq(record.registrant, alice, "the caller registered it");
        (Rule memory rule,) = policies.ruleOf(policyId, USE_AI_TRAINING);
        assertEq(rule.fee, 7, "the stored policy holds the terms given");

        vm.prank(bob);
        (, uint32 again) = works.registerWithTerms(keccak256("bob's"), bob, _licence(7), "");
        assertEq(again, policyId, "the same terms find the same policy");
        assertEq(policies.policyCount(), 1, "and store nothing new");
    }

    function test_registerWithCodeAndTerms_commits_the_code_as_registerWithCode_does() public {
        vm.prank(alice);
        (uint32 registrationId, uint32 policyId) =
            works.registerWithCodeAndTerms(WORK, CODE, alice, _licence(7), "");
        vm.prank(alice);
        works.registerWithCode(keccak256("same code"), CODE, alice, policyId, "");
        (uint32 inlineRegistration,, uint32 count, bytes32 inlineRoot) = works.codeCommitmentOf(WORK);
        (,,, bytes32 plainRoot) = works.codeCommitmentOf(keccak256("same code"));
        assertEq(inlineRegistration, registrationId, "the work's registration");
        assertEq(count, 1, "one work");
        assertTrue(inlineRoot != bytes32(0), "codes committed");
        assertEq(inlineRoot, plainRoot, "the same code tree as registerWithCode");
        assertEq(works.workOf(WORK).policyId, policyId, "under the inline terms");
    }

    function test_registerBatchWithTerms_puts_every_work_under_one_new_policy() public {
        bytes32[] memory hashes = _hashes(20, 1);
        vm.prank(alice);
        (uint32 registrationId, uint32 policyId) = works.registerBatchWithTerms(hashes, alice, _licence(9), "ipfs://c/");
        assertEq(policies.policyCount(), 1, "one policy for the collection");
        for (uint256 i; i < hashes.length; ++i) {
            WorkRecord memory record = works.workOf(hashes[i]);
            assertEq(record.policyId, policyId, "every work follows it");
            assertEq(record.registrationId, registrationId, "in one registration");
        }
        assertEq(works.balanceOf(alice), 20, "all to the holder");
    }

    function test_setTerms_changes_terms_for_the_holder_only() public {
        _register(alice, WORK, 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IWorkRegistry.WorkUnauthorized.selector, WORK, eve));
        works.setTerms(WORK, _licence(1));
        assertEq(policies.policyCount(), 0, "a refused change stores no terms");

        vm.prank(alice);
        uint32 policyId = works.setTerms(WORK, _licence(1));
        assertEq(works.workOf(WORK).policyId, policyId, "the holder's terms apply");
        (bool registered, uint32 inForce,) = works.termsAt(WORK, 0);
        assertTrue(registered && inForce == policyId, "the change is in the terms history");
    }

    function test_invalid_inline_terms_revert_with_the_policy_error_and_register_nothing() public {
        Policy memory bad = _licence(0);
        bad.rules[USE_TDM].mode = 3;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidMode.selector, USE_TDM, 3));
        works.registerWithTerms(WORK, alice, bad, "");
        assertFalse(works.isRegistered(WORK), "nothing registered");
        assertEq(policies.policyCount(), 0, "nothing stored");
    }

    function testFuzz_equal_terms_share_a_policy_and_different_terms_do_not(uint96 feeA, uint96 feeB) public {
        feeA = uint96(bound(feeA, 1, type(uint96).max));
        feeB = uint96(bound(feeB, 1, type(uint96).max));
        vm.prank(alice);
        (, uint32 a) = works.registerWithTerms(keccak256("a"), alice, _licence(feeA), "");
        vm.prank(bob);
        (, uint32 b) = works.registerWithTerms(keccak256("b"), bob, _licence(feeB), "");
        assertEq(a == b, feeA == feeB, "one policy per distinct terms");
        assertEq(policies.policyCount(), feeA == feeB ? 1 : 2, "counted once each");
    }

    function test_supports_the_inline_terms_interface() public view {
        assertTrue(works.supportsInterface(type(IInlineTerms).interfaceId), "IInlineTerms");
    }

    // ------------------------------------------------------------ relayed (ERC-2771)

    function test_relayed_request_registers_for_the_signer_with_the_terms_it_signed() public {
        address signer = vm.addr(ALICE_KEY);
        bytes memory data = abi.encodeCall(works.registerWithTerms, (WORK, signer, _licence(5), ""));
        ERC2771Forwarder.ForwardRequestData memory request = _signed(ALICE_KEY, signer, data);
        vm.prank(eve); // the relayer pays; the signer acts
        forwarder.execute(request);
        WorkRecord memory record = works.workOf(WORK);
        assertEq(record.registrant, signer, "registered by the signer, not the relayer");
        assertEq(record.holder, signer, "to the signer");
        assertEq(policies.policyOf(record.policyId).rules[USE_AI_TRAINING].fee, 5, "under the signed terms");
    }

    function test_attack_relayerCannotSwapTheTermsOfASignedRequest() public {
        address signer = vm.addr(ALICE_KEY);
        bytes memory data = abi.encodeCall(works.registerWithTerms, (WORK, signer, _licence(5), ""));
        ERC2771Forwarder.ForwardRequestData memory request = _signed(ALICE_KEY, signer, data);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, _digest(request));
        // The relayer puts its own terms (a free licence) into the signed request.
        request.data = abi.encodeCall(works.registerWithTerms, (WORK, signer, _licence(1), ""));
        assertFalse(forwarder.verify(request), "the signature no longer covers the request");
        address recovered = ecrecover(_digest(request), v, r, s);
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector, recovered, signer)
        );
        forwarder.execute(request);
        assertFalse(works.isRegistered(WORK), "nothing registered");
        assertEq(policies.policyCount(), 0, "no terms stored for an unsigned request");
    }

    function test_attack_forwardedCallWithSomeoneElsesTermsCreatesOnlyTheSignersRegistration() public {
        address signer = vm.addr(ALICE_KEY);
        address attacker = vm.addr(EVE_KEY);
        vm.prank(signer);
        (, uint32 alicePolicy) = works.registerWithTerms(WORK, signer, _licence(5), "");
        // Eve signs a request copying Alice's terms, for a work of her own.
        bytes32 evesWork = keccak256("eve's work");
        bytes memory data = abi.encodeCall(works.registerWithTerms, (evesWork, attacker, _licence(5), ""));
        forwarder.execute(_signed(EVE_KEY, attacker, data));
        WorkRecord memory eves = works.workOf(evesWork);
        assertEq(eves.registrant, attacker, "Eve's own registration");
        assertEq(eves.holder, attacker, "to Eve");
        assertEq(eves.policyId, alicePolicy, "the equal terms' policy, found by hash");
        assertEq(policies.policyCount(), 1, "no policy created");
        WorkRecord memory alices = works.workOf(WORK);
        assertEq(alices.holder, signer, "Alice's work stays hers");
        assertEq(alices.registrationId, 1, "in Alice's registration");
        assertEq(works.registrationCount(), 2, "one registration each");
    }

    function test_attack_forgedSignerIsRejected() public {
        address victim = vm.addr(ALICE_KEY);
        address attacker = vm.addr(EVE_KEY);
        bytes memory data = abi.encodeCall(works.registerWithTerms, (WORK, victim, _licence(1), ""));
        // Eve signs a request claiming to be from Alice.
        ERC2771Forwarder.ForwardRequestData memory request = _signed(EVE_KEY, victim, data);
        vm.expectRevert(
            abi.encodeWithSelector(ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector, attacker, victim)
        );
        forwarder.execute(request);
        // And Eve appends Alice's address herself, not through the trusted forwarder: she is the caller.
        vm.prank(attacker);
        (bool ok,) = address(works).call(abi.encodePacked(data, victim));
        assertTrue(ok, "a plain call with a suffix");
        assertEq(works.workOf(WORK).registrant, attacker, "registered as Eve, never as Alice");
        assertEq(policies.policyCount(), 1, "only the terms of the call that went through");
    }

    /// @dev A forward request from `from` to the WorkRegistry with `data`, signed with `key`.
    function _signed(uint256 key, address from, bytes memory data)
        internal
        view
        returns (ERC2771Forwarder.ForwardRequestData memory request)
    {
        request = ERC2771Forwarder.ForwardRequestData({
            from: from,
            to: address(works),
            value: 0,
            gas: 1_000_000,
            deadline: uint48(block.timestamp + 1 hours),
            data: data,
            signature: ""
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(request));
        request.signature = abi.encodePacked(r, s, v);
    }

    /// @dev The EIP-712 digest the forwarder recovers the signer of `request` from.
    function _digest(ERC2771Forwarder.ForwardRequestData memory request) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
                ),
                request.from,
                request.to,
                request.value,
                request.gas,
                forwarder.nonces(request.from),
                request.deadline,
                keccak256(request.data)
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
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }
}
