from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from clinics.tenancy import (
    ADMINS,
    ANY_ROLE,
    CLINIC_TEAM,
    CLINICAL,
    PatientRecordsViewSet,
    TenantScopedViewSet,
)
from imaging import selectors, services
from imaging.models import content_type_of
from imaging.serializers import (
    CorrectionCreateSerializer,
    CorrectionResultSerializer,
    DeviceSerializer,
    PhotoQueuedSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    queued_payload,
)

PHOTO_UPLOADERS = ANY_ROLE  # patients upload their own monthly photos


class FileNegotiation(DefaultContentNegotiation):
    """For routes answering with a file: a client asking for `image/*` gets the file; the
    error bodies of those routes are JSON whatever the client accepts (no 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


IMAGE_RESPONSES = {
    (200, "image/jpeg"): OpenApiTypes.BINARY,
    (200, "image/png"): OpenApiTypes.BINARY,
    404: OpenApiResponse(description="No such photo for you (or, for the overlay, not analysed)."),
}


def _private_file(field_file, *, filename: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(
        handle, content_type=content_type_of(field_file.name), filename=filename
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List a patient's scalp photos", responses=PhotoSerializer(many=True)
    ),
    create=extend_schema(
        summary="Upload a calibrated scalp photo for analysis",
        # The view parses multipart only, so this documents one multipart body (and lets the
        # schema derive the upload's 400 from the serializer).
        request=PhotoUploadSerializer,
        responses={202: PhotoQueuedSerializer},
    ),
)
class PatientPhotoViewSet(PatientRecordsViewSet):
    """GET/POST /patients/{patient_pk}/photos/: a patient's photos; an upload is vetted at once
    and analysed in a worker (202)."""

    schema_resource = "patient_photo"
    schema_tags = ["imaging"]
    serializer_class = PhotoSerializer
    parser_classes = [MultiPartParser]
    roles = {"list": ANY_ROLE, "create": PHOTO_UPLOADERS}
    filterset_fields = ["zone", "status"]
    ordering_fields = ["taken_at", "created_at"]

    def records(self):
        return selectors.photo_list()

    def record_create(self, *, patient, data):
        return services.photo_upload(patient=patient, uploaded_by=self.request.user, **data)

    def create(self, request, *args, **kwargs):
        # Multipart in, 202 out: not the JSON-in, 201-out of the mixin.
        services.upload_body_check(request.META.get("CONTENT_LENGTH"))
        payload = PhotoUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        photo = self.record_create(patient=self.patient, data=payload.validated_data)
        job = photo.jobs.get()
        return Response(
            PhotoQueuedSerializer(queued_payload(photo=photo, job=job, request=request)).data,
            status=status.HTTP_202_ACCEPTED,
        )


class PhotoViewSet(mixins.RetrieveModelMixin, TenantScopedViewSet):
    """One photo: its status and analysis, the image and overlay (served through here only),
    re-analysis and clinician corrections."""

    schema_resource = "photo"
    schema_tags = ["imaging"]
    serializer_class = PhotoSerializer
    roles = {
        "retrieve": ANY_ROLE,
        "image": ANY_ROLE,
        "overlay": ANY_ROLE,
        "reanalyze": CLINICAL,
        "corrections": CLINICAL,
    }
    audited_read_actions = frozenset({"retrieve", "image", "overlay"})
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return selectors.photo_list()

    @extend_schema(summary="A scalp photo: status and current analysis")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="The stored photo (metadata stripped)", responses=IMAGE_RESPONSES)
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def image(self, request, pk=None):
        photo = self.get_object()
        extension = "png" if photo.image_content_type == "image/png" else "jpg"
        return _private_file(photo.image, filename=f"photo-{photo.pk}.{extension}")

    @extend_schema(
        summary="The density map: every detected hair and follicular unit drawn on the photo",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: IMAGE_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def overlay(self, request, pk=None):
        photo = self.get_object()
        analysis = selectors.current_analysis(photo)
        if analysis is None or not analysis.overlay:
            raise Http404("This photo has not been analysed yet.")
        return _private_file(analysis.overlay, filename=f"overlay-{photo.pk}.png")

    @extend_schema(
        summary="Queue a new analysis (earlier analyses are kept)",
        request=None,
        responses={202: PhotoQueuedSerializer},
    )
    @action(detail=True, methods=["post"])
    def reanalyze(self, request, pk=None):
        photo = self.get_object()
        job = services.photo_reanalyze(photo=photo, requested_by=request.user)
        photo.refresh_from_db(fields=["status"])
        return Response(
            PhotoQueuedSerializer(queued_payload(photo=photo, job=job, request=request)).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="Correct the current analysis's hair and follicular-unit counts",
        request=CorrectionCreateSerializer,
        responses={201: CorrectionResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def corrections(self, request, pk=None):
        photo = self.get_object()
        payload = CorrectionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        correction = services.analysis_correct(
            photo=photo, corrected_by=request.user, **payload.validated_data
        )
        return Response(CorrectionResultSerializer(correction).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The clinic's imaging devices"),
    retrieve=extend_schema(summary="One imaging device"),
    create=extend_schema(summary="Register an imaging device with its calibration"),
    partial_update=extend_schema(summary="Change a device (e.g. recalibrate or deactivate)"),
    destroy=extend_schema(summary="Remove a device no photo was taken with"),
)
class DeviceViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    """A clinic's trichoscopes with their calibration. Admins manage them; the team reads them;
    patient-portal users list them so the app can upload with a device."""

    schema_resource = "device"
    schema_tags = ["imaging"]
    serializer_class = DeviceSerializer
    # A portal user sees the devices of the clinic they are a patient of.
    patient_field = "clinic__patients"
    roles = {
        "list": ANY_ROLE,
        "retrieve": CLINIC_TEAM,
        "create": ADMINS,
        "partial_update": ADMINS,
        "destroy": ADMINS,
    }
    audited_read_actions = frozenset()
    filterset_fields = ["active"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def base_queryset(self):
        # distinct(): the patient scope joins the clinic's patients.
        return selectors.device_list().distinct()

    def perform_create(self, serializer) -> None:
        serializer.instance = services.device_create(
            clinic=self.clinic_for_create(), **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.device_update(
            device=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance) -> None:
        services.device_delete(device=instance)
