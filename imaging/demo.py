"""Scalp photos for the demo (called by ``patients/management/commands/seed_demo.py`` as
``seed(patients=<queryset ordered by mrn>)``).

The clinic gets a calibrated trichoscope; the first demo patient (DEMO-001, the vegan with B12
deficiency) gets monthly frontal, vertex and occipital photos over eight months of treatment:
diffuse loss that falls to a nadir by month 2-3 and recovers in months 3-8 (DOMAIN.md section 4).
The pictures come from the density core's synthetic generator and go through
`imaging.services.photo_upload` like any upload, so they are vetted, stored and analysed
(in-process in the demo, by a worker with a broker); the figures are the pipeline's, noise
included. Idempotent: a patient who already has photos is left alone.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from imaging import services
from imaging.models import Device, Photo

DEVICE_NAME = "Demo trichoscope 30x"
PIXELS_PER_MM = 120.0
# (days ago, hairs per cm2) of the scenes drawn: baseline before treatment, the nadir while
# follicles already in telogen still shed, then the gain of months 3-8.
COURSE = (
    (250, 172.0),
    (215, 158.0),
    (185, 150.0),
    (155, 149.0),
    (125, 156.0),
    (95, 163.0),
    (65, 170.0),
    (35, 177.0),
    (5, 183.0),
)
ZONES = (("frontal", 1.0), ("vertex", 1.0), ("occipital", 1.0))  # diffuse: every zone alike


def _photo_bytes(*, density: float, seed: int) -> bytes:
    from PIL import Image

    from imaging.density.synthetic import SceneParams, generate_scene

    scene = generate_scene(
        SceneParams(
            width=1000,
            height=750,
            pixels_per_mm=PIXELS_PER_MM,
            clipped=True,
            hair_density_per_cm2=density,
            skin_tone=0.25,
            hair_colour="brown",
            seed=seed,
        )
    )
    out = io.BytesIO()
    Image.fromarray(scene.image).save(out, format="JPEG", quality=92)
    return out.getvalue()


def seed(*, patients) -> None:
    patients = list(patients)
    if not patients:
        return
    patient = patients[0]
    device = Device.objects.filter(clinic_id=patient.clinic_id, name=DEVICE_NAME).first()
    if device is None:
        device = services.device_create(
            clinic=patient.clinic, name=DEVICE_NAME, magnification=30, pixels_per_mm=PIXELS_PER_MM
        )
    if Photo.objects.filter(patient=patient).exists():
        return
    today = timezone.localdate()
    for index, (days_ago, density) in enumerate(COURSE):
        taken_at = datetime.combine(today - timedelta(days=days_ago), time(9, 0), tzinfo=UTC)
        for zone, factor in ZONES:
            data = _photo_bytes(density=density * factor, seed=100 + index * 10 + len(zone))
            services.photo_upload(
                patient=patient,
                uploaded_by=None,
                image=ContentFile(data, name="demo.jpg"),
                zone=zone,
                taken_at=taken_at,
                device=device.pk,
            )
