// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev The few forge cheatcodes these tests use (the npm forge-std is old and unofficial,
/// so the project declares its own). Signatures as in foundry's cheatcodes reference.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function deal(address account, uint256 balance) external;
    function addr(uint256 privateKey) external pure returns (address);
    function label(address account, string calldata name) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function chainId(uint256 newChainId) external;
    function snapshotState() external returns (uint256);
    function revertToState(uint256 snapshotId) external returns (bool);
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(bool left, bool right, string calldata error) external pure;
    function assertEq(bytes calldata left, bytes calldata right, string calldata error) external pure;
    function assertTrue(bool condition, string calldata error) external pure;
    function assertFalse(bool condition, string calldata error) external pure;
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;
    function assertGe(uint256 left, uint256 right, string calldata error) external pure;
}

/// @dev A minimal base for forge tests: the cheatcode handle, assertions that fail the
/// test through the cheatcodes, `bound`, and the invariant target hooks forge calls.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    address[] private _targetContracts;
    bytes4[] private _targetSelectors;
    address private _targetSelectorContract;

    bool public IS_TEST = true;

    function assertEq(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(address a, address b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(bytes32 a, bytes32 b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(bool a, bool b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertTrue(bool c, string memory why) internal pure {
        vm.assertTrue(c, why);
    }

    function assertFalse(bool c, string memory why) internal pure {
        vm.assertFalse(c, why);
    }

    function assertLe(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertLe(a, b, why);
    }

    /// @dev Maps `x` into [min, max] uniformly enough for fuzzing, keeping small values as they are.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    /// @dev Called by forge's invariant runner.
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }
}
