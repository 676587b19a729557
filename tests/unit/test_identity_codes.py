"""ISCC codes of files: the pinned normalisation reproduces the reference codes, iscc-core agrees."""

from __future__ import annotations

import hashlib
import io
import random
import shutil
from pathlib import Path

import iscc_core
import iscc_lib
import iscc_samples
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from rightsledger.errors import ValidationError
from rightsledger.identity import hamming, identify_bytes, identify_file
from rightsledger.identity.image import QUERY_ROTATIONS, normalise

# Reference values from iscc-sdk's own tests on the iscc-samples cat (tests/test_image.py, test_main.py).
CAT_IMAGE_CODE = "ISCC:EEA4GQZQTY6J5DTH"
CAT_JPG_PIXELS_HEAD = [25, 18, 14, 15, 25, 79, 92, 92, 106, 68, 110, 101, 99, 93]
CAT_JPG_PIXELS_TAIL = [67, 65, 71, 59, 65, 65, 66, 65, 61, 66, 54, 62, 50, 52]
CAT_PNG_PIXELS_HEAD = [25, 18, 14, 15, 25, 80, 92, 92, 106, 68, 110, 100, 99, 93]
CAT_JPG_DATAHASH = "1e2055529bfae5bdb3d530c52f44d13ccd6a7c710f63620dc2db1c43c5592ae2dc97"
DEMO_TXT_CODE = "ISCC:EAAQMBEYQF6457DP"
DEMO_MP3_AUDIO_CODE = "ISCC:EIAWUJFCEZZOJYVD"

SAMPLE_IMAGES = iscc_samples.images()
CAT_JPG = iscc_samples.images("jpg")[0]
CAT_PNG = iscc_samples.images("png")[0]


