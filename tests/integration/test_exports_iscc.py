"""The ISCC of a work registered with its content code is an identifier of the work in every export:
from the command line (a file gives its full ISCC-CODE, a hash the Content-Code recorded on chain)
and from the gateway's /works/{hash}/exports/{format}."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger
from rightsledger.exports.jsonld import expand
from rightsledger.identity import identify_file, units

from ..gateway_support import funded_account, isolated_gateway

DCT = "http://purl.org/dc/terms/identifier"
ODRL = "http://www.w3.org/ns/odrl/2/"


def _noise(path: Path) -> Path:
    Image.frombytes("RGB", (96, 96), os.urandom(96 * 96 * 3)).save(path)
    return path


def _mentions(document: object, iscc: str) -> bool:
    return iscc in json.dumps(document)


def test_cli_exports_name_the_iscc_code_of_a_file_and_the_content_code_of_a_hash(cli, tmp_path: Path) -> None:
    work = _noise(tmp_path / "noise.png")
    identity = identify_file(work)
    code, _, err = cli("--dev-account", "1", "register", str(work), "--allow", "tdm")
    assert code == 0, err
    content_code = next(u for u in units(identity.iscc) if u.startswith("ISCC:EE"))
    assert identity.iscc.startswith("ISCC:K") and len(units(identity.iscc)) >= 3, "a composite ISCC-CODE"
    for fmt in ("odrl", "tdm-policy", "cawg", "plus", "erc7517"):
        code, out, err = cli("export", fmt, str(work))
        assert code == 0, err
        assert _mentions(json.loads(out), identity.iscc), fmt
        code, out, err = cli("export", fmt, identity.sha256)
        assert code == 0, err
        assert _mentions(json.loads(out), content_code) and not _mentions(json.loads(out), identity.iscc), fmt
    code, out, _ = cli("export", "odrl", str(work))
    (node,) = expand(json.loads(out))
    (asset,) = node[ODRL + "permission"][0][ODRL + "target"]
    assert asset[DCT] == [{"@value": identity.iscc}]

    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(100))
    assert cli("--dev-account", "1", "register", str(plain))[0] == 0  # no media: no code
    code, out, _ = cli("export", "erc7517", str(plain))
    assert code == 0 and "ISCC:" not in out


def test_gateway_exports_name_the_registered_content_code(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    identity = identify_file(_noise(tmp_path / "gw.png"))
    assert identity.content_header is not None and identity.content_bits is not None
    content_code = next(u for u in units(identity.iscc) if u.startswith("ISCC:EE"))
    # Its own deployment: a coded work on the session's would be a near-copy candidate in other tests.
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        holder = RightsLedger(w3, gateway.deployment, funded_account(w3))
        holder.register(tmp_path / "gw.png", code=(identity.content_header.packed << 64) | identity.content_bits)
        for fmt in ("odrl", "tdm-policy", "cawg", "plus", "erc7517"):
            response = http.get(f"/works/{identity.sha256}/exports/{fmt}")
            if fmt == "tdm-policy":
                assert response.status_code == 409  # mining denied: no TDM policy to offer
                continue
            assert response.status_code == 200, response.text
            assert _mentions(response.json(), content_code), fmt
