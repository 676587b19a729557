"""rightsledger: a usage-rights and provenance registry for cultural and creative works."""

from .client import BatchRegistration, CheckResult, Registration, RightsLedger, Work, deploy
from .deployments import Deployment
from .errors import ChainError, ConfigError, ContractRevert, NotFoundError, RightsLedgerError, ValidationError
from .hashing import content_hash, hash_bytes, hash_file, parse_hash
from .licensing import DerivativeRegistration, Earnings, Licence, LicenceSource, Licensing, Offer, SignedOffer
from .terms import PRESETS, Rule, Terms
from .vocabulary import ContentHash, Mode, PolicyId, Reason, RegistrationId, Status, Use

__version__ = "0.1.0"

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
    "content_hash",
    "deploy",
    "hash_bytes",
    "hash_file",
    "parse_hash",
]
