"""Bad input on the command line: one clear `rightsledger: error: ...` line (exit 1), never a
traceback or a usage text, and always before any work (connecting, hashing).

The node URL points at a closed port: an error that mentions the node would mean the command
started working before it checked its input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_NODE = "http://127.0.0.1:9"
HASH = "0x" + "ab" * 32


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsledger.cli", "--rpc-url", NO_NODE, "--home", str(tmp_path / "home"), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        timeout=60,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line; fails on a traceback or on a message about the node."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "no Ethereum node" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no usage text
    return result.stderr.strip()


def test_check_at_a_time_out_of_range(tmp_path: Path) -> None:
    result = run(tmp_path, "check", HASH, "--use", "tdm", "--at", "99999999999999999999")
    assert result.returncode == 1
    assert error_line(result) == (
        "rightsledger: error: --at '99999999999999999999' is out of range: "
        "times run from 1970-01-01 to 9999-12-31 (0 .. 253402300799 seconds)"
    )


def test_window_ending_before_it_starts(tmp_path: Path) -> None:
    work = tmp_path / "w.txt"
    work.write_text("a work")
    result = run(tmp_path, "register", str(work), "--allow", "promotion", "--window", "promotion=2027-01-01/2026-01-01")
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith("rightsledger: error: --window 'promotion=2027-01-01/2026-01-01': window ends")
    assert "at or before it starts" in line and "pydantic" not in line


def test_terms_naming_a_folder(tmp_path: Path) -> None:
    work = tmp_path / "w.txt"
    work.write_text("a work")
    (tmp_path / "folder").mkdir()
    result = run(tmp_path, "register", str(work), "--terms", "folder")
    assert error_line(result) == "rightsledger: error: terms file folder is a folder, not a file"


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("70000", "--port 70000 is out of range: a port is 1 .. 65535"),
        ("0", "--port 0 is out of range: a port is 1 .. 65535"),
        ("-1", "--port -1 is out of range: a port is 1 .. 65535"),
        ("http", "--port 'http' is not a number"),
    ],
)
def test_chain_start_port_out_of_range(tmp_path: Path, port: str, message: str) -> None:
    result = run(tmp_path, "chain", "start", f"--port={port}")
    assert result.returncode == 1
    assert error_line(result) == f"rightsledger: error: {message}"
    assert not (tmp_path / "home").exists()  # nothing was started


def test_serve_port_out_of_range(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--port", "70000")
    assert result.returncode == 1
    assert error_line(result) == "rightsledger: error: --port 70000 is out of range: a port is 1 .. 65535"


def test_audit_of_a_csv_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    manifest = tmp_path / "latin1.csv"
    manifest.write_bytes("path\ncaf\u00e9.txt\n".encode("latin-1"))
    result = run(tmp_path, "audit", str(manifest), "--use", "tdm")
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith(f"rightsledger: error: {manifest} is not UTF-8 text")
    assert "save the CSV as UTF-8" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    work = tmp_path / "w.txt"
    work.write_text("a work")
    registered = run(tmp_path, "register", str(fifo), "--allow", "tdm")
    assert (
        error_line(registered) == f"rightsledger: error: file {fifo} is not a regular file (a FIFO, socket or device?)"
    )
    terms = run(tmp_path, "register", str(work), "--terms", str(fifo))
    assert (
        error_line(terms) == f"rightsledger: error: terms file {fifo} is not a regular file (a FIFO, socket or device?)"
    )
    checked = run(tmp_path, "check", str(fifo), "--use", "tdm")
    assert error_line(checked) == f"rightsledger: error: {fifo} is not a regular file (a FIFO, socket or device?)"
    audited = run(tmp_path, "audit", str(fifo), "--use", "tdm")
    assert (
        error_line(audited) == f"rightsledger: error: manifest {fifo} is not a regular file (a FIFO, socket or device?)"
    )


BAD_CHECKSUM = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"


@pytest.mark.parametrize(
    "args",
    [
        ("check", HASH, "--use", "tdm", "--licensee", BAD_CHECKSUM),
        ("audit", ".", "--use", "tdm", "--licensee", BAD_CHECKSUM),
        ("licence", "list", "--licensee", BAD_CHECKSUM),
        ("licence", "grant", HASH, "--use", "tdm", "--to", BAD_CHECKSUM, "--until", "2030-01-01"),
    ],
)
def test_licensee_with_a_wrong_checksum_is_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith(f"rightsledger: error: address {BAD_CHECKSUM!r} has a wrong EIP-55 checksum")


def test_a_lower_case_licensee_is_accepted(tmp_path: Path) -> None:
    result = run(tmp_path, "check", HASH, "--use", "tdm", "--licensee", BAD_CHECKSUM.lower())
    assert result.returncode == 1 and "no Ethereum node" in result.stderr  # got as far as connecting


def test_negative_max_spend_is_refused_before_hashing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("a")
    result = run(tmp_path, "audit", str(data), "--use", "tdm", "--buy", "--max-spend=-1ether")
    assert result.returncode == 1
    assert error_line(result).startswith("rightsledger: error: --max-spend: fee '-1ether' is not an amount")
    assert not list(tmp_path.glob("audit-*"))  # no report, no checkpoint: nothing was hashed


@pytest.mark.parametrize("report", ["missing.jsonl", "."])
def test_summary_audit_report_that_is_missing_or_a_folder(tmp_path: Path, report: str) -> None:
    result = run(tmp_path, "summary", "--model", "M", "--version", "1", "--provider", "P", "--datasets", "1",
                 "--audit", str(tmp_path / report))  # fmt: skip
    line = error_line(result)
    assert line.startswith("rightsledger: error: audit report ")
    assert line.endswith("does not exist" if report != "." else "is a folder, not a file")


def test_summary_without_a_provider_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "summary", "--model", "M", "--version", "1", "--datasets", "1")
    assert result.returncode == 2
    assert "--provider" in result.stderr and "Traceback" not in result.stderr


def test_embed_out_naming_a_file(tmp_path: Path) -> None:
    work = tmp_path / "photo.jpg"
    work.write_bytes(b"not really a jpeg")
    (tmp_path / "taken.txt").write_text("a file where the folder should go")
    result = run(tmp_path, "embed", str(work), "--out", str(tmp_path / "taken.txt"))
    assert error_line(result) == (
        f"rightsledger: error: --out {tmp_path / 'taken.txt'} is a file: name a folder for the embedded copies"
    )


def test_signals_out_naming_a_folder(tmp_path: Path) -> None:
    result = run(tmp_path, "signals", "robots", "--holder", "0x" + "11" * 20, "--out", str(tmp_path))
    assert error_line(result) == f"rightsledger: error: --out {tmp_path} is a folder: name the file to write"


def test_summary_out_naming_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken.txt").write_text("a file where the folder should go")
    result = run(tmp_path, "summary", "--model", "M", "--version", "1", "--provider", "P", "--datasets", "1",
                 "--out", str(tmp_path / "taken.txt"))  # fmt: skip
    assert error_line(result) == (
        f"rightsledger: error: --out {tmp_path / 'taken.txt'} is a file: name a folder for summary.json and .html"
    )


@pytest.mark.parametrize("args", [("find", ""), ("find", "  "), ("check", "", "--use", "tdm")])
def test_review5_an_empty_argument_is_an_error_not_the_current_folder(tmp_path: Path, args: tuple[str, ...]) -> None:
    # `find "$FILE"` with FILE unset read every file under the current folder (Path("") is ".").
    line = error_line(run(tmp_path, *args))
    assert "empty argument" in line
