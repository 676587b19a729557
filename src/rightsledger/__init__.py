"""rightsledger: a usage-rights and provenance registry for cultural and creative works."""

import importlib.util as _importlib_util
import os as _os

# eth-hash picks its keccak backend on first use: pycryptodome unless told otherwise. pysha3's C
# keccak is ~3x faster per call (web3 hashes every address checksum and ABI selector it meets: a
# relayed request is ~30 % keccak), with the same digests; a user's own choice is kept.
if _importlib_util.find_spec("sha3") is not None:
    _os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from .chain.deploy import deploy
from .chain.deployments import Deployment
from .errors import (
    ChainError,
    ConfigError,
    ContractRevert,
    NotFoundError,
    RightsLedgerError,
    ValidationError,
)
from .hashing import content_hash, hash_bytes, hash_file, parse_hash
from .offers import Offer, SignedOffer
from .records import (
    BatchRegistration,
    CheckResult,
    DerivativeRegistration,
    Earnings,
    Licence,
    LicenceSource,
    Registration,
    Work,
)
from .sdk.client import RightsLedger
from .sdk.licensing import Licensing
from .terms import PRESETS, Rule, Terms
from .version import __version__
from .vocabulary import ContentHash, Mode, PolicyId, Reason, RegistrationId, Status, Use

__all__ = [
    "PRESETS",
    "BatchRegistration",
    "ChainError",
    "CheckResult",
    "ConfigError",
    "ContentHash",
    "ContractRevert",
    "Deployment",
    "DerivativeRegistration",
    "Earnings",
    "Licence",
    "LicenceSource",
    "Licensing",
    "Mode",
    "NotFoundError",
    "Offer",
    "PolicyId",
    "Reason",
    "Registration",
    "RegistrationId",
    "RightsLedger",
    "RightsLedgerError",
    "Rule",
    "SignedOffer",
    "Status",
    "Terms",
    "Use",
    "ValidationError",
    "Work",
    "__version__",
    "content_hash",
    "deploy",
    "hash_bytes",
    "hash_file",
    "parse_hash",
]
