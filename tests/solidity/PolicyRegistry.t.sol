// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {IPolicyRegistry} from "../../contracts/interfaces/registries/IPolicyRegistry.sol";
import {Policy, Rule, MODE_ALLOW, MODE_LICENCE, MODE_DENY, USE_AI_TRAINING, USE_PROMOTION} from "../../contracts/libraries/RightsTypes.sol";

contract PolicyRegistryTest is BaseTest {
    function test_registerPolicy_assigns_ids_from_one_and_deduplicates() public {
        Policy memory p = _policyWith(USE_AI_TRAINING, Rule(MODE_LICENCE, 0, 0, 1 ether, 0, 0), 0);
        uint32 first = policies.registerPolicy(p);
        uint32 again = policies.registerPolicy(p);
        assertEq(first, 1, "first id");
        assertEq(again, 1, "same terms, same id");
        assertEq(policies.policyCount(), 1, "one stored policy");
        Policy memory other = _policyWith(USE_PROMOTION, _rule(MODE_ALLOW), 0);
        assertEq(policies.registerPolicy(other), 2, "different terms, new id");
        assertEq(policies.policyIdOf(policies.hashPolicy(p)), 1, "lookup by hash");
    }

    function test_policyOf_round_trips_every_field() public {
        Policy memory p = _policyWith(USE_PROMOTION, Rule(MODE_ALLOW, 100, 200, 0, 1, 0), 5000);
        p.rules[USE_AI_TRAINING] = Rule(MODE_LICENCE, 0, 0, 3 ether, 3, 2500);
        uint32 id = policies.registerPolicy(p);
        Policy memory got = policies.policyOf(id);
        assertEq(keccak256(abi.encode(got)), keccak256(abi.encode(p)), "stored policy equals input");
    }

    function test_registerPolicy_rejects_invalid_rules_by_name() public {
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidMode.selector, uint8(1), uint8(3)));
        policies.registerPolicy(_policyWith(1, Rule(3, 0, 0, 0, 0, 0), 0));

        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidWindow.selector, uint8(1), uint40(10), uint40(10)));
        policies.registerPolicy(_policyWith(1, Rule(MODE_ALLOW, 10, 10, 0, 0, 0), 0));

        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyFeeWithoutLicence.selector, uint8(1), uint96(5)));
        policies.registerPolicy(_policyWith(1, Rule(MODE_ALLOW, 0, 0, 5, 0, 0), 0));

        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyDenyWithConditions.selector, uint8(1)));
        policies.registerPolicy(_policyWith(1, Rule(MODE_DENY, 0, 0, 0, 1, 0), 0));

        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidDuties.selector, uint8(1), uint8(8)));
        policies.registerPolicy(_policyWith(1, Rule(MODE_ALLOW, 0, 0, 0, 8, 0), 0));

        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidShare.selector, uint8(1), uint16(10_001)));
        policies.registerPolicy(_policyWith(1, Rule(MODE_ALLOW, 0, 0, 0, 0, 10_001), 0));
    }

    function test_policyOf_unknown_id_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyUnknown.selector, uint32(7)));
        policies.policyOf(7);
    }

    function testFuzz_equal_policies_share_an_id(uint96 fee, uint40 start, uint40 length) public {
        start = uint40(bound(start, 1, type(uint40).max - 2));
        length = uint40(bound(length, 1, type(uint40).max - start));
        Policy memory p = _policyWith(USE_AI_TRAINING, Rule(MODE_LICENCE, start, start + length, fee, 0, 0), 0);
        uint32 a = policies.registerPolicy(p);
        uint32 b = policies.registerPolicy(p);
        assertEq(a, b, "identical terms de-duplicate");
        assertEq(policies.policyCount(), 1, "stored once");
    }
}
