"""Writes of clinics, users and memberships."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.exceptions import ValidationError

from clinics.models import Clinic, Membership, Role


def user_create(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
):
    """A new login, with Django's password validators applied and a clear error per field."""
    User = get_user_model()
    try:
        User.username_validator(username)
    except DjangoValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["This username is taken."]})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def clinic_create(
    *, name: str, admin_username: str, admin_password: str, admin_email: str = ""
) -> Clinic:
    clinic = Clinic.objects.create(name=name)
    user = user_create(username=admin_username, password=admin_password, email=admin_email)
    Membership.objects.create(user=user, clinic=clinic, role=Role.CLINIC_ADMIN)
    return clinic


@transaction.atomic
def member_add(
    *,
    clinic: Clinic,
    username: str,
    password: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    if role == Role.PATIENT:
        raise ValidationError(
            {"role": ["Patients get their login through /patients/{id}/portal-account/."]}
        )
    user = user_create(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    return Membership.objects.create(user=user, clinic=clinic, role=role)


def _ensure_an_admin_remains(membership: Membership, *, role: str, is_active: bool) -> None:
    if membership.role != Role.CLINIC_ADMIN or (role == Role.CLINIC_ADMIN and is_active):
        return
    others = Membership.objects.filter(
        clinic_id=membership.clinic_id, role=Role.CLINIC_ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        field = "role" if role != Role.CLINIC_ADMIN else "is_active"
        raise ValidationError({field: ["A clinic must keep at least one active clinic admin."]})


@transaction.atomic
def member_update(
    *, membership: Membership, role: str | None = None, is_active: bool | None = None
) -> Membership:
    new_role = membership.role if role is None else role
    new_active = membership.is_active if is_active is None else is_active
    if membership.role == Role.PATIENT and new_role != Role.PATIENT:
        raise ValidationError({"role": ["A patient-portal account cannot change role."]})
    if new_role == Role.PATIENT and membership.role != Role.PATIENT:
        raise ValidationError({"role": ["Give patients a portal account instead."]})
    _ensure_an_admin_remains(membership, role=new_role, is_active=new_active)
    membership.role = new_role
    membership.is_active = new_active
    membership.save(update_fields=["role", "is_active"])
    return membership
