// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev Test-only: the OpenZeppelin ERC-721 mint that registration costs are compared with. Not shipped.
contract BenchERC721 is ERC721 {
    constructor() ERC721("bench", "B") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function mintBatch(address to, uint256[] calldata tokenIds) external {
        for (uint256 i; i < tokenIds.length; ++i) {
            _mint(to, tokenIds[i]);
        }
    }
}
