// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BaseTest} from "./Base.t.sol";
import {LicenceManager} from "../../contracts/modules/licensing/LicenceManager.sol";
import {LicenceOffer} from "../../contracts/interfaces/modules/licensing/ILicenceManager.sol";
import {Policy, Rule, MODE_LICENCE, MODE_ALLOW, DUTY_SHARE_ALIKE} from "../../contracts/libraries/RightsTypes.sol";

/// @dev Adds the licence manager as the SDK's `deploy` does: LicenceManager(works, forwarder),
/// set as the registry's licence oracle and given DELEGATE_REGISTRAR_ROLE for derivatives.
abstract contract LicenceBaseTest is BaseTest {
    LicenceManager internal licences;

    uint256 internal constant ALICE_KEY = 0xA11CE5EC;
    address internal signerAlice;

    function setUp() public virtual override {
        super.setUp();
        licences = new LicenceManager(works, address(forwarder));
        vm.startPrank(admin);
        works.setLicenceOracle(licences);
        works.grantRole(works.DELEGATE_REGISTRAR_ROLE(), address(licences));
        vm.stopPrank();
        signerAlice = vm.addr(ALICE_KEY);
        vm.label(signerAlice, "signerAlice");
    }

    function _licenceRule(uint96 fee) internal pure returns (Rule memory) {
        return Rule({mode: MODE_LICENCE, start: 0, end: 0, fee: fee, duties: 0, revenueShareBps: 0});
    }

    function _derivativeRule(uint8 mode, uint8 duties, uint16 shareBps) internal pure returns (Rule memory) {
        return Rule({mode: mode, start: 0, end: 0, fee: 0, duties: duties, revenueShareBps: shareBps});
    }

    function _offer(bytes32 contentHash, uint8 use, address licensee, uint256 price)
        internal
        view
        returns (LicenceOffer memory)
    {
        return LicenceOffer({
            contentHash: contentHash,
            use: use,
            licensee: licensee,
            price: price,
            validUntil: uint40(block.timestamp + 30 days),
            expiresAt: uint40(block.timestamp + 7 days),
            maxRedemptions: 1,
            signer: signerAlice,
            nonce: 1
        });
    }

    function _sign(uint256 key, LicenceManager target, LicenceOffer memory offer) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, target.hashOffer(offer));
        return abi.encodePacked(r, s, v);
    }
}
