// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev A work's ISCC Content-Code as the registry records it: the ISCC unit's 2-byte header
/// (main type, subtype, version, length) then its 64-bit body, i.e. the unit's binary form
/// (`ISCC:` + base32 of these 10 bytes is the code's text form). All zero = no code: the
/// registrant had none (featureless image, too short a text, unknown media); it matches nothing.
bytes10 constant NO_CODE = bytes10(0);
uint256 constant CODE_BYTES = 10;
/// @dev Codes per leaf of a registration's code tree: one leaf hashes 320 bytes of packed codes.
uint256 constant CODES_PER_LEAF = 32;
uint256 constant LEAF_BYTES = 320;
/// @dev ISCC headers of the 64-bit Content-Codes (main type 2 = CONTENT; subtype 0 text, 1 image, 2 audio).
bytes2 constant HEADER_TEXT_64 = 0x2001;
bytes2 constant HEADER_IMAGE_64 = 0x2101;
bytes2 constant HEADER_AUDIO_64 = 0x2201;

/// @title ContentCodes
/// @notice The commitment to a registration's content codes, its proofs, and code distances.
/// @dev The codes of a registration, packed 10 bytes each in registration order, are cut into
/// leaves of CODES_PER_LEAF codes (the last leaf holds the rest); leaf j = keccak256 of its bytes.
/// Nodes are hashed by position, left then right (keccak256(left ++ right)); an odd last node
/// of a level moves up unchanged; the root is the last node left. One leaf: the root is its hash.
/// A leaf's preimage is a multiple of 10 bytes and an inner node's 64, so neither passes for the other.
/// Proofs: the leaf's packed codes plus the sibling per level that has one, bottom up.
/// Python: rightsledger.code_tree builds the same root and proofs.
library ContentCodes {
    /// @notice The root over `count` packed codes in memory at `codes` (count > 0), using the
    /// memory from `scratch` (one word per leaf) as workspace; it allocates nothing.
    function rootInMemory(uint256 codes, uint256 count, uint256 scratch) internal pure returns (bytes32 root) {
        // Hand-written because the batch gas target (issue 11: at most an ERC-721 batch mint per token)
        // leaves ~300 gas per work for the codes: this hashes each byte once, in place.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let leaves := div(add(count, 31), 32)
            let last := sub(leaves, 1)
            for { let j := 0 } lt(j, last) { j := add(j, 1) } {
                mstore(add(scratch, shl(5, j)), keccak256(add(codes, mul(j, 320)), 320))
            }
            let tail := mul(sub(count, mul(last, 32)), 10)
            mstore(add(scratch, shl(5, last)), keccak256(add(codes, mul(last, 320)), tail))
            for { let size := leaves } gt(size, 1) {} {
                let half := shr(1, size)
                for { let k := 0 } lt(k, half) { k := add(k, 1) } {
                    mstore(add(scratch, shl(5, k)), keccak256(add(scratch, shl(6, k)), 64))
                }
                if and(size, 1) { mstore(add(scratch, shl(5, half)), mload(add(scratch, shl(5, sub(size, 1))))) }
                size := add(half, and(size, 1))
            }
            root := mload(scratch)
        }
    }

    /// @notice Whether `code` is code number `index` of a registration of `count` works whose
    /// code root is `root`, by the leaf's packed codes and the siblings on its path.
    function verify(
        bytes32 root,
        uint256 count,
        uint256 index,
        bytes10 code,
        bytes calldata leafCodes,
        bytes32[] calldata siblings
    ) internal pure returns (bool) {
        if (index >= count) return false;
        uint256 leaf = index / CODES_PER_LEAF;
        uint256 first = leaf * CODES_PER_LEAF;
        // Cannot underflow or overflow: first <= index < count, and count fits 32 bits.
        unchecked {
            uint256 inLeaf = count - first < CODES_PER_LEAF ? count - first : CODES_PER_LEAF;
            if (leafCodes.length != inLeaf * CODE_BYTES) return false;
            uint256 at = (index - first) * CODE_BYTES;
            if (bytes10(leafCodes[at:at + CODE_BYTES]) != code) return false;
        }
        bytes32 node = keccak256(leafCodes);
        uint256 size = (count + CODES_PER_LEAF - 1) / CODES_PER_LEAF;
        uint256 used;
        while (size > 1) {
            if (leaf & 1 == 1 || leaf + 1 < size) {
                if (used == siblings.length) return false;
                bytes32 sibling = siblings[used++];
                node = leaf & 1 == 1
                    ? keccak256(abi.encodePacked(sibling, node))
                    : keccak256(abi.encodePacked(node, sibling));
            }
            leaf >>= 1;
            size = (size + 1) >> 1;
        }
        return used == siblings.length && node == root;
    }

    /// @notice The ISCC header (main type, subtype, version, length) of a code.
    function header(bytes10 code) internal pure returns (bytes2) {
        return bytes2(code);
    }

    /// @notice The Hamming distance of two codes' 64-bit bodies (headers are not compared here).
    function distance(bytes10 a, bytes10 b) internal pure returns (uint256) {
        return popcount64(uint64(uint80(a)) ^ uint64(uint80(b)));
    }

    /// @notice Set bits of a 64-bit value, branch-free (SWAR): about 40 gas.
    function popcount64(uint64 value) internal pure returns (uint256) {
        uint256 x = value;
        // Cannot overflow: every step keeps x below 2**64, and the multiplication stays below 2**128.
        unchecked {
            x -= (x >> 1) & 0x5555555555555555;
            x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return ((x * 0x0101010101010101) >> 56) & 0xff;
        }
    }
}
