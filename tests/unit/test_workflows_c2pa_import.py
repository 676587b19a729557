"""C2PA import: a PNG the test signs itself (see tests/c2pa_support.py) is read offline; its
digital source type and training-mining assertion are offered as the disclosure and terms.
`rightsledger import --register` is tested on a chain in tests/integration/test_cli_provenance.py."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("c2pa")
from rightsledger.c2pa_import import offer_from_manifest_store, read_c2pa
from rightsledger.disclosure import DisclosureLevel, Phase
from rightsledger.vocabulary import Mode, Use

from ..c2pa_support import GENERATED_NO_TRAINING, signed_png, tiny_png


def test_signed_file_offers_its_source_type_as_disclosure_and_its_assertion_as_terms(tmp_path: Path) -> None:
    offer = read_c2pa(signed_png(tmp_path / "generated.png", GENERATED_NO_TRAINING))
    assert offer is not None
    assert offer.valid and not offer.trusted, "valid signature; the test root is on no trust list"
    assert offer.signer == "rightsledger test signer, rightsledger tests"
    assert offer.disclosure is not None
    assert offer.disclosure.level is DisclosureLevel.AI_GENERATED
    assert offer.disclosure.phases == {Phase.PRODUCTION}
    assert offer.terms is not None
    assert offer.terms.rule(Use.TDM).mode is Mode.ALLOW
    assert offer.terms.rule(Use.AI_INFERENCE).mode is Mode.ALLOW
    assert offer.terms.rule(Use.AI_TRAINING).mode is Mode.DENY
    assert offer.terms.rule(Use.AI_GENERATIVE_TRAINING).mode is Mode.LICENCE
    assert offer.terms.rule(Use.COMMERCIAL).mode is Mode.DENY


def test_file_without_manifest_offers_nothing(tmp_path: Path) -> None:
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    assert read_c2pa(plain) is None


def test_legacy_c2pa_labels_and_a_missing_assertion_are_handled() -> None:
    store = {
        "active_manifest": "m",
        "manifests": {
            "m": {
                "assertions": [
                    {"label": "c2pa.training-mining", "data": {"entries": {"c2pa.ai_training": {"use": "allowed"}}}}
                ],
                "signature_info": {"issuer": "someone"},
            }
        },
        "validation_status": [{"code": "assertion.dataHash.mismatch"}],
    }
    offer = offer_from_manifest_store(store)
    assert offer.terms is not None and offer.terms.rule(Use.AI_TRAINING).mode is Mode.ALLOW
    assert offer.disclosure is None and not offer.valid
    assert any("no digital source type" in n for n in offer.notes)
