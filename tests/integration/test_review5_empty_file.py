"""Review 5, attack: squatting the empty file. `register` took an empty file (0 bytes, a failed
download, a placeholder, a `touch`) as a work: its hash is the same for every empty file, so whoever
registered it first held every empty file of every dataset. With `--licence tdm=...`, each trainer's
`audit --buy` paid them for the empty files of their dataset (every `__init__.py`). The SDK refuses
to register the empty file's hash (given as a file, bytes or the hash itself), in one line, before
anything is sent; a batch that lists one is refused whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rightsledger import RightsLedger
from rightsledger.errors import ValidationError

EMPTY = "0x" + hashlib.sha256(b"").hexdigest()


def test_registering_the_empty_file_is_refused_in_one_line(cli, tmp_path: Path) -> None:
    empty = tmp_path / "placeholder.jpg"
    empty.write_bytes(b"")
    code, out, err = cli("--dev-account", "3", "register", str(empty), "--licence", "tdm=0.01ether")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("rightsledger: error: ")
    assert "empty" in err and "0 bytes" in err
    code, out, err = cli("terms", "show", EMPTY, "--json")
    assert code != 0  # nothing was registered
    other = tmp_path / "real.txt"
    other.write_text("a work with some words in it, long enough")
    code, _, err = cli("--dev-account", "3", "register", str(other), str(empty), "--preset", "cc0")
    assert code == 1 and "empty" in err
    assert cli("terms", "show", str(other))[0] != 0  # the batch was refused whole


def test_the_sdk_refuses_the_empty_hash_however_it_is_given(eve: RightsLedger, tmp_path: Path) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    for item in (empty, b"", EMPTY):
        with pytest.raises(ValidationError, match="empty"):
            eve.register(item)
    with pytest.raises(ValidationError, match="empty"):
        eve.register_batch([b"some bytes", b""])


def test_the_gateway_will_not_prepare_a_relayed_registration_of_the_empty_hash(http) -> None:
    from eth_account import Account

    signer = Account.create()
    response = http.post("/relay/prepare", json={"action": "register", "from": signer.address, "contentHash": EMPTY})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid-input" and "empty file is no work" in error["message"]
