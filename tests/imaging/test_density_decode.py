"""Upload vetting: only real, complete, reasonably sized images get through, metadata-free."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imaging.density import ImageRejected, vet_and_normalise

ORIENTATION_TAG = 0x0112
GPS_IFD_TAG = 0x8825


def _photo(w: int = 120, h: int = 80) -> np.ndarray:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    arr[:10, :20] = (255, 0, 0)  # a red marker in the top-left corner
    return arr


def _encode(arr: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


def _exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION_TAG] = orientation
    exif[0x010F] = "CameraMaker"
    exif[GPS_IFD_TAG] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}
    return exif


def test_jpeg_is_decoded_to_rgb_uint8():
    rgb, _ = vet_and_normalise(_encode(_photo(), "JPEG", quality=95))
    assert rgb.shape == (80, 120, 3) and rgb.dtype == np.uint8


def test_exif_orientation_is_applied():
    data = _encode(_photo(), "JPEG", quality=95, exif=_exif_with_gps(orientation=6))
    rgb, _ = vet_and_normalise(data)
    assert rgb.shape == (120, 80, 3)  # rotated 90 degrees
    assert rgb[:10, -10:, 0].mean() > 200 and rgb[:10, -10:, 2].mean() < 60  # marker moved


def test_gps_and_exif_are_stripped_from_reencoded_copy():
    data = _encode(_photo(), "JPEG", quality=95, exif=_exif_with_gps())
    assert GPS_IFD_TAG in Image.open(io.BytesIO(data)).getexif()
    _, clean = vet_and_normalise(data)
    out = Image.open(io.BytesIO(clean))
    assert len(out.getexif()) == 0
    assert "exif" not in out.info and "icc_profile" not in out.info


def test_png_text_chunks_are_stripped_and_png_stays_lossless():
    from PIL import PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", "patient: Jane Doe")
    arr = _photo()
    _, clean = vet_and_normalise(_encode(arr, "PNG", pnginfo=meta))
    out = Image.open(io.BytesIO(clean))
    assert out.format == "PNG" and "Comment" not in out.info
    assert np.array_equal(np.asarray(out.convert("RGB")), arr)


def test_jpeg_input_is_reencoded_as_jpeg():
    _, clean = vet_and_normalise(_encode(_photo(), "JPEG", quality=90))
    assert Image.open(io.BytesIO(clean)).format == "JPEG"


@pytest.mark.parametrize("fmt", ["TIFF", "WEBP"])
def test_tiff_and_webp_are_accepted(fmt):
    rgb, _ = vet_and_normalise(_encode(_photo(), fmt))
    assert rgb.shape == (80, 120, 3)


def _code(data: bytes, **kw) -> str:
    with pytest.raises(ImageRejected) as exc:
        vet_and_normalise(data, **kw)
    assert str(exc.value)  # a readable message is always present
    return exc.value.code


def test_random_bytes_are_not_an_image():
    assert _code(b"\x00\x01 definitely not a picture " * 20) == "not_an_image"


def test_empty_upload_is_not_an_image():
    assert _code(b"") == "not_an_image"


def test_truncated_jpeg_is_rejected():
    data = _encode(_photo(400, 300), "JPEG", quality=95)
    assert _code(data[: len(data) // 2]) == "truncated"


@pytest.mark.parametrize("fmt", ["GIF", "BMP"])
def test_other_formats_are_unsupported(fmt):
    assert _code(_encode(_photo(), fmt)) == "unsupported_format"


def test_decompression_bomb_is_rejected_before_decoding():
    buf = io.BytesIO()
    Image.new("L", (9000, 9000)).save(buf, format="PNG")  # 81 MP in ~80 kB
    assert _code(buf.getvalue()) == "decompression_bomb"


def test_large_but_honest_image_is_too_many_pixels():
    assert _code(_encode(_photo(300, 200), "JPEG"), max_pixels=10_000) == "too_many_pixels"


def test_tiny_image_is_too_small():
    assert _code(_encode(_photo(40, 40), "PNG")) == "too_small"


def test_an_image_longer_than_opencv_can_remap_is_rejected():
    assert _code(_encode(_photo(33_000, 64), "PNG")) == "too_long"
