// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

import {ILicenceToken, ILicenceTransferHook} from "../../interfaces/modules/licensing/ILicenceToken.sol";

/// @title LicenceToken
/// @notice See ILicenceToken. Deployed by the LicenceManager in its constructor, so the pair is one
/// deployment and the manager is fixed for good.
contract LicenceToken is ERC721, ILicenceToken {
    address private immutable _manager;

    constructor() ERC721("rightsledger licences", "RLL") {
        _manager = msg.sender;
    }

    /// @inheritdoc ILicenceToken
    function mint(address to, uint256 licenceId) external {
        if (msg.sender != _manager) revert LicenceTokenUnauthorized(msg.sender);
        // Not _safeMint: issuing a licence never calls into the licensee.
        _mint(to, licenceId);
    }

    /// @inheritdoc ILicenceToken
    function manager() external view returns (address) {
        return _manager;
    }

    /// @dev Every transfer (not the mint) is put to the manager, which refuses a personal licence and
    /// moves a transferable one's right to the new holder.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        // The manager is the immutable contract that deployed this token.
        // slither-disable-next-line reentrancy-no-eth,calls-loop
        if (from != address(0)) ILicenceTransferHook(_manager).onLicenceTransfer(tokenId, from, to);
    }
}
