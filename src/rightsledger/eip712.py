"""EIP-712 typed data: the one domain type list every signed message of ours uses, and its digest."""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

EIP712_DOMAIN: list[dict[str, str]] = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
"""`EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)`: chain id and
contract bind every signature to one deployment (OpenZeppelin's EIP712)."""


def typed_data_digest(typed: dict[str, Any]) -> str:
    """The 32-byte digest a signer signs for `typed` (what the contracts' `_hashTypedDataV4` computes)."""
    signable = encode_typed_data(full_message=typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


__all__ = ["EIP712_DOMAIN", "typed_data_digest"]
