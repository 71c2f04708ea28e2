from datetime import date
from typing import get_args

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patients.assessment import Classification, ConfidenceLevel, PointsTo
from patients.models import Patient, PatientSummary, ShedCount, Symptom, SymptomReport
from patients.recovery import Verdict
from patients.risk import RiskLevel, risk_summary
from patients.scales import ScaleName
from patients.selectors import patient_facts

# Records of a hair-loss clinic start long after this; earlier dates are typing errors.
EARLIEST_RECORD_DATE = date(1950, 1, 1)


def plausible_record_date(value: date | None) -> date | None:
    not_in_future(value)
    if value is not None and value < EARLIEST_RECORD_DATE:
        raise serializers.ValidationError("A date before 1950 is not plausible here.")
    return value


def not_in_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError("This date is in the future.")
    return value


class RiskFactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    why = serializers.CharField()
    source = serializers.CharField()


class RiskSummarySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=list(get_args(RiskLevel)))
    factors = RiskFactorSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    rules_version = serializers.CharField()


class PatientSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientSummary
        fields = [
            "latest_b12_band",
            "latest_b12_on",
            "classification",
            "confidence",
            "verdict",
            "rules_version",
            "stale",
            "computed_at",
        ]
        read_only_fields = fields


class PatientSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField(help_text="Whole years today, from date_of_birth.")
    summary = serializers.SerializerMethodField(
        help_text="The latest stored assessment (refreshed after each change; `stale` while "
        "a refresh is pending). Null before the first assessment."
    )
    risk_summary = serializers.SerializerMethodField(
        help_text="Which B12 risk factors of DOMAIN.md section 1 apply, and why."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "age",
            "sex",
            "mrn",
            "diet",
            "metformin",
            "proton_pump_inhibitor",
            "h2_blocker",
            "atrophic_gastritis",
            "pernicious_anaemia",
            "crohns_or_coeliac",
            "autoimmune_disease",
            "gastric_surgery",
            "heavy_alcohol_use",
            "hair_loss_onset",
            "thin_or_brittle",
            "premature_greying",
            "miniaturisation",
            "risk_summary",
            "summary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # MRN uniqueness is per clinic and checked by the service, which knows the clinic.
        validators = []

    def get_age(self, patient: Patient) -> int | None:
        born = patient.date_of_birth
        if born is None:
            return None
        today = timezone.localdate()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @extend_schema_field(PatientSummarySerializer(allow_null=True))
    def get_summary(self, patient: Patient) -> dict | None:
        try:
            summary = patient.summary
        except PatientSummary.DoesNotExist:
            return None
        return PatientSummarySerializer(summary).data

    @extend_schema_field(RiskSummarySerializer)
    def get_risk_summary(self, patient: Patient) -> dict:
        summary = risk_summary(patient_facts(patient), today=timezone.localdate())
        return RiskSummarySerializer(summary).data

    def validate_date_of_birth(self, value: date | None) -> date | None:
        not_in_future(value)
        if value is not None and value.year < 1900:
            raise serializers.ValidationError("A date of birth before 1900 is not plausible.")
        return value

    def validate_hair_loss_onset(self, value: date | None) -> date | None:
        return not_in_future(value)


class SymptomReportSerializer(serializers.ModelSerializer):
    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=Symptom.choices), allow_empty=True, max_length=20
    )
    reported_on = serializers.DateField(validators=[plausible_record_date])

    class Meta:
        model = SymptomReport
        fields = ["id", "patient", "reported_on", "symptoms", "notes", "created_at"]
        read_only_fields = ["id", "patient", "created_at"]

    def validate_symptoms(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class ShedCountSerializer(serializers.ModelSerializer):
    counted_on = serializers.DateField(validators=[plausible_record_date])

    class Meta:
        model = ShedCount
        fields = ["id", "patient", "counted_on", "hairs", "created_at"]
        read_only_fields = ["id", "patient", "created_at"]
        validators = []  # one count a day: recording the same day again corrects it


class PortalAccountSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class PortalAccountResultSerializer(serializers.Serializer):
    membership_id = serializers.UUIDField()
    username = serializers.CharField()
    patient = serializers.UUIDField()


# --- Timeline and assessment responses (read-only shapes, for the schema and clients) --------


class PhaseSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    start_months = serializers.IntegerField()
    start_days = serializers.IntegerField()
    end_months = serializers.IntegerField(allow_null=True)
    end_days = serializers.IntegerField(allow_null=True)
    expectation = serializers.CharField()
    source = serializers.CharField()


class CoursePointSerializer(serializers.Serializer):
    taken_on = serializers.DateField()
    zones = serializers.ListField(child=serializers.CharField())
    mean_hair_density_per_cm2 = serializers.FloatField()
    mean_fu_density_per_cm2 = serializers.FloatField(allow_null=True)
    compared_hair_density_per_cm2 = serializers.FloatField()
    compared_fu_density_per_cm2 = serializers.FloatField(allow_null=True)
    weeks_since_start = serializers.FloatField(allow_null=True)
    phase = serializers.CharField(allow_null=True)
    change_from_baseline_pct = serializers.FloatField()
    change_from_nadir_pct = serializers.FloatField()


class ZoneFiguresSerializer(serializers.Serializer):
    zone = serializers.CharField()
    hair_density_per_cm2 = serializers.FloatField()
    fu_density_per_cm2 = serializers.FloatField(allow_null=True)
    hairs_per_fu = serializers.FloatField(allow_null=True)
    single_hair_fu_fraction = serializers.FloatField(allow_null=True)
    mean_shaft_diameter_um = serializers.FloatField(allow_null=True)
    shaft_diameter_cv = serializers.FloatField(allow_null=True)
    thin_hair_fraction = serializers.FloatField(allow_null=True)
    vellus_hair_fraction = serializers.FloatField(allow_null=True)


class TimelineVisitSerializer(serializers.Serializer):
    taken_on = serializers.DateField()
    mean_hair_density_per_cm2 = serializers.FloatField(allow_null=True)
    mean_fu_density_per_cm2 = serializers.FloatField(allow_null=True)
    zones = ZoneFiguresSerializer(many=True)


class TimelineEventSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=[
            "lab_result",
            "protocol_start",
            "protocol_change",
            "protocol_stop",
            "photo_visit",
            "shed_count",
            "symptom_report",
        ]
    )
    id = serializers.CharField(allow_null=True)
    summary = serializers.CharField()


