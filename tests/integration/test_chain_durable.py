"""Nothing the CLI reported as confirmed is lost when the local chain is killed (the journal re-sends
it at `chain start`), and no home answers from a chain its deployment was not made on."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightsledger import RightsLedger
from rightsledger.chain import LOCAL_CHAIN_ID, LocalChain, free_port
from rightsledger.chain.connection import connect_web3
from rightsledger.chain.deployments import WrongChainError, deployment_path
from rightsledger.chain.journal import JOURNAL_NAME
from rightsledger.cli import main

from .conftest import throwaway_anvil


class Home:
    """A home folder with its own local chain on a free port, driven through the real CLI."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.capsys = capsys

    def run(self, *args: str, rpc_url: str | None = None) -> tuple[int, str, str]:
        code = main(["--home", str(self.folder), "--rpc-url", rpc_url or self.url, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self.run(*args)
        assert code == 0, err
        return out

    @property
    def journal(self) -> Path:
        return self.folder / "chain" / JOURNAL_NAME

    def kill_9(self) -> None:
        """What a crash does: SIGKILL, so anvil writes nothing on the way out."""
        pid = LocalChain.at(self.folder).pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # started by this process (in-process CLI): reap it


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Home]:
    h = Home(tmp_path / "home", capsys)
    try:
        yield h
    finally:
        LocalChain.at(h.folder).stop()


def register_works(home: Home, folder: Path, count: int) -> list[tuple[Path, str, int]]:
    """Register `count` new works one by one; each (file, transaction, block) the CLI reported."""
    folder.mkdir(exist_ok=True)
    reported = []
    for i in range(count):
        work = folder / f"scan-{i:03}.txt"
        work.write_text(f"page {i} of a 1911 parish register, scanned ({folder.name})")
        answer = json.loads(home.ok("register", str(work), "--allow", "tdm", "--json"))
        registration = answer["registrations"][0]
        reported.append((work, registration["transaction"], registration["block"]))
    return reported


def test_kill_9_after_confirmed_writes_loses_nothing(home: Home, tmp_path: Path) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    reported = register_works(home, tmp_path / "works", 25)
    journaled = home.journal.read_text().splitlines()
    assert len(journaled) >= 25 + 10  # the deployment's transactions, then one per registration
    home.kill_9()

    out = home.ok("chain", "start", "--port", str(home.port))
    resent = re.search(r"re-sent (\d+) journaled transaction\(s\)(?: \((\d+) more were in the saved state\))?", out)
    assert resent is not None, out
    assert "refused" not in out
    # anvil had saved its state at most 5 s before the kill: the last registrations were lost and are back.
    assert int(resent.group(1)) >= 1
    assert int(resent.group(1)) + int(resent.group(2) or 0) == len(journaled)

    w3 = connect_web3(home.url)
    for _work, tx_hash, _block in reported:
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        assert "0x" + bytes(receipt["transactionHash"]).hex() == tx_hash
    client = RightsLedger.connect(home.url, home=home.folder)
    assert all(client.is_registered(work) for work, _, _ in reported)
    assert "allowed-by-terms" in home.ok("check", str(reported[-1][0]), "--use", "tdm")
    # The chain goes on: a new registration after the replay works, and a clean stop ends the journal.
    register_works(home, tmp_path / "more", 1)
    home.ok("chain", "stop")
    assert home.journal.read_text() == ""


def test_a_clean_stop_and_start_replays_nothing(home: Home, tmp_path: Path) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    reported = register_works(home, tmp_path / "works", 3)
    assert home.journal.stat().st_size > 0
    assert "state is saved" in home.ok("chain", "stop")
    assert home.journal.read_text() == ""

    out = home.ok("chain", "start")  # no --port: the home's chain comes back on the port it ran on
    assert f"at {home.url}" in out
    assert "re-sent" not in out
    w3 = connect_web3(home.url)
    assert all(w3.eth.get_transaction_receipt(tx)["blockNumber"] == block for _, tx, block in reported)


def test_a_state_file_torn_by_the_kill_is_recovered(home: Home, tmp_path: Path) -> None:
    # anvil rewrites state.json in place: a kill while it writes leaves half a file.
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    before = register_works(home, tmp_path / "before", 2)
    home.ok("chain", "stop")
    home.ok("chain", "start")
    after = register_works(home, tmp_path / "after", 3)
    home.kill_9()
    state = home.folder / "chain" / "state.json"
    state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])

    out = home.ok("chain", "start")
    assert "the saved state was torn" in out and "re-sent 3 journaled transaction(s)" in out
    w3 = connect_web3(home.url)
    assert all(w3.eth.get_transaction_receipt(tx)["status"] == 1 for _, tx, _ in before + after)
    assert (home.folder / "chain" / "state.torn.json").exists()


def test_a_chain_killed_before_it_first_saved_is_rebuilt_from_the_journal(home: Home, tmp_path: Path) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    reported = register_works(home, tmp_path / "works", 2)
    home.kill_9()
    (home.folder / "chain" / "state.json").unlink(missing_ok=True)  # as if killed before the first save
    record = deployment_path(LOCAL_CHAIN_ID, home.folder)
    genesis = json.loads(record.read_text())["genesis"]
    time.sleep(1.1)  # a genesis block of another second: another genesis hash

    out = home.ok("chain", "start")
    assert json.loads(record.read_text())["genesis"] not in (None, genesis)
    resent = re.search(r"re-sent (\d+) journaled transaction\(s\)", out)
    assert resent is not None and int(resent.group(1)) == len(home.journal.read_text().splitlines())
    # A fresh genesis, but the same contracts at the same addresses: the home's record follows its chain.
    w3 = connect_web3(home.url)
    assert all(w3.eth.get_transaction_receipt(tx)["status"] == 1 for _, tx, _ in reported)
    assert "allowed-by-terms" in home.ok("check", str(reported[0][0]), "--use", "tdm")


