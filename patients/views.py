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
    TenantScopedViewSet,
)
from patients import selectors, services
from patients.models import RISK_FACTOR_FIELDS
from patients.serializers import (
    PatientSerializer,
    PortalAccountResultSerializer,
    PortalAccountSerializer,
    ShedCountSerializer,
    SymptomReportSerializer,
)

RECORD_WRITERS = ANY_ROLE  # patients log their own symptoms and shed counts


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
    }
    search_fields = ["first_name", "last_name", "mrn"]
    filterset_fields = ["sex", "diet", "mrn", *RISK_FACTOR_FIELDS]
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


class PatientSymptomReportViewSet(PatientRecordsViewSet):
    schema_resource = "patient_symptom_report"
    schema_tags = ["patients"]
    serializer_class = SymptomReportSerializer
    roles = {"list": ANY_ROLE, "create": RECORD_WRITERS}

    def records(self):
        return selectors.symptom_report_list()

    def record_create(self, *, patient, data):
        return services.symptom_report_record(patient=patient, created_by=self.request.user, **data)


class SymptomReportViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    schema_resource = "symptom_report"
    schema_tags = ["patients"]
    serializer_class = SymptomReportSerializer
    roles = {"retrieve": ANY_ROLE, "partial_update": CLINIC_TEAM, "destroy": CLINIC_TEAM}
    http_method_names = ["get", "patch", "delete", "head", "options"]

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


class ShedCountViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    schema_resource = "shed_count"
    schema_tags = ["patients"]
    serializer_class = ShedCountSerializer
    roles = {"retrieve": ANY_ROLE, "partial_update": CLINIC_TEAM, "destroy": CLINIC_TEAM}
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def base_queryset(self):
        return selectors.shed_count_list()
