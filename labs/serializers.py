from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from labs import selectors, services
from labs.adherence import adherence_to_date
from labs.analytes import CATALOGUE
from labs.decimals import fmt
from labs.followup import FollowUpKind, FollowUpPhase, FollowUpStatus
from labs.interpretation import b12_status, interpret
from labs.models import ANALYTE_CHOICES, DoseLog, FollowUpItem, LabResult, Protocol
from labs.protocol_rules import CoSupplement, Frequency, ProtocolKind, Route


class PlainDecimalField(serializers.DecimalField):
    """A decimal written as people write it: a string without trailing zeros ("150", "0.42")."""

    def to_representation(self, value):
        if value is None:
            return None
        return fmt(Decimal(value))


# --- lab results -------------------------------------------------------------------------------


class B12StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["deficient", "borderline", "normal"])
    reason = serializers.CharField()
    mma_result = serializers.UUIDField()
    mma_collected_at = serializers.DateTimeField()


class InterpretationSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=["deficient", "borderline", "normal", "low", "high"])
    reason = serializers.CharField()
    threshold_set = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())


class _InterpretationCache:
    """Per-serializer-call caches: one clinic threshold set per clinic and one MMA history per
    patient, however many results are rendered."""

    def __init__(self) -> None:
        self.threshold_sets: dict = {}
        self.mma: dict = {}
        self.protocols: dict = {}

    def thresholds(self, clinic):
        if clinic.pk not in self.threshold_sets:
            self.threshold_sets[clinic.pk] = selectors.threshold_set_for_clinic(clinic)
        return self.threshold_sets[clinic.pk]

    def patient_protocols(self, patient_id):
        if patient_id not in self.protocols:
            self.protocols[patient_id] = list(
                Protocol.objects.filter(patient_id=patient_id).only(
                    "kind", "start_date", "end_date"
                )
            )
        return self.protocols[patient_id]

    def mma_results(self, patient_id):
        if patient_id not in self.mma:
            self.mma[patient_id] = selectors.mma_results(patient_id)
        return self.mma[patient_id]


def _cache(serializer) -> _InterpretationCache:
    root = serializer.root
    cache = getattr(root, "_labs_cache", None)
    if cache is None:
        cache = root._labs_cache = _InterpretationCache()
    return cache


class LabResultSerializer(serializers.ModelSerializer):
    analyte = serializers.ChoiceField(choices=ANALYTE_CHOICES)
    value = PlainDecimalField(max_digits=18, decimal_places=7)
    unit = serializers.CharField(max_length=32)
    reference_low = PlainDecimalField(
        max_digits=18, decimal_places=7, required=False, allow_null=True
    )
    reference_high = PlainDecimalField(
        max_digits=18, decimal_places=7, required=False, allow_null=True
    )
    canonical_value = PlainDecimalField(max_digits=12, decimal_places=4, read_only=True)
    loinc = serializers.CharField(read_only=True, allow_null=True)
    interpretation = serializers.SerializerMethodField()
    b12_status = serializers.SerializerMethodField(
        help_text=(
            "B12 only: the reading combined with the nearest MMA result collected within "
            "14 days (labs.selectors.MMA_PAIRING_WINDOW); null without one."
        )
    )

    class Meta:
        model = LabResult
        fields = [
            "id",
            "patient",
            "analyte",
            "value",
            "unit",
            "collected_at",
            "reference_low",
            "reference_high",
            "source",
            "loinc",
            "canonical_value",
            "canonical_unit",
            "interpretation",
            "b12_status",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "patient",
            "source",
            "canonical_unit",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def _interpretation(self, result: LabResult):
        key = ("interp", result.pk)
        memo = getattr(self, "_memo", None)
        if memo is None:
            memo = self._memo = {}
        if key not in memo:
            memo[key] = interpret(
                result.analyte,
                result.canonical_value,
                thresholds=_cache(self).thresholds(result.clinic),
                context=selectors.interpretation_context(result.patient),
            )
        return memo[key]

    @extend_schema_field(InterpretationSerializer)
    def get_interpretation(self, result: LabResult) -> dict:
        reading = self._interpretation(result)
        return {
            "band": reading.band.value,
            "reason": reading.reason,
            "threshold_set": reading.threshold_set,
            "flags": [flag.value for flag in reading.flags],
        }

    @extend_schema_field(B12StatusSerializer(allow_null=True))
    def get_b12_status(self, result: LabResult) -> dict | None:
        if result.analyte != "b12":
            return None
        mma = selectors.nearest_mma(
            result.collected_at, _cache(self).mma_results(result.patient_id)
        )
        if mma is None:
            return None
        status = b12_status(
            self._interpretation(result).band,
            mma[1],
            thresholds=_cache(self).thresholds(result.clinic),
            context=selectors.interpretation_context(result.patient),
        )
        return {
            "status": status.status.value,
            "reason": status.reason,
            "mma_result": str(mma[2]),
            "mma_collected_at": serializers.DateTimeField().to_representation(mma[0]),
        }


class LabImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "A CSV (columns analyte,value,unit,collected_at[,reference_low,reference_high]) or "
            "a FHIR R4 Bundle of Observations as JSON."
        )
    )


class LabImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rows = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.DictField())
    results = serializers.ListField(child=serializers.UUIDField())


# --- thresholds --------------------------------------------------------------------------------


class ThresholdEntrySerializer(serializers.Serializer):
    analyte = serializers.ChoiceField(choices=ANALYTE_CHOICES)
    low_cutoff = PlainDecimalField(max_digits=12, decimal_places=4, required=False, allow_null=True)
    normal_above = PlainDecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    high_cutoff = PlainDecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EffectiveThresholdSerializer(ThresholdEntrySerializer):
    unit = serializers.CharField()
    sex = serializers.CharField(allow_null=True)
    threshold_set = serializers.CharField()
    origin = serializers.ChoiceField(choices=["clinic", "default"])


class ThresholdsSerializer(serializers.Serializer):
    thresholds = ThresholdEntrySerializer(many=True, max_length=len(CATALOGUE))


class ThresholdsResponseSerializer(serializers.Serializer):
    clinic = serializers.UUIDField()
    threshold_set = serializers.CharField()
    thresholds = EffectiveThresholdSerializer(many=True)


# --- protocols and doses -----------------------------------------------------------------------


class AdherenceSerializer(serializers.Serializer):
    doses_scheduled_to_date = serializers.IntegerField()
    doses_taken = serializers.IntegerField()
    extra_doses = serializers.IntegerField()
    ratio = serializers.CharField(allow_null=True, help_text="4 decimal places, e.g. '0.8571'.")


class ProtocolSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[k.value for k in ProtocolKind])
    dose_mcg = PlainDecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    route = serializers.ChoiceField(
        choices=[r.value for r in Route], required=False, allow_null=True
    )
    frequency = serializers.ChoiceField(
        choices=[f.value for f in Frequency], required=False, allow_null=True
    )
    end_date = serializers.DateField(required=False, allow_null=True)
    co_supplements = serializers.ListField(
        child=serializers.ChoiceField(choices=[c.value for c in CoSupplement]),
        required=False,
        max_length=len(CoSupplement),
    )
    prescriber = serializers.UUIDField(
        source="prescriber_id",
        required=False,
        allow_null=True,
        help_text="A clinician of the clinic; by default the user who creates the protocol.",
    )
    adherence = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Protocol
        fields = [
            "id",
            "patient",
            "kind",
            "dose_mcg",
            "route",
            "frequency",
            "start_date",
            "end_date",
            "co_supplements",
            "prescriber",
            "notes",
            "adherence",
            "warnings",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "patient", "created_by", "created_at", "updated_at"]

    @extend_schema_field(AdherenceSerializer)
    def get_adherence(self, protocol: Protocol) -> dict:
        result = adherence_to_date(
            protocol.frequency,
            protocol.start_date,
            protocol.end_date,
            [dose.administered_on for dose in protocol.doses.all()],
            today=timezone.localdate(),
        )
        return {
            "doses_scheduled_to_date": result.doses_scheduled_to_date,
            "doses_taken": result.doses_taken,
            "extra_doses": result.extra_doses,
            "ratio": None if result.ratio is None else str(result.ratio),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, protocol: Protocol) -> list[str]:
        siblings = _cache(self).patient_protocols(protocol.patient_id)
        return services.protocol_warnings(protocol, siblings)


class DoseLogSerializer(serializers.ModelSerializer):
    dose_mcg = PlainDecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Defaults to the protocol's dose.",
    )

    class Meta:
        model = DoseLog
        fields = [
            "id",
            "protocol",
            "patient",
            "administered_on",
            "dose_mcg",
            "by_patient",
            "logged_by",
            "notes",
            "created_at",
        ]
        read_only_fields = ["id", "protocol", "patient", "by_patient", "logged_by", "created_at"]


# --- worklist ----------------------------------------------------------------------------------


class FollowUpItemSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[k.value for k in FollowUpKind])
    phase = serializers.ChoiceField(choices=[p.value for p in FollowUpPhase])
    status = serializers.ChoiceField(choices=[s.value for s in FollowUpStatus])
    patient_name = serializers.SerializerMethodField()
    patient_mrn = serializers.CharField(source="patient.mrn", read_only=True)

    class Meta:
        model = FollowUpItem
        fields = [
            "id",
            "patient",
            "patient_name",
            "patient_mrn",
            "kind",
            "phase",
            "due_on",
            "status",
            "reason",
            "completed_on",
            "refreshed_at",
        ]
        read_only_fields = fields

    def get_patient_name(self, item: FollowUpItem) -> str:
        return f"{item.patient.first_name} {item.patient.last_name}"
