"""Snapshot audits of coded collection members (`audit_rows.SnapshotAnswers`, workflows/snapshot_members.py):
an item that is by its hash a member gets the collection's check with the registry's precedence (its own
registration answers only when it came strictly before the collection, its holder is the collection's
holder or a registrar verified it; a squatter's later registration does not), with licences on the
member's hash; a snapshot without members answers by the works alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rightsledger.vocabulary import Use
from rightsledger.workflows.audit_rows import SnapshotAnswers
from rightsledger.workflows.snapshot import (
    CollectionRow,
    LicenceRow,
    MemberRow,
    PolicyRow,
    SnapshotMeta,
    WorkRow,
    read_snapshot,
    write_snapshot,
)

ARCHIVE = "0x" + "11" * 20
SQUATTER = "0x" + "22" * 20
TRAINER = "0x" + "33" * 20
META = SnapshotMeta(31337, {"WorkRegistry": "0x" + "44" * 20}, 120, "0x" + "55" * 32, 1_000)
DENY = (0, 0, 0, 0, 0, 0)
# policy 1: ai-training needs a licence (fee 5); policy 2: everything allowed
LICENCE = PolicyRow(1, (DENY, DENY, DENY, DENY, (1, 0, 0, 5, 0, 0), DENY, DENY), 0)
OPEN = PolicyRow(2, tuple((2, 0, 0, 0, 0, 0) for _ in range(7)), 0)


def h(i: int) -> str:
    return "0x" + hashlib.sha256(str(i).encode()).hexdigest()


def _snapshot(tmp_path: Path) -> Path:
    works = [
        WorkRow(h(2), SQUATTER, 0, 0, 2, 1, 950),  # a member registered after the collection by another
        WorkRow(h(3), SQUATTER, 0, 0, 2, 2, 800),  # a member registered before the collection
        WorkRow(h(4), ARCHIVE, 0, 0, 2, 3, 960),  # a member the archive registered on its own later
        WorkRow(h(5), SQUATTER, 0, 0, 2, 4, 970),  # no member
    ]
    collection = CollectionRow(1, h(100), ARCHIVE, 1, 0, 0, 900, 4, ARCHIVE)
    later = CollectionRow(2, h(101), SQUATTER, 2, 0, 0, 2_000, 1, SQUATTER)  # registered after the block's time
    members = [MemberRow(1, h(i), 0x2101, i) for i in (1, 2, 3, 4)] + [MemberRow(2, h(6), 0x2101, 6)]
    licences = [LicenceRow(h(1), TRAINER, Use.AI_TRAINING.code, 950, 1_200)]
    write_snapshot(tmp_path / "s", META, works, [LICENCE, OPEN], licences, collections=[collection, later],
                   members=members)
    return tmp_path / "s"


def _rows(folder: Path, licensee: str | None = None) -> dict[str, dict[str, object]]:
    answers = SnapshotAnswers(read_snapshot(folder), Use.AI_TRAINING, licensee, near_copies=False)
    asked = [h(i) for i in (1, 2, 3, 4, 5, 6, 7)]
    return {r["hash"]: r for r in answers.answer(asked, [None] * len(asked))}


def test_snapshot_answers_members_by_the_collections_check_and_its_precedence(tmp_path: Path) -> None:
    rows = _rows(_snapshot(tmp_path))
    member = {k: (r["answer"], r["reason"], r["fee"], r.get("collection")) for k, r in rows.items()}
    assert member[h(1)] == ("needs-licence", "licence-required (member of collection 1)", None, 1)
    # the squatter's later registration (allowed) does not answer: the collection's terms do
    assert member[h(2)] == ("needs-licence", "licence-required (member of collection 1)", None, 1)
    # registered strictly before the collection, or by its holder: the work's own record answers
    assert member[h(3)] == ("cleared", "allowed-by-terms (member of collection 1)", None, 1)
    assert member[h(4)] == ("cleared", "allowed-by-terms (member of collection 1)", None, 1)
    assert member[h(5)] == ("cleared", "allowed-by-terms", None, None)
    # a collection registered after the snapshot block's time does not answer for its members yet
    assert member[h(6)] == ("unregistered", "unregistered (member of collection 2)", None, 2)
    assert member[h(7)] == ("unregistered", "unregistered", None, None)


def test_a_licence_on_a_members_hash_clears_it_for_the_licensee(tmp_path: Path) -> None:
    rows = _rows(_snapshot(tmp_path), TRAINER)
    assert (rows[h(1)]["answer"], rows[h(1)]["reason"]) == ("cleared", "allowed-by-licence (member of collection 1)")
    assert rows[h(2)]["reason"] == "licence-required (member of collection 1)"


def test_a_snapshot_written_before_it_held_members_answers_by_the_works_alone(tmp_path: Path) -> None:
    folder = _snapshot(tmp_path)
    path = folder / "manifest.json"
    data = json.loads(path.read_text())
    data["format"] = "rightsledger-snapshot-v1"
    del data["tables"]["members"]
    files = {p["path"]: p["sha256"] for t in data["tables"].values() for p in t["parts"]}
    data["digest"] = hashlib.sha256("\n".join(f"{n} {files[n]}" for n in sorted(files)).encode()).hexdigest()
    path.write_text(json.dumps(data))
    rows = _rows(folder)
    assert (rows[h(1)]["reason"], rows[h(2)]["reason"]) == ("unregistered", "allowed-by-terms")
    assert not [r for r in rows.values() if "collection" in r]


def test_a_later_registration_a_registrar_verified_answers_for_the_member_as_on_chain(tmp_path: Path) -> None:
    # The contract's precedence (review 2): a contest settled for the individual (status verified) answers.
    works = [WorkRow(h(2), SQUATTER, 1, 0, 2, 1, 950), WorkRow(h(3), SQUATTER, 2, 0, 2, 2, 950)]
    collection = CollectionRow(1, h(100), ARCHIVE, 1, 0, 0, 900, 2, ARCHIVE)
    members = [MemberRow(1, h(i), 0x2101, i) for i in (2, 3)]
    write_snapshot(tmp_path / "s", META, works, [LICENCE, OPEN], [], collections=[collection], members=members)
    answers = SnapshotAnswers(read_snapshot(tmp_path / "s"), Use.AI_TRAINING, None, near_copies=False)
    rows = {r["hash"]: r for r in answers.answer([h(2), h(3)], [None, None])}
    assert rows[h(2)]["reason"] == "allowed-by-terms (member of collection 1)"
    # a disputed (contested) one does not: the collection's terms answer
    assert rows[h(3)]["reason"] == "licence-required (member of collection 1)"
