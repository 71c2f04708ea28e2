"""Every error the API returns has one JSON shape (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "...", "detail": "...", "attr": "field"}]}

Domain errors raised by the pure core (a `ValueError` carrying `code`, and `field` when one
field is to blame) become 400s here, in one place, so views never translate them by hand.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error


def domain_error_as_validation_error(exc: Exception) -> exceptions.ValidationError | None:
    if not (isinstance(exc, ValueError) and hasattr(exc, "code")):
        return None
    field = getattr(exc, "field", None) or "non_field_errors"
    message = getattr(exc, "message", None) or str(exc)
    return exceptions.ValidationError({field: [message]}, code=str(exc.code))


class TrichotrackExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        converted = domain_error_as_validation_error(exc)
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
