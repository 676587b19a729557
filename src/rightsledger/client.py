"""Compatibility: the client now lives in `rightsledger.sdk.client` (and the records in `rightsledger.records`)."""

from .chain.connection import account_from_env, account_from_key, connect_web3
from .chain.deploy import LEVY_EPOCH, deploy
from .errors import ContractRevert
from .records import BatchRegistration, CheckResult, Registration, Work
from .sdk.client import RightsLedger
from .sdk.policies import POLICY_ABI_TYPE
from .sdk.works import CHECK_BATCH_SELECTOR, CHECK_CALL_GAS, CHECK_CHUNK, REGISTER_CHUNK
from .vocabulary import ZERO_ADDRESS, parse_address

__all__ = [
    "CHECK_BATCH_SELECTOR",
    "CHECK_CALL_GAS",
    "CHECK_CHUNK",
    "LEVY_EPOCH",
    "POLICY_ABI_TYPE",
    "REGISTER_CHUNK",
    "ZERO_ADDRESS",
    "BatchRegistration",
    "CheckResult",
    "ContractRevert",
    "Registration",
    "RightsLedger",
    "Work",
    "account_from_env",
    "account_from_key",
    "connect_web3",
    "deploy",
    "parse_address",
]
