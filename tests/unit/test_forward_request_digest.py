"""The relayer recovers a forward request's signer from a digest it computes itself (eth-account's
typed-data encoder is several milliseconds a request): it must be the EIP-712 digest a wallet signs."""

from __future__ import annotations

from eth_account import Account

from rightsledger.eip712 import typed_data_digest
from rightsledger.sdk.forwarding import ForwardRequest

FORWARDER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _request(sender: str, data: str = "0x1234abcd") -> ForwardRequest:
    return ForwardRequest(sender=sender, to="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", value=0, gas=123_456,
                          nonce=7, deadline=1_900_000_000, data=data)  # fmt: skip


def test_the_digest_is_the_typed_data_digest_a_wallet_signs() -> None:
    request = _request(Account.create().address, data="0x" + "ab" * 100)
    for chain_id in (1, 31337):
        expected = typed_data_digest(request.typed_data(chain_id, FORWARDER))
        assert "0x" + request.digest(chain_id, FORWARDER).hex() == expected


def test_the_signer_is_recovered_and_another_chain_or_forwarder_recovers_someone_else() -> None:
    account = Account.create()
    request = _request(account.address)
    signed = request.sign(account, 31337, FORWARDER)
    assert request.recover(signed.signature, 31337, FORWARDER) == account.address
    assert request.recover(signed.signature, 1, FORWARDER) != account.address
    assert request.recover(signed.signature, 31337, "0x" + "11" * 20) != account.address
    assert request.recover("0x1234", 31337, FORWARDER) is None
