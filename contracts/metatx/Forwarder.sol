// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title Forwarder
/// @notice The trusted ERC-2771 forwarder of the rightsledger contracts: it executes a call a
/// user signed off-chain (EIP-712 `ForwardRequest` bound to this chain id and contract, with a
/// per-signer nonce and a deadline), so a relayer such as the gateway pays the gas while the
/// contracts see the user as the caller. Replayed, expired or forged requests revert.
contract Forwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("rightsledger") {}
}
