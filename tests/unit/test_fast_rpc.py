"""The hand-encoded reads' own HTTP client is used only for a plain HTTP(S) node no proxy applies
to; a node that does not answer is a ChainError naming the action, not a traceback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

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


def test_a_node_that_takes_no_batches_gets_one_call_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # A node answering a batch with a single error object: raw_calls falls back to one call per
    # calldata, in order, a revert (error with data) answered as None.
    revert = "0x7e273289" + "00" * 32  # ERC721NonexistentToken(0)

    class Node(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if isinstance(body, list):
                answer: object = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no batches"}}
            elif body["params"][0]["data"].endswith("01"):
                answer = {"jsonrpc": "2.0", "id": body["id"], "error": {"code": 3, "message": "execution reverted",
                                                                        "data": revert}}
            else:
                answer = {"jsonrpc": "2.0", "id": body["id"], "result": "0x" + body["params"][0]["data"][-4:]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    server = HTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        w3 = Web3(HTTPProvider(f"http://127.0.0.1:{server.server_address[1]}"))
        ctx = ChainContext(w3, Deployment(chain_id=31337, contracts={}, deployer="0x" + "00" * 20, block=0))
        ctx._call_gas = 100_000  # noqa: SLF001 - no probe call to this fake node
        fast = fast_rpc(w3)
        assert fast is not None
        with pytest.raises(OSError, match="batches"):
            fast.batch([("eth_call", [{}, "latest"]), ("eth_call", [{}, "latest"])])
        answers = ctx.raw_calls("0x" + "00" * 20, [b"\xab\x00", b"\xcd\x01", b"\xef\x02"], "reading holders")
        assert answers == [b"\xab\x00", None, b"\xef\x02"]
    finally:
        server.shutdown()
