"""How much a near match proves: the matches chance alone would give at the index's size.

A content code has 64 bits. Two unrelated works' codes differ like two random 64-bit strings
(the benchmark's unrelated photographs: median distance 32, 1st percentile 22, as the binomial
distribution B(64, 1/2) has it), so the chance that an unrelated code falls within distance d of
a query is the binomial tail F(d) = sum_{k<=d} C(64, k) / 2^64: 2.3e-7 at 12 bits. That is
nothing against a thousand registered codes and everything against ten million: there a query
expects 2.3 unrelated codes within 12 bits, so "a registered work within 12 bits" no longer says
"a copy of it".

`chance_matches` is that expectation for one query: the index's size times the tail, summed over
the codes the query is matched by (its own code and, for images, its mirrored code at the
threshold, and its query variants 2 bits tighter; identity.similarity.IndexSet.find). A match is
**decisive** when that expectation at its distance is at most the chance limit, 0.01 (one query
in a hundred would see such a match by chance; $RIGHTSLEDGER_CHANCE_LIMIT sets another): then a
check or an audit answers the item with the matched work's terms, and a registration of it is
refused. A match within the threshold that is not decisive is a *possible* near copy: listed
(`find`, `POST /match`, `scan`), never cleared, never answered with another work's terms (its
allowance is as unproven as its denial), and left to a person to review. `decisive_threshold` is
the largest distance that is decisive at an index size. For images (queried with the mirror and
four variants) it is the threshold itself up to about 20,000 codes, 11 bits at 30,000, 10 at
100,000, 9 at a million and 8 at ten million; for texts 12 up to 40,000, 11 at 100,000, 10 at a
million and 8 at ten million.

Real collections can be less random than this model (a photographer's series, scans of one
archive's index cards): the benchmark's synthetic pictures matched about five times as often as
the model says. The limit is a floor on the doubt, not a proof of the absence of doubt.
"""

from __future__ import annotations

import os
from functools import cache
from math import comb

from rightsledger.errors import ConfigError

BITS = 64
# How much tighter than the threshold a query variant (identity.image.query_variants: rotations,
# overlay filters) must match: every extra code a query is matched by is one more chance for an
# unrelated code to fall near, and 2 bits tighter makes that chance about 20 times smaller.
ROTATION_MARGIN = 2
# Expected chance matches per query up to which a near match is decisive (the default of
# chance_limit(): $RIGHTSLEDGER_CHANCE_LIMIT sets another).
CHANCE_LIMIT = 0.01
LIMIT_VARIABLE = "RIGHTSLEDGER_CHANCE_LIMIT"


def chance_limit() -> float:
    """The limit in force: CHANCE_LIMIT, or $RIGHTSLEDGER_CHANCE_LIMIT (an operator's stricter bar,
    e.g. 0.0001 for evidence in a dispute; or a looser one)."""
    raw = os.environ.get(LIMIT_VARIABLE)
    if raw is None or not raw.strip():
        return CHANCE_LIMIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ConfigError(f"{LIMIT_VARIABLE}={raw!r}: expected chance matches per query from 0 to 1, e.g. 0.01")
    return value


@cache
def tail(distance: int) -> float:
    """P(an unrelated 64-bit code is within `distance` of a given one): the binomial tail."""
    if distance < 0:
        return 0.0
    return float(sum(comb(BITS, k) for k in range(min(distance, BITS) + 1)) / (1 << BITS))


def chance_matches(distance: int, codes: int, *, mirrored: bool = False, variants: int = 0) -> float:
    """Expected number of unrelated codes, among `codes` registered ones, that a query finds within
    `distance` by chance: its code (and mirrored code) at `distance`, its `variants` query variants
    ROTATION_MARGIN tighter."""
    per_code = (2 if mirrored else 1) * tail(distance) + variants * tail(distance - ROTATION_MARGIN)
    return codes * min(1.0, per_code)  # a sum over the query's codes, but no work is matched twice


def decisive_threshold(threshold: int, codes: int, *, mirrored: bool = False, variants: int = 0) -> int:
    """The largest distance up to `threshold` at which a match is decisive against `codes`
    registered codes (-1: none is)."""
    for distance in range(threshold, -1, -1):
        if chance_matches(distance, codes, mirrored=mirrored, variants=variants) <= chance_limit():
            return distance
    return -1


def is_decisive(chance: float) -> bool:
    """A match with this `chance` (chance_matches at its distance) is decisive."""
    return chance <= chance_limit()


def possible(of: str, distance: int, chance: float) -> str:
    """The reason text of a match within the threshold that is not decisive."""
    return (f"possible near copy of {of}, distance {distance}: not decisive, about {chance:.2g} unrelated works "
            "would match that near by chance in a registry this size; review it")


__all__ = ["CHANCE_LIMIT", "LIMIT_VARIABLE", "ROTATION_MARGIN", "chance_limit", "chance_matches", "decisive_threshold",
           "is_decisive", "possible", "tail"]
