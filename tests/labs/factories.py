"""Factories for lab rows. Canonical values and fingerprints are computed by the same code as the
API (labs.units.normalise_result, LabResult.save), so factory rows are realistic."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from labs.models import ClinicThreshold, DoseLog, LabResult, Protocol
from labs.units import normalise_result
from tests.factories import PatientFactory


def _normalised(obj):
    return normalise_result(obj.analyte, obj.value, obj.unit)


class LabResultFactory(DjangoModelFactory):
    class Meta:
        model = LabResult

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda o: o.patient.clinic)
    analyte = "b12"
    value = Decimal("250")
    unit = "pg/mL"
    collected_at = datetime.datetime(2025, 1, 15, 8, 30, tzinfo=datetime.UTC)
    canonical_value = factory.LazyAttribute(lambda o: _normalised(o).canonical_value)
    canonical_unit = factory.LazyAttribute(lambda o: _normalised(o).canonical_unit)


class ProtocolFactory(DjangoModelFactory):
    class Meta:
        model = Protocol

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda o: o.patient.clinic)
    kind = "high_dose_oral"
    dose_mcg = Decimal("1000")
    route = "oral"
    frequency = "daily"
    start_date = datetime.date(2025, 1, 1)
    end_date = None


class DoseLogFactory(DjangoModelFactory):
    class Meta:
        model = DoseLog

    protocol = factory.SubFactory(ProtocolFactory)
    patient = factory.LazyAttribute(lambda o: o.protocol.patient)
    clinic = factory.LazyAttribute(lambda o: o.protocol.clinic)
    administered_on = factory.LazyAttribute(lambda o: o.protocol.start_date)
    dose_mcg = factory.LazyAttribute(lambda o: o.protocol.dose_mcg)


class ClinicThresholdFactory(DjangoModelFactory):
    class Meta:
        model = ClinicThreshold

    analyte = "b12"
    low_cutoff = Decimal("180")
    normal_above = Decimal("350")
    source = "NICE NG239"
