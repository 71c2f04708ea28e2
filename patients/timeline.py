"""The timeline and assessment responses, built from the clinical record and the rules' results.

Presentation only: every judgement comes from `patients.recovery` and `patients.assessment`.
These two are the hottest reads of the product, so the payloads are plain JSON-ready values
built here once, not passed through DRF's (slow, per-field) output serializers; the
serializers in `patients.serializers` document them, and the tests check each response
against its serializer."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from patients.assessment import Assessment
from patients.clinical_record import ClinicalRecord
from patients.recovery import Course, expected_band_curve

ZONE_FIGURES = (
    "hair_density_per_cm2",
    "fu_density_per_cm2",
    "hairs_per_fu",
    "single_hair_fu_fraction",
    "mean_shaft_diameter_um",
    "shaft_diameter_cv",
    "thin_hair_fraction",
    "vellus_hair_fraction",
)


def _events(record: ClinicalRecord, course: Course, today: date) -> list[dict]:
    events: list[dict] = []
    for row in record.lab_rows:
        events.append(
            {
                "date": row.collected_at.date(),
                "kind": "lab_result",
                "id": str(row.pk),
                "summary": f"{row.analyte} {row.value.normalize():f} {row.unit}",
            }
        )
    for row in record.protocol_rows:
        dose = f" {row.dose_mcg.normalize():f} mcg" if row.dose_mcg is not None else ""
        events.append(
            {
                "date": row.start_date,
                "kind": "protocol_start",
                "id": str(row.pk),
                "summary": f"{row.get_kind_display()}{dose}, {row.get_frequency_display()}",
            }
        )
        if row.end_date is not None and row.end_date <= today:
            events.append(
                {
                    "date": row.end_date,
                    "kind": "protocol_stop",
                    "id": str(row.pk),
                    "summary": f"{row.get_kind_display()} stopped",
                }
            )
    for change in record.protocol_changes:
        changed = ", ".join(sorted((change.changes or {}).keys())) or "details"
        events.append(
            {
                "date": change.timestamp.date(),
                "kind": "protocol_change",
                "id": change.object_pk,
                "summary": f"Protocol changed: {changed}",
            }
        )
    for point in course.points:
        events.append(
            {
                "date": point.taken_on,
                "kind": "photo_visit",
                "id": None,
                "summary": f"{len(point.zones)} zone(s), mean "
                f"{point.mean_hair_density_per_cm2:.0f} hairs/cm2",
            }
        )
    for count in record.inputs.shed_counts:
        events.append(
            {
                "date": count.counted_on,
                "kind": "shed_count",
                "id": None,
                "summary": f"{count.hairs} hairs shed",
            }
        )
    for report in record.inputs.symptom_reports:
        symptoms = ", ".join(sorted(report.symptoms)) or "no symptoms"
        events.append(
            {"date": report.reported_on, "kind": "symptom_report", "id": None, "summary": symptoms}
        )
    return sorted(events, key=lambda e: (e["date"], e["kind"]))


def _visits(record: ClinicalRecord, course: Course) -> list[dict]:
    means = {p.taken_on: p for p in course.points}
    visits = []
    for visit in record.visits:
        point = means.get(visit.taken_on)
        visits.append(
            {
                "taken_on": visit.taken_on,
                "mean_hair_density_per_cm2": point.mean_hair_density_per_cm2 if point else None,
                "mean_fu_density_per_cm2": point.mean_fu_density_per_cm2 if point else None,
                "zones": [
                    {"zone": zone, **{name: getattr(m, name) for name in ZONE_FIGURES}}
                    for zone, m in sorted(visit.zones.items())
                ],
            }
        )
    return visits


def timeline_payload(record: ClinicalRecord, course: Course, *, today: date) -> dict:
    latest = course.points[-1] if course.points else None
    band = []
    if course.treatment_start and course.reference_nadir_per_cm2 and course.baseline:
        band = [
            asdict(b)
            for b in expected_band_curve(
                course.treatment_start,
                max(today, course.points[-1].taken_on),
                nadir=course.reference_nadir_per_cm2,
                baseline=course.baseline.compared_hair_density_per_cm2,
                step_days=14,
            )
        ]
    return {
        "patient": record.patient.pk,
        "generated_on": today,
        "rules_version": course.rules_version,
        "treatment_start": course.treatment_start,
        "weeks_since_treatment_start": course.weeks_since_start,
        "phase": asdict(course.phase) if course.phase else None,
        "verdict": course.verdict,
        "verdict_reason": course.verdict_reason,
        "comparison_zones": list(course.comparison_zones),
        "baseline": asdict(course.baseline) if course.baseline else None,
        "nadir": asdict(course.nadir) if course.nadir else None,
        "change_from_baseline_pct": latest.change_from_baseline_pct if latest else None,
        "change_from_nadir_pct": latest.change_from_nadir_pct if latest else None,
        "b12_normalised_on": course.b12_normalised_on,
        "density_recovered_on": course.density_recovered_on,
        "b12_series": [
            {"collected_on": lab.collected_on, "value_pg_per_ml": lab.value, "band": lab.band}
            for lab in record.inputs.labs
            if lab.analyte == "b12"
        ],
        "density_series": [asdict(p) for p in course.points],
        "expected_band": band,
        "visits": _visits(record, course),
        "events": _events(record, course, today),
        "notes": list(course.notes),
    }


def assessment_payload(patient_id, result: Assessment) -> dict:
    """The assessment response: exactly the fields of `AssessmentSerializer`."""
    course = result.course
    return {
        "patient": patient_id,
        "classification": result.classification,
        "confidence": asdict(result.confidence),
        "reason": result.reason,
        "evidence": [asdict(e) for e in result.evidence],
        "rakowska": asdict(result.rakowska) if result.rakowska else None,
        "scale": asdict(result.scale) if result.scale else None,
        "verdict": course.verdict,
        "phase": asdict(course.phase) if course.phase else None,
        "risk": asdict(result.risk),
        "recommendations": [asdict(r) for r in result.recommendations],
        "missing": list(result.missing),
        "assessed_on": result.assessed_on,
        "disclaimer": result.disclaimer,
        "rules_version": result.rules_version,
    }
