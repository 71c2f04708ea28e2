"""A patient's whole clinical record as the pure core sees it, read in a fixed number of queries
whatever the length of the history (the timeline and the assessment are hot endpoints).

This is the one translation from ORM rows to `patients.clinical_inputs`; the rules themselves
live in `patients.recovery` and `patients.assessment`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.contrib.contenttypes.models import ContentType

from clinics.models import AuditEvent
from imaging.selectors import zone_measurements
from labs.analytes import Analyte, ThresholdSet
from labs.interpretation import interpret
from labs.models import LabResult, Protocol
from labs.selectors import threshold_set_for_clinic
from patients.assessment import Assessment, assess
from patients.clinical_inputs import (
    AssessmentInputs,
    LabPoint,
    ProtocolPeriod,
    ShedCount,
    SymptomReport,
    Visit,
    ZoneMeasurement,
    visits_from_measurements,
)
from patients.models import Patient
from patients.recovery import Course, derive_course
from patients.selectors import patient_facts

DEFAULT_B12_CUTOFFS = (200.0, 300.0)  # DOMAIN.md section 2 (seed 004)


@dataclass(frozen=True)
class ClinicalRecord:
    patient: Patient
    inputs: AssessmentInputs
    lab_rows: list[LabResult]
    protocol_rows: list[Protocol]
    protocol_changes: list[AuditEvent]
    b12_cutoffs: tuple[float, float]

    def course(self, *, today: date) -> Course:
        return derive_course(
            self.inputs.visits, self.inputs.labs, self.inputs.protocols, today=today
        )

    def assessment(self, *, today: date) -> Assessment:
        return assess(self.inputs, today=today)

    @property
    def visits(self) -> tuple[Visit, ...]:
        return self.inputs.visits


def b12_cutoffs(thresholds: ThresholdSet | None) -> tuple[float, float]:
    if thresholds is None:
        return DEFAULT_B12_CUTOFFS
    b12 = thresholds.lookup(Analyte.B12, None)
    if b12 is None or b12.low_cutoff is None or b12.normal_above is None:
        return DEFAULT_B12_CUTOFFS
    return float(b12.low_cutoff), float(b12.normal_above)


def clinical_record(patient: Patient) -> ClinicalRecord:
    thresholds = threshold_set_for_clinic(patient.clinic)
    lab_rows = list(LabResult.objects.filter(patient=patient).order_by("collected_at", "id"))
    labs = tuple(
        LabPoint(
            analyte=row.analyte,
            value=float(row.canonical_value),
            collected_on=row.collected_at.date(),
            band=str(interpret(row.analyte, row.canonical_value, thresholds=thresholds).band),
        )
        for row in lab_rows
    )
    protocol_rows = list(Protocol.objects.filter(patient=patient).order_by("start_date", "id"))
    protocols = tuple(
        ProtocolPeriod(
            kind=row.kind,
            start_date=row.start_date,
            end_date=row.end_date,
            dose_mcg=float(row.dose_mcg) if row.dose_mcg is not None else None,
        )
        for row in protocol_rows
    )
    protocol_changes = (
        list(
            AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(Protocol),
                object_pk__in=[str(row.pk) for row in protocol_rows],
                action=AuditEvent.Action.UPDATE,
            ).order_by("timestamp")
        )
        if protocol_rows
        else []
    )
    measurement_fields = {f.name for f in fields(ZoneMeasurement)}
    visits = tuple(
        visits_from_measurements(
            ZoneMeasurement(**{k: v for k, v in row.items() if k in measurement_fields})
            for row in zone_measurements(patient.pk)
        )
    )
    symptom_reports = tuple(
        SymptomReport(reported_on=row.reported_on, symptoms=frozenset(row.symptoms))
        for row in patient.symptom_reports.order_by("reported_on")
    )
    shed_counts = tuple(
        ShedCount(counted_on=row.counted_on, hairs=row.hairs)
        for row in patient.shed_counts.order_by("counted_on")
    )
    inputs = AssessmentInputs(
        facts=patient_facts(patient),
        labs=labs,
        visits=visits,
        protocols=protocols,
        symptom_reports=symptom_reports,
        shed_counts=shed_counts,
    )
    return ClinicalRecord(
        patient=patient,
        inputs=inputs,
        lab_rows=lab_rows,
        protocol_rows=protocol_rows,
        protocol_changes=protocol_changes,
        b12_cutoffs=b12_cutoffs(thresholds),
    )
