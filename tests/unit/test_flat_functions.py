"""eth-abi's encoding of relayable calls (FlatFunction) is web3's, structs included: the relayer
re-encodes what it decodes and compares it with the signed calldata byte for byte."""

from __future__ import annotations

from web3 import Web3

from rightsledger.chain.contracts import abi, flat_functions
from rightsledger.terms import Mode, Rule, Terms, Use

HOLDER = Web3.to_checksum_address("0x" + "ab" * 20)
TERMS = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16), Use.TDM: Rule(mode=Mode.ALLOW)})


def _web3(contract: str):  # type: ignore[no-untyped-def]
    return Web3().eth.contract(address="0x" + "11" * 20, abi=abi(contract))


def test_a_struct_of_structs_encodes_and_decodes_as_web3_does() -> None:
    flat = flat_functions("WorkRegistry")["registerWithTerms"]
    args = [b"\x07" * 32, HOLDER, TERMS.as_policy(), "ipfs://meta"]
    ours = flat.encode(args)
    theirs = bytes.fromhex(_web3("WorkRegistry").encode_abi("registerWithTerms", args=args)[2:])
    assert ours == theirs
    decoded = flat.decode(ours)
    _fn, by_web3 = _web3("WorkRegistry").decode_function_input(ours)
    assert decoded["holder"] == HOLDER == by_web3["holder"]
    assert decoded["terms"]["expiresAt"] == by_web3["terms"]["expiresAt"]
    assert [dict(r) for r in decoded["terms"]["rules"]] == [dict(r) for r in by_web3["terms"]["rules"]]
    assert flat.encode([decoded[n] for n in flat.names]) == ours  # the relayer's canonical check


def test_a_flat_call_still_matches_and_overloads_are_left_to_web3() -> None:
    flat = flat_functions("WorkRegistry")["setPolicy"]
    args = [b"\x01" * 32, 3]
    assert flat.encode(args) == bytes.fromhex(_web3("WorkRegistry").encode_abi("setPolicy", args=args)[2:])
    names = [f["name"] for f in abi("WorkRegistry") if f.get("type") == "function"]
    assert all(names.count(name) == 1 for name in flat_functions("WorkRegistry"))
