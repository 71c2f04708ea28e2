from datetime import date

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patients.models import Patient, ShedCount, Symptom, SymptomReport
from patients.risk import risk_summary
from patients.selectors import patient_facts


def not_in_future(value: date) -> date:
    if value > timezone.localdate():
        raise serializers.ValidationError("This date is in the future.")
    return value


class RiskFactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    why = serializers.CharField()
    source = serializers.CharField()


class RiskSummarySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["none", "low", "elevated", "high"])
    factors = RiskFactorSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    rules_version = serializers.CharField()


class PatientSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField(help_text="Whole years today, from date_of_birth.")
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

    @extend_schema_field(RiskSummarySerializer)
    def get_risk_summary(self, patient: Patient) -> dict:
        summary = risk_summary(patient_facts(patient), today=timezone.localdate())
        return RiskSummarySerializer(summary).data

    def validate_date_of_birth(self, value: date) -> date:
        not_in_future(value)
        if value.year < 1900:
            raise serializers.ValidationError("A date of birth before 1900 is not plausible.")
        return value

    def validate_hair_loss_onset(self, value: date) -> date:
        return not_in_future(value)


class SymptomReportSerializer(serializers.ModelSerializer):
    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=Symptom.choices), allow_empty=True, max_length=20
    )
    reported_on = serializers.DateField(validators=[not_in_future])

    class Meta:
        model = SymptomReport
        fields = ["id", "patient", "reported_on", "symptoms", "notes", "created_at"]
        read_only_fields = ["id", "patient", "created_at"]

    def validate_symptoms(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class ShedCountSerializer(serializers.ModelSerializer):
    counted_on = serializers.DateField(validators=[not_in_future])

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
