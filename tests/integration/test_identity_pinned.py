"""Review: near-copy matching at a pinned block must not match works registered after it. The codes
index reads to the chain head; a live audit (or a `check --as-of`) answers at an earlier block, so a
work registered later is not yet a work there, and neither are its near copies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import iscc_samples
from PIL import Image
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.hashing import hash_file
from rightsledger.identity import identify_file
from rightsledger.workflows.audit import run_audit
from rightsledger.workflows.identity_index import CodesIndex

LICENSED = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16)})


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    work = tmp_path / "cat.jpg"
    work.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    copy = tmp_path / "copies" / "cat-small.jpg"
    copy.parent.mkdir()
    with Image.open(work) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=70)
    return work, copy


def test_the_codes_index_matches_only_works_registered_by_the_given_block(
    chain: Web3, alice: RightsLedger, tmp_path: Path
) -> None:
    work, copy = _copy(tmp_path)
    before = chain.eth.block_number
    alice.register(work)
    with CodesIndex(alice, tmp_path / "codes.sqlite") as index:
        index.sync()
        identity = identify_file(copy)
        assert [m.content_hash for m in index.matches_of(identity)] == [hash_file(work)]
        assert index.matches_of(identity, until_block=before) == []
        assert [m.content_hash for m in index.matches_of(identity, until_block=before + 1)] == [hash_file(work)]


def test_an_audit_pinned_before_a_registration_does_not_answer_for_its_near_copies(
    chain: Web3, deployment: Deployment, alice: RightsLedger, tmp_path: Path
) -> None:
    work, copy = _copy(tmp_path)
    before = chain.eth.block_number
    alice.register(work, terms=LICENSED)
    # its own home, so its codes index holds no rows of earlier tests (reverted by the chain fixture)
    admin = RightsLedger(chain, deployment, dev_account(0), home=tmp_path / "home")
    report = tmp_path / "audit.jsonl"
    result = run_audit(admin, copy.parent, Use.AI_TRAINING, out=report, progress=False, keep_rows=True, block=before)
    (row,) = result.rows
    assert row["answer"] == "unregistered" and row["reason"] == "unregistered" and "nearCopyOf" not in row
    assert result.receipt["block"] == before and result.receipt["codesIndexBlock"] == before
    assert result.summary["unregistered"] == 1

    result = run_audit(admin, copy.parent, Use.AI_TRAINING, out=report, progress=False, keep_rows=True)
    (row,) = result.rows
    assert row["answer"] == "needs-licence" and row["nearCopyOf"] == hash_file(work)
    assert result.receipt["block"] == chain.eth.block_number


def test_check_as_of_a_time_before_the_registration_does_not_match_the_work(cli, chain: Web3, tmp_path: Path) -> None:
    work, copy = _copy(tmp_path)
    head = chain.eth.get_block("latest")
    as_of = datetime.fromtimestamp(int(head["timestamp"]), tz=UTC).isoformat()
    time.sleep(1.1)  # the registration's block is at a later second
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0
    code, out, err = cli("check", str(copy), "--use", "tdm", "--as-of", as_of, "--json")
    assert code == 3, err
    (answer,) = json.loads(out)
    assert answer["reason"] == "unregistered" and "nearCopyOf" not in answer
    code, out, err = cli("check", str(copy), "--use", "tdm", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["nearCopyOf"] == hash_file(work)
