// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title What the works registry asks a licence module when it answers a check.
interface ILicenceOracle {
    /// @notice Whether `licensee` holds a licence for `use` of the work `contentHash` valid at `timestamp`.
    function isLicensed(bytes32 contentHash, uint8 use, address licensee, uint64 timestamp) external view returns (bool);
}
