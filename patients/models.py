import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinics.models import Clinic


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Diet(models.TextChoices):
    OMNIVORE = "omnivore", "Omnivore"
    VEGETARIAN = "vegetarian", "Vegetarian"
    VEGAN = "vegan", "Vegan"


# The B12 risk factors of DOMAIN.md section 1 that are not derived from other fields (age comes
# from date_of_birth, vegan/vegetarian from diet).
RISK_FACTOR_FIELDS = (
    "metformin",
    "proton_pump_inhibitor",
    "h2_blocker",
    "atrophic_gastritis",
    "pernicious_anaemia",
    "crohns_or_coeliac",
    "autoimmune_disease",
    "gastric_surgery",
    "heavy_alcohol_use",
)
HAIR_QUALITY_FIELDS = ("thin_or_brittle", "premature_greying", "miniaturisation")


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    mrn = models.CharField(
        "MRN", max_length=64, help_text="Medical record number, unique within the clinic."
    )
    diet = models.CharField(max_length=12, choices=Diet.choices, default=Diet.OMNIVORE)

    metformin = models.BooleanField(default=False)
    proton_pump_inhibitor = models.BooleanField(default=False)
    h2_blocker = models.BooleanField("H2 blocker", default=False)
    atrophic_gastritis = models.BooleanField(default=False)
    pernicious_anaemia = models.BooleanField(default=False)
    crohns_or_coeliac = models.BooleanField("Crohn's or coeliac disease", default=False)
    autoimmune_disease = models.BooleanField(default=False)
    gastric_surgery = models.BooleanField("Gastric bypass or other GI surgery", default=False)
    heavy_alcohol_use = models.BooleanField(default=False)

    hair_loss_onset = models.DateField(null=True, blank=True)
    thin_or_brittle = models.BooleanField("Thin or brittle hair", default=False)
    premature_greying = models.BooleanField(default=False)
    miniaturisation = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_within_clinic"),
        ]
        indexes = [models.Index(fields=["clinic", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    @property
    def patient(self) -> "Patient":
        return self

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": str(self.id)}


class PatientRecord(models.Model):
    """A row of one patient's record. `clinic` is copied from the patient when the row is
    created so that tenancy is one indexed filter for every table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.patient_id and not self.clinic_id:
            self.clinic_id = self.patient.clinic_id
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": str(self.patient_id)}


class PatientOwned(PatientRecord):
    """A patient record row entered by a person (a clinician, staff or the patient)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Symptom(models.TextChoices):
    # DOMAIN.md section 1 (seeds 000, 003).
    FATIGUE = "fatigue", "Fatigue"
    WEAKNESS = "weakness", "Weakness"
    NUMBNESS_TINGLING = "numbness_tingling", "Numbness or tingling"
    COGNITIVE_DIFFICULTY = "cognitive_difficulty", "Cognitive difficulty"
    PALPITATIONS = "palpitations", "Palpitations"
    BALANCE = "balance", "Balance problems"
    VISION = "vision", "Disturbed vision"
    MOOD = "mood", "Mood changes"
    APPETITE = "appetite", "Loss of appetite"
    PALE_SKIN = "pale_skin", "Pale skin"
    SWOLLEN_TONGUE = "swollen_tongue", "Swollen tongue"


class SymptomReport(PatientOwned):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="symptom_reports")
    reported_on = models.DateField()
    symptoms = models.JSONField(default=list, help_text="Symptom codes present on that day.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "reported_on"])]

    def __str__(self) -> str:
        return f"Symptoms {self.reported_on}"


class ShedCount(PatientOwned):
    """Hairs shed in one day (normal 50-100, DOMAIN.md section 1)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="shed_counts")
    counted_on = models.DateField()
    # 2000 a day is far beyond the telogen-effluvium wash-test mean (126 +- 63, DOMAIN.md §1):
    # a larger number is a typing error, not a measurement.
    hairs = models.PositiveIntegerField(validators=[MinValueValidator(0), MaxValueValidator(2000)])

    class Meta:
        ordering = ["-counted_on"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "counted_on"], name="one_shed_count_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.hairs} hairs on {self.counted_on}"


class PatientSummary(models.Model):
    """The latest assessment of a patient, stored so that lists can filter and sort by it
    (B12 band, classification, course verdict) without running the rules per row.

    Refreshed by `patients.tasks.refresh_patient_summary` after every change to the patient's
    clinical data (on commit) and daily by beat; `stale` is the job row a sweeper re-runs."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    latest_b12_band = models.CharField(max_length=12, blank=True)
    latest_b12_on = models.DateField(null=True, blank=True)
    classification = models.CharField(max_length=32, blank=True)
    confidence = models.CharField(max_length=12, blank=True)
    verdict = models.CharField(max_length=20, blank=True)
    rules_version = models.CharField(max_length=40, blank=True)
    stale = models.BooleanField(default=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "classification"]),
            models.Index(fields=["clinic", "latest_b12_band"]),
            models.Index(fields=["stale", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.classification or 'not assessed'}"
