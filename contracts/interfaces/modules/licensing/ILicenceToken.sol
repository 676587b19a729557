// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The licence token: every licence the LicenceManager issues is an ERC-721 token (id = licence id).
/// @notice The LicenceManager that deployed it mints; each transfer is submitted to the manager, which
/// refuses it unless the licence's terms made it transferable, and moves the licensed right with it.
interface ILicenceToken {
    /// @notice Only the licence manager may mint.
    error LicenceTokenUnauthorized(address caller);

    /// @notice Mints licence `licenceId` to `to`. Licence manager only.
    function mint(address to, uint256 licenceId) external;

    /// @notice The licence manager whose licences these tokens are.
    function manager() external view returns (address);
}

/// @title What the licence token asks the manager on every transfer.
interface ILicenceTransferHook {
    /// @notice Called by the licence token after it moved `licenceId` from `from` to `to`; reverts to refuse.
    function onLicenceTransfer(uint256 licenceId, address from, address to) external;
}
