"""Exports of one work's record to the standards (each in its own module): ODRL 2.2, TDMRep,
the CAWG training-mining assertion, IPTC/PLUS data mining, ERC-7517 token metadata, and the
IPTC digital source type of the AI disclosure."""

from __future__ import annotations

from .cawg import training_mining_assertion
from .erc7517 import data_mining_preference, token_metadata
from .iptc import digital_source_type
from .odrl import odrl_policy
from .plus import data_mining
from .record import Access, ExportRecord, UseAccess
from .tdmrep import TdmDeclaration, tdm_declaration, tdm_policy, well_known

__all__ = [
    "Access",
    "ExportRecord",
    "TdmDeclaration",
    "UseAccess",
    "data_mining",
    "data_mining_preference",
    "digital_source_type",
    "odrl_policy",
    "tdm_declaration",
    "tdm_policy",
    "token_metadata",
    "training_mining_assertion",
    "well_known",
]
