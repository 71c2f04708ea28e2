from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clinics.tenancy import (
    ADMINS,
    ANY_ROLE,
    CLINIC_TEAM,
    CLINICAL,
    PatientRecordsViewSet,
    RecordDetailViewSet,
    TenantScopedViewSet,
)
from config.api.schema import image_route_errors
from patients import selectors, services
from patients.charts import CHART_CONTENT_TYPES, timeline_chart
from patients.clinical_record import clinical_record
from patients.filters import PatientFilter
from patients.serializers import (
    AssessmentSerializer,
    PatientSerializer,
    PortalAccountResultSerializer,
    PortalAccountSerializer,
    ShedCountSerializer,
    SymptomReportSerializer,
    TimelineSerializer,
)
from patients.timeline import assessment_payload, timeline_payload

RECORD_WRITERS = ANY_ROLE
IMAGE_ROUTE_ERRORS = image_route_errors()  # patients log their own symptoms and shed counts


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    schema_resource = "patient"
    schema_tags = ["patients"]
    serializer_class = PatientSerializer
    patient_field = "pk"
    roles = {
        "list": CLINIC_TEAM,
        "create": CLINIC_TEAM,
        "retrieve": ANY_ROLE,
        "update": CLINIC_TEAM,
        "partial_update": CLINIC_TEAM,
        "destroy": ADMINS,
        "portal_account": CLINICAL,
        "timeline": ANY_ROLE,
        "timeline_png": ANY_ROLE,
        "timeline_svg": ANY_ROLE,
        # Decision support for the clinic team; patients see their progress on the timeline.
        "assessment": CLINIC_TEAM,
    }
    audited_read_actions = frozenset(
        {"retrieve", "timeline", "timeline_png", "timeline_svg", "assessment"}
    )
    search_fields = ["first_name", "last_name", "mrn"]
    filterset_class = PatientFilter
    ordering_fields = ["last_name", "first_name", "created_at", "mrn"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def base_queryset(self):
        return selectors.patient_list()

    def perform_create(self, serializer) -> None:
        serializer.instance = services.patient_create(
            clinic=self.clinic_for_create(), **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.patient_update(
            patient=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        request=PortalAccountSerializer,
        responses={201: PortalAccountResultSerializer},
        summary="Give the patient a portal account",
    )
    @action(detail=True, methods=["post"], url_path="portal-account")
    def portal_account(self, request, pk=None):
        """Give the patient a portal login that sees only this record."""
        patient = self.get_object()
        payload = PortalAccountSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.portal_account_create(patient=patient, **payload.validated_data)
        result = {
            "membership_id": membership.id,
            "username": membership.user.username,
            "patient": patient.id,
        }
        return Response(PortalAccountResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=TimelineSerializer,
        summary="Get the patient's recovery timeline",
        description=(
            "Labs, protocol starts/changes/stops, photo visits with per-zone and mean densities, "
            "shed-hair counts and symptom reports in date order, with the derived course: "
            "baseline, nadir, change from each, weeks since treatment start, the expected "
            "recovery phase and whether the course is on track (DOMAIN.md section 4)."
        ),
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        record = clinical_record(self.get_object())
        today = timezone.localdate()
        return Response(timeline_payload(record, record.course(today=today), today=today))

    def _chart(self, fmt: str) -> HttpResponse:
        patient = self.get_object()
        response = HttpResponse(timeline_chart(patient, fmt), content_type=CHART_CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'inline; filename="timeline-{patient.mrn}.{fmt}"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY, **IMAGE_ROUTE_ERRORS},
        summary="Get the timeline chart as PNG",
    )
    def timeline_png(self, request, pk=None):
        return self._chart("png")

    @extend_schema(
        responses={(200, "image/svg+xml"): OpenApiTypes.BINARY, **IMAGE_ROUTE_ERRORS},
        summary="Get the timeline chart as SVG",
    )
    def timeline_svg(self, request, pk=None):
        return self._chart("svg")

    @extend_schema(
        responses=AssessmentSerializer,
        summary="Get the deficiency-versus-androgenetic assessment",
        description=(
            "Classification with confidence, one evidence item per criterion, a Norwood-Hamilton "
            "or Ludwig estimate for patterned loss, recommendations and the data that is "
            "missing. Decision support, not a diagnosis."
        ),
    )
    @action(detail=True, methods=["get"])
    def assessment(self, request, pk=None):
        patient = self.get_object()
        record = clinical_record(patient)
        today = timezone.localdate()
        return Response(assessment_payload(patient.pk, record.assessment(today=today)))


class PatientSymptomReportViewSet(PatientRecordsViewSet):
    schema_resource = "patient_symptom_report"
    schema_tags = ["patients"]
    serializer_class = SymptomReportSerializer
    roles = {"list": ANY_ROLE, "create": RECORD_WRITERS}

    def records(self):
        return selectors.symptom_report_list()

    def record_create(self, *, patient, data):
        return services.symptom_report_record(patient=patient, created_by=self.request.user, **data)


class SymptomReportViewSet(RecordDetailViewSet):
    schema_resource = "symptom_report"
    schema_tags = ["patients"]
    serializer_class = SymptomReportSerializer
    roles = {"retrieve": ANY_ROLE, "partial_update": CLINIC_TEAM, "destroy": CLINIC_TEAM}

    def base_queryset(self):
        return selectors.symptom_report_list()


class PatientShedCountViewSet(PatientRecordsViewSet):
    schema_resource = "patient_shed_count"
    schema_tags = ["patients"]
    serializer_class = ShedCountSerializer
    roles = {"list": ANY_ROLE, "create": RECORD_WRITERS}

    def records(self):
        return selectors.shed_count_list()

    def record_create(self, *, patient, data):
        return services.shed_count_record(patient=patient, created_by=self.request.user, **data)


class ShedCountViewSet(RecordDetailViewSet):
    schema_resource = "shed_count"
    schema_tags = ["patients"]
    serializer_class = ShedCountSerializer
    roles = {"retrieve": ANY_ROLE, "partial_update": CLINIC_TEAM, "destroy": CLINIC_TEAM}

    def perform_update(self, serializer) -> None:
        serializer.instance = services.shed_count_update(
            shed_count=serializer.instance, **serializer.validated_data
        )

    def base_queryset(self):
        return selectors.shed_count_list()
