from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from imaging import selectors
from imaging.models import (
    FIGURE_FIELDS,
    MAX_PIXELS_PER_MM,
    Analysis,
    AnalysisCorrection,
    AnalysisJob,
    Device,
    Photo,
    Zone,
)
from patients.serializers import EARLIEST_RECORD_DATE


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "name", "magnification", "pixels_per_mm", "active", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # name uniqueness is per clinic and checked by the service

    def get_fields(self):
        fields = super().get_fields()
        # Range checks live in the service, which names the field in its 400.
        fields["pixels_per_mm"].validators = []
        return fields


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="The photo: JPEG, PNG, TIFF or WEBP. Stored re-encoded without metadata."
    )
    zone = serializers.ChoiceField(choices=Zone.choices)
    taken_at = serializers.DateTimeField()
    pixels_per_mm = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text=(
            "Calibration in image pixels per millimetre. Optional when `device` is given "
            f"(then it overrides the device's). Plausible range 20-{MAX_PIXELS_PER_MM:g}."
        ),
    )
    device = serializers.UUIDField(
        required=False, allow_null=True, help_text="A registered device of the clinic."
    )
    clipped = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Phototrichogram with the hair clipped short; omit to let the analysis decide.",
    )

    def validate_taken_at(self, value):
        if value > timezone.now() + timedelta(minutes=10):
            raise serializers.ValidationError("This time is in the future.")
        if value.date() < EARLIEST_RECORD_DATE:
            raise serializers.ValidationError("A date before 1950 is not plausible here.")
        return value


ANALYZED_AREA_HELP = (
    "Skin area the hairs were counted in: the whole photo, or the field of view of a round "
    "lens less a 0.2 mm guard band at its edge (outlined on the overlay)."
)


class AnalysisFiguresSerializer(serializers.Serializer):
    hair_count = serializers.IntegerField()
    follicular_unit_count = serializers.IntegerField()
    hair_density_per_cm2 = serializers.FloatField()
    fu_density_per_cm2 = serializers.FloatField()
    hairs_per_fu = serializers.FloatField(allow_null=True)
    single_hair_fu_fraction = serializers.FloatField(allow_null=True)
    mean_shaft_diameter_um = serializers.FloatField(allow_null=True)
    shaft_diameter_cv = serializers.FloatField(allow_null=True)
    thin_hair_fraction = serializers.FloatField(
        allow_null=True, help_text="Share of shafts under 30 um."
    )
    vellus_hair_fraction = serializers.FloatField(
        allow_null=True, help_text="Share of shafts of 40 um or less."
    )
    analyzed_area_cm2 = serializers.FloatField(help_text=ANALYZED_AREA_HELP)


class CorrectionSerializer(serializers.ModelSerializer):
    corrected_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AnalysisCorrection
        fields = [
            "id",
            "analysis",
            "hair_count",
            "follicular_unit_count",
            "reason",
            "corrected_by",
            "created_at",
        ]
        read_only_fields = fields


class AnalysisSerializer(serializers.ModelSerializer):
    """The figures that count at the top level (corrected where a clinician corrected them),
    the automatic figures beside them, and the correction itself."""

    corrected = serializers.SerializerMethodField(
        help_text="Whether a clinician corrected the counts of this analysis."
    )
    automatic = serializers.SerializerMethodField()
    correction = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            *FIGURE_FIELDS,
            "algorithm_version",
            "duration_ms",
            "pixels_per_mm",
            "clipped",
            "created_at",
            "corrected",
            "automatic",
            "correction",
        ]
        read_only_fields = fields
        extra_kwargs = {"analyzed_area_cm2": {"help_text": ANALYZED_AREA_HELP}}

    def to_representation(self, instance: Analysis) -> dict:
        data = super().to_representation(instance)
        data.update(instance.effective_figures())
        return data

    def get_corrected(self, analysis: Analysis) -> bool:
        return analysis.correction is not None

    @extend_schema_field(AnalysisFiguresSerializer)
    def get_automatic(self, analysis: Analysis) -> dict:
        return analysis.automatic_figures()

    @extend_schema_field(CorrectionSerializer(allow_null=True))
    def get_correction(self, analysis: Analysis) -> dict | None:
        correction = analysis.correction
        return CorrectionSerializer(correction).data if correction else None


class AnalysisVersionSerializer(serializers.ModelSerializer):
    """One entry of a photo's analysis history."""

    corrected = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            "algorithm_version",
            "hair_count",
            "follicular_unit_count",
            "hair_density_per_cm2",
            "created_at",
            "corrected",
        ]
        read_only_fields = fields

    def get_corrected(self, analysis: Analysis) -> bool:
        return analysis.correction is not None


class PhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField(
        help_text="The photo, served to authorised users only (send the same credentials)."
    )
    overlay_url = serializers.SerializerMethodField(
        help_text="PNG of every detected hair and follicular unit; null until analysed."
    )
    analysis = serializers.SerializerMethodField(
        help_text="The current (latest) analysis, or null before the first one is done."
    )
    analyses = serializers.SerializerMethodField(help_text="Every analysis, newest first.")

    class Meta:
        model = Photo
        fields = [
            "id",
            "patient",
            "zone",
            "taken_at",
            "pixels_per_mm",
            "device",
            "clipped",
            "width",
            "height",
            "status",
            "failure_reason",
            "image_url",
            "overlay_url",
            "analysis",
            "analyses",
            "created_at",
        ]
        read_only_fields = fields

    def _url(self, name: str, photo: Photo) -> str:
        path = reverse(name, kwargs={"pk": photo.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_image_url(self, photo: Photo) -> str:
        return self._url("v1:photo-image", photo)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_overlay_url(self, photo: Photo) -> str | None:
        analysis = selectors.current_analysis(photo)
        if analysis is None or not analysis.overlay:
            return None
        return self._url("v1:photo-overlay", photo)

    @extend_schema_field(AnalysisSerializer(allow_null=True))
    def get_analysis(self, photo: Photo) -> dict | None:
        analysis = selectors.current_analysis(photo)
        return AnalysisSerializer(analysis).data if analysis else None

    @extend_schema_field(AnalysisVersionSerializer(many=True))
    def get_analyses(self, photo: Photo) -> list[dict]:
        analyses = sorted(photo.analyses.all(), key=lambda a: a.created_at, reverse=True)
        return AnalysisVersionSerializer(analyses, many=True).data


class PhotoQueuedSerializer(serializers.Serializer):
    """The 202 answer to an upload or a re-analysis."""

    id = serializers.UUIDField(help_text="The photo.")
    status = serializers.CharField()
    job = serializers.UUIDField(help_text="The analysis job.")
    url = serializers.URLField(help_text="Poll this for the status and the analysis.")


class CorrectionCreateSerializer(serializers.Serializer):
    hair_count = serializers.IntegerField(min_value=0, max_value=100_000)
    follicular_unit_count = serializers.IntegerField(min_value=0, max_value=100_000)
    reason = serializers.CharField(max_length=2000)


class CorrectionResultSerializer(CorrectionSerializer):
    analysis = AnalysisSerializer(read_only=True)

    class Meta(CorrectionSerializer.Meta):
        pass


def queued_payload(*, photo: Photo, job: AnalysisJob, request) -> dict:
    return {
        "id": photo.pk,
        "status": photo.status,
        "job": job.pk,
        "url": request.build_absolute_uri(reverse("v1:photo-detail", kwargs={"pk": photo.pk})),
    }
