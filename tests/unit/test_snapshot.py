"""Snapshots: round trip, tamper detection, incremental updates that rewrite only touched buckets,
and offline checks from a snapshot."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.vocabulary import Reason, Use
from rightsledger.workflows.snapshot import (
    CollectionRow,
    LicenceRow,
    MemberRow,
    PolicyRow,
    SnapshotMeta,
    WorkRow,
    check_snapshot,
    read_snapshot,
    update_snapshot,
    write_snapshot,
)

HOLDER = "0x" + "11" * 20
TRAINER = "0x" + "22" * 20
META = SnapshotMeta(31337, {"WorkRegistry": "0x" + "33" * 20}, 120, "0x" + "44" * 32, 1_000)
DENY = (0, 0, 0, 0, 0, 0)
# policy 1: ai-training needs a licence (fee 5); tdm allowed from t=500 to t=2000
LICENCE_TDM = PolicyRow(1, (DENY, DENY, DENY, (2, 500, 2000, 0, 1, 0), (1, 0, 0, 5, 0, 0), DENY, DENY), 0)
# policy 2: everything allowed until it expires at t=1500
OPEN = PolicyRow(2, tuple((2, 0, 0, 0, 0, 0) for _ in range(7)), 1500)


def h(i: int) -> str:
    return "0x" + hashlib.sha256(str(i).encode()).hexdigest()


def works(n: int) -> list[WorkRow]:
    return [WorkRow(h(i), HOLDER, 0, 0, 1 + i % 2, 1, 900, content_code=i if i % 3 else None) for i in range(n)]


def test_round_trip_keeps_every_row_and_column(tmp_path: Path) -> None:
    rows = works(300)
    lic = [LicenceRow(h(4), TRAINER, Use.AI_TRAINING.code, 950, 1200)]
    manifest = write_snapshot(tmp_path / "s", META, iter(rows), [LICENCE_TDM, OPEN], lic, prefix_bits=4, buffer_rows=64)
    assert manifest["tables"]["works"]["rows"] == 300 and len(manifest["tables"]["works"]["parts"]) == 16
    assert manifest["block"] == {"number": 120, "hash": META.block_hash, "timestamp": 1_000}
    snap = read_snapshot(tmp_path / "s")
    assert snap.meta == META
    back = {("0x" + d["content_hash"].hex()): d for d in snap.works.to_pylist()}
    for row in rows:
        d = back[row.content_hash]
        assert (d["policy_id"], d["content_code"], "0x" + d["holder"].hex()) == (
            row.policy_id,
            row.content_code,
            HOLDER,
        )
    assert sorted(p.policy_id for p in snap.policy_rows()) == [1, 2]
    assert {p.policy_id: p for p in snap.policy_rows()}[1] == LICENCE_TDM
    assert snap.licences.num_rows == 1
    for part in manifest["tables"]["works"]["parts"]:  # sorted by hash within each row group
        file = pq.ParquetFile(tmp_path / "s" / part["path"])
        assert file.num_row_groups >= 1
        for group in range(file.num_row_groups):
            keys = file.read_row_group(group).column("content_hash").to_pylist()
            assert keys == sorted(keys)


def test_checks_from_a_snapshot_follow_terms_licences_and_time(tmp_path: Path) -> None:
    rows = [*works(10), WorkRow(h(100), HOLDER, 2, 0, 2), WorkRow(h(101), HOLDER, 0, 1 << Use.TDM.code, 2)]
    lic = [LicenceRow(h(4), TRAINER, Use.AI_TRAINING.code, 950, 1200)]
    lic.append(LicenceRow(h(5000), TRAINER, Use.AI_TRAINING.code, 950, 1200))  # a work the snapshot lacks
    write_snapshot(tmp_path / "s", META, rows, [LICENCE_TDM, OPEN], lic)
    snap = read_snapshot(tmp_path / "s")
    asked = [h(4), h(6), h(5), h(100), h(101), h(999)]  # policy 1, 1, 2, disputed, opted out of tdm, unknown
    training = check_snapshot(snap, asked, Use.AI_TRAINING, TRAINER, at=1_100)
    assert [Reason.from_code(int(r)) for r in training] == [
        Reason.ALLOWED_BY_LICENCE,
        Reason.LICENCE_REQUIRED,
        Reason.ALLOWED_BY_TERMS,
        Reason.DISPUTED,
        Reason.ALLOWED_BY_TERMS,
        Reason.UNREGISTERED,
    ]
    later = check_snapshot(snap, asked, Use.AI_TRAINING, TRAINER, at=1_200)
    assert [Reason.from_code(int(r)) for r in later][:3] == [
        Reason.LICENCE_REQUIRED,
        Reason.LICENCE_REQUIRED,
        Reason.ALLOWED_BY_TERMS,
    ]
    tdm = check_snapshot(snap, asked, Use.TDM, at=400)
    assert [Reason.from_code(int(r)) for r in tdm] == [
        Reason.OUTSIDE_WINDOW,
        Reason.OUTSIDE_WINDOW,
        Reason.ALLOWED_BY_TERMS,
        Reason.DISPUTED,
        Reason.OPTED_OUT,
        Reason.UNREGISTERED,
    ]
    expired = check_snapshot(snap, asked, Use.TDM, at=1_500)
    assert Reason.from_code(int(expired[2])) is Reason.EXPIRED
    default = check_snapshot(snap, asked, Use.TDM)  # the block's time, 1,000
    assert default.tobytes() == check_snapshot(snap, asked, Use.TDM, at=1_000).tobytes()
    assert isinstance(default, np.ndarray) and default.dtype == np.uint8


def test_a_changed_file_or_manifest_is_detected(tmp_path: Path) -> None:
    manifest = write_snapshot(tmp_path / "s", META, works(50), [LICENCE_TDM, OPEN], prefix_bits=2)
    part = tmp_path / "s" / manifest["tables"]["works"]["parts"][1]["path"]
    original = part.read_bytes()
    part.write_bytes(original[:-10] + bytes(10))
    with pytest.raises(ValidationError, match="does not match its digest"):
        read_snapshot(tmp_path / "s")
    part.write_bytes(original)
    read_snapshot(tmp_path / "s")

    path = tmp_path / "s" / "manifest.json"
    data = json.loads(path.read_text())
    data["tables"]["works"]["parts"][0]["sha256"] = "00" * 32  # the file and its listed digest disagree
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="does not match its digest"):
        read_snapshot(tmp_path / "s")
    data = json.loads(json.dumps(manifest))
    data["tables"]["works"]["parts"].pop()  # a part dropped from the listing: the overall digest differs
    data["tables"]["works"]["rows"] -= manifest["tables"]["works"]["parts"][-1]["rows"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="digest does not match its files"):
        read_snapshot(tmp_path / "s")
    (tmp_path / "s" / "policies.parquet").unlink()
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValidationError, match=r"lacks policies\.parquet"):
        read_snapshot(tmp_path / "s")
    path.write_text(json.dumps({"format": "rightsledger-snapshot-v1"}))
    with pytest.raises(ValidationError, match="malformed"):
        read_snapshot(tmp_path / "s")
    with pytest.raises(NotFoundError, match="holds no snapshot"):
        read_snapshot(tmp_path / "nothing")
    with pytest.raises(ValidationError, match="not empty"):
        write_snapshot(tmp_path / "s", META, works(1), [])


def test_an_update_rewrites_only_the_buckets_its_rows_fall_in(tmp_path: Path) -> None:
    rows = works(400)
    first = write_snapshot(tmp_path / "a", META, rows, [LICENCE_TDM, OPEN], prefix_bits=4)
    changed = [WorkRow(rows[7].content_hash, HOLDER, 0, 1 << Use.TDM.code, 2, 1, 900)]  # opted out, new policy
    added = WorkRow(h(10_000), HOLDER, 0, 0, 3)
    new_policy = PolicyRow(3, tuple(DENY for _ in range(7)), 0)
    licence = LicenceRow(rows[9].content_hash, TRAINER, Use.AI_TRAINING.code, 1_000, 2_000)
    meta = SnapshotMeta(META.chain_id, META.contracts, 130, "0x" + "55" * 32, 1_100)
    second = update_snapshot(tmp_path / "a", tmp_path / "b", meta, [*changed, added], [new_policy], [licence])

    touched = {int(changed[0].content_hash[2], 16), int(added.content_hash[2], 16)}
    rewritten = {p["path"] for p in second["tables"]["works"]["parts"]} - set(second["reused"])
    assert rewritten == {f"works/part-{b:x}.parquet" for b in touched}
    for name in second["reused"]:
        assert os.stat(tmp_path / "a" / name).st_ino == os.stat(tmp_path / "b" / name).st_ino, (
            "hard-linked, not rewritten"
        )
    assert len(second["reused"]) == 16 - len(touched) + 2  # and collections.parquet, members.parquet: unchanged
    assert {"collections.parquet", "members.parquet"} <= set(second["reused"])
    assert second["previous"] == {"block": 120, "digest": first["digest"]}
    assert second["tables"]["works"]["rows"] == 401 and second["tables"]["licences"]["rows"] == 1

    snap = read_snapshot(tmp_path / "b")
    asked = [rows[7].content_hash, h(10_000), rows[9].content_hash, rows[11].content_hash]
    tdm = [Reason.from_code(int(r)) for r in check_snapshot(snap, asked, Use.TDM, at=1_000)]
    assert tdm == [Reason.OPTED_OUT, Reason.DENIED, Reason.ALLOWED_BY_TERMS, Reason.ALLOWED_BY_TERMS]
    training = check_snapshot(snap, asked, Use.AI_TRAINING, TRAINER, at=1_000)
    assert Reason.from_code(int(training[2])) is Reason.ALLOWED_BY_LICENCE
    # the previous snapshot is untouched and still verifies
    old = read_snapshot(tmp_path / "a")
    assert old.works.num_rows == 400 and old.manifest["digest"] == first["digest"]


def test_lookups_are_exact_when_two_hashes_share_their_first_eight_bytes(tmp_path: Path) -> None:
    twin_a, twin_b = "0x" + "ab" * 8 + "01" * 24, "0x" + "ab" * 8 + "02" * 24
    rows = [*works(20), WorkRow(twin_a, HOLDER, 0, 0, 2), WorkRow(twin_b, HOLDER, 2, 0, 2)]
    write_snapshot(tmp_path / "s", META, rows, [LICENCE_TDM, OPEN])
    snap = read_snapshot(tmp_path / "s")
    asked = [twin_b, twin_a, "0x" + "ab" * 8 + "03" * 24, h(3)]
    answers = [Reason.from_code(int(r)) for r in check_snapshot(snap, asked, Use.TDM, at=1_000)]
    assert answers == [Reason.DISPUTED, Reason.ALLOWED_BY_TERMS, Reason.UNREGISTERED, Reason.ALLOWED_BY_TERMS]
    with pytest.raises(ValidationError, match="not a content hash"):
        check_snapshot(snap, ["0x1234"], Use.TDM)


def test_collections_round_trip_and_update_by_id(tmp_path: Path) -> None:
    first = CollectionRow(1, h(1), HOLDER, 2, 0, 0, 900, 3, TRAINER, "ipfs://one")
    manifest = write_snapshot(tmp_path / "a", META, works(5), [LICENCE_TDM, OPEN], collections=[first])
    assert manifest["tables"]["collections"]["rows"] == 1
    assert "collections.parquet" in {p["path"] for p in manifest["tables"]["collections"]["parts"]}
    snap = read_snapshot(tmp_path / "a")
    assert snap.collection_rows() == [first]

    marked = CollectionRow(1, h(1), HOLDER, 2, 2, 1 << Use.TDM.code, 900, 3, TRAINER, "ipfs://one")
    second = CollectionRow(2, h(2), TRAINER, 1, 0, 0, 950, 10, TRAINER)
    meta = SnapshotMeta(META.chain_id, META.contracts, 130, "0x" + "55" * 32, 1_100)
    update = update_snapshot(tmp_path / "a", tmp_path / "b", meta, collections=[second, marked])
    assert update["tables"]["collections"]["rows"] == 2 and "collections.parquet" not in update["reused"]
    assert read_snapshot(tmp_path / "b").collection_rows() == [marked, second]

    # A (v1) snapshot written before snapshots held collections reads with none, and an update adds them.
    path = tmp_path / "a" / "manifest.json"
    data = json.loads(path.read_text())
    data["format"] = "rightsledger-snapshot-v1"
    del data["tables"]["collections"]
    del data["tables"]["members"]
    files = {p["path"]: p["sha256"] for t in data["tables"].values() for p in t["parts"]}
    data["digest"] = hashlib.sha256("\n".join(f"{n} {files[n]}" for n in sorted(files)).encode()).hexdigest()
    path.write_text(json.dumps(data))
    assert read_snapshot(tmp_path / "a").collections.num_rows == 0
    update = update_snapshot(tmp_path / "a", tmp_path / "c", meta, collections=[second])
    assert read_snapshot(tmp_path / "c").collection_rows() == [second]


def _as_older(folder: Path, *drop: str) -> None:
    """Rewrite a snapshot's manifest as v1 without the tables `drop` (as written before it held them)."""
    path = folder / "manifest.json"
    data = json.loads(path.read_text())
    data["format"] = "rightsledger-snapshot-v1"
    for name in drop:
        del data["tables"][name]
    files = {p["path"]: p["sha256"] for t in data["tables"].values() for p in t["parts"]}
    data["digest"] = hashlib.sha256("\n".join(f"{n} {files[n]}" for n in sorted(files)).encode()).hexdigest()
    path.write_text(json.dumps(data))


