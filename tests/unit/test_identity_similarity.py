"""The similarity index answers exactly what a brute-force scan answers, nearest first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightsledger.errors import ValidationError
from rightsledger.identity.similarity import SCAN_BELOW, IndexSet, Match, SimilarityIndex, popcount64, radii

N_TABLES = 120_000  # above SCAN_BELOW: the multi-index tables are used


def _clustered_codes(n: int, seed: int) -> np.ndarray:
    """Random codes plus near copies of some of them (1..14 flipped bits), so queries have answers."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**64, n - n // 4, dtype=np.uint64, endpoint=False)
    parents = base[rng.integers(0, base.size, n // 4)]
    noise = np.zeros(n // 4, dtype=np.uint64)
    for _ in range(14):
        flip = rng.random(n // 4) < 0.5
        noise[flip] ^= np.uint64(1) << rng.integers(0, 64, int(flip.sum())).astype(np.uint64)
    return np.concatenate([base, parents ^ noise])


CODES = _clustered_codes(N_TABLES, 1)
IDS = np.arange(10_000, 10_000 + CODES.size, dtype=np.int64)
BIG = SimilarityIndex.from_arrays(CODES, IDS)


def _brute(codes: np.ndarray, ids: np.ndarray, q: int, t: int) -> list[tuple[int, int]]:
    d = popcount64(codes ^ np.uint64(q)).astype(np.int64)
    near = np.flatnonzero(d <= t)
    return sorted((int(d[k]), int(ids[k])) for k in near)


def _answers(matches: list[Match]) -> list[tuple[int, int]]:
    return [(m.distance, m.id) for m in matches]


def test_radii_cover_the_threshold_by_pigeonhole():
    for t in range(0, 16):
        r = radii(t)
        # a code beyond every radius differs in at least sum(r_i + 1) > t bits
        assert sum(x + 1 for x in r) > t
    assert radii(12) == (4, 3, 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, CODES.size - 1), st.integers(0, 6), st.integers(0, 2**64 - 1), st.integers(0, 15))
def test_table_queries_equal_brute_force(row, flips, noise, t):
    q = int(CODES[row])
    for bit in np.random.default_rng(noise % 2**32).integers(0, 64, flips):
        q ^= 1 << int(bit)
    assert _answers(BIG.query(q, t)) == _brute(CODES, IDS, q, t)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_random_queries_equal_brute_force_also_with_scan_distances(q):
    assert _answers(BIG.query(q, 12)) == _brute(CODES, IDS, q, 12)
    assert _answers(BIG.query(q, 20)) == _brute(CODES, IDS, q, 20)  # beyond the tables: a scan


def test_query_many_equals_single_queries_and_is_nearest_first():
    qs = [int(c) ^ 0b1011 for c in CODES[-50:]]
    many = BIG.query_many(qs)
    assert many == [BIG.query(q) for q in qs]
    for matches in many:
        assert matches == sorted(matches)
        assert matches and matches[0].distance <= 3


def test_small_index_scans_and_equals_brute_force():
    codes, ids = CODES[: SCAN_BELOW // 4], IDS[: SCAN_BELOW // 4]
    small = SimilarityIndex.from_arrays(codes, ids)
    assert small.memory()["offsets"] == 0
    for q in CODES[N_TABLES - 200 : N_TABLES - 190]:
        assert _answers(small.query(int(q))) == _brute(codes, ids, int(q), 12)


def test_add_and_remove_are_seen_by_the_next_query():
    index = SimilarityIndex.from_arrays(CODES, IDS)
    q = int(CODES[5])
    index.add(np.array([q ^ 1, q ^ 0b111], dtype=np.uint64), [1, 2])
    found = _answers(index.query(q))
    assert (1, 1) in found and (3, 2) in found and (0, int(IDS[5])) in found
    assert index.remove([int(IDS[5]), 2]) == 2
    found = _answers(index.query(q))
    assert (0, int(IDS[5])) not in found and (3, 2) not in found and (1, 1) in found
    assert len(index) == CODES.size + 2 - 2
    index.compact()
    assert _answers(index.query(q)) == found
    codes, ids = index.arrays()
    assert _answers(index.query(q)) == _brute(codes, ids, q, 12)


def test_many_additions_merge_into_the_tables_and_stay_exact():
    index = SimilarityIndex.from_arrays(CODES[:80_000], IDS[:80_000])
    for lo in range(80_000, CODES.size, 10_000):
        index.add(CODES[lo : lo + 10_000], IDS[lo : lo + 10_000])
    assert len(index) == CODES.size
    for q in CODES[-20:]:
        assert _answers(index.query(int(q))) == _brute(CODES, IDS, int(q), 12)


def test_save_and_load_round_trip(tmp_path: Path):
    path = tmp_path / "image.npz"
    BIG.save(path)
    assert path.stat().st_size < CODES.size * 16 + 4096
    loaded = SimilarityIndex.load(path)
    assert loaded.threshold == BIG.threshold and len(loaded) == len(BIG)
    for q in CODES[:10]:
        assert loaded.query(int(q)) == BIG.query(int(q))


def test_memory_grows_by_at_most_14_bytes_a_code_plus_ids():
    memory = BIG.memory()
    assert memory["codes"] + memory["perms"] <= 14 * CODES.size
    assert memory["ids"] == 8 * CODES.size
    assert memory["offsets"] < 18 * 2**20  # fixed, whatever the number of codes


def test_bad_arguments_raise_validation_errors(tmp_path: Path):
    with pytest.raises(ValidationError, match="one id per code"):
        SimilarityIndex.from_arrays(CODES[:3], IDS[:2])
    with pytest.raises(ValidationError, match="unsigned"):
        SimilarityIndex.from_arrays(np.array([-1, 2]), [1, 2])
    with pytest.raises(ValidationError, match="max distance"):
        BIG.query(1, 65)
    with pytest.raises(ValidationError, match="64-bit"):
        BIG.query(-5)
    with pytest.raises(ValidationError, match="no such index"):
        SimilarityIndex.load(tmp_path / "nope.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz")
    with pytest.raises(ValidationError, match="not a similarity index"):
        SimilarityIndex.load(junk)


def test_index_set_keeps_kinds_apart_and_merges_mirrored_matches():
    indexes = IndexSet({"image": 12, "text": 8})
    code, mirrored = 0x0123456789ABCDEF, 0xFEDCBA9876543210
    indexes.index("image").add([code, mirrored ^ 0b11], [7, 8])
    indexes.index("text").add([code], [9])
    found = indexes.find("image", code, mirrored)
    assert [(m.id, m.distance, m.mirrored) for m in found] == [(7, 0, False), (8, 2, True)]
    assert [m.id for m in indexes.find("text", code ^ 0xFF)] == [9]
    assert indexes.find("text", code ^ 0x1FF) == []  # 9 bits: beyond the text threshold of 8
    with pytest.raises(ValidationError, match="no similarity index"):
        indexes.index("video")


def test_query_many_on_two_threads_gives_the_same_answers():
    qs = [int(c) ^ 0b110 for c in CODES[:300]]
    assert BIG.query_many(qs, workers=2, batch=32) == BIG.query_many(qs, workers=1)