def _png(img: Image.Image, **kwargs: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", **kwargs)
    return out.getvalue()


def test_iscc_lib_passes_its_conformance_selftest():
    assert iscc_lib.conformance_selftest() is True


def test_normalisation_reproduces_the_reference_pixels_of_iscc_sdk():
    with Image.open(CAT_JPG) as img:
        pixels = list(normalise(img).pixels)
    assert pixels[:14] == CAT_JPG_PIXELS_HEAD
    assert pixels[-14:] == CAT_JPG_PIXELS_TAIL
    with Image.open(CAT_PNG) as img:
        assert list(normalise(img).pixels)[:14] == CAT_PNG_PIXELS_HEAD


@pytest.mark.parametrize("path", SAMPLE_IMAGES, ids=lambda p: p.name)
def test_every_sample_image_format_gives_the_reference_image_code(path: Path):
    ident = identify_file(path)
    assert ident.media == "image"
    assert ident.content_code == CAT_IMAGE_CODE
    assert ident.skipped_reason is None


@pytest.mark.parametrize("path", SAMPLE_IMAGES, ids=lambda p: p.name)
def test_iscc_core_computes_the_same_codes_from_the_same_pixels_and_bytes(path: Path):
    ident = identify_file(path)
    with Image.open(path) as img:
        pixels = normalise(img).pixels
    assert iscc_core.gen_image_code_v0(list(pixels))["iscc"] == ident.content_code
    data = path.read_bytes()
    data_code = iscc_core.gen_data_code_v0(io.BytesIO(data))["iscc"]
    instance = iscc_core.gen_instance_code_v0(io.BytesIO(data))
    assert data_code == ident.data_code
    assert instance["iscc"] == ident.instance_code
    assert iscc_core.gen_iscc_code_v0([ident.content_code, data_code, instance["iscc"]])["iscc"] == ident.iscc
    assert ident.sha256 == "0x" + hashlib.sha256(data).hexdigest()
    assert ident.filesize == len(data)


def test_instance_code_of_the_cat_jpg_carries_iscc_sdks_datahash():
    assert iscc_lib.gen_instance_code_v0(CAT_JPG.read_bytes())["datahash"] == CAT_JPG_DATAHASH


def test_iscc_core_distance_equals_ours_on_real_codes():
    with Image.open(CAT_JPG) as img:
        small = img.convert("RGB").resize((100, 66))
        grey = img.convert("L")
    codes = [identify_bytes(_png(i)).content_code for i in (small, grey)] + [CAT_IMAGE_CODE]
    for a in codes:
        for b in codes:
            assert a is not None and b is not None
            assert hamming(a, b) == iscc_core.iscc_distance(a, b)


def test_text_codes_match_the_reference_and_iscc_core():
    for path in iscc_samples.texts("txt") + iscc_samples.texts("md"):
        ident = identify_file(path)
        assert ident.media == "text"
        assert ident.content_code == iscc_core.gen_text_code_v0(path.read_text("utf-8"))["iscc"]
    assert identify_file(iscc_samples.texts("txt")[0]).content_code == DEMO_TXT_CODE


def test_reflowed_whitespace_keeps_the_text_code():
    text = iscc_samples.texts("txt")[0].read_text("utf-8")
    reflowed = " ".join(text.split())
    original = identify_bytes(text.encode(), "b.txt")
    assert identify_bytes(reflowed.encode(), "a.txt").content_code == original.content_code


def test_a_too_short_text_has_no_content_code_and_says_why():
    ident = identify_bytes(b"Hi there!", "note.txt")
    assert ident.content_code is None
    assert ident.skipped_reason is not None and "too short" in ident.skipped_reason
    assert ident.iscc.startswith("ISCC:K")  # Data + Instance still identify the bytes


def test_featureless_images_are_skipped_with_a_reason():
    rng = random.Random(7)
    flat = Image.new("RGB", (300, 200), (128, 128, 128))
    speckled = flat.copy()
    for _ in range(400):
        speckled.putpixel((rng.randrange(300), rng.randrange(200)), (129, 127, 128))
    for img in (flat, speckled):
        ident = identify_bytes(_png(img), "flat.png")
        assert ident.featureless is True
        assert ident.content_code is None and ident.mirrored_code is None
        assert ident.skipped_reason is not None and ident.skipped_reason.startswith("featureless")
        assert ident.iscc == iscc_lib.gen_iscc_code_v0([ident.data_code, ident.instance_code])["iscc"]
    natural = identify_file(CAT_JPG)
    assert natural.featureless is False and natural.content_code is not None


def test_mirrored_code_finds_a_mirrored_copy():
    with Image.open(CAT_PNG) as img:
        mirrored_file = _png(ImageOps.mirror(img.convert("RGB")))
    original = identify_file(CAT_PNG)
    copy = identify_bytes(mirrored_file, "mirror.png")
    assert original.mirrored_code is not None and copy.content_code is not None and copy.mirrored_code is not None
    assert hamming(copy.mirrored_code, original.content_code) <= 2
    assert hamming(original.mirrored_code, copy.content_code) <= 2
    assert hamming(copy.content_code, original.content_code) > 12  # without the mirror trick it is missed


def _large_cat() -> Image.Image:
    with Image.open(CAT_JPG) as img:
        return img.convert("RGB")


@pytest.mark.parametrize("angle", [-3, 4])
def test_query_rotations_find_a_slightly_rotated_copy(angle: int):
    original = identify_file(CAT_JPG)
    out = io.BytesIO()
    _large_cat().rotate(angle, resample=Image.Resampling.BICUBIC).save(out, format="JPEG", quality=90)
    copy = identify_bytes(out.getvalue(), "rotated.jpg")
    assert original.content_bits is not None and copy.content_bits is not None
    assert len(copy.rotated_bits) == len(QUERY_ROTATIONS) + 2  # the rotations, then the overlay filters
    plain = hamming(copy.content_bits, original.content_bits)
    best = min(hamming(r, original.content_bits) for r in copy.rotated_bits[: len(QUERY_ROTATIONS)])
    assert best < plain and best <= 4  # the code itself drifts by 6 bits at these angles


def test_the_registered_code_never_depends_on_the_query_rotations():
    query, record = identify_file(CAT_JPG), identify_file(CAT_JPG, query=False)
    assert query.content_code == record.content_code == CAT_IMAGE_CODE
    assert query.iscc == record.iscc and query.mirrored_code == record.mirrored_code
    assert len(query.rotated_codes) == len(QUERY_ROTATIONS) + 2 and record.rotated_codes == ()


def _credit_line(img: Image.Image, fill: tuple[int, int, int, int]) -> bytes:
    """A stock-photo style watermark: text 1/14 of the height high in the bottom-right corner."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw, size = ImageDraw.Draw(layer), img.height // 14
    font = ImageFont.load_default(size=size)
    box = draw.textbbox((0, 0), "(c) rightsledger sample", font=font)
    draw.text((img.width - box[2] - size, img.height - box[3] - size), "(c) rightsledger sample", font=font, fill=fill)
    out = io.BytesIO()
    Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize(("inverted", "variant"), [(False, 0), (True, 1)])
def test_query_overlay_filters_see_through_a_text_watermark(inverted: bool, variant: int):
    # White text on a dark photo (black text on a light one) moves the Image-Code by the
    # threshold; the opened (closed) query image, with thin bright (dark) strokes removed, does not.
    photo = ImageEnhance.Brightness(_large_cat()).enhance(0.15)
    photo = ImageOps.invert(photo) if inverted else photo
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=95)
    original = identify_bytes(out.getvalue(), "photo.jpg")
    copy = identify_bytes(_credit_line(photo, (0, 0, 0, 255) if inverted else (255, 255, 255, 255)), "marked.jpg")
    assert original.content_bits is not None and copy.content_bits is not None
    plain = hamming(copy.content_bits, original.content_bits)
    filtered = hamming(copy.rotated_bits[len(QUERY_ROTATIONS) + variant], original.content_bits)
    assert plain >= 12 and filtered <= 4, (plain, filtered)


def test_index_find_reports_a_rotated_match_and_prefers_the_code_itself():
    from rightsledger.identity import IndexSet

    original = identify_file(CAT_JPG)
    assert original.content_bits is not None
    out = io.BytesIO()
    _large_cat().rotate(4, resample=Image.Resampling.BICUBIC).save(out, format="JPEG", quality=90)
    copy = identify_bytes(out.getvalue(), "rotated.jpg")
    assert copy.content_bits is not None
    indexes = IndexSet()
    indexes.index("image").add([original.content_bits], [7])
    found = indexes.find("image", copy.content_bits, copy.mirrored_bits, rotated_codes=copy.rotated_bits)
    assert [m.id for m in found] == [7] and found[0].rotated is True
    assert found[0].distance == min(hamming(r, original.content_bits) for r in copy.rotated_bits)
    same = indexes.find("image", original.content_bits, original.mirrored_bits, rotated_codes=original.rotated_bits)
    assert same[0].distance == 0 and same[0].rotated is False and same[0].mirrored is False


def test_exif_orientation_transparency_and_borders_do_not_change_the_code():
    with Image.open(CAT_PNG) as img:
        rgb = img.convert("RGB")
    reference = identify_bytes(_png(rgb)).content_code
    # stored rotated, with the EXIF tag that says how to turn it upright
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = rgb.transpose(Image.Transpose.ROTATE_90)
    assert identify_bytes(_png(rotated, exif=exif)).content_code == reference
    # a uniform border is trimmed
    framed = Image.new("RGB", (rgb.width + 40, rgb.height + 30), (250, 250, 250))
    framed.paste(rgb, (20, 15))
    assert identify_bytes(_png(framed)).content_code == reference
    # transparency is white
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.new("L", rgb.size, 255))
    holes = rgba.copy()
    for x in range(0, 40):
        for y in range(rgb.height):
            holes.putpixel((x, y), (0, 0, 0, 0))
    on_white = rgb.copy()
    on_white.paste((255, 255, 255), (0, 0, 40, rgb.height))
    assert identify_bytes(_png(holes)).content_code == identify_bytes(_png(on_white)).content_code


def test_audio_code_matches_the_reference_when_fpcalc_is_installed(monkeypatch: pytest.MonkeyPatch):
    mp3 = iscc_samples.audios("mp3")[0]
    if shutil.which("fpcalc"):
        ident = identify_file(mp3)
        assert ident.media == "audio" and ident.content_code == DEMO_MP3_AUDIO_CODE
    monkeypatch.setenv("PATH", "")
    ident = identify_file(mp3)
    assert ident.content_code is None
    assert ident.skipped_reason is not None and "fpcalc" in ident.skipped_reason
    assert ident.data_code.startswith("ISCC:G") and ident.iscc.startswith("ISCC:K")


def test_bad_input_raises_one_clear_validation_error(tmp_path: Path):
    truncated = tmp_path / "broken.jpg"
    truncated.write_bytes(CAT_JPG.read_bytes()[:2000])
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    latin1 = tmp_path / "old.txt"
    latin1.write_bytes("caf\xe9 au lait, encore un caf\xe9".encode("latin-1"))
    cases = {
        tmp_path / "missing.png": "no such file",
        tmp_path: "is a directory",
        truncated: "cannot decode the image",
        binary: "unsupported media type",
        latin1: "not UTF-8",
    }
    for path, fragment in cases.items():
        with pytest.raises(ValidationError) as err:
            identify_file(path)
        assert fragment in str(err.value)
        assert "\n" not in str(err.value)


def test_identity_exposes_the_on_chain_form_of_its_content_code():
    ident = identify_file(CAT_JPG)
    assert ident.content_bits == int.from_bytes(bytes.fromhex("c343309e3c9e8e67"), "big")
    assert ident.content_header is not None and ident.content_header.packed == 0x2101
    assert ident.threshold == 12
    assert ident.as_dict()["contentCode"] == CAT_IMAGE_CODE


def test_an_image_beyond_pillows_decompression_limit_is_refused(monkeypatch: pytest.MonkeyPatch):
    data = _png(Image.new("RGB", (100, 100), (10, 200, 30)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 10,000 pixels > twice the limit
    with pytest.raises(ValidationError, match="too large to decode safely"):
        identify_bytes(data, "huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)  # between the warning and the hard limit: decoded
    assert identify_bytes(data, "big.png").featureless is True


@pytest.mark.parametrize("mode", ["I;16", "F", "CMYK", "LA", "P", "1"])
def test_other_pixel_modes_of_the_sample_give_the_reference_code(mode: str):
    import numpy as np

    with Image.open(CAT_PNG) as img:
        rgb = img.convert("RGB")
    grey = np.asarray(rgb.convert("L"))
    if mode == "I;16":
        img, fmt = Image.fromarray(grey.astype(np.uint16) * 257), "PNG"  # 16-bit grey PNG
    elif mode == "F":
        img, fmt = Image.fromarray(grey.astype(np.float32)), "TIFF"
    else:
        img, fmt = rgb.convert(mode), {"CMYK": "JPEG", "P": "GIF"}.get(mode, "PNG")
    out = io.BytesIO()
    img.save(out, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    assert identify_bytes(out.getvalue(), f"sample.{fmt.lower()}").content_code == CAT_IMAGE_CODE


def test_query_rotations_match_two_bits_tighter_than_the_threshold():
    from rightsledger.identity import IndexSet
    from rightsledger.identity.similarity import ROTATION_MARGIN

    work = 0x0123_4567_89AB_CDEF
    indexes = IndexSet()
    indexes.index("image").add([work], [1])
    far = work ^ ((1 << 13) - 1)  # the copy's own code: 13 bits away, missed at 12
    bits = lambda n: work ^ ((1 << n) - 1)  # noqa: E731
    t = indexes.thresholds["image"]
    assert indexes.find("image", far, rotated_codes=[bits(t - ROTATION_MARGIN + 1)]) == []
    (m,) = indexes.find("image", far, rotated_codes=[bits(t - ROTATION_MARGIN)])
    assert m.rotated and m.distance == t - ROTATION_MARGIN
    assert indexes.find("image", far, max_distance=5, rotated_codes=[bits(4)]) == []
    assert [x.distance for x in indexes.find("image", far, max_distance=5, rotated_codes=[bits(3)])] == [3]
    assert indexes.find("image", far, max_distance=1, rotated_codes=[work]) == []  # nothing left below 0


def test_the_overlay_filters_are_pillows_3x3_rank_filters():
    from PIL import ImageFilter

    from rightsledger.identity.image import rank_filter

    grey = _large_cat().convert("L").reduce(4)
    pixels = np.asarray(grey)
    assert (rank_filter(pixels, np.minimum) == np.asarray(grey.filter(ImageFilter.MinFilter(3)))).all()
    assert (rank_filter(pixels, np.maximum) == np.asarray(grey.filter(ImageFilter.MaxFilter(3)))).all()
