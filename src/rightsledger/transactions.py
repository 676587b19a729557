"""Compatibility: transactions are `rightsledger.chain.transactions`."""

from .chain.transactions import GAS_HEADROOM, GAS_MARGIN, TX_GAS_CAP, Transactor, as_revert, revert_data

__all__ = [
    "GAS_HEADROOM",
    "GAS_MARGIN",
    "TX_GAS_CAP",
    "Transactor",
    "as_revert",
    "revert_data",
]
