"""How much a near match proves at the registry's size (identity.chance): the binomial tail of
64-bit codes, the decisive distance per index size, and IndexSet.find marking each match."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from rightsledger.errors import ConfigError
from rightsledger.identity import IndexSet
from rightsledger.identity.chance import (
    CHANCE_LIMIT,
    LIMIT_VARIABLE,
    chance_limit,
    chance_matches,
    decisive_threshold,
    possible,
    tail,
)


def test_the_tail_is_the_binomial_distribution_of_64_random_bits():
    assert tail(-1) == 0.0 and tail(64) == 1.0
    assert tail(0) == 2.0**-64
    assert tail(12) == pytest.approx(sum(comb(64, k) for k in range(13)) / 2**64)
    assert 2.2e-7 < tail(12) < 2.4e-7  # the figure docs/identity.md quotes
    assert tail(32) == pytest.approx(0.5 + comb(64, 32) / 2**65)


def test_a_query_with_mirror_and_variants_counts_every_code_it_is_matched_by():
    one = chance_matches(12, 1_000_000)
    assert one == pytest.approx(1_000_000 * tail(12))
    assert chance_matches(12, 1_000_000, mirrored=True) == pytest.approx(2 * one)
    assert chance_matches(12, 1_000_000, mirrored=True, variants=4) == pytest.approx(2 * one + 4e6 * tail(10))


@pytest.mark.parametrize(("codes", "image", "text"), [
    (1_000, 12, 12), (20_000, 12, 12), (30_000, 11, 12), (100_000, 10, 11), (1_000_000, 9, 10),
    (10_000_000, 8, 8),
])
def test_the_decisive_distance_shrinks_with_the_registry(codes: int, image: int, text: int):
    assert decisive_threshold(12, codes, mirrored=True, variants=4) == image
    assert decisive_threshold(12, codes) == text
    at = decisive_threshold(12, codes, mirrored=True, variants=4)
    assert chance_matches(at, codes, mirrored=True, variants=4) <= CHANCE_LIMIT
    if at < 12:
        assert chance_matches(at + 1, codes, mirrored=True, variants=4) > CHANCE_LIMIT


def test_index_find_marks_a_match_not_decisive_in_a_large_registry():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 2**63, size=1_000_000, dtype=np.int64).astype(np.uint64)
    indexes = IndexSet()
    indexes.index("image").add(codes, np.arange(1, len(codes) + 1))
    target = int(codes[10])
    near, far = target ^ 0b111, target ^ ((1 << 11) - 1)  # 3 and 11 bits away
    (hit,) = [m for m in indexes.find("image", near) if m.id == 11]
    assert hit.distance == 3 and hit.decisive and hit.chance == pytest.approx(1_000_000 * tail(3))
    (weak,) = [m for m in indexes.find("image", far) if m.id == 11]
    assert weak.distance == 11 and not weak.decisive and weak.chance > CHANCE_LIMIT
    small = IndexSet()
    small.index("image").add(codes[:1000], np.arange(1, 1001))
    (same,) = [m for m in small.find("image", far) if m.id == 11]
    assert same.distance == 11 and same.decisive  # the same distance decides among a thousand codes


def test_the_limit_can_be_set_and_bad_values_are_one_clear_error(monkeypatch: pytest.MonkeyPatch):
    assert chance_limit() == CHANCE_LIMIT
    monkeypatch.setenv(LIMIT_VARIABLE, "0.0001")
    assert chance_limit() == 0.0001 and decisive_threshold(12, 1_000_000, mirrored=True, variants=4) == 7
    for bad in ("lots", "-1", "2"):
        monkeypatch.setenv(LIMIT_VARIABLE, bad)
        with pytest.raises(ConfigError, match=f"{LIMIT_VARIABLE}=.*from 0 to 1"):
            chance_limit()


def test_a_possible_near_copy_says_why_it_is_not_answered():
    text = possible("0xabc", 11, 0.0503)
    assert text.startswith("possible near copy of 0xabc, distance 11: not decisive, about 0.05 unrelated works")
    assert text.endswith("review it")


def test_a_variants_match_is_as_likely_by_chance_as_the_query_at_that_level():
    # A query variant is matched 2 bits tighter: its match at d is the query's match at level d + 2.
    indexes = IndexSet()
    indexes.index("image").add([0b1111], [1])
    (m,) = indexes.find("image", (1 << 63) - 1, None, rotated_codes=[0b11])
    assert m.rotated and m.distance == 2
    assert m.chance == pytest.approx(chance_matches(4, 1, variants=1))


def _bits(n: int, start: int = 0) -> int:
    return ((1 << n) - 1) << start


def test_review5_a_variants_nearer_match_does_not_hide_the_codes_own_stronger_match_of_that_work():
    # A copy 11 bits from the work by its own code, 10 bits by a query variant: the variant's match
    # is at level 12, the code's at 11, so the code's is the stronger evidence and the one reported.
    query, work = 0, _bits(11)
    variant = work ^ _bits(10, 30)
    indexes = IndexSet()
    indexes.index("image").add([work], [1])
    (m,) = indexes.find("image", query, None, rotated_codes=[variant])
    assert (m.distance, m.rotated) == (11, False)
    assert m.chance == pytest.approx(chance_matches(11, 1, variants=1))


def test_review5_matches_are_ranked_by_what_they_prove_so_the_first_is_the_most_decisive(
        monkeypatch: pytest.MonkeyPatch):
    # Work 1 is 11 bits from the query's own code (level 11); work 2 is 10 bits from a query variant
    # (level 12). Check and audit answer with the first match: it must be work 1, decisive at a limit
    # between the two levels' chances, not work 2, a possible near copy there.
    query = 0
    variant = _bits(40, 24)
    indexes = IndexSet()
    indexes.index("image").add([query ^ _bits(11), variant ^ _bits(10)], [1, 2])
    size = len(indexes.index("image"))
    strong, weak = chance_matches(11, size, variants=1), chance_matches(12, size, variants=1)
    monkeypatch.setenv(LIMIT_VARIABLE, str((strong + weak) / 2))
    first, second = indexes.find("image", query, None, rotated_codes=[variant])
    assert (first.id, first.distance, first.rotated, first.decisive) == (1, 11, False, True)
    assert (second.id, second.distance, second.rotated, second.decisive) == (2, 10, True, False)


def test_review5_at_one_level_the_codes_own_match_wins_over_a_variants():
    # 4 bits by the code itself and 2 by a variant are the same evidence (level 4): the code's own
    # match is kept, the one the chain can verify.
    query, work = 0, _bits(4)
    indexes = IndexSet()
    indexes.index("image").add([work], [1])
    (m,) = indexes.find("image", query, None, rotated_codes=[work ^ _bits(2, 30)])
    assert (m.distance, m.rotated) == (4, False)


def test_chance_never_exceeds_the_codes_held():
    assert chance_matches(40, 6, mirrored=True, variants=4) == 6


def test_a_long_bad_iscc_is_not_echoed_in_full():
    from rightsledger.errors import ValidationError
    from rightsledger.identity import normalize

    with pytest.raises(ValidationError) as info:
        normalize("ISCC:" + "Z" * 5000)
    assert len(str(info.value)) < 400 and "5,005 characters" in str(info.value)
