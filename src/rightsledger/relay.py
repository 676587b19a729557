"""Compatibility: relaying is `rightsledger.sdk.forwarding` (requests) and `rightsledger.sdk.relay` (the relayer)."""

from .sdk.forwarding import (
    FORWARD_REQUEST_TYPES,
    RELAYABLE,
    DecodedCall,
    ForwardRequest,
    RelayReceipt,
    RequestBuilder,
    SignedForwardRequest,
)
from .sdk.relay import Relayer

__all__ = [
    "FORWARD_REQUEST_TYPES",
    "RELAYABLE",
    "DecodedCall",
    "ForwardRequest",
    "RelayReceipt",
    "Relayer",
    "RequestBuilder",
    "SignedForwardRequest",
]
