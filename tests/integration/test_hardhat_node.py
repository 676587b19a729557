"""The Hardhat node itself: it starts from the project's npm install with anvil's chain id and
development accounts, and stopping it leaves no process and no folder behind."""

from __future__ import annotations

import os

from rightsledger.chain import LOCAL_CHAIN_ID, dev_account
from rightsledger.chain.connection import connect_web3
from rightsledger.chain.hardhat import BLOCK_GAS_LIMIT, HardhatNode


def test_hardhat_node_starts_with_the_dev_accounts_and_stops_cleanly() -> None:
    node = HardhatNode()
    url = node.start()
    folder, process = node.folder, node.process
    assert folder is not None and process is not None
    try:
        w3 = connect_web3(url)
        assert w3.eth.chain_id == LOCAL_CHAIN_ID
        assert w3.eth.get_balance(dev_account(9).address) == 10_000 * 10**18
        assert w3.eth.get_block("latest")["gasLimit"] == BLOCK_GAS_LIMIT
        assert node.start() == url  # starting twice is harmless
    finally:
        node.stop()
    assert process.poll() is not None
    try:
        os.killpg(process.pid, 0)
        group_alive = True
    except ProcessLookupError:
        group_alive = False
    assert not group_alive
    assert not folder.exists()
    node.stop()  # and so is stopping twice
