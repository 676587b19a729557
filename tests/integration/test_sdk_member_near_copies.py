"""The SDK's own near-copy lookup (ChainCodes, no codes index) knows the members of collections
registered with codes where their members manifests are readable: the one the registering home
wrote, or the published one under $RIGHTSLEDGER_MANIFESTS (only after both roots are rebuilt from
it). A near copy (or the exact bytes) of another holder's member is then refused like a near copy of
a registered work; with no readable manifest the SDK cannot know the member (give it a codes index)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import iscc_samples
import pytest
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.errors import SimilarWorkError
from rightsledger.identity import identify_bytes
from rightsledger.sdk.near_copies import CodeQuery

CAT_JPG = iscc_samples.images("jpg")[0]


def _resized(quality: int = 60) -> bytes:
    out = io.BytesIO()
    with Image.open(CAT_JPG) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _query(data: bytes) -> CodeQuery:
    identity = identify_bytes(data)
    assert identity.content_bits is not None
    return CodeQuery(identity.media, identity.content_bits, identity.mirrored_bits, identity.rotated_bits)


def _client(chain: Web3, deployment: Deployment, account: int, home: Path) -> RightsLedger:
    return RightsLedger(chain, deployment, dev_account(account), home=home)


def test_a_near_copy_of_another_holders_member_is_refused_when_its_manifest_is_readable(
    chain: Web3, deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _client(chain, deployment, 1, tmp_path / "archive")
    folder = tmp_path / "manifests"
    folder.mkdir()
    published = folder / "members.json"
    reg = archive.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"], manifest_uri=published.as_uri())
    assert reg.members_manifest is not None
    published.write_bytes(reg.members_manifest.read_bytes())

    # Another machine without the manifests folder: nothing tells it the member's code.
    unaware = _client(chain, deployment, 2, tmp_path / "unaware")
    copy = _resized()
    assert unaware.works.near_copies.near_many([_query(copy)]) == [[]]
    monkeypatch.setenv("RIGHTSLEDGER_MANIFESTS", str(folder))
    bob = _client(chain, deployment, 2, tmp_path / "bob")
    with pytest.raises(SimilarWorkError) as refused:
        bob.register(copy)
    (match,) = refused.value.matches
    assert match["contentHash"] == hash_bytes(CAT_JPG.read_bytes()) and match["collection"] == reg.collection_id
    assert match["holder"] == archive.address and 0 <= match["distance"] <= 12
    assert not bob.is_registered(copy)
    # the member's exact bytes (the registry does not know them) and a batch: refused too
    with pytest.raises(SimilarWorkError):
        bob.register_batch([b"bob's own text", CAT_JPG.read_bytes()])
    assert not bob.is_registered(b"bob's own text")
    # the archive's own copy is its own; allow_similar registers bob's
    assert archive.register(copy).holder == archive.address
    assert bob.register(_resized(80), allow_similar=True).holder == bob.address

    monkeypatch.delenv("RIGHTSLEDGER_MANIFESTS")
    later = _client(chain, deployment, 2, tmp_path / "later")
    (found,) = later.works.near_copies.near_many([_query(_resized(70))])
    assert {m.collection_id for m in found} == {None}  # the registered copies only: the member is unknown here


def test_the_registering_home_knows_its_members_and_a_tampered_manifest_is_not_used(
    chain: Web3, deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "archive"
    archive = _client(chain, deployment, 1, home)
    reg = archive.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"],
                                                  manifest_uri="https://archive.example/members.json")
    # another account working from the same home (an operator's) reads the manifest the home wrote
    operator = _client(chain, deployment, 3, home)
    with pytest.raises(SimilarWorkError) as refused:
        operator.register(_resized())
    assert [m["collection"] for m in refused.value.matches] == [reg.collection_id]

    # a manifest under the folder that does not rebuild the chain's roots is not believed
    assert reg.members_manifest is not None
    folder = tmp_path / "manifests"
    folder.mkdir()
    data = json.loads(reg.members_manifest.read_text())
    data["values"] = data["values"][:1]
    (folder / "members.json").write_text(json.dumps(data))
    other = archive.collections.register_with_codes([b"x" * 40, b"y" * 40],
                                                    manifest_uri=(folder / "members.json").as_uri())
    assert other.collection_id != reg.collection_id
    monkeypatch.setenv("RIGHTSLEDGER_MANIFESTS", str(folder))
    bob = _client(chain, deployment, 2, tmp_path / "bob")
    lookup = bob.works.near_copies
    lookup.sync()  # type: ignore[attr-defined]
    assert lookup.member_count() == 0  # type: ignore[attr-defined]
    bob.register(_resized())  # nothing readable here names the cat: registered
    assert bob.is_registered(_resized())
