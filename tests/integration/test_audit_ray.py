"""`audit MANIFEST --snapshot DIR --engine ray` on a local Ray (started once for this module) against a
snapshot of a real anvil deployment: the same rows, counts and report digest as the single-process
snapshot audit (and as the live audit), near copies included, from Parquet, CSV and JSONL manifests;
a failed run resumes from the blocks it wrote."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import iscc_samples
import numpy as np
import pytest
from PIL import Image

from rightsledger.errors import ConfigError
from rightsledger.hashing import hash_file
from rightsledger.manifests import item_of
from rightsledger.workflows.audit_ray import import_ray, plan_manifest, read_block, read_parts

pytest.importorskip("pyarrow")
ray = pytest.importorskip("ray")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _corpus(tmp_path: Path, cli: Any) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    """Registered works under several terms, a resized copy of a registered image, unregistered files."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    cat = corpus / "cat.jpg"
    cat.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    copy = corpus / "cat-small.jpg"
    with Image.open(cat) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=70)
    named = {"cat": cat, "copy": copy}
    for name, flags in {
        "allowed": ("--allow", "ai-training"),
        "denied": ("--allow", "tdm"),  # ai-training: not allowed
        "licence": ("--licence", "ai-training=0.02ether"),
    }.items():
        named[name] = corpus / f"{name}.txt"
        named[name].write_text(f"the Ray audit test's work under terms {name}")
        code, _, err = cli("--dev-account", "1", "register", str(named[name]), *flags)
        assert code == 0, err
    code, _, err = cli("--dev-account", "1", "register", str(cat), "--licence", "ai-training=0.01ether")
    assert code == 0, err
    rows: list[dict[str, Any]] = []
    for k in range(14):
        path = corpus / f"unregistered-{k:02d}.txt"
        path.write_text(f"nobody registered this, number {k}")
        rows.append({"path": path.name})
        if k % 3 == 0:
            rows.append({"path": named[("allowed", "denied", "licence")[k % 9 // 3]].name})
    rows[5:5] = [{"path": copy.name}, {"path": cat.name}]
    rows.append({"hash": hash_file(named["licence"])})  # a row with its hash only: no file read
    return rows, named


def _write(rows: list[dict[str, Any]], folder: Path) -> dict[str, Path]:
    keys = ["path", "hash"]
    out = {"csv": folder / "corpus" / "manifest.csv", "jsonl": folder / "corpus" / "manifest.jsonl",
           "parquet": folder / "corpus" / "manifest.parquet"}
    with out["csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, keys)
        writer.writeheader()
        writer.writerows(rows)
    out["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = pa.table({k: [r.get(k) for r in rows] for k in keys})
    pq.write_table(table, out["parquet"], row_group_size=5)  # row groups that straddle the blocks
    return out


def _jsonl(report: Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    return lines[0]["receipt"], lines[1:-1], lines[-1]["summary"]


SAME = ("chainId", "workRegistry", "block", "blockHash", "blockTime", "use", "licensee", "unregisteredCleared",
        "nearCopies", "thresholds", "snapshot", "items")


def test_ray_audit_equals_the_local_snapshot_audit_and_the_chain(cli: Any, tmp_path: Path) -> None:
    rows, named = _corpus(tmp_path, cli)
    manifests = _write(rows, tmp_path)
    snap = tmp_path / "snap"
    code, _, err = cli("snapshot", "--out", str(snap))
    assert code == 0, err

    local, live = tmp_path / "local.jsonl", tmp_path / "live.jsonl"
    code, _, err = cli("audit", str(manifests["csv"]), "--use", "ai-training", "--snapshot", str(snap),
                       "--out", str(local), "--quiet")
    assert code == 3, err
    code, _, err = cli("audit", str(manifests["csv"]), "--use", "ai-training", "--out", str(live), "--quiet")
    assert code == 3, err
    l_receipt, l_rows, l_summary = _jsonl(local)
    assert l_rows == _jsonl(live)[1]  # the snapshot's answers, near copy included, are the chain's
    near = [r for r in l_rows if r.get("nearCopyOf")]
    assert [r["hash"] for r in near] == [hash_file(named["copy"])]
    assert near[0]["nearCopyOf"] == hash_file(named["cat"]) and near[0]["answer"] == "needs-licence"
    assert near[0]["fee"] == 10**16 and near[0]["reason"].startswith("licence-required (near copy of ")
    assert l_receipt["nearCopies"] is True and l_receipt["thresholds"]["image"] == 12

    for kind, manifest in manifests.items():
        out = tmp_path / f"ray-{kind}"
        code, stdout, err = cli("audit", str(manifest), "--use", "ai-training", "--snapshot", str(snap),
                                "--engine", "ray", "--block-rows", "4", "--out", str(out), "--quiet", "--json")
        assert code == 3, err
        result = json.loads(stdout)
        receipt, summary = result["receipt"], result["summary"]
        assert receipt["engine"] == "ray" and receipt["blocks"] == (len(rows) + 3) // 4
        assert {k: receipt[k] for k in SAME if k != "items"} == {k: l_receipt[k] for k in SAME if k != "items"}
        assert receipt["items"] == l_receipt["items"] == len(rows)
        assert list(read_parts(out, receipt["blocks"])) == l_rows
        for key in ("items", "cleared", "needs-licence", "denied", "unregistered", "disputed", "licenceFeeTotal",
                    "reportDigest"):
            assert summary[key] == l_summary[key], key
        assert summary["filesRead"] == len(rows) - 1 and summary["blocksReused"] == 0
        on_disk = json.loads((out / "receipt.json").read_text())
        assert on_disk["summary"]["reportDigest"] == l_summary["reportDigest"]
        assert sorted(p.name for p in out.glob("part-*.parquet")) == [
            f"part-{b:06d}.parquet" for b in range(receipt["blocks"])]

    # --exact-only: the copy is unregistered, on both engines alike
    exact_local, exact_ray = tmp_path / "exact.jsonl", tmp_path / "exact-ray"
    code, _, err = cli("audit", str(manifests["jsonl"]), "--use", "ai-training", "--snapshot", str(snap),
                       "--exact-only", "--out", str(exact_local), "--quiet")
    assert code == 3, err
    code, stdout, err = cli("audit", str(manifests["jsonl"]), "--use", "ai-training", "--snapshot", str(snap),
                            "--exact-only", "--engine", "ray", "--out", str(exact_ray), "--quiet", "--json")
    assert code == 3, err
    assert json.loads(stdout)["summary"]["reportDigest"] == _jsonl(exact_local)[2]["reportDigest"]
    assert not [r for r in _jsonl(exact_local)[1] if r.get("nearCopyOf")]


def test_snapshot_audits_answer_coded_collection_members_as_the_live_audit(cli: Any, tmp_path: Path) -> None:
    """An archive (account 1) registers a collection with codes (a photograph, a noise image; ai-training
    denied); a squatter (account 3) later registers the noise image on its own, allowing ai-training.
    A folder with the photograph's bytes, a half-size copy of it, the noise image and an unregistered
    file gets the same rows from the snapshot (local and Ray) as live: the members answer the
    collection's check (the squatter's registration does not), the copy the check of the member it copies."""
    archive = tmp_path / "archive"
    archive.mkdir()
    cat = archive / "cat.jpg"
    cat.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    noise = archive / "noise.png"
    blocks = np.random.default_rng(5).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(blocks).resize((512, 512), Image.Resampling.NEAREST).save(noise)
    code, out, err = cli("--dev-account", "1", "collection", "register", str(archive), "--codes", "--allow", "tdm",
                         "--json")
    assert code == 0, err
    collection = json.loads(out)["collection_id"]
    code, _, err = cli("--dev-account", "3", "register", str(noise), "--allow", "ai-training", "--allow-similar")
    assert code == 0, err
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-cat.jpg").write_bytes(cat.read_bytes())
    with Image.open(cat) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(corpus / "b-copy.jpg", "JPEG", quality=70)
    (corpus / "c-noise.png").write_bytes(noise.read_bytes())
    (corpus / "d-nobody.txt").write_text("nobody registered this file, in a collection or on its own")
    snap = tmp_path / "snap"
    code, out, err = cli("snapshot", "--out", str(snap), "--json")
    assert code == 0, err
    assert json.loads(out)["manifest"]["tables"]["members"]["rows"] == 2  # both members are coded

    local, live = tmp_path / "local.jsonl", tmp_path / "live.jsonl"
    code, _, err = cli("audit", str(corpus), "--use", "ai-training", "--snapshot", str(snap), "--out", str(local),
                       "--quiet")
    assert code == 3, err
    code, _, err = cli("audit", str(corpus), "--use", "ai-training", "--out", str(live), "--quiet")
    assert code == 3, err
    receipt, rows, summary = _jsonl(local)
    assert rows == _jsonl(live)[1]
    assert receipt["snapshot"]["members"] == 2
    by_name = {Path(r["path"]).name: r for r in rows}
    assert [(n, r["answer"], r["reason"], r["fee"], r.get("collection")) for n, r in by_name.items()
            if n != "b-copy.jpg"] == [
        ("a-cat.jpg", "denied", f"denied (member of collection {collection})", None, collection),
        # the squatter's later registration (allowing ai-training) does not answer: the collection's terms do
        ("c-noise.png", "denied", f"denied (member of collection {collection})", None, collection),
        ("d-nobody.txt", "unregistered", "unregistered", None, None),
    ]
    near = by_name["b-copy.jpg"]
    assert (near["answer"], near["fee"], near["collection"], near["nearCopyOf"]) == (
        "denied", None, collection, hash_file(cat))
    assert near["reason"] == f"denied (near copy of {hash_file(cat)} in collection {collection}, distance " \
                             f"{near['distance']})" and 0 <= near["distance"] <= 12
    # tdm is what the collection allows: members and the copy are cleared, live and from the snapshot alike
    code, _, err = cli("audit", str(corpus), "--use", "tdm", "--snapshot", str(snap), "--out", str(local), "--quiet")
    assert code == 3, err
    code, _, err = cli("audit", str(corpus), "--use", "tdm", "--out", str(live), "--quiet")
    assert code == 3, err
    assert _jsonl(local)[1] == _jsonl(live)[1]
    assert [r["answer"] for r in _jsonl(local)[1]] == ["cleared", "cleared", "cleared", "unregistered"]

    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps({"path": str(p)}) + "\n" for p in sorted(corpus.iterdir())))
    local_m = tmp_path / "local-m.jsonl"
    code, _, err = cli("audit", str(manifest), "--use", "ai-training", "--snapshot", str(snap), "--out", str(local_m),
                       "--quiet")
    assert code == 3, err
    code, stdout, err = cli("audit", str(manifest), "--use", "ai-training", "--snapshot", str(snap), "--engine", "ray",
                            "--block-rows", "2", "--out", str(tmp_path / "ray"), "--quiet", "--json")
    assert code == 3, err
    assert list(read_parts(tmp_path / "ray", 2)) == _jsonl(local_m)[1] == rows
    digest = json.loads(stdout)["summary"]["reportDigest"]
    assert digest == _jsonl(local_m)[2]["reportDigest"] == summary["reportDigest"]


def test_a_failed_ray_audit_resumes_from_the_blocks_it_wrote(cli: Any, tmp_path: Path) -> None:
    rows, _named = _corpus(tmp_path, cli)
    rows.append({"path": "arrives-late.txt"})  # missing: the last block's worker fails
    manifest = _write(rows, tmp_path)["jsonl"]
    snap = tmp_path / "snap"
    assert cli("snapshot", "--out", str(snap))[0] == 0
    out = tmp_path / "report"
    args = ("audit", str(manifest), "--use", "ai-training", "--snapshot", str(snap), "--engine", "ray",
            "--block-rows", "3", "--workers", "1", "--out", str(out), "--quiet", "--json")
    code, stdout, err = cli(*args)
    assert code != 0 and stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert "arrives-late.txt does not exist" in line and "rerun to resume" in line
    blocks = (len(rows) + 2) // 3
    written = sorted(out.glob("part-*.parquet"))
    assert 0 < len(written) < blocks and not (out / "receipt.json").exists()

    (tmp_path / "corpus" / "arrives-late.txt").write_text("here now")
    (out / "part-000000.parquet").write_bytes(b"damaged")  # a part that fails its check is redone
    code, stdout, err = cli(*args)
    assert code == 3, err
    resumed = json.loads(stdout)["summary"]
    assert resumed["blocksReused"] == len(written) - 1
    assert 0 < resumed["filesRead"] < len(rows) - 1  # the kept blocks' files are not read again

    fresh = tmp_path / "fresh"
    code, stdout, err = cli(*args[:-4], "--out", str(fresh), "--quiet", "--json")
    assert code == 3, err
    assert json.loads(stdout)["summary"]["reportDigest"] == resumed["reportDigest"]
    assert list(read_parts(out, blocks)) == list(read_parts(fresh, blocks))

    # the same folder for another question is refused, not mixed
    code, _, err = cli(*args[:-4], "--out", str(out), "--block-rows", "4", "--quiet")
    assert code != 0 and "holds the parts of another audit" in err


def test_manifest_blocks_and_bad_input(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    rows = [{"path": f"f{k}.txt", "hash": "0x" + f"{k:064x}"} for k in range(1, 11)]
    manifests = _write(rows, tmp_path)
    for manifest in manifests.values():
        plan = plan_manifest(manifest, 4)
        assert plan.rows == 10 and plan.blocks == 3
        got = [r for b in range(plan.blocks) for r in read_block(plan, b)]
        assert [r["path"] for r in got] == [r["path"] for r in rows]
    binary = tmp_path / "corpus" / "binary.parquet"  # hashes as a binary(32) column, as Parquet tools write them
    pq.write_table(pa.table({"content_hash": pa.array([bytes.fromhex(r["hash"][2:]) for r in rows], pa.binary(32))}),
                   binary)
    plan = plan_manifest(binary, 4)
    got = [item_of(r, binary, 1) for b in range(plan.blocks) for r in read_block(plan, b)]
    assert [str(i.content_hash) for i in got] == [r["hash"] for r in rows]
    code, _, err = cli("audit", str(manifests["csv"]), "--use", "ai-training", "--engine", "ray")
    assert code != 0 and "--engine ray answers from a registry snapshot" in err
    code, _, err = cli("audit", str(manifests["csv"]), "--use", "ai-training", "--address", "127.0.0.1:6379")
    assert code != 0 and "use it with --engine ray" in err
    code, _, err = cli("audit", str(manifests["csv"]), "--use", "ai-training", "--engine", "ray", "--snapshot",
                       str(tmp_path), "--out", str(tmp_path / "report.jsonl"))
    assert code != 0 and "a Ray audit writes a folder of Parquet parts" in err
    code, _, err = cli("audit", str(tmp_path / "m.json"), "--use", "ai-training", "--engine", "ray", "--snapshot",
                       str(tmp_path))
    assert code != 0 and "no such manifest file" in err
    # review: a folder (what the local engine takes) was told "no such manifest file", as if missing
    code, _, err = cli("audit", str(tmp_path / "corpus"), "--use", "ai-training", "--engine", "ray", "--snapshot",
                       str(tmp_path))
    assert code != 0 and "reads manifests in .parquet, .csv or .jsonl (not folders" in err, err


def test_without_ray_the_engine_names_the_extra(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ConfigError, match=r"pip install 'rightsledger\[ray\]'"):
        import_ray()
    manifest = tmp_path / "m.csv"
    manifest.write_text("hash\n0x" + "ab" * 32 + "\n")
    code, out, err = cli("audit", str(manifest), "--use", "ai-training", "--snapshot", str(tmp_path), "--engine", "ray")
    assert code != 0 and out == ""
    assert err.strip() == ("rightsledger: error: --engine ray needs Ray: pip install 'rightsledger[ray]' "
                           "(or use --engine local)")