def test_sends_to_another_node_are_not_journaled(cli, files: list[Path], tmp_path: Path) -> None:
    # The cli fixture's home runs no chain of its own: its writes go to the test node, unjournaled.
    code, _, err = cli("register", str(files[0]))
    assert code == 0, err
    assert not (tmp_path / "home" / "chain" / JOURNAL_NAME).exists()


def test_chain_status_reports_the_recorded_port(home: Home) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    out = home.ok("chain", "status")  # no --port: the home's node, not 8545
    block = connect_web3(home.url).eth.block_number
    assert f"at {home.url}, chain id {LOCAL_CHAIN_ID}, block {block}" in out
    assert "WorkRegistry" in out


@pytest.fixture
def other_anvil() -> Iterator[str]:
    """A second local anvil: same chain id, same dev accounts, so the same deployment addresses.
    (Its genesis time is set: two anvils started in the same second would share a genesis block.)"""
    with throwaway_anvil("--timestamp", "1700000000") as url:
        yield url


def test_a_home_pointed_at_another_anvil_gets_a_clear_error(home: Home, other_anvil: str, tmp_path: Path) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    (work,) = (w for w, _, _ in register_works(home, tmp_path / "works", 1))

    # Nothing deployed there: no contract at the recorded address.
    code, _, err = home.run("check", str(work), "--use", "tdm", rpc_url=other_anvil)
    assert code == 1
    assert "is another chain than the deployment recorded for chain id 31337" in err
    assert "`rightsledger deploy`" in err and "--rpc-url" in err and "Traceback" not in err

    # The same contracts at the same addresses there (deployed from another home): still refused,
    # instead of answering `unregistered` from the wrong chain.
    other_home = tmp_path / "other-home"
    assert main(["--home", str(other_home), "--rpc-url", other_anvil, "deploy"]) == 0
    recorded = json.loads(deployment_path(LOCAL_CHAIN_ID, home.folder).read_text())
    other = json.loads(deployment_path(LOCAL_CHAIN_ID, other_home).read_text())
    assert recorded["contracts"] == other["contracts"] and recorded["code_hash"] == other["code_hash"]
    assert recorded["genesis"] != other["genesis"]
    home.capsys.readouterr()
    code, out, err = home.run("check", str(work), "--use", "tdm", rpc_url=other_anvil)
    assert (code, out) == (1, "")
    assert "is another chain" in err
    with pytest.raises(WrongChainError, match="genesis block"):
        RightsLedger.connect(other_anvil, home=home.folder)
    assert "allowed-by-terms" in home.ok("check", str(work), "--use", "tdm")  # its own chain still answers


def test_two_anvils_with_the_same_genesis_are_told_apart_by_the_deployment_marker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two anvils started in the same second share their genesis block; deployed from two homes they
    have the same addresses and code too. Only the marker transaction (32 random bytes, sent by
    `deploy`) tells them apart: a home pointed at the other node is refused, not answered from it."""
    with throwaway_anvil("--timestamp", "1700000000") as first, throwaway_anvil("--timestamp", "1700000000") as second:
        homes = tmp_path / "first", tmp_path / "second"
        for folder, url in zip(homes, (first, second), strict=True):
            assert main(["--home", str(folder), "--rpc-url", url, "deploy"]) == 0
        a, b = (json.loads(deployment_path(LOCAL_CHAIN_ID, h).read_text()) for h in homes)
        assert (a["genesis"], a["contracts"], a["code_hash"]) == (b["genesis"], b["contracts"], b["code_hash"])
        assert a["marker"] != b["marker"] and re.fullmatch(r"0x[0-9a-f]{64}", a["marker"])
        capsys.readouterr()
        work = tmp_path / "work.txt"
        work.write_text("a work on the first chain only\n")
        assert main(["--home", str(homes[0]), "--rpc-url", first, "register", str(work), "--allow", "tdm"]) == 0
        capsys.readouterr()
        code = main(["--home", str(homes[0]), "--rpc-url", second, "check", str(work), "--use", "tdm"])
        out, err = capsys.readouterr()
        assert (code, out) == (1, "")
        assert "no record of the deployment's transaction" in err and "--rpc-url" in err and "Traceback" not in err
        with pytest.raises(WrongChainError, match="same second"):
            RightsLedger.connect(second, home=homes[0])
        assert main(["--home", str(homes[0]), "--rpc-url", first, "check", str(work), "--use", "tdm"]) == 0
        assert "allowed-by-terms" in capsys.readouterr().out


def test_a_record_without_the_chain_binding_still_works(home: Home, other_anvil: str, tmp_path: Path) -> None:
    home.ok("chain", "start", "--port", str(home.port))
    home.ok("deploy")
    (work,) = (w for w, _, _ in register_works(home, tmp_path / "works", 1))
    path = deployment_path(LOCAL_CHAIN_ID, home.folder)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({k: v for k, v in record.items() if k not in ("genesis", "code_hash")}))
    assert "allowed-by-terms" in home.ok("check", str(work), "--use", "tdm")
    # Only the code is checked then: a chain without the contracts is still refused.
    code, _, err = home.run("check", str(work), "--use", "tdm", rpc_url=other_anvil)
    assert code == 1 and "no contract at" in err

    # Code at the address that is not the recorded WorkRegistry's: refused by its code hash.
    record["code_hash"] = "0x" + "ab" * 32
    path.write_text(json.dumps(record))
    code, _, err = home.run("check", str(work), "--use", "tdm")
    assert code == 1 and "its code differs" in err
