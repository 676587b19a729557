"""Review 4: near-copy refusal and collection members (adversarial cases)."""

from __future__ import annotations

from pathlib import Path

import iscc_samples
import pytest

from rightsledger import RightsLedger, hash_bytes
from rightsledger.errors import SimilarWorkError
from rightsledger.identity import identify_file
from rightsledger.workflows.identity_index import CodesIndex, refuse_similar_code

CAT_JPG = iscc_samples.images("jpg")[0]


def test_attack_an_exact_copy_of_another_holders_collection_member_is_refused(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    # Alice's archive holds the cat as a coded collection member (not registered on its own).
    reg = alice.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"])
    digest = hash_bytes(CAT_JPG.read_bytes())
    with CodesIndex(bob, index_target) as index:
        bob.works.near_copies = index
        index.sync()
        assert index.member_count() == 1
        # Bob registers the very same bytes as his own work: the registry does not know the member,
        # so only the near-copy check stands between him and the registration.
        with pytest.raises(SimilarWorkError) as refused:
            bob.register(CAT_JPG)
        (match,) = refused.value.matches
        assert match["contentHash"] == digest and match["collection"] == reg.collection_id
        assert not bob.is_registered(CAT_JPG)
        # The derivative path (SDK and CLI: the SDK's check, parents allowed) and the gateway's relay path
        # refuse it too.
        parent = bob.register(b"bob's own parent work")
        with pytest.raises(SimilarWorkError) as refused:
            bob.licensing.register_derivative(CAT_JPG, [parent.content_hashes[0]])
        assert [m["collection"] for m in refused.value.matches] == [reg.collection_id]
        assert not bob.is_registered(CAT_JPG)
        bits = identify_file(CAT_JPG).content_bits
        assert bits is not None
        with pytest.raises(SimilarWorkError):
            refuse_similar_code(index, "image", bits, bob.address, digest)


def test_attack_unreadable_members_manifests_are_not_retried_at_every_sync(
    alice: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    # Anyone can register coded collections naming manifests that never appear: each try costs a
    # chain read, so a sync (each gateway /match) must not retry them all every time.
    later = tmp_path / "published" / "members.json"
    reg = alice.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"], manifest_uri=later.as_uri())
    assert reg.members_manifest is not None
    with CodesIndex(alice, index_target) as index:
        index.sync()
        assert index.coded_collections() == [(reg.collection_id, later.as_uri(), "unreadable")]
        later.parent.mkdir()
        later.write_bytes(reg.members_manifest.read_bytes())
        index.sync()
        assert index.coded_collections()[0][2] == "unreadable" and index.member_count() == 0, "retried too soon"
        index.retry_unreadable_seconds = 0  # the retry period has passed
        index.sync()
        assert index.coded_collections()[0][2] == "loaded" and index.member_count() == 1
