// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CodeProof} from "../../../contracts/interfaces/registries/IWorkRegistry.sol";

/// @dev A plain-Solidity reference of ContentCodes' tree (no assembly), written from its NatSpec,
/// so the registry's in-place root and the proofs the SDK builds are checked against a second reading.
library CodeTrees {
    uint256 internal constant PER_LEAF = 32;

    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; ++i) {
            out[i] = b[start + i];
        }
    }

    function leafCodes(bytes memory codes, uint256 leaf) internal pure returns (bytes memory) {
        uint256 start = leaf * PER_LEAF * 10;
        uint256 end = start + PER_LEAF * 10;
        if (end > codes.length) end = codes.length;
        return slice(codes, start, end - start);
    }

    function leaves(bytes memory codes) internal pure returns (bytes32[] memory level) {
        uint256 count = codes.length / 10;
        level = new bytes32[]((count + PER_LEAF - 1) / PER_LEAF);
        for (uint256 j; j < level.length; ++j) {
            level[j] = keccak256(leafCodes(codes, j));
        }
    }

    function up(bytes32[] memory level) internal pure returns (bytes32[] memory next) {
        uint256 half = level.length / 2;
        next = new bytes32[](half + level.length % 2);
        for (uint256 k; k < half; ++k) {
            next[k] = keccak256(abi.encodePacked(level[2 * k], level[2 * k + 1]));
        }
        if (level.length % 2 == 1) next[half] = level[level.length - 1];
    }

    function root(bytes memory codes) internal pure returns (bytes32) {
        bytes32[] memory level = leaves(codes);
        while (level.length > 1) {
            level = up(level);
        }
        return level[0];
    }

    function proof(bytes memory codes, uint256 index) internal pure returns (CodeProof memory p) {
        uint256 leaf = index / PER_LEAF;
        p.leafCodes = leafCodes(codes, leaf);
        bytes32[] memory path = new bytes32[](32);
        uint256 used;
        bytes32[] memory level = leaves(codes);
        uint256 j = leaf;
        while (level.length > 1) {
            if (j % 2 == 1) path[used++] = level[j - 1];
            else if (j + 1 < level.length) path[used++] = level[j + 1];
            level = up(level);
            j /= 2;
        }
        p.siblings = new bytes32[](used);
        for (uint256 k; k < used; ++k) {
            p.siblings[k] = path[k];
        }
    }

    function codeAt(bytes memory codes, uint256 index) internal pure returns (bytes10 code) {
        bytes memory one = slice(codes, index * 10, 10);
        assembly {
            code := mload(add(one, 0x20))
        }
    }

    /// @dev `n` image codes from `seed`; every seventh is NO_CODE (a featureless work).
    function randomCodes(uint256 n, uint256 seed) internal pure returns (bytes memory codes) {
        for (uint256 i; i < n; ++i) {
            bytes10 code = i % 7 == 6
                ? bytes10(0)
                : bytes10(uint80(0x2101) << 64 | uint80(uint64(uint256(keccak256(abi.encode(seed, i))))));
            codes = bytes.concat(codes, code);
        }
    }
}

/// @dev StandardMerkleTree-shaped trees over given leaves (sorted, array layout), as the SDK builds them.
library LeafTrees {
    function codedLeaf(bytes32 contentHash, bytes10 code) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contentHash, code))));
    }

    function plainLeaf(bytes32 contentHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contentHash))));
    }

    function pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function build(bytes32[] memory input) internal pure returns (bytes32[] memory tree) {
        uint256 n = input.length;
        bytes32[] memory sorted = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 x = input[i];
            uint256 j = i;
            while (j > 0 && sorted[j - 1] > x) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = x;
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 k; k < n; ++k) {
            tree[tree.length - 1 - k] = sorted[k];
        }
        for (uint256 i = tree.length - n; i > 0; --i) {
            tree[i - 1] = pair(tree[2 * (i - 1) + 1], tree[2 * (i - 1) + 2]);
        }
    }

    function proof(bytes32[] memory tree, bytes32 leaf) internal pure returns (bytes32[] memory out) {
        uint256 i = tree.length;
        while (i > 0 && tree[i - 1] != leaf) --i;
        require(i > 0, "not a leaf");
        i -= 1;
        uint256 depth;
        for (uint256 k = i; k > 0; k = (k - 1) / 2) ++depth;
        out = new bytes32[](depth);
        uint256 d;
        while (i > 0) {
            out[d++] = tree[i % 2 == 1 ? i + 1 : i - 1];
            i = (i - 1) / 2;
        }
    }
}
