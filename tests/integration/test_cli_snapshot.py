"""`rightsledger snapshot`, `snapshot verify` and `audit --snapshot` against the real chain: the
snapshot's offline answers equal the chain's at the same block, item by item."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Status, Terms, Use
from rightsledger.hashing import content_hash
from rightsledger.workflows.snapshot import read_snapshot, write_snapshot
from rightsledger.workflows.snapshot_rows import row_from

from ..pg_support import index_rows
from .conftest import now

pytest.importorskip("pyarrow")


def _rows(report: Path) -> dict[str, tuple[str, str, Any]]:
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    return {r["hash"]: (r["answer"], r["reason"], r["fee"]) for r in lines if "hash" in r}


def _receipt(report: Path) -> dict[str, Any]:
    return dict(json.loads(report.read_text().splitlines()[0])["receipt"])


def test_snapshot_audit_equals_the_chain_and_updates_incrementally(
    chain: Web3, alice: RightsLedger, admin: RightsLedger, bob: RightsLedger, tmp_path: Path, cli: Any,
    index_target: str | Path,
) -> None:
    """The snapshot reads the event index: its SQLite file, or a PostgreSQL database (--index-url)."""
    if "://" in str(index_target):
        plain, url = cli, str(index_target)

        def cli(*args: str) -> tuple[int, str, str]:
            return plain("--index-url", url, *args)

    t0 = now(chain)
    ai = Use.AI_TRAINING
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    terms = {
        "allowed": Terms(rules={ai: Rule(mode=Mode.ALLOW)}),
        "denied": Terms(rules={ai: Rule(mode=Mode.DENY)}),
        "licence": Terms(rules={ai: Rule(mode=Mode.LICENCE, fee=1234)}),
        "licensed": Terms(rules={ai: Rule(mode=Mode.LICENCE, fee=99)}),
        "opted": Terms(rules={ai: Rule(mode=Mode.ALLOW)}),
        "expired": Terms(rules={ai: Rule(mode=Mode.ALLOW)}, expires=t0 + 500),
        "window": Terms(rules={ai: Rule(mode=Mode.ALLOW, end=t0 + 500)}),
        "later": Terms(rules={ai: Rule(mode=Mode.ALLOW, start=t0 + 10**6)}),
        "disputed": Terms(rules={ai: Rule(mode=Mode.ALLOW)}),
        "none": None,
    }
    paths = {}
    for name, t in terms.items():
        paths[name] = corpus / f"{name}.txt"
        paths[name].write_text(f"snapshot test work {name}")
        alice.register(paths[name], terms=t)
    (corpus / "unregistered.txt").write_text("nobody registered this")
    # A collection of a work registered only through it, and of one also registered on its own.
    members = tmp_path / "members"
    members.mkdir()
    (members / "member.txt").write_text("a work of the archive's collection only")
    (members / "allowed.txt").write_text(paths["allowed"].read_text())
    archive = alice.collections.register(
        [members / "member.txt", paths["allowed"]], terms=terms["allowed"], metadata_uri="ipfs://archive"
    )
    alice.set_opt_out(paths["opted"], [ai])
    alice.licensing.grant(paths["licensed"], ai, bob.address)
    admin.mark(paths["disputed"], Status.DISPUTED)
    chain.provider.make_request("evm_increaseTime", [1000])  # type: ignore[arg-type]
    chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    s1 = tmp_path / "s1"
    code, out, err = cli("snapshot", "--out", str(s1), "--json")
    assert code == 0, err
    built = json.loads(out)
    manifest = built["manifest"]
    assert not built["incremental"]
    assert manifest["block"]["number"] == chain.eth.block_number
    assert manifest["tables"]["works"]["rows"] == len(terms)
    assert manifest["tables"]["licences"]["rows"] == 1
    assert manifest["tables"]["collections"]["rows"] == 1
    (collection,) = read_snapshot(s1).collection_rows()
    assert collection.collection_id == archive.collection_id and collection.root == archive.root
    assert collection.holder.lower() == alice.address.lower() == collection.registrant.lower()
    assert (collection.policy_id, collection.member_count) == (archive.policy_id, 2)
    assert (collection.status, collection.opt_out, collection.metadata_uri) == (0, 0, "ipfs://archive")
    assert collection.registered_at == alice.collections.record(archive.collection_id).registered_at.timestamp()
    assert archive.policy_id in {r.policy_id for r in read_snapshot(s1).policy_rows()}
    assert manifest["chainId"] == chain.eth.chain_id and "WorkRegistry" in manifest["contracts"]
    in_postgres = "://" in str(index_target)
    assert (tmp_path / "home" / "index-31337.sqlite").exists() != in_postgres
    if in_postgres:
        minted = index_rows(index_target, "SELECT COUNT(*) FROM events WHERE contract = 'WorkRegistry' "
                                          "AND name = 'Transfer'")[0][0]
        assert minted >= len(terms)

    for licensee in (None, bob.address):
        extra = ["--licensee", licensee] if licensee else []
        live, offline = tmp_path / f"live-{bool(licensee)}.jsonl", tmp_path / f"snap-{bool(licensee)}.jsonl"
        code, _, err = cli("audit", str(corpus), "--use", "ai-training", "--out", str(live), "--quiet", *extra)
        assert code == 3, err  # not every item is cleared
        code, _, err = cli(
            "audit",
            str(corpus),
            "--use",
            "ai-training",
            "--out",
            str(offline),
            "--quiet",
            "--snapshot",
            str(s1),
            *extra,
        )
        assert code == 3, err
        assert _receipt(offline)["block"] == _receipt(live)["block"] == manifest["block"]["number"]
        assert _receipt(offline)["snapshot"]["digest"] == manifest["digest"]
        live_rows, snap_rows = _rows(live), _rows(offline)
        assert len(snap_rows) == len(terms) + 1
        assert snap_rows == live_rows
        reasons = {name: snap_rows[content_hash(p)][1] for name, p in paths.items()}
        assert reasons["allowed"] == "allowed-by-terms"
        assert reasons["denied"] == "denied" and reasons["none"] == "denied"
        assert reasons["licence"] == "licence-required"
        assert reasons["licensed"] == ("allowed-by-licence" if licensee else "licence-required")
        assert reasons["opted"] == "opted-out" and reasons["expired"] == "expired"
        assert reasons["window"] == "outside-window" and reasons["later"] == "outside-window"
        assert reasons["disputed"] == "disputed"
        licence_hash = content_hash(paths["licence"])
        assert snap_rows[licence_hash][2] == 1234

    # A bare hash is checked against WorkRegistry, live (checkBatch) and from the snapshot alike: a
    # work registered only through a collection is unregistered there (its collection answers only
    # with a proof: `collection check`), one also registered on its own answers by its own record.
    live, offline = tmp_path / "members-live.jsonl", tmp_path / "members-snap.jsonl"
    base = ("audit", str(members), "--use", "ai-training", "--quiet", "--exact-only")
    assert cli(*base, "--out", str(live))[0] == 3
    assert cli(*base, "--out", str(offline), "--snapshot", str(s1))[0] == 3
    assert _rows(offline) == _rows(live)
    assert _rows(offline)[content_hash(members / "member.txt")][1] == "unregistered"
    assert _rows(offline)[content_hash(paths["allowed"])][1] == "allowed-by-terms"

    code, out, err = cli("snapshot", "verify", str(s1))
    assert code == 0, err
    assert f"checked {len(terms)} works and 1 collections" in out and ": 0 mismatches" in out
    code, out, err = cli("snapshot", "verify", str(s1), "--sample", "3", "--json")
    assert code == 0 and json.loads(out) == {"checked": 3, "collectionsChecked": 1, "mismatches": []}

    # Changes after the snapshot: an opt-out, a licence, a new work.
    alice.set_opt_out(paths["allowed"], [ai])
    alice.licensing.grant(paths["licence"], ai, bob.address)
    newcomer = corpus / "newcomer.txt"
    newcomer.write_text("registered after the first snapshot")
    alice.register(newcomer, terms=terms["allowed"])
    alice.ctx.send(
        alice.collections.registry.functions.setCollectionOptOut(archive.collection_id, 1 << ai.code), "opting out"
    )
    second = alice.collections.register([b"second collection 1", b"second collection 2", b"3"], terms=terms["denied"])

    code, out, err = cli(
        "audit", str(corpus), "--use", "ai-training", "--licensee", bob.address, "--quiet", "--json",
        "--out", str(tmp_path / "confirm.jsonl"), "--snapshot", str(s1), "--confirm-live",
    )  # fmt: skip
    assert code == 3, err
    confirmed = json.loads(out)["summary"]["confirmedLive"]
    assert confirmed["block"] == chain.eth.block_number
    changed = {c["hash"]: (c["was"], c["now"]) for c in confirmed["changed"]}
    assert changed == {
        licence_hash: ("licence-required", "allowed-by-licence"),
        content_hash(newcomer): ("unregistered", "allowed-by-terms"),
    }

    s2 = tmp_path / "s2"
    code, out, err = cli("snapshot", "--out", str(s2), "--previous", str(s1), "--json")
    assert code == 0, err
    update = json.loads(out)
    assert update["incremental"] and update["manifest"]["previous"]["digest"] == manifest["digest"]
    assert update["manifest"]["tables"]["works"]["rows"] == len(terms) + 1
    assert update["manifest"]["tables"]["licences"]["rows"] == 2
    assert update["manifest"]["tables"]["collections"]["rows"] == 2
    rows2 = {c.collection_id: c for c in read_snapshot(s2).collection_rows()}
    assert rows2[archive.collection_id].opt_out == 1 << ai.code
    assert (rows2[second.collection_id].root, rows2[second.collection_id].member_count) == (second.root, 3)
    live, offline = tmp_path / "live2.jsonl", tmp_path / "snap2.jsonl"
    base = ("audit", str(corpus), "--use", "ai-training", "--licensee", bob.address, "--quiet")
    assert cli(*base, "--out", str(live))[0] == 3
    assert cli(*base, "--out", str(offline), "--snapshot", str(s2))[0] == 3
    assert _rows(offline) == _rows(live)
    assert _rows(offline)[content_hash(paths["allowed"])][1] == "opted-out"
    code, out, _ = cli("snapshot", "verify", str(s2))
    assert code == 0 and "and 2 collections" in out and ": 0 mismatches" in out
    # The incremental snapshot holds the same rows as a full one at the same block.
    full = tmp_path / "full"
    code, out, err = cli("snapshot", "--out", str(full), "--block", str(update["manifest"]["block"]["number"]))
    assert code == 0, err
    a, b = read_snapshot(s2), read_snapshot(full)
    for table in ("works", "licences", "policies", "collections"):
        key = {"policies": "policy_id", "collections": "collection_id"}.get(table, "content_hash")
        assert getattr(a, table).sort_by(key).to_pylist() == getattr(b, table).sort_by(key).to_pylist()
    assert update["manifest"]["reused"]  # untouched buckets were taken over, not rewritten

    # A snapshot whose rows do not hold at its block: verify names the rows and exits 1.
    wrong = tmp_path / "wrong"
    rows = [row_from("works", d) for d in a.works.to_pylist()]
    target = content_hash(paths["denied"])
    rows = [replace(r, opt_out=1 << ai.code) if r.content_hash == target else r for r in rows]
    lies = [replace(c, member_count=99) if c.collection_id == second.collection_id else c for c in a.collection_rows()]
    licences = [row_from("licences", d) for d in a.licences.to_pylist()]
    write_snapshot(wrong, a.meta, rows, a.policy_rows(), licences, collections=lies)
    code, out, _ = cli("snapshot", "verify", str(wrong), "--json")
    assert code == 1
    found = {(m["contentHash"], m["field"]) for m in json.loads(out)["mismatches"]}
    assert (target, "opt_out") in found and (target, "check ai-training") in found
    assert found - {(target, "opt_out"), (target, "check ai-training")} == {
        (f"collection {second.collection_id}", "member_count")
    }
    # A collection missing from a snapshot: the count at the block says so.
    write_snapshot(tmp_path / "short", a.meta, rows, a.policy_rows(), licences, collections=lies[:1])
    code, out, _ = cli("snapshot", "verify", str(tmp_path / "short"), "--json")
    missing = {"contentHash": "collections", "field": "count", "snapshot": 1, "chain": 2}
    assert code == 1 and missing in json.loads(out)["mismatches"]
    # The old snapshot still answers as of its block: verify says which rows no longer hold is not
    # the point; it is pinned, so it still verifies.
    assert cli("snapshot", "verify", str(s1))[0] == 0


def test_snapshot_errors_are_one_line(chain: Web3, tmp_path: Path, cli: Any) -> None:
    code, _, err = cli("snapshot")
    assert code == 1 and "--out" in err and "Traceback" not in err
    code, _, err = cli("snapshot", "verify", str(tmp_path / "nothing"))
    assert code == 1 and "holds no snapshot" in err
    code, _, err = cli("snapshot", "--out", str(tmp_path / "s"), "--block", str(chain.eth.block_number + 50))
    assert code == 1 and "not on this chain yet" in err
    code, _, err = cli("audit", str(tmp_path), "--use", "ai-training", "--confirm-live")
    assert code == 1 and "--snapshot" in err
