"""What the gateway reads and returns, by role: `...Public` out, `...Request`/`...Body` in.

One module per resource (works, policies, checks, label, provenance, licences, offers, datasets,
relay, info) over `common` (the base `Schema`, validated types, the error body); every name is
re-exported here, so `from rightsledger.gateway.schemas import X` keeps working.
"""

from __future__ import annotations

from .checks import CheckItem, CheckManyRequest, CheckPublic, ChecksPublic, CodeCheckItem
from .common import (
    ADDRESS_PATTERN,
    EXAMPLE_HASH,
    HASH_PATTERN,
    HEX_PATTERN,
    AddressStr,
    Bytes32Str,
    ContentHashStr,
    ErrorDetail,
    ErrorPublic,
    HexStr,
    PrepareBase,
    Schema,
    Uint48,
    Uint256,
    json_safe,
)
from .datasets import (
    DECLARED_TEXT,
    REMOVAL_TEXT,
    DatasetInclusionPublic,
    DatasetProofPublic,
    DatasetsPublic,
    PrepareProveInclusion,
    PrepareRequestRemoval,
)
from .info import DevAccountPublic, DevAccountsPublic, IndexStatusPublic, InfoPublic, LimitsPublic, UsePublic
from .label import NO_LABEL_TEXT, LabelPublic
from .licences import LicencePublic, LicencesPublic
from .offers import (
    RELAY_FREE_TEXT,
    RELAY_PAID_TEXT,
    OfferFileBody,
    OfferProblemPublic,
    OfferVerificationPublic,
    PrepareRedeemOffer,
)
from .policies import PolicyPublic
from .provenance import STAGE_TEXT, ProvenancePublic, TrailEntryPublic
from .relay import (
    ForwardRequestBody,
    NoncePublic,
    PreparedRequest,
    PrepareOptOut,
    PrepareRegister,
    PrepareRequest,
    PrepareSetTerms,
    RelayReceiptPublic,
    SignedRequestBody,
)
from .works import STATUS_TEXT, RulePublic, TermsPublic, WorkPublic

__all__ = [
    "ADDRESS_PATTERN",
    "DECLARED_TEXT",
    "EXAMPLE_HASH",
    "HASH_PATTERN",
    "HEX_PATTERN",
    "NO_LABEL_TEXT",
    "RELAY_FREE_TEXT",
    "RELAY_PAID_TEXT",
    "REMOVAL_TEXT",
    "STAGE_TEXT",
    "STATUS_TEXT",
    "AddressStr",
    "Bytes32Str",
    "CheckItem",
    "CodeCheckItem",
    "CheckManyRequest",
    "CheckPublic",
    "ChecksPublic",
    "ContentHashStr",
    "DatasetInclusionPublic",
    "DatasetProofPublic",
    "DatasetsPublic",
    "DevAccountPublic",
    "DevAccountsPublic",
    "ErrorDetail",
    "ErrorPublic",
    "ForwardRequestBody",
    "HexStr",
    "IndexStatusPublic",
    "InfoPublic",
    "LabelPublic",
    "LicencePublic",
    "LicencesPublic",
    "LimitsPublic",
    "NoncePublic",
    "OfferFileBody",
    "OfferProblemPublic",
    "OfferVerificationPublic",
    "PolicyPublic",
    "PrepareBase",
    "PrepareOptOut",
    "PrepareProveInclusion",
    "PrepareRedeemOffer",
    "PrepareRegister",
    "PrepareRequest",
    "PrepareRequestRemoval",
    "PrepareSetTerms",
    "PreparedRequest",
    "ProvenancePublic",
    "RelayReceiptPublic",
    "RulePublic",
    "Schema",
    "SignedRequestBody",
    "TermsPublic",
    "TrailEntryPublic",
    "Uint48",
    "Uint256",
    "UsePublic",
    "WorkPublic",
    "json_safe",
]
