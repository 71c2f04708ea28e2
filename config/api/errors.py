"""Every error the API returns has one JSON shape (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "...", "detail": "...", "attr": "field"}]}

Domain errors raised by the pure core (a `ValueError` carrying `code`, and `field` when one
field is to blame) become 400s here, in one place, so views never translate them by hand.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error


def domain_error_as_validation_error(exc: Exception) -> exceptions.ValidationError | None:
    if not (isinstance(exc, ValueError) and hasattr(exc, "code")):
        return None
    field = getattr(exc, "field", None) or "non_field_errors"
    message = getattr(exc, "message", None) or str(exc)
    return exceptions.ValidationError({field: [message]}, code=str(exc.code))


# Services check uniqueness before writing; two concurrent requests can still both pass the
# check, and the database's constraint then decides. The loser gets the same 400 the check gives.
UNIQUE_CONSTRAINT_FIELDS = {
    "mrn_unique_within_clinic": ("mrn", "A patient with this MRN already exists in this clinic."),
    "device_name_unique_in_clinic": ("name", "This clinic already has a device with this name."),
    "lab_result_unique_per_patient": (
        "non_field_errors",
        "This result is already recorded for the patient.",
    ),
    "one_shed_count_a_day": ("counted_on", "There is already a count for that day."),
    "one_membership_per_clinic": ("username", "This user is already a member of the clinic."),
    "clinics_user_username_key": ("username", "This username is taken."),
    "clinics_membership_patient_id_key": (
        "username",
        "This patient already has a portal account.",
    ),
    "one_threshold_per_clinic_analyte": ("thresholds", "Each analyte may appear once."),
}


def integrity_error_as_validation_error(exc: Exception) -> exceptions.ValidationError | None:
    if not isinstance(exc, IntegrityError):
        return None
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    field, message = UNIQUE_CONSTRAINT_FIELDS.get(
        constraint or "", ("non_field_errors", "This conflicts with an existing record.")
    )
    return exceptions.ValidationError({field: [message]}, code="unique")


class TrichotrackExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        converted = domain_error_as_validation_error(exc) or integrity_error_as_validation_error(
            exc
        )
        if converted is not None:
            return converted
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        if isinstance(exc, exceptions.AuthenticationFailed):
            # simplejwt's token errors carry a dict of messages and their own codes; clients
            # get the documented 401 shape with one readable reason.
            detail = exc.detail
            if isinstance(detail, dict):
                detail = detail.get("detail", "Invalid or expired credentials.")
            return exceptions.AuthenticationFailed(detail=str(detail))
        return super().convert_known_exceptions(exc)
