"""ISCC strings: parse, format, header, the 64-bit body the chain stores, Hamming distance."""

from __future__ import annotations

import iscc_core
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightsledger.errors import ValidationError
from rightsledger.identity import iscc

CAT_IMAGE = "ISCC:EEA4GQZQTY6J5DTH"  # iscc-sdk's reference Image-Code of the ISCC sample cat
CAT_TEXT = "ISCC:EAAQMBEYQF6457DP"
# iscc-sdk's reference ISCC-CODE of the sample mp3: Meta, Audio, Data and Instance units.
MP3_COMPOSITE = "ISCC:KIC2JKSX7OH5PBIENISKEJTS4TRKHYJBCZDNLQXYILWJHQAP3N3KPTQ"


def test_header_of_an_image_code_names_content_image_64_bits():
    head = iscc.header(CAT_IMAGE)
    assert (head.main_type, head.sub_type, head.version, head.length_index) == (2, 1, 0, 1)
    assert head.packed == 0x2101
    assert head.media == "image"
    assert iscc.IsccHeader.unpack(0x2101) == head
    assert iscc.header(CAT_TEXT).media == "text"


def test_content_code_bits_round_trip_through_the_on_chain_form():
    bits = iscc.content_code_bits(CAT_IMAGE)
    assert bits == int.from_bytes(bytes.fromhex("c343309e3c9e8e67"), "big")
    assert iscc.format_unit(iscc.content_header(CAT_IMAGE).packed, bits) == CAT_IMAGE
    assert iscc.format_unit(iscc.content_header(CAT_TEXT), iscc.content_code_bits(CAT_TEXT)) == CAT_TEXT


def test_content_code_of_a_composite_is_its_content_unit():
    assert iscc.units(MP3_COMPOSITE)[1] == "ISCC:EIAWUJFCEZZOJYVD"
    assert iscc.content_unit(MP3_COMPOSITE) == "ISCC:EIAWUJFCEZZOJYVD"
    assert iscc.content_code_bits(MP3_COMPOSITE) == iscc.content_code_bits("ISCC:EIAWUJFCEZZOJYVD")
    assert iscc.content_header(MP3_COMPOSITE).media == "audio"


def test_normalize_accepts_missing_prefix_dashes_and_lower_case():
    assert iscc.normalize("eea4gqzqty6j5dth") == CAT_IMAGE
    assert iscc.normalize(" ISCC:EEA4-GQZQ-TY6J-5DTH ") == CAT_IMAGE


@pytest.mark.parametrize("bad", ["", "ISCC:", "ISCC:NOT-A-CODE!", "hello world", "ISCC:EEA4GQZQTY6J5DT"])
def test_malformed_iscc_strings_raise_one_clear_line(bad):
    with pytest.raises(ValidationError) as err:
        iscc.content_code_bits(bad)
    assert "\n" not in str(err.value)
    assert "ISCC" in str(err.value)


def test_a_code_without_a_content_unit_is_refused():
    data_only = "ISCC:GAA6CIIWI3K4F6CC"
    with pytest.raises(ValidationError, match="no Content-Code"):
        iscc.content_code_bits(data_only)


def test_hamming_refuses_to_compare_image_with_text():
    with pytest.raises(ValidationError, match="cannot compare"):
        iscc.hamming(CAT_IMAGE, CAT_TEXT)


def test_hamming_of_out_of_range_ints_is_refused():
    with pytest.raises(ValidationError):
        iscc.hamming(1 << 64, 0)
    with pytest.raises(ValidationError):
        iscc.format_unit(0x2101, -1)


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_hamming_equals_iscc_core_distance(a, b):
    ca, cb = iscc.format_unit(0x2101, a), iscc.format_unit(0x2101, b)
    assert iscc.hamming(ca, cb) == iscc_core.iscc_distance(ca, cb) == iscc.hamming(a, b) == bin(a ^ b).count("1")
