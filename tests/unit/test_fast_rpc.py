"""The hand-encoded reads' own HTTP client is used only for a plain HTTP(S) node no proxy applies
to; a node that does not answer is a ChainError naming the action, not a traceback."""

from __future__ import annotations

import pytest
from web3 import HTTPProvider, Web3

from rightsledger.chain import free_port
from rightsledger.chain.deployments import Deployment
from rightsledger.chain.fast_rpc import FastRPC, fast_rpc
from rightsledger.chain.module import ChainContext
from rightsledger.errors import ChainError


def test_a_plain_node_gets_the_fast_client_and_a_proxied_one_keeps_webs_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    assert isinstance(fast_rpc(Web3(HTTPProvider("http://127.0.0.1:8545"))), FastRPC)
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "")
    assert fast_rpc(Web3(HTTPProvider("http://node.example:8545"))) is None


def test_a_node_that_does_not_answer_is_a_chain_error_naming_the_action(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    w3 = Web3(HTTPProvider(f"http://127.0.0.1:{free_port()}"))
    ctx = ChainContext(w3, Deployment(chain_id=31337, contracts={}, deployer="0x" + "00" * 20, block=0))
    with pytest.raises(ChainError) as info:
        ctx.raw_call("0x" + "00" * 20, b"\x12\x34\x56\x78", "latest", "reading a nonce", gas=100_000)
    assert str(info.value).startswith("reading a nonce: the node does not answer")
