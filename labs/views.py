"""Lab results, imports and FHIR export, clinic thresholds, protocols, doses and the worklist.

Roles (decided in issue 3):
- lab results: everyone reads (a patient only their own); the clinic team records and corrects
  them, staff included (they key in and import laboratory reports); only clinicians and admins
  delete.
- protocols: everyone reads; only clinicians and admins prescribe or change them.
- doses: everyone logs and reads, patients for themselves through the portal.
- thresholds: the team reads, clinic admins set them.
- worklist: the clinic team.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, parsers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from clinics.models import Role
from clinics.tenancy import (
    ADMINS,
    ANY_ROLE,
    CLINIC_TEAM,
    CLINICAL,
    PatientRecordsViewSet,
    RecordDetailViewSet,
    TenantScopedViewSet,
    scoped,
)
from config.api.schema import ValidationErrorResponseSerializer
from labs import fhir, imports, selectors, services
from labs.analytes import CATALOGUE, DEFAULT_THRESHOLDS
from labs.followup import FollowUpStatus
from labs.imports import ImportFileError
from labs.models import FollowUpItem, LabSource, Protocol
from labs.serializers import (
    DoseLogSerializer,
    FollowUpItemSerializer,
    LabImportResultSerializer,
    LabImportUploadSerializer,
    LabResultSerializer,
    ProtocolSerializer,
    ThresholdsResponseSerializer,
    ThresholdsSerializer,
)

LAB_READERS = ANY_ROLE
LAB_RECORDERS = CLINIC_TEAM
LAB_DELETERS = CLINICAL
PRESCRIBERS = CLINICAL
DOSE_LOGGERS = ANY_ROLE


# --- lab results -------------------------------------------------------------------------------


class PatientLabResultViewSet(PatientRecordsViewSet):
    """GET/POST /patients/{patient_pk}/labs/"""

    schema_resource = "patient_lab_result"
    schema_tags = ["labs"]
    serializer_class = LabResultSerializer
    roles = {"list": LAB_READERS, "create": LAB_RECORDERS}
    filterset_fields = ["analyte", "source"]
    ordering_fields = ["collected_at", "analyte", "created_at"]

    def records(self):
        return selectors.lab_result_list()

    def record_create(self, *, patient, data):
        return services.lab_result_record(patient=patient, created_by=self.request.user, **data)


class LabResultViewSet(RecordDetailViewSet):
    """GET/PATCH/DELETE /labs/{id}/"""

    schema_resource = "lab_result"
    schema_tags = ["labs"]
    serializer_class = LabResultSerializer
    roles = {"retrieve": LAB_READERS, "partial_update": LAB_RECORDERS, "destroy": LAB_DELETERS}

    def base_queryset(self):
        return selectors.lab_result_list()

    def perform_update(self, serializer) -> None:
        serializer.instance = services.lab_result_update(
            result=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance) -> None:
        services.lab_result_delete(result=instance)


class DecimalJSONParser(parsers.JSONParser):
    """JSON with numbers read as Decimal (a lab value must not pass through a float), for
    ``application/json`` and ``application/fhir+json``."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(imports.MAX_BYTES + 1) if stream is not None else b""
        if len(raw) > imports.MAX_BYTES:
            raise ParseError("The body is larger than 5 MB.")
        try:
            return imports.parse_json(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8.") from None
        except ImportFileError as exc:
            raise ParseError(exc.message) from None


class FHIRJSONParser(DecimalJSONParser):
    media_type = "application/fhir+json"


class CSVTextParser(parsers.BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"csv": stream.read(imports.MAX_BYTES + 1)}


def _file_error(exc: ImportFileError) -> ValidationError:
    return ValidationError({exc.field: [exc.message]}, code=exc.code)


@extend_schema_view(
    create=extend_schema(
        summary="Import lab results from a CSV or a FHIR R4 Bundle (atomic, idempotent)",
        description=(
            "Send a multipart `file` (CSV or FHIR JSON), a FHIR Bundle as the JSON body, or a CSV "
            "as a `text/csv` body. CSV columns: `analyte,value,unit,collected_at"
            "[,reference_low,reference_high]` (at most 5000 rows). FHIR: Observations with a "
            "LOINC code, a UCUM valueQuantity and effectiveDateTime; other resources are "
            "skipped. All rows are saved or none: a 400 lists each bad row "
            "(`row.<csv line>.<field>` or `entry.<index>.<field>`). Rows the patient already has "
            "are counted as duplicates, not created again: 201 when something was created, 200 "
            "when everything was already there."
        ),
        # The house contract documents one request body kind per operation (multipart for
        # uploads); the JSON and text/csv bodies are described above and accepted too.
        request={"multipart/form-data": LabImportUploadSerializer},
        responses={
            201: LabImportResultSerializer,
            200: LabImportResultSerializer,
            400: OpenApiResponse(
                ValidationErrorResponseSerializer,
                description="Bad file or bad rows (each listed); nothing was saved.",
            ),
        },
    )
)
class PatientLabImportViewSet(TenantScopedViewSet):
    """POST /patients/{patient_pk}/labs/import/"""

    schema_resource = "patient_lab_import"
    schema_tags = ["labs"]
    roles = {"create": LAB_RECORDERS}
    parser_classes = [
        parsers.MultiPartParser,
        DecimalJSONParser,
        FHIRJSONParser,
        CSVTextParser,
    ]

    def base_queryset(self):
        return selectors.lab_result_list()

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.patient = self.parent_patient()

    def create(self, request, *args, **kwargs):
        try:
            rows, skipped, source, row_key = self._read(request)
        except ImportFileError as exc:
            raise _file_error(exc) from None
        outcome = services.lab_results_import(
            patient=self.patient,
            created_by=request.user,
            rows=rows,
            source=source,
            row_key=row_key,
            skipped=skipped,
        )
        body = {
            "created": len(outcome.created),
            "duplicates": outcome.duplicates,
            "rows": len(rows),
            "skipped": outcome.skipped,
            "results": [r.pk for r in outcome.created],
        }
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(LabImportResultSerializer(body).data, status=code)

    def _read(self, request):
        data = request.data
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            if upload.size > imports.MAX_BYTES:
                raise ImportFileError("The file is larger than 5 MB.", code="too_large")
            text = imports.decode_text(upload.read(imports.MAX_BYTES + 1))
            if imports.looks_like_json(text):
                return self._fhir(imports.parse_json(text))
            return imports.read_csv(text), [], LabSource.CSV, "row"
        if isinstance(data, dict) and "csv" in data and isinstance(data["csv"], bytes):
            return imports.read_csv(imports.decode_text(data["csv"])), [], LabSource.CSV, "row"
        if isinstance(data, dict) and "resourceType" in data:
            return self._fhir(data)
        if isinstance(data, list):
            return self._fhir(data)
        raise ImportFileError(
            "Send a multipart 'file' (CSV or FHIR JSON), a FHIR Bundle as JSON, or a text/csv "
            "body.",
            code="required",
        )

    def _fhir(self, data):
        rows, skipped = imports.read_fhir_bundle(data)
        return rows, skipped, LabSource.FHIR, "entry"


@extend_schema_view(
    retrieve=extend_schema(
        summary="Export the patient as a FHIR R4 Bundle",
        description=(
            "Patient, an Observation per lab result (LOINC and UCUM coded, value as reported) and "
            "a MedicationStatement per B12 protocol; validated with fhir.resources."
        ),
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )
)
class PatientFhirExportViewSet(TenantScopedViewSet):
    """GET /patients/{patient_pk}/fhir/"""

    schema_resource = "patient_fhir_bundle"
    schema_tags = ["labs"]
    roles = {"retrieve": ANY_ROLE}

    def base_queryset(self):
        return selectors.lab_result_list()

    def retrieve(self, request, *args, **kwargs):
        patient = self.parent_patient()
        self.record_access(patient)
        bundle = fhir.patient_bundle(patient)
        return HttpResponse(bundle.model_dump_json(), content_type="application/fhir+json")


# --- thresholds --------------------------------------------------------------------------------


def _effective_thresholds(clinic) -> dict:
    own = selectors.threshold_set_for_clinic(clinic)
    name = selectors.threshold_set_name(clinic)
    entries = []
    for spec in CATALOGUE.values():
        clinic_entry = own.lookup(spec.analyte) if own is not None else None
        chosen = (
            [(clinic_entry, own.name, "clinic")]
            if clinic_entry is not None
            else [
                (t, DEFAULT_THRESHOLDS.name, "default")
                for t in DEFAULT_THRESHOLDS.thresholds
                if t.analyte is spec.analyte
            ]
        )
        for entry, set_name, origin in chosen:
            entries.append(
                {
                    "analyte": spec.analyte.value,
                    "low_cutoff": entry.low_cutoff,
                    "normal_above": entry.normal_above,
                    "high_cutoff": entry.high_cutoff,
                    "source": entry.source,
                    "unit": spec.canonical_unit.code,
                    "sex": entry.sex.value if entry.sex else None,
                    "threshold_set": set_name,
                    "origin": origin,
                }
            )
    return {"clinic": clinic.pk, "threshold_set": name, "thresholds": entries}


_X_CLINIC = OpenApiParameter(
    "X-Clinic",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=False,
    description="The clinic, for users who belong to several.",
)


class ClinicThresholdViewSet(TenantScopedViewSet):
    """GET/PUT /lab-thresholds/"""

    schema_resource = "lab_threshold"
    schema_tags = ["labs"]
    serializer_class = ThresholdsResponseSerializer
    roles = {"retrieve": CLINIC_TEAM, "replace": ADMINS}
    patient_field = None

    def base_queryset(self):
        return selectors.clinic_thresholds(None).none()

    @extend_schema(
        summary="Get the clinic's interpretation thresholds (its own, else the defaults)",
        parameters=[_X_CLINIC],
        responses={200: ThresholdsResponseSerializer},
    )
    def retrieve(self, request, *args, **kwargs):
        clinic = self.clinic_for_create()
        return Response(ThresholdsResponseSerializer(_effective_thresholds(clinic)).data)

    @extend_schema(
        summary="Set the clinic's own thresholds (analytes left out use the defaults)",
        description=(
            "Cutoffs are in the analyte's canonical unit. B12: `low_cutoff` is 'deficient "
            "below', `normal_above` the top of the borderline zone (e.g. NICE NG239: 180 and "
            "350). Others: `low_cutoff`, optional `normal_above` (grey zone), `high_cutoff`."
        ),
        parameters=[_X_CLINIC],
        request=ThresholdsSerializer,
        responses={200: ThresholdsResponseSerializer},
    )
    def replace(self, request, *args, **kwargs):
        clinic = self.clinic_for_create()
        payload = ThresholdsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.clinic_thresholds_replace(
            clinic=clinic, entries=payload.validated_data["thresholds"], updated_by=request.user
        )
        return Response(ThresholdsResponseSerializer(_effective_thresholds(clinic)).data)


# --- protocols and doses -----------------------------------------------------------------------


class PatientProtocolViewSet(PatientRecordsViewSet):
    """GET/POST /patients/{patient_pk}/protocols/"""

    schema_resource = "patient_protocol"
    schema_tags = ["treatment"]
    serializer_class = ProtocolSerializer
    roles = {"list": ANY_ROLE, "create": PRESCRIBERS}
    filterset_fields = ["kind"]

    def records(self):
        return selectors.protocol_list()

    def record_create(self, *, patient, data):
        return services.protocol_create(patient=patient, created_by=self.request.user, **data)

    def perform_create(self, serializer) -> None:
        super().perform_create(serializer)
        # Re-read with the prefetches the representation needs.
        serializer.instance = selectors.protocol_list().get(pk=serializer.instance.pk)


class ProtocolViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, TenantScopedViewSet):
    """GET/PATCH /protocols/{id}/"""

    schema_resource = "protocol"
    schema_tags = ["treatment"]
    serializer_class = ProtocolSerializer
    roles = {"retrieve": ANY_ROLE, "partial_update": PRESCRIBERS}
    http_method_names = ["get", "patch", "head", "options"]

    def base_queryset(self):
        return selectors.protocol_list()

    def perform_update(self, serializer) -> None:
        protocol = services.protocol_update(
            protocol=serializer.instance, **serializer.validated_data
        )
        serializer.instance = selectors.protocol_list().get(pk=protocol.pk)


class ProtocolDoseViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantScopedViewSet):
    """GET/POST /protocols/{protocol_pk}/doses/: staff and patients (their own) log doses."""

    schema_resource = "protocol_dose"
    schema_tags = ["treatment"]
    serializer_class = DoseLogSerializer
    roles = {"list": DOSE_LOGGERS, "create": DOSE_LOGGERS}
    filterset_fields = ["by_patient"]

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # Before any payload is read: a foreign protocol is a 404, not a validation error.
        self.protocol = get_object_or_404(
            scoped(Protocol.objects.select_related("patient"), request, self.allowed_roles()),
            pk=self.kwargs["protocol_pk"],
        )

    def base_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no protocol
            return selectors.dose_log_list().none()
        return selectors.dose_log_list().filter(protocol_id=self.protocol.pk)

    def list(self, request, *args, **kwargs):
        self.record_access(self.protocol)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        by_patient = self.actor.role_in(self.protocol.clinic_id) == Role.PATIENT
        serializer.instance = services.dose_log_record(
            protocol=self.protocol,
            logged_by=self.request.user,
            by_patient=by_patient,
            **serializer.validated_data,
        )


# --- worklist ----------------------------------------------------------------------------------


class WorklistFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=[(s.value, s.value) for s in FollowUpStatus],
        help_text="Default: due and overdue. Repeat the parameter for several.",
    )
    kind = filters.CharFilter()
    phase = filters.CharFilter()
    patient = filters.UUIDFilter()
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = FollowUpItem
        fields = ["status", "kind", "phase", "patient", "due_before"]


@extend_schema_view(
    list=extend_schema(
        summary="The clinic's follow-up worklist: what is due or overdue, by due date",
    )
)
class WorklistViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """GET /worklist/: every patient of the clinic with something due or overdue (B12 retests,
    photo visits), oldest due date first. Refreshed daily by ``labs.tasks.refresh_worklist`` and
    after every lab or protocol change."""

    schema_resource = "worklist_item"
    schema_tags = ["worklist"]
    serializer_class = FollowUpItemSerializer
    roles = {"list": CLINIC_TEAM}
    patient_field = None
    filterset_class = WorklistFilter
    ordering_fields = ["due_on", "status", "kind"]

    def base_queryset(self):
        queryset = selectors.worklist()
        if not self.request.query_params.getlist("status"):
            queryset = queryset.filter(
                status__in=[FollowUpStatus.DUE.value, FollowUpStatus.OVERDUE.value]
            )
        return queryset
