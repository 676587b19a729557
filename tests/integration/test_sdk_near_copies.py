"""The SDK refuses to register a near copy of another holder's work (SimilarWorkError with the
matches), on a real anvil: a resized JPEG copy, given as a file or as bytes, alone or in a batch;
`allow_similar=True` registers it; the holder's own near copy is allowed. Its default lookup reads
the chain's codes into memory and follows a reorganised tip; the CLI hands it the codes index."""

from __future__ import annotations

import io
from pathlib import Path

import iscc_samples
import pytest
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.errors import SimilarWorkError
from rightsledger.identity import identify_bytes
from rightsledger.sdk.near_copies import ChainCodes, CodeQuery
from rightsledger.workflows.identity_index import CodesIndex

CAT_JPG = iscc_samples.images("jpg")[0]


def _resized(scale: float, quality: int = 60) -> bytes:
    out = io.BytesIO()
    with Image.open(CAT_JPG) as img:
        img.convert("RGB").resize((int(img.width * scale), int(img.height * scale))).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _unrelated() -> bytes:
    out = io.BytesIO()
    Image.radial_gradient("L").resize((128, 128)).save(out, "PNG")
    return out.getvalue()


def test_a_resized_copy_of_another_holders_work_is_refused_with_its_matches(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path
) -> None:
    alice.register(CAT_JPG)
    original = identify_bytes(CAT_JPG.read_bytes())
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(_resized(0.5))

    with pytest.raises(SimilarWorkError) as refused:
        bob.register(copy)
    (match,) = refused.value.matches
    assert match["contentHash"] == original.sha256 and match["holder"] == alice.address
    assert match["iscc"] == original.content_code and 0 <= match["distance"] <= 12
    assert match["file"] == str(copy) and match["work"] == str(copy)
    assert str(copy) in str(refused.value) and "allow_similar=True" in str(refused.value)
    assert not bob.is_registered(copy), "nothing was sent"

    # As bytes, and in a batch beside an unrelated work: refused whole, nothing registered.
    with pytest.raises(SimilarWorkError) as refused:
        bob.register_batch([_unrelated(), _resized(0.75, 80)])
    assert [m["contentHash"] for m in refused.value.matches] == [original.sha256]
    assert refused.value.matches[0]["work"] == hash_bytes(_resized(0.75, 80))
    assert not bob.is_registered(_unrelated())

    registration = bob.register(copy, allow_similar=True)
    assert bob.work(copy).holder == bob.address and registration.content_hashes == (hash_bytes(copy.read_bytes()),)
    done = bob.register_batch([_unrelated(), _resized(0.75, 80)], allow_similar=True)
    assert len([h for r in done.registrations for h in r.content_hashes]) == 2


def test_the_holders_own_near_copy_and_unrelated_works_are_registered(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(CAT_JPG)
    variant = _resized(0.6, 70)
    assert alice.register(variant).holder == alice.address  # her own variant
    # Registered for her by bob (as the registrant) is hers too: the holder decides, not the sender.
    assert bob.register(_resized(0.4), holder=alice.address).holder == alice.address
    assert bob.register(_unrelated()).holder == bob.address
    # A work given by its hash has no code to compare: not looked up.
    assert bob.register(hash_bytes(_resized(0.3))).holder == bob.address


def test_a_mirrored_copy_is_refused_too(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(CAT_JPG)
    out = io.BytesIO()
    with Image.open(CAT_JPG) as img:
        img.convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(out, "JPEG", quality=85)
    with pytest.raises(SimilarWorkError) as refused:
        bob.register(out.getvalue())
    assert [m["contentHash"] for m in refused.value.matches] == [hash_bytes(CAT_JPG.read_bytes())]


def test_the_chain_codes_lookup_reads_on_and_forgets_a_reorganised_tip(alice: RightsLedger, chain: Web3) -> None:
    lookup = ChainCodes(alice.works)
    query = CodeQuery("image", identify_bytes(_resized(0.5)).content_bits or 0)
    assert lookup.near_many([query]) == [[]]
    snapshot = chain.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    alice.register(CAT_JPG)
    (found,) = lookup.near_many([query])
    assert [m.content_hash for m in found] == [hash_bytes(CAT_JPG.read_bytes())] and len(lookup) == 1
    # The chain reorganises: the registration vanishes, other blocks take its number and more.
    chain.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    for _ in range(3):
        chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert lookup.near_many([query]) == [[]] and len(lookup) == 0


def test_a_codes_index_handed_to_the_client_answers_instead_of_the_chain(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    alice.register(CAT_JPG)
    with CodesIndex(bob, index_target) as index:
        bob.works.near_copies = index
        with pytest.raises(SimilarWorkError) as refused:
            bob.register(_resized(0.5))
        assert refused.value.matches[0]["contentHash"] == hash_bytes(CAT_JPG.read_bytes())
        assert len(index) == 1, "the index was synced by the check"
