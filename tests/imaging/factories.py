"""Factories and test images of the imaging app. Images are generated here (the density core's
synthetic generator gives scalp-like pictures with known hairs); nothing is read from disk."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

import factory
import numpy as np
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory
from PIL import Image

from imaging.models import AnalysisJob, Device, Photo, PhotoStatus, Zone
from tests.factories import ClinicFactory, PatientFactory

PIXELS_PER_MM = 100.0
GPS_IFD = 0x8825


def scalp_rgb(*, width: int = 400, height: int = 300, seed: int = 1) -> np.ndarray:
    """A small synthetic trichoscopy scene (about 12 mm2 at 100 px/mm)."""
    from imaging.density.synthetic import SceneParams, generate_scene

    params = SceneParams(width=width, height=height, pixels_per_mm=PIXELS_PER_MM, seed=seed)
    return generate_scene(params).image


def encode(rgb: np.ndarray, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format=fmt, **options)
    return out.getvalue()


def scalp_jpeg(**kwargs) -> bytes:
    return encode(scalp_rgb(**kwargs), "JPEG", quality=92)


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "AcmeScope"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}
    return exif


def scalp_jpeg_with_gps() -> bytes:
    return encode(scalp_rgb(), "JPEG", quality=92, exif=exif_with_gps())


def png_bomb(side: int = 100_000) -> bytes:
    """A tiny PNG whose header declares side x side pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Scope {n}")
    magnification = 30.0
    pixels_per_mm = 120.0


class PhotoFactory(DjangoModelFactory):
    """A stored photo with its queued job, as an upload leaves it (without publishing)."""

    class Meta:
        model = Photo
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda o: o.patient.clinic)
    zone = Zone.VERTEX
    taken_at = factory.LazyFunction(lambda: datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    pixels_per_mm = PIXELS_PER_MM
    width = 400
    height = 300
    status = PhotoStatus.QUEUED
    image = factory.LazyFunction(lambda: ContentFile(scalp_jpeg(), name="photo.jpg"))

    @factory.post_generation
    def job(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            AnalysisJob.objects.create(photo=obj, clinic_id=obj.clinic_id, **kwargs)