def test_members_round_trip_update_and_a_snapshot_without_them(tmp_path: Path) -> None:
    cat = MemberRow(1, h(1), 0x2101, 7)
    note = MemberRow(1, h(2), 0x2101, 9)
    elsewhere = MemberRow(2, h(1), 0x2101, 7)  # the same bytes in a second collection
    manifest = write_snapshot(tmp_path / "a", META, works(5), [LICENCE_TDM, OPEN], members=[note, cat])
    assert manifest["format"] == "rightsledger-snapshot-v2" and manifest["tables"]["members"]["rows"] == 2
    snap = read_snapshot(tmp_path / "a")
    assert snap.holds_members and snap.member_rows() == [cat, note]  # by collection, then hash

    meta = SnapshotMeta(META.chain_id, META.contracts, 130, "0x" + "55" * 32, 1_100)
    update = update_snapshot(tmp_path / "a", tmp_path / "b", meta, members=[elsewhere])
    assert "members.parquet" not in update["reused"] and update["tables"]["members"]["rows"] == 3
    assert read_snapshot(tmp_path / "b").member_rows() == [cat, note, elsewhere]
    same = update_snapshot(tmp_path / "b", tmp_path / "c", meta)
    assert "members.parquet" in same["reused"] and read_snapshot(tmp_path / "c").member_rows() == [cat, note, elsewhere]

    # A v1 snapshot written before snapshots held members reads with none (and says so); an update adds them.
    _as_older(tmp_path / "a", "members")
    old = read_snapshot(tmp_path / "a")
    assert not old.holds_members and old.members.num_rows == 0 and old.collection_rows() == []
    added = update_snapshot(tmp_path / "a", tmp_path / "d", meta, members=[cat])
    assert added["format"] == "rightsledger-snapshot-v2"
    assert read_snapshot(tmp_path / "d").member_rows() == [cat] and read_snapshot(tmp_path / "d").holds_members
    # A v2 manifest lacking the table is damaged, not old.
    path = tmp_path / "d" / "manifest.json"
    data = json.loads(path.read_text())
    del data["tables"]["members"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="malformed"):
        read_snapshot(tmp_path / "d")
