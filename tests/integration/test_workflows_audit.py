"""`rightsledger audit` end to end on anvil: every kind of answer, fees, the receipt, manifests
(CSV, JSONL, Parquet), and resuming after the process is killed mid-run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Status, Terms, Use
from rightsledger.chain.deployments import Deployment, save_deployment
from rightsledger.cli import main
from rightsledger.hashing import hash_file
from rightsledger.workflows.audit import read_report, run_audit

FEE = 10**16
LICENSED_TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=FEE)})
OPEN_TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.ALLOW)})


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def dataset(tmp_path: Path, alice: RightsLedger, admin: RightsLedger) -> dict[str, list[Path]]:
    """A folder with works of every kind of answer for ai-training."""
    folder = tmp_path / "dataset"
    kinds: dict[str, list[Path]] = {
        "cleared": [_write(folder, f"open/{i}.txt", f"open work {i}") for i in range(3)],
        "needs-licence": [_write(folder, f"paid/{i}.txt", f"paid work {i}") for i in range(2)],
        "denied": [_write(folder, "reserved.txt", "all rights reserved")],
        "opted-out": [_write(folder, "opted.txt", "opted out work")],
        "unregistered": [_write(folder, f"stray/{i}.bin", f"unknown {i}") for i in range(2)],
        "disputed": [_write(folder, "contested.txt", "contested work")],
    }
    alice.register_batch(kinds["cleared"], terms=OPEN_TRAINING)
    alice.register_batch(kinds["needs-licence"], terms=LICENSED_TRAINING)
    alice.register(kinds["denied"][0])
    alice.register(kinds["opted-out"][0], terms=OPEN_TRAINING)
    alice.opt_out(kinds["opted-out"][0], [Use.AI_TRAINING])
    alice.register(kinds["disputed"][0], terms=OPEN_TRAINING)
    admin.mark(kinds["disputed"][0], Status.DISPUTED, "ipfs://evidence")
    return kinds


def test_audit_of_a_folder_reports_every_kind_of_answer(
    admin: RightsLedger, dataset: dict[str, list[Path]], tmp_path: Path
) -> None:
    report = tmp_path / "report.jsonl"
    result = run_audit(admin, tmp_path / "dataset", Use.AI_TRAINING, out=report, progress=False)
    back = read_report(report)
    by_path = {row["path"]: row for row in back.rows}
    for kind, paths in dataset.items():
        for path in paths:
            row = by_path[str(path)]
            assert row["hash"] == hash_file(path)
            expected = "denied" if kind == "opted-out" else kind
            assert row["answer"] == expected, (kind, row)
            assert row["fee"] == (FEE if kind == "needs-licence" else None)
    assert by_path[str(dataset["opted-out"][0])]["reason"] == "opted-out"
    assert back.summary == result.summary
    assert back.summary["items"] == 10
    assert (back.summary["cleared"], back.summary["needs-licence"], back.summary["denied"]) == (3, 2, 2)
    assert (back.summary["unregistered"], back.summary["disputed"]) == (2, 1)
    assert back.summary["licenceFeeTotal"] == 2 * FEE
    receipt = back.receipt
    assert receipt["chainId"] == admin.chain_id
    assert receipt["workRegistry"] == admin.deployment.work_registry
    block = admin.w3.eth.get_block(receipt["block"])
    assert receipt["blockHash"] == "0x" + bytes(block["hash"]).hex()
    assert not result.all_cleared


def test_audit_answers_can_be_rechecked_as_of_the_receipt_block(
    admin: RightsLedger, alice: RightsLedger, dataset: dict[str, list[Path]], tmp_path: Path
) -> None:
    result = run_audit(admin, tmp_path / "dataset", Use.AI_TRAINING, out=tmp_path / "r.jsonl", progress=False)
    alice.set_terms(dataset["denied"][0], OPEN_TRAINING)  # terms change after the audit
    hashes = [hash_file(p) for p in dataset["denied"]]
    then = admin.check_hashes(hashes, Use.AI_TRAINING, block=result.receipt["block"])
    now = admin.check_hashes(hashes, Use.AI_TRAINING)
    assert list(then) == [3] and list(now) == [1]  # denied then, allowed-by-terms now


def test_unregistered_works_count_as_cleared_only_when_asked(
    admin: RightsLedger, dataset: dict[str, list[Path]], tmp_path: Path
) -> None:
    result = run_audit(
        admin, tmp_path / "dataset", Use.AI_TRAINING, out=tmp_path / "r.csv", unregistered_cleared=True, progress=False
    )
    back = read_report(tmp_path / "r.csv")
    assert back.summary["unregistered"] == 0 and back.summary["cleared"] == 5
    stray = [r for r in back.rows if r["path"] == str(dataset["unregistered"][0])]
    assert stray[0]["answer"] == "cleared" and stray[0]["reason"] == "unregistered"
    assert result.receipt["unregisteredCleared"] is True


def test_audit_reads_csv_jsonl_and_parquet_manifests(
    admin: RightsLedger, dataset: dict[str, list[Path]], tmp_path: Path
) -> None:
    paid = dataset["needs-licence"][0]
    stray = dataset["unregistered"][0]
    csv_manifest = tmp_path / "m.csv"
    csv_manifest.write_text(f"path,hash\n{paid},\n,{hash_file(stray)}\n")
    jsonl_manifest = tmp_path / "m.jsonl"
    jsonl_manifest.write_text(json.dumps({"path": str(paid)}) + "\n" + json.dumps({"sha256": hash_file(stray)}) + "\n")
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet_manifest = tmp_path / "m.parquet"
    pq.write_table(pa.table({"path": [str(paid), None], "hash": [None, hash_file(stray)]}), parquet_manifest)
    for manifest in (csv_manifest, jsonl_manifest, parquet_manifest):
        result = run_audit(
            admin, manifest, Use.AI_TRAINING, out=tmp_path / f"{manifest.name}.jsonl", progress=False, keep_rows=True
        )
        assert [r["answer"] for r in result.rows] == ["needs-licence", "unregistered"], manifest
        assert result.rows[1]["path"] is None and result.summary["filesRead"] == 1


def test_audit_cli_prints_a_summary_and_exits_3_when_not_all_cleared(
    chain: Web3, deployment: Deployment, anvil_url: str, dataset: dict[str, list[Path]], tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    out = tmp_path / "cli-report.jsonl"
    code = main(["--rpc-url", anvil_url, "--home", str(home), "audit", str(tmp_path / "dataset"),
                 "--use", "ai-training", "--out", str(out)])  # fmt: skip
    stdout, stderr = capsys.readouterr()
    assert code == 3
    assert "needs-licence" in stdout and "0.02 ETH" in stdout and str(out) in stdout
    assert "hashing 10/10" in stderr and "100.0%" in stderr
    code = main(
        ["--rpc-url", anvil_url, "--home", str(home), "audit", str(tmp_path / "missing"), "--use", "ai-training"]
    )
    assert code == 1 and capsys.readouterr().err.startswith("rightsledger: error:")


def test_audit_resumes_from_its_checkpoint_after_being_killed(
    chain: Web3, deployment: Deployment, anvil_url: str, admin: RightsLedger, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    folder = tmp_path / "files"
    before = [_write(folder, f"a{i:03}.txt", f"before {i}") for i in range(30)]
    after = [_write(folder, f"c{i:03}.txt", f"after {i}") for i in range(20)]
    blocker = folder / "b.sparse"
    # 256 GiB of holes: hashing it takes minutes, so the run is still there when we kill it.
    with blocker.open("wb") as handle:
        handle.truncate(256 << 30)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path\n" + "\n".join(str(p) for p in [*before, blocker, *after]) + "\n")
    report = tmp_path / "report.jsonl"
    checkpoint = tmp_path / "report.jsonl.checkpoint"
    args = ["--rpc-url", anvil_url, "--home", str(home), "audit", str(manifest), "--use", "ai-training",
            "--out", str(report), "--workers", "1"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "rightsledger.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if checkpoint.exists() and len(checkpoint.read_text().splitlines()) >= 31:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the audit never checkpointed the files before the blocking one")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert not report.exists()
    blocker.unlink()
    blocker.write_text("no longer blocking")
    result = run_audit(admin, manifest, Use.AI_TRAINING, out=report, progress=False)
    assert result.summary["resumedFromCheckpoint"] == 30
    assert result.summary["filesRead"] == 21
    assert not checkpoint.exists()
    fresh = run_audit(admin, manifest, Use.AI_TRAINING, out=tmp_path / "fresh.jsonl", progress=False)
    assert fresh.summary["filesRead"] == 51
    assert read_report(report).rows == read_report(tmp_path / "fresh.jsonl").rows


def test_bad_manifests_give_one_line_errors(
    chain: Web3, deployment: Deployment, anvil_url: str, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    cases = {
        "cols.csv": ("title,author\nA,B\n", "neither a path nor a hash column"),
        "hash.jsonl": ('{"hash": "0x1234"}\n', "is not a content hash"),
        "broken.jsonl": ("{not json\n", "line 1 is not JSON"),
        "array.jsonl": ('{"hash": "0x' + "ab" * 32 + '"}\n[1, 2]\n', "array.jsonl line 2 is not a JSON object"),
        "list.txt": ("a\n", "manifests are .csv, .jsonl, .parquet"),
    }
    for name, (text, message) in cases.items():
        manifest = tmp_path / name
        manifest.write_text(text)
        code = main(["--rpc-url", anvil_url, "--home", str(home), "audit", str(manifest), "--use", "ai-training",
                     "--out", str(tmp_path / "r.jsonl")])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 1 and err.startswith("rightsledger: error:") and message in err, (name, err)
        assert len(err.strip().splitlines()) == 1


def test_audit_buy_purchases_listed_licences_within_the_cap(
    chain: Web3, deployment: Deployment, anvil_url: str, dataset: dict[str, list[Path]], tmp_path: Path, capsys
) -> None:
    from rightsledger.chain import dev_account

    home = tmp_path / "home"
    save_deployment(deployment, home)
    trainer = dev_account(2).address
    base = ["--rpc-url", anvil_url, "--home", str(home), "--dev-account", "2"]
    out = tmp_path / "buy.jsonl"
    code = main([*base, "audit", str(tmp_path / "dataset"), "--use", "ai-training", "--licensee", trainer,
                 "--out", str(out), "--buy", "--max-spend", str(FEE), "--json", "--quiet"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 3
    assert len(result["purchase"]["bought"]) == 1 and len(result["purchase"]["leftForTheCap"]) == 1
    assert result["purchase"]["spent"] == FEE
    code = main([*base, "audit", str(tmp_path / "dataset"), "--use", "ai-training", "--licensee", trainer,
                 "--out", str(out), "--json", "--quiet"])  # fmt: skip
    after = json.loads(capsys.readouterr().out)["summary"]
    assert (after["cleared"], after["needs-licence"]) == (4, 1)
    paid = {r["hash"]: r for r in read_report(out).rows if r["path"] and "/paid/" in r["path"]}
    assert sorted(r["reason"] for r in paid.values()) == ["allowed-by-licence", "licence-required"]
    code = main([*base, "audit", str(tmp_path / "dataset"), "--use", "ai-training", "--buy", "--quiet"])
    assert code == 1 and "--max-spend" in capsys.readouterr().err
