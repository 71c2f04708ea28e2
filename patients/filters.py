from typing import get_args

from django_filters import rest_framework as filters

from patients.assessment import Classification
from patients.models import RISK_FACTOR_FIELDS, Patient
from patients.recovery import Verdict

B12_BANDS = ["deficient", "borderline", "normal"]


class PatientFilter(filters.FilterSet):
    classification = filters.ChoiceFilter(
        field_name="summary__classification",
        choices=[(c, c) for c in get_args(Classification)],
    )
    b12_band = filters.ChoiceFilter(
        field_name="summary__latest_b12_band",
        choices=[(b, b) for b in B12_BANDS],
        label="Band of the latest B12 result",
    )
    verdict = filters.ChoiceFilter(
        field_name="summary__verdict", choices=[(v, v) for v in get_args(Verdict)]
    )

    class Meta:
        model = Patient
        fields = ["sex", "diet", "mrn", *RISK_FACTOR_FIELDS]
