"""The local chain's write-ahead journal: what it keeps, in which order, and what it skips."""

from __future__ import annotations

from pathlib import Path

from rightsledger.chain.journal import Journal, Replay


def test_the_journal_keeps_sent_transactions_in_order_without_refused_or_torn_ones(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    assert journal.entries() == []
    journal.record(b"\x01" * 32, b"\xaa\xbb")
    journal.record(b"\x02" * 32, b"\xcc")
    journal.drop(b"\x02" * 32)  # the node refused it: never re-sent
    journal.record(b"\x03" * 32, b"\xdd")
    journal.record(b"\x01" * 32, b"\xaa\xbb")  # the same transaction twice counts once
    with journal.path.open("a") as f:
        f.write('{"tx": "0x04", "raw": "0x')  # a writer killed mid-line
    assert journal.entries() == [("0x" + "01" * 32, "0xaabb"), ("0x" + "03" * 32, "0xdd")]

    journal.clear()
    assert journal.path.read_bytes() == b""
    assert journal.entries() == []


def test_the_replay_summary_is_one_line() -> None:
    assert Replay(journaled=5, present=3, resent=2).summary() == (
        "re-sent 2 journaled transaction(s) (3 more were in the saved state)"
    )
    refused = Replay(journaled=1, resent=0, refused=["0x12345678… nonce too low"]).summary()
    assert refused == "re-sent 0 journaled transaction(s); the node refused 1: 0x12345678… nonce too low"
