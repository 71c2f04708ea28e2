import datetime

import factory
from factory.django import DjangoModelFactory

from clinics.models import Clinic, Membership, Role, User
from patients.models import Patient

PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Ient{n}")
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    date_of_birth = datetime.date(1980, 5, 17)
    sex = "female"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.CLINICIAN


def member(clinic: Clinic, role: str, *, patient: Patient | None = None, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, clinic=clinic, role=role, patient=patient)
    return user
