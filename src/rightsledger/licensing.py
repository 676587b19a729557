"""Compatibility: the licence client is `rightsledger.sdk.licensing`; offers are `rightsledger.offers`."""

from .offers import FOREVER, Offer, OfferProblem, OfferVerification, SignedOffer, offer_digest
from .records import DerivativeRegistration, Earnings, Licence, LicenceSource, Parent
from .sdk.licensing import MAX_PARENTS, Licensing

__all__ = [
    "FOREVER",
    "MAX_PARENTS",
    "DerivativeRegistration",
    "Earnings",
    "Licence",
    "LicenceSource",
    "Licensing",
    "Offer",
    "OfferProblem",
    "OfferVerification",
    "Parent",
    "SignedOffer",
    "offer_digest",
]
