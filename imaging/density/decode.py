"""Vetting of untrusted upload bytes: decode safely, orient, strip metadata, re-encode."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .constants import OPENCV_MAX_SIDE_PX
from .errors import ImageRejected

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "TIFF", "WEBP"})
MIN_SIDE_PX = 64  # below this no hair can be resolved at any trichoscopic magnification
# no camera sensor is longer than OpenCV can remap: a strip beyond it is refused here, not
# failed deep in the analysis
MAX_SIDE_PX = OPENCV_MAX_SIDE_PX
# A real photo compresses to at most a few dozen pixels per byte; far above that the file is a
# crafted bomb (e.g. a huge flat PNG) rather than a big photo.
BOMB_PIXELS_PER_BYTE = 100.0
JPEG_QUALITY = 95
_LOSSY_TIFF_COMPRESSIONS = frozenset({"jpeg", "tiff_jpeg", "webp"})


def _check_size(width: int, height: int, n_bytes: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageRejected("too_small", "The image has no pixels.")
    pixels = width * height
    if pixels > max_pixels:
        if pixels / max(n_bytes, 1) > BOMB_PIXELS_PER_BYTE:
            raise ImageRejected(
                "decompression_bomb",
                f"The file declares {width}x{height} pixels in only {n_bytes} bytes; "
                "refusing a likely decompression bomb.",
            )
        raise ImageRejected(
            "too_many_pixels",
            f"The image has {pixels:,} pixels; the limit is {max_pixels:,}.",
        )
    if max(width, height) > MAX_SIDE_PX:
        raise ImageRejected(
            "too_long",
            f"The image is {width}x{height} px; at most {MAX_SIDE_PX:,} px per side is supported.",
        )
    if min(width, height) < MIN_SIDE_PX:
        raise ImageRejected(
            "too_small",
            f"The image is {width}x{height} px; at least {MIN_SIDE_PX} px per side is needed.",
        )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any supported mode to 8-bit RGB (16-bit and float TIFFs are rescaled)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        arr8 = np.clip((arr - lo) * scale, 0, 255).astype(np.uint8)
        return Image.fromarray(arr8, mode="L").convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode != "RGB":
        return img.convert("RGB")
    return img


def _apply_icc(img: Image.Image) -> Image.Image:
    """Map pixels from an embedded colour profile to sRGB so stripping the profile is harmless."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode != "RGB":
        return img
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        dst = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(img, src, dst, outputMode="RGB") or img
    except Exception:  # a broken profile must not block analysis; pixels stay as stored
        return img


def vet_and_normalise(data: bytes, *, max_pixels: int = 40_000_000) -> tuple[np.ndarray, bytes]:
    """Decode an untrusted upload and return ``(rgb_uint8_HxWx3, clean_reencoded_bytes)``.

    Only JPEG, PNG, TIFF and WEBP are accepted; EXIF orientation is applied; the size is checked
    from the header before any pixel is decoded (bomb guard); truncated files are refused. The
    re-encoded copy (JPEG q95, or PNG for lossless sources) carries no EXIF/GPS/ICC/text data.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise ImageRejected("not_an_image", "The upload is empty.")
    data = bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(
                "decompression_bomb", f"Refusing a decompression bomb: {exc}"
            ) from None
        except UnidentifiedImageError:
            raise ImageRejected("not_an_image", "The file is not a recognisable image.") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageRejected("not_an_image", f"The file could not be read: {exc}") from None
        fmt = (img.format or "").upper()
        if fmt not in ALLOWED_FORMATS:
            raise ImageRejected(
                "unsupported_format",
                f"{fmt or 'This'} images are not accepted; use JPEG, PNG, TIFF or WEBP.",
            )
        _check_size(img.width, img.height, len(data), max_pixels)
        lossless = fmt == "PNG" or (
            fmt == "TIFF"
            and str(img.info.get("compression", "raw")) not in _LOSSY_TIFF_COMPRESSIONS
        )
        try:
            img.load()
            img = ImageOps.exif_transpose(img) or img
            img = _apply_icc(_to_rgb(img)) if img.mode != "RGB" else _apply_icc(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(
                "decompression_bomb", f"Refusing a decompression bomb: {exc}"
            ) from None
        except OSError as exc:
            if "truncated" in str(exc).lower() or "broken data" in str(exc).lower():
                raise ImageRejected("truncated", "The image file is truncated.") from None
            raise ImageRejected("not_an_image", f"The image could not be decoded: {exc}") from None
        except (ValueError, SyntaxError, EOFError) as exc:
            raise ImageRejected("truncated", f"The image data is incomplete: {exc}") from None
    _check_size(img.width, img.height, len(data), max_pixels)
    rgb = np.ascontiguousarray(np.asarray(img.convert("RGB"), dtype=np.uint8))
    clean = Image.fromarray(rgb, mode="RGB")  # a fresh image carries no info/exif/icc
    out = io.BytesIO()
    if lossless:
        clean.save(out, format="PNG", optimize=False)
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return rgb, out.getvalue()
