"""The home's record of its local chain (`LocalChain.pid`): a process that has exited is not running,
even while it is a zombie its parent has not reaped yet (anvil right after `kill -9`)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from rightsledger.chain.local import LocalChain

# The parent forks a child that exits at once, prints its pid and never reaps it: a zombie that is
# not this test's child (as anvil is not the CLI's), so waitpid here cannot clear it.
ZOMBIE_MAKER = (
    "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)\n"
)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_zombie_anvil_is_not_running(tmp_path: Path) -> None:
    maker = subprocess.Popen([sys.executable, "-c", ZOMBIE_MAKER], stdout=subprocess.PIPE, text=True)
    try:
        assert maker.stdout is not None
        zombie = int(maker.stdout.readline())
        deadline = time.monotonic() + 10
        while _state(zombie) != "Z" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _state(zombie) == "Z"
        (tmp_path / "chain").mkdir()
        (tmp_path / "chain" / "anvil.json").write_text(json.dumps({"pid": zombie, "port": 8545}))
        assert LocalChain.at(tmp_path).pid() is None
    finally:
        maker.kill()
        maker.wait()


def test_a_live_process_is_running(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "chain").mkdir()
        (tmp_path / "chain" / "anvil.json").write_text(json.dumps({"pid": sleeper.pid, "port": 8545}))
        assert LocalChain.at(tmp_path).pid() == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
