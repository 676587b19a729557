"""rightsledger: a usage-rights and provenance registry for cultural and creative works."""

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
