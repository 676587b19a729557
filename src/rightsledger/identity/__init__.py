"""Perceptual identity of works: ISCC codes (ISO 24138) and an exact similarity index over them.

Pure (words layer): no chain, no web3. `identify_file` gives a work's codes; `SimilarityIndex`
finds the registered codes within a Hamming distance, exactly.
"""

from rightsledger.identity.codes import (
    THRESHOLDS,
    Identity,
    UnsupportedMedia,
    detect_media,
    fpcalc_available,
    identify_bytes,
    identify_file,
    onchain_code,
    uncoded_reason,
)
from rightsledger.identity.iscc import (
    IsccHeader,
    content_code_bits,
    content_header,
    format_unit,
    hamming,
    header,
    normalize,
    units,
)
from rightsledger.identity.similarity import IndexSet, Match, SimilarityIndex

__all__ = [
    "THRESHOLDS",
    "Identity",
    "IndexSet",
    "IsccHeader",
    "Match",
    "SimilarityIndex",
    "UnsupportedMedia",
    "content_code_bits",
    "content_header",
    "detect_media",
    "format_unit",
    "fpcalc_available",
    "hamming",
    "header",
    "identify_bytes",
    "identify_file",
    "normalize",
    "onchain_code",
    "uncoded_reason",
    "units",
]
