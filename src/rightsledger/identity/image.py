"""The one image normalisation the registry uses before the ISCC Image-Code.

`iscc-lib` computes the Image-Code from 1024 grey pixels; it does not decode or normalise. The
standard's (and iscc-sdk's) normalisation, in this order:

1. transpose by the EXIF orientation tag (a phone photo stored sideways is the same work);
2. composite transparency on white, giving RGB;
3. trim a uniform border, taking the top-left pixel as the border colour;
4. convert to grey (Pillow's ITU-R 601-2 luma, mode "L");
5. resize to 32x32 with Pillow's bicubic filter, over the full image.

For queries only (never for the code a work is registered with) four more 32x32 grey images,
made from the grey image of step 4 reduced by the integer factor that brings its longer side to
256..511 pixels (Pillow's `reduce`, a box average), then resized as in step 5:

- rotated by -2 and +2 degrees (bilinear, black corners: as good as bicubic here at half the
  time). A copy rotated by a few degrees (a common augmentation) comes back near the original
  when rotated back: on the benchmark's 69 images, recall at 12 bits goes from 0.84 to 0.91 for
  a 2-degree rotation, from 0.67 to 0.88 at 3 degrees and from 0.49 to 0.84 at 4 degrees;
- with thin overlays filtered out: a grey opening (3x3 minimum, then 3x3 maximum) removes
  strokes brighter than their surround and at most two pixels wide at that size, a closing
  (maximum, then minimum) darker ones. A text watermark, a caption or a credit line stamped on a
  copy is such a stroke; on a dark photo a white watermark in a corner moves the code by up to
  20 bits, the opened copy comes back within 10. On the benchmark, recall of watermarked copies
  at 12 bits goes from 0.94 to 1.0 (white text) and from 0.99 to 1.0 (black text).

These variants match 2 bits tighter than the threshold (identity.similarity.ROTATION_MARGIN),
and unrelated images stay far: the benchmark's false-positive count includes their codes
(bench/identity.py).

No JPEG draft mode. Pillow's `draft()` lets libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale in the
DCT domain, which is several times faster for large photos but gives different pixels than a full
decode; the reference codes (iscc-sdk, and the browser page that decodes the full image) come
from a full decode, so draft mode would move codes by a few bits for the same file. We pin
the full decode and pay the time; the benchmark reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageOps

SIZE = 32
# Near-uniform content: the DCT coefficients are noise, so unrelated flat images get codes that
# match each other. Below this standard deviation of the 32x32 grey pixels (0..255) an image is
# "featureless" and carries no content code for matching.
FEATURELESS_STD = 2.0
# The query-side rotations (module docstring), in degrees, and the side all query variants are
# computed at (the longer side is reduced to ROTATION_SIDE..2*ROTATION_SIDE-1 pixels).
QUERY_ROTATIONS = (-2.0, 2.0)
ROTATION_SIDE = 256


@dataclass(frozen=True, slots=True)
class NormalisedImage:
    """32x32 grey pixels of an image, of its horizontal mirror and of its query variants (the
    rotations QUERY_ROTATIONS in order, then the opened and the closed image), row-major, 1024
    bytes each."""

    pixels: bytes
    mirrored: bytes
    width: int
    height: int
    rotated: tuple[bytes, ...] = ()

    @property
    def std(self) -> float:
        n = len(self.pixels)
        mean = sum(self.pixels) / n
        return float((sum((p - mean) ** 2 for p in self.pixels) / n) ** 0.5)

    @property
    def featureless(self) -> bool:
        return self.std < FEATURELESS_STD


def exif_transpose(img: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(img) or img


def fill_transparency(img: Image.Image) -> Image.Image:
    """An RGB image with transparent parts on white.

    RGB, not RGBA: Pillow's `getbbox` looks only at the alpha channel of an RGBA image (since
    Pillow 10), so trimming an RGBA image would never find a border. iscc-sdk made the same move.
    """
    if img.mode == "RGB":
        return img
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img.convert("RGBA") if img.mode == "PA" else img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB")


def trim_border(img: Image.Image) -> Image.Image:
    background = Image.new(img.mode, img.size, img.getpixel((0, 0)))
    diff = ImageChops.difference(img, background)
    diff = ImageChops.add(diff, diff)
    bbox = diff.getbbox()
    if bbox is None or bbox == (0, 0, *img.size):
        return img
    return img.crop(bbox)


def _to_rgb_compatible(img: Image.Image) -> Image.Image:
    """16-bit greys are scaled to 8 bits (value / 256); 32-bit integer and float greys are clipped
    to 0..255, as Pillow's own conversion of them does."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return img.point(lambda v: v / 256 if img.mode.startswith("I;16") else v).convert("L")
    return img


def normalise(img: Image.Image, *, rotations: bool = True) -> NormalisedImage:
    """The pinned normalisation (module docstring) of a decoded Pillow image; `rotations`: also the
    query variants (rotations and overlay filters)."""
    width, height = img.size
    img = exif_transpose(img)
    img = fill_transparency(_to_rgb_compatible(img))
    img = trim_border(img).convert("L")
    grey = img.resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return NormalisedImage(
        pixels=grey.tobytes(),
        mirrored=ImageOps.mirror(grey).tobytes(),
        width=width,
        height=height,
        rotated=query_variants(img) if rotations else (),
    )


def query_variants(grey: Image.Image) -> tuple[bytes, ...]:
    """The query variants of a trimmed grey image, as 32x32 grey pixels: the rotations
    (QUERY_ROTATIONS), then the image opened and closed (thin bright, then dark overlays removed)."""
    factor = max(grey.size) // ROTATION_SIDE
    small = grey.reduce(factor) if factor > 1 else grey  # a box average: cheap, and as good here
    variants = [small.rotate(angle, resample=Image.Resampling.BILINEAR) for angle in QUERY_ROTATIONS]
    pixels = np.asarray(small)
    opened = rank_filter(rank_filter(pixels, np.minimum), np.maximum)
    closed = rank_filter(rank_filter(pixels, np.maximum), np.minimum)
    variants += [Image.fromarray(opened), Image.fromarray(closed)]
    return tuple(v.resize((SIZE, SIZE), Image.Resampling.BICUBIC).tobytes() for v in variants)


def rank_filter(pixels: npt.NDArray[np.uint8], op: np.ufunc) -> npt.NDArray[np.uint8]:
    """A 3x3 minimum (op np.minimum) or maximum filter, edges repeated: the same pixels as Pillow's
    MinFilter(3)/MaxFilter(3) (tested), separably in numpy at about 1/30 of their time."""
    padded = np.pad(pixels, 1, mode="edge")
    rows = op(op(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])
    return op(op(rows[:-2], rows[1:-1]), rows[2:])  # type: ignore[no-any-return]