class B12PointSerializer(serializers.Serializer):
    collected_on = serializers.DateField()
    value_pg_per_ml = serializers.FloatField()
    band = serializers.CharField()


class ExpectedBandSerializer(serializers.Serializer):
    on = serializers.DateField()
    low_per_cm2 = serializers.FloatField()
    high_per_cm2 = serializers.FloatField()


VERDICTS = list(get_args(Verdict))


class TimelineSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    generated_on = serializers.DateField()
    rules_version = serializers.CharField()
    treatment_start = serializers.DateField(allow_null=True)
    weeks_since_treatment_start = serializers.FloatField(allow_null=True)
    phase = PhaseSerializer(allow_null=True)
    verdict = serializers.ChoiceField(choices=VERDICTS)
    verdict_reason = serializers.CharField()
    comparison_zones = serializers.ListField(child=serializers.CharField())
    baseline = CoursePointSerializer(allow_null=True)
    nadir = CoursePointSerializer(allow_null=True)
    change_from_baseline_pct = serializers.FloatField(allow_null=True)
    change_from_nadir_pct = serializers.FloatField(allow_null=True)
    b12_normalised_on = serializers.DateField(allow_null=True)
    density_recovered_on = serializers.DateField(allow_null=True)
    b12_series = B12PointSerializer(many=True)
    density_series = CoursePointSerializer(many=True)
    expected_band = ExpectedBandSerializer(many=True)
    visits = TimelineVisitSerializer(many=True)
    events = TimelineEventSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class EvidenceSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text="A number, a string or null.")
    points_to = serializers.ChoiceField(choices=list(get_args(PointsTo)))
    weight = serializers.FloatField()
    source = serializers.CharField()


class ConfidenceSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=list(get_args(ConfidenceLevel)))
    score = serializers.FloatField()


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    source = serializers.CharField()


class RakowskaSerializer(serializers.Serializer):
    major_met = serializers.ListField(child=serializers.CharField())
    minor_met = serializers.ListField(child=serializers.CharField())
    major_unknown = serializers.ListField(child=serializers.CharField())
    minor_unknown = serializers.ListField(child=serializers.CharField())
    met = serializers.BooleanField(allow_null=True)


class ScaleEstimateSerializer(serializers.Serializer):
    scale = serializers.ChoiceField(choices=list(get_args(ScaleName)))
    stage = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    relative_density = serializers.DictField(child=serializers.FloatField())
    levels = serializers.DictField(child=serializers.CharField())
    graft_range = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, min_length=2, max_length=2
    )
    graft_source = serializers.CharField(allow_null=True)
    method_note = serializers.CharField()
    rules_version = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    classification = serializers.ChoiceField(choices=list(get_args(Classification)))
    confidence = ConfidenceSerializer()
    reason = serializers.CharField()
    evidence = EvidenceSerializer(many=True)
    rakowska = RakowskaSerializer(allow_null=True)
    scale = ScaleEstimateSerializer(allow_null=True)
    verdict = serializers.ChoiceField(choices=VERDICTS)
    phase = PhaseSerializer(allow_null=True)
    risk = RiskSummarySerializer()
    recommendations = RecommendationSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())
    assessed_on = serializers.DateField()
    disclaimer = serializers.CharField()
    rules_version = serializers.CharField()
