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

    code, out, err = cli("snapshot", "verify", str(s1))
    assert code == 0, err
    assert f"checked {len(terms)} works" in out and ": 0 mismatches" in out
    code, out, err = cli("snapshot", "verify", str(s1), "--sample", "3", "--json")
    assert code == 0 and json.loads(out) == {"checked": 3, "mismatches": []}

    # Changes after the snapshot: an opt-out, a licence, a new work.
    alice.set_opt_out(paths["allowed"], [ai])
    alice.licensing.grant(paths["licence"], ai, bob.address)
    newcomer = corpus / "newcomer.txt"
    newcomer.write_text("registered after the first snapshot")
    alice.register(newcomer, terms=terms["allowed"])

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
    live, offline = tmp_path / "live2.jsonl", tmp_path / "snap2.jsonl"
    base = ("audit", str(corpus), "--use", "ai-training", "--licensee", bob.address, "--quiet")
    assert cli(*base, "--out", str(live))[0] == 3
    assert cli(*base, "--out", str(offline), "--snapshot", str(s2))[0] == 3
    assert _rows(offline) == _rows(live)
    assert _rows(offline)[content_hash(paths["allowed"])][1] == "opted-out"
    code, out, _ = cli("snapshot", "verify", str(s2))
    assert code == 0 and ": 0 mismatches" in out
    # The incremental snapshot holds the same rows as a full one at the same block.
    full = tmp_path / "full"
    code, out, err = cli("snapshot", "--out", str(full), "--block", str(update["manifest"]["block"]["number"]))
    assert code == 0, err
    a, b = read_snapshot(s2), read_snapshot(full)
    for table in ("works", "licences", "policies"):
        key = "content_hash" if table != "policies" else "policy_id"
        assert getattr(a, table).sort_by(key).to_pylist() == getattr(b, table).sort_by(key).to_pylist()
    assert update["manifest"]["reused"]  # untouched buckets were taken over, not rewritten

    # A snapshot whose rows do not hold at its block: verify names the rows and exits 1.
    wrong = tmp_path / "wrong"
    rows = [row_from("works", d) for d in a.works.to_pylist()]
    target = content_hash(paths["denied"])
    rows = [replace(r, opt_out=1 << ai.code) if r.content_hash == target else r for r in rows]
    write_snapshot(wrong, a.meta, rows, a.policy_rows(), [row_from("licences", d) for d in a.licences.to_pylist()])
    code, out, _ = cli("snapshot", "verify", str(wrong), "--json")
    assert code == 1
    found = {(m["contentHash"], m["field"]) for m in json.loads(out)["mismatches"]}
    assert (target, "opt_out") in found and (target, "check ai-training") in found
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
