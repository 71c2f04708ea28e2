"""Writes of lab and treatment data: small keyword-only functions the views, the admin, the demo
seeder, the Celery task and the tests all go through.

Clinical rule violations are raised as ``labs.errors.ClinicalValidationError`` (a ValueError with
``field`` and ``code``), which the API's exception handler turns into a 400 naming the field.
Every write that changes what is due for a patient refreshes that patient's worklist rows in the
same transaction, so the worklist is right as soon as the write commits; the daily task
(``labs.tasks.refresh_worklist``) moves statuses on as the days pass.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError

from clinics.models import Clinic, Membership, Role
from labs import selectors
from labs.analytes import AnalyteThresholds, get_analyte
from labs.decimals import as_decimal
from labs.errors import ClinicalValidationError
from labs.followup import follow_up_items
from labs.models import ClinicThreshold, DoseLog, FollowUpItem, LabResult, LabSource, Protocol
from labs.protocol_rules import (
    ProtocolKind,
    apply_defaults,
    co_supplement_warnings,
    parse_co_supplements,
    protocol_end_date,
    validate_dose,
    validate_protocol,
)
from labs.units import normalise_result, validate_collected_at
from patients.models import Patient

logger = logging.getLogger(__name__)

# Collection dates before this are typing errors (a two-digit year, a missing digit).
EARLIEST_COLLECTION = datetime(1950, 1, 1, tzinfo=UTC)
# Protocol start dates: at most this far back (a schedule is computed day by day from the start)
# or ahead (a planned course).
PROTOCOL_START_MAX_PAST = timedelta(days=20 * 366)
PROTOCOL_START_MAX_FUTURE = timedelta(days=366)
# Column sizes of the reported value and reference range (labs.models.LabResult).
_VALUE_PLACES = 7
_VALUE_INTEGER_DIGITS = 11


# --- lab results -------------------------------------------------------------------------------


def _as_aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment, UTC) if timezone.is_naive(moment) else moment


def parse_collected_at(raw: object) -> datetime:
    """A datetime from a datetime, a date (midnight UTC) or an ISO 8601 string of either."""
    if isinstance(raw, datetime):
        return _as_aware(raw)
    if isinstance(raw, date):
        return datetime.combine(raw, time.min, tzinfo=UTC)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            moment = parse_datetime(text)
            if moment is None:
                day = parse_date(text)
                if day is not None:
                    return datetime.combine(day, time.min, tzinfo=UTC)
            else:
                return _as_aware(moment)
        except ValueError:
            pass
        raise ClinicalValidationError(
            "collected_at",
            f"{text!r} is not an ISO 8601 date or date-time (e.g. 2025-03-01T08:30:00Z).",
            "invalid_datetime",
        )
    raise ClinicalValidationError("collected_at", "The collection date is required.", "required")


def _fits_column(value: Decimal, name: str) -> Decimal:
    sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent < -_VALUE_PLACES:
        trimmed = value.normalize()
        if trimmed.as_tuple().exponent < -_VALUE_PLACES:
            raise ClinicalValidationError(
                name, f"Give at most {_VALUE_PLACES} decimal places.", "max_decimal_places"
            )
        value = trimmed
    if abs(value) >= Decimal(10) ** _VALUE_INTEGER_DIGITS:
        raise ClinicalValidationError(name, "The number is too large.", "max_digits")
    return value


def _optional_decimal(raw: object, name: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = as_decimal(raw, name)
    except TypeError:
        raise ClinicalValidationError(name, "This must be a number.", "not_a_number") from None
    return _fits_column(value, name)


def validated_lab_fields(
    *,
    analyte: object,
    value: object,
    unit: object,
    collected_at: object,
    reference_low: object = None,
    reference_high: object = None,
    now: datetime | None = None,
) -> dict:
    """Every clinical check of one lab result, in the order a person would fix them; returns the
    model fields to store. Raises ClinicalValidationError naming the field to blame."""
    if analyte is None or (isinstance(analyte, str) and not analyte.strip()):
        raise ClinicalValidationError("analyte", "The analyte is required.", "required")
    if not isinstance(analyte, str):
        raise ClinicalValidationError("analyte", "The analyte must be text.", "invalid")
    spec = get_analyte(analyte)
    if unit is None or (isinstance(unit, str) and not unit.strip()):
        raise ClinicalValidationError("unit", "The unit is required.", "required")
    amount = _optional_decimal(value, "value")
    if amount is None:
        raise ClinicalValidationError("value", "The value is required.", "required")
    result = normalise_result(spec.analyte, amount, unit)
    moment = parse_collected_at(collected_at)
    validate_collected_at(moment, now=now or timezone.now())
    if moment < EARLIEST_COLLECTION:
        raise ClinicalValidationError(
            "collected_at",
            f"A collection date before {EARLIEST_COLLECTION:%Y} is not plausible.",
            "implausible_date",
        )
    low = _optional_decimal(reference_low, "reference_low")
    high = _optional_decimal(reference_high, "reference_high")
    for name, bound in (("reference_low", low), ("reference_high", high)):
        if bound is not None and bound < 0:
            raise ClinicalValidationError(name, "A reference limit cannot be negative.", "negative")
    if low is not None and high is not None and low > high:
        raise ClinicalValidationError(
            "reference_high", "The upper reference limit is below the lower one.", "inconsistent"
        )
    return {
        "analyte": result.analyte.value,
        "value": result.value,
        "unit": result.unit,
        "canonical_value": result.canonical_value,
        "canonical_unit": result.canonical_unit,
        "collected_at": moment,
        "reference_low": low,
        "reference_high": high,
    }


def _duplicate_error() -> ClinicalValidationError:
    return ClinicalValidationError(
        "non_field_errors",
        "This patient already has this result (same analyte, collection time, value and unit).",
        "duplicate",
    )


@transaction.atomic
def lab_result_record(
    *,
    patient: Patient,
    created_by,
    analyte,
    value,
    unit,
    collected_at,
    reference_low=None,
    reference_high=None,
    source: str = LabSource.MANUAL,
) -> LabResult:
    fields = validated_lab_fields(
        analyte=analyte,
        value=value,
        unit=unit,
        collected_at=collected_at,
        reference_low=reference_low,
        reference_high=reference_high,
    )
    result = LabResult(
        patient=patient, clinic_id=patient.clinic_id, created_by=created_by, source=source, **fields
    )
    if LabResult.objects.filter(patient=patient, fingerprint=result.compute_fingerprint()).exists():
        raise _duplicate_error()
    result.save()
    worklist_refresh_patient(patient)
    return result


@transaction.atomic
def lab_result_update(*, result: LabResult, **changes) -> LabResult:
    """Correct a result: the changed fields are merged with the stored ones and everything is
    validated again (a new unit re-converts the canonical value)."""
    current = {
        name: getattr(result, name)
        for name in (
            "analyte",
            "value",
            "unit",
            "collected_at",
            "reference_low",
            "reference_high",
        )
    }
    current.update(changes)
    fields = validated_lab_fields(**current)
    for name, value in fields.items():
        setattr(result, name, value)
    duplicate = (
        LabResult.objects.filter(
            patient_id=result.patient_id, fingerprint=result.compute_fingerprint()
        )
        .exclude(pk=result.pk)
        .exists()
    )
    if duplicate:
        raise _duplicate_error()
    result.save()
    worklist_refresh_patient(result.patient)
    return result


@transaction.atomic
def lab_result_delete(*, result: LabResult) -> None:
    patient = result.patient
    result.delete()
    worklist_refresh_patient(patient)


@dataclass(frozen=True)
class ImportRow:
    """One row of an import: ``label`` says where it came from ("3" for CSV line 3, "2" for the
    Bundle's entry 2), ``error`` is set when the file format itself was wrong for the row."""

    label: str
    fields: dict
    error: ClinicalValidationError | None = None


@dataclass
class ImportOutcome:
    created: list[LabResult] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[dict] = field(default_factory=list)


@transaction.atomic
def lab_results_import(
    *,
    patient: Patient,
    created_by,
    rows: Sequence[ImportRow],
    source: str,
    row_key: str = "row",
    skipped: Iterable[dict] = (),
) -> ImportOutcome:
    """Import rows atomically: every row is validated first and, if any is bad, nothing is saved
    and a ValidationError lists each bad row (``{row_key: {label: {field: [reason]}}}``).
    Rows this patient already has (same fingerprint, also within the file) are counted as
    duplicates and not created again, so importing the same file twice creates nothing new."""
    now = timezone.now()
    errors: dict[str, dict[str, list[str]]] = {}
    candidates: list[LabResult] = []
    for row in rows:
        if row.error is not None:
            errors[row.label] = row.error.as_dict()
            continue
        try:
            fields = validated_lab_fields(now=now, **row.fields)
        except ClinicalValidationError as exc:
            errors[row.label] = exc.as_dict()
            continue
        candidates.append(
            LabResult(
                patient=patient,
                clinic_id=patient.clinic_id,
                created_by=created_by,
                source=source,
                **fields,
            )
        )
    if errors:
        raise ValidationError({row_key: errors})
    if not candidates:
        raise ValidationError({"file": ["The file contains no lab results."]})
    # One import per patient at a time: the duplicate check below must see committed rows.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    seen = set(
        LabResult.objects.filter(
            patient=patient,
            fingerprint__in=[c.compute_fingerprint() for c in candidates],
        ).values_list("fingerprint", flat=True)
    )
    outcome = ImportOutcome(skipped=list(skipped))
    for candidate in candidates:
        candidate.fingerprint = candidate.compute_fingerprint()
        if candidate.fingerprint in seen:
            outcome.duplicates += 1
            continue
        seen.add(candidate.fingerprint)
        outcome.created.append(candidate)
    if outcome.created:
        # One INSERT per batch instead of one per row (5000 rows in about a second, not half a
        # minute); bulk_create sends no post_save, so the audit trail is written here, one
        # "create" entry per result as auditlog itself would.
        LabResult.objects.bulk_create(outcome.created, batch_size=500)
        _audit_created(outcome.created, actor=created_by)
        worklist_refresh_patient(patient)
        if outcome.created:  # bulk_create sends no post_save: say so to the summary directly
            from patients.summaries import summary_mark_stale

            summary_mark_stale(patient_id=patient.pk, clinic_id=patient.clinic_id)
    return outcome


_AUDITED_FIELDS = (
    "id",
    "clinic",
    "patient",
    "created_by",
    "analyte",
    "value",
    "unit",
    "canonical_value",
    "canonical_unit",
    "collected_at",
    "reference_low",
    "reference_high",
    "source",
    "fingerprint",
)


def _created_changes(row: LabResult) -> dict:
    """The changes of a "create" entry in auditlog's JSON shape ({field: [old, new]}), built
    directly: auditlog's generic model diff costs about 2 ms a row."""
    changes = {}
    for name in _AUDITED_FIELDS:
        value = getattr(row, LabResult._meta.get_field(name).attname)
        if value is None:
            continue
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        changes[name] = [None, text]
    return changes


def _audit_created(rows: Sequence[LabResult], *, actor) -> None:
    log_entry = get_logentry_model()
    content_type = ContentType.objects.get_for_model(LabResult)
    cid = get_cid()
    user = actor if getattr(actor, "is_authenticated", False) else None
    entries = []
    for row in rows:
        entry = log_entry(
            content_type=content_type,
            object_pk=str(row.pk),
            object_repr=str(row),
            action=log_entry.Action.CREATE,
            changes=_created_changes(row),
            actor=user,
            cid=cid,
            additional_data=row.get_additional_data(),
        )
        if hasattr(entry, "clinic_id"):
            entry.clinic_id = row.clinic_id
        entries.append(entry)
    log_entry.objects.bulk_create(entries, batch_size=500)


# --- clinic thresholds -------------------------------------------------------------------------


@transaction.atomic
def clinic_thresholds_replace(
    *, clinic: Clinic, entries: Sequence[dict], updated_by
) -> list[ClinicThreshold]:
    """Replace the clinic's own thresholds with ``entries`` (analyte, low_cutoff, normal_above,
    high_cutoff, source); analytes left out go back to the product defaults. Each entry is
    checked by ``AnalyteThresholds`` (consistent, positive cutoffs); errors name the entry."""
    errors: dict[str, dict[str, list[str]]] = {}
    seen: set[str] = set()
    checked: list[AnalyteThresholds] = []
    for index, entry in enumerate(entries):
        try:
            thresholds = AnalyteThresholds(
                entry.get("analyte"),
                low_cutoff=entry.get("low_cutoff"),
                normal_above=entry.get("normal_above"),
                high_cutoff=entry.get("high_cutoff"),
                source=entry.get("source") or "",
            )
        except ClinicalValidationError as exc:
            errors[str(index)] = exc.as_dict()
            continue
        if thresholds.analyte.value in seen:
            errors[str(index)] = {"analyte": ["This analyte is listed twice."]}
            continue
        seen.add(thresholds.analyte.value)
        checked.append(thresholds)
    if errors:
        raise ValidationError({"thresholds": errors})
    ClinicThreshold.objects.filter(clinic=clinic).exclude(analyte__in=seen).delete()
    rows = []
    for t in checked:
        row, _ = ClinicThreshold.objects.update_or_create(
            clinic=clinic,
            analyte=t.analyte.value,
            defaults={
                "low_cutoff": t.low_cutoff,
                "normal_above": t.normal_above,
                "high_cutoff": t.high_cutoff,
                "source": t.source,
                "updated_by": updated_by,
            },
        )
        rows.append(row)
    return rows


# --- protocols and doses -----------------------------------------------------------------------


def _check_start_date(start_date: date, today: date) -> None:
    if start_date < today - PROTOCOL_START_MAX_PAST:
        raise ClinicalValidationError(
            "start_date", "A start date more than 20 years ago is not plausible.", "implausible"
        )
    if start_date > today + PROTOCOL_START_MAX_FUTURE:
        raise ClinicalValidationError(
            "start_date", "A protocol can be planned at most a year ahead.", "implausible"
        )


def _duration_from_end(start_date: date, end_date: date | None) -> int | None:
    if end_date is None:
        return None
    if end_date < start_date:
        raise ClinicalValidationError(
            "end_date", "The protocol cannot end before it starts.", "ends_before_start"
        )
    days = (end_date - start_date).days + 1
    if days > 3650:
        raise ClinicalValidationError(
            "end_date",
            "A course longer than ten years is not plausible; leave the end date "
            "empty for an open-ended protocol.",
            "implausible",
        )
    return days


def protocol_check(
    *,
    kind,
    route,
    dose_mcg,
    frequency,
    start_date: date,
    end_date: date | None,
    check_start: bool = True,
) -> list[str]:
    """The rules a stored protocol meets: a plausible start (`check_start`: skipped when an
    existing protocol keeps its start date), an end after the start, and the dose and frequency
    ranges of DOMAIN.md section 3. Returns the advisory warnings; raises on a rule broken. The
    services and the admin's protocol form both call it."""
    if check_start:
        _check_start_date(start_date, timezone.localdate())
    return validate_protocol(
        kind,
        route=route,
        dose_mcg=dose_mcg,
        frequency=frequency,
        duration_days=_duration_from_end(start_date, end_date),
    )


def dose_check(*, protocol: Protocol, administered_on: date, dose_mcg=None):
    """The rules a logged dose meets (a dose-taking protocol, on a day within it and not in the
    future, in its route's range); returns the dose to record. Used by `dose_log_record` and
    the admin's dose form."""
    if protocol.kind == ProtocolKind.DIETARY_CORRECTION:
        raise ClinicalValidationError(
            "protocol", "Dietary correction has no doses to log.", "no_doses"
        )
    if administered_on > timezone.localdate():
        raise ClinicalValidationError(
            "administered_on", "A dose cannot be logged for a future day.", "in_future"
        )
    if administered_on < protocol.start_date:
        raise ClinicalValidationError(
            "administered_on",
            f"The protocol started on {protocol.start_date.isoformat()}.",
            "before_start",
        )
    if protocol.end_date is not None and administered_on > protocol.end_date:
        raise ClinicalValidationError(
            "administered_on",
            f"The protocol ended on {protocol.end_date.isoformat()}.",
            "after_end",
        )
    dose = protocol.dose_mcg if dose_mcg is None else dose_mcg
    validate_dose(protocol.kind, protocol.route, dose)
    return dose


def _prescriber(prescriber_id, clinic_id):
    """The user a prescriber id names, if they are a clinician or admin of the clinic."""
    if prescriber_id is None:
        return None
    membership = (
        Membership.objects.filter(
            user_id=prescriber_id,
            clinic_id=clinic_id,
            is_active=True,
            role__in=[Role.CLINIC_ADMIN, Role.CLINICIAN],
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ClinicalValidationError(
            "prescriber", "The prescriber must be a clinician of this clinic.", "not_a_clinician"
        )
    return membership.user


@transaction.atomic
def protocol_create(
    *,
    patient: Patient,
    created_by,
    kind,
    start_date: date,
    dose_mcg=None,
    route=None,
    frequency=None,
    end_date: date | None = None,
    co_supplements: Iterable[str] = (),
    prescriber_id=None,
    notes: str = "",
) -> Protocol:
    """A protocol with the DOMAIN.md §3 defaults of its kind for whatever is not given (loading
    injections: 1000 mcg every other day for 14 days, ...). Out-of-range doses raise on
    ``dose_mcg``."""
    today = timezone.localdate()
    _check_start_date(start_date, today)
    plan = apply_defaults(
        kind,
        dose_mcg=dose_mcg,
        route=route,
        frequency=frequency,
        duration_days=_duration_from_end(start_date, end_date),
    )
    supplements = [s.value for s in parse_co_supplements(co_supplements)]
    if prescriber_id is not None:
        prescriber = _prescriber(prescriber_id, patient.clinic_id)
    else:  # by default the clinician who records it, if they may prescribe
        try:
            prescriber = _prescriber(getattr(created_by, "pk", None), patient.clinic_id)
        except ClinicalValidationError:
            prescriber = None
    protocol = Protocol.objects.create(
        patient=patient,
        clinic_id=patient.clinic_id,
        created_by=created_by,
        kind=plan.kind.value,
        dose_mcg=plan.dose_mcg,
        route=plan.route.value,
        frequency=plan.frequency.value,
        start_date=start_date,
        end_date=end_date or protocol_end_date(start_date, plan.duration_days),
        co_supplements=supplements,
        prescriber=prescriber,
        notes=notes,
    )
    worklist_refresh_patient(patient)
    return protocol


@transaction.atomic
def protocol_update(*, protocol: Protocol, **changes) -> Protocol:
    """Change a protocol; the merged protocol is validated as a whole (no defaults re-applied)."""
    merged = {
        name: getattr(protocol, name)
        for name in ("kind", "dose_mcg", "route", "frequency", "start_date", "end_date")
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    protocol_check(**merged, check_start="start_date" in changes)
    if "co_supplements" in changes:
        protocol.co_supplements = [s.value for s in parse_co_supplements(changes["co_supplements"])]
    if "prescriber_id" in changes:
        protocol.prescriber = _prescriber(changes["prescriber_id"], protocol.clinic_id)
    if "notes" in changes:
        protocol.notes = changes["notes"]
    for name, value in merged.items():
        setattr(protocol, name, value)
    protocol.save()
    worklist_refresh_patient(protocol.patient)
    return protocol


def protocol_warnings(protocol: Protocol, patient_protocols: Iterable[Protocol]) -> list[str]:
    """Advisories for a stored protocol: a dose or frequency outside what DOMAIN.md §3 documents
    for its kind, and folate without B12 replacement among the patient's protocols that overlap
    this one."""
    try:
        warnings = validate_protocol(
            protocol.kind,
            route=protocol.route,
            dose_mcg=protocol.dose_mcg,
            frequency=protocol.frequency,
            duration_days=None,
        )
    except ClinicalValidationError as exc:  # stored before a rule was tightened
        warnings = [exc.message]
    end = protocol.end_date or date.max
    overlapping = [
        p.kind
        for p in patient_protocols
        if p.start_date <= end and (p.end_date is None or p.end_date >= protocol.start_date)
    ]
    if protocol.kind not in overlapping:
        overlapping.append(protocol.kind)
    return warnings + co_supplement_warnings(protocol.co_supplements, b12_kinds=overlapping)


@transaction.atomic
def dose_log_record(
    *,
    protocol: Protocol,
    logged_by,
    by_patient: bool,
    administered_on: date,
    dose_mcg=None,
    notes: str = "",
) -> DoseLog:
    dose = dose_check(protocol=protocol, administered_on=administered_on, dose_mcg=dose_mcg)
    return DoseLog.objects.create(
        protocol=protocol,
        patient_id=protocol.patient_id,
        clinic_id=protocol.clinic_id,
        administered_on=administered_on,
        dose_mcg=dose,
        by_patient=by_patient,
        logged_by=logged_by,
        notes=notes,
    )


# --- follow-up worklist ------------------------------------------------------------------------


@dataclass
class WorklistChange:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WorklistChange) -> WorklistChange:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        return self


def treatment_course(protocols: Iterable[Protocol], today: date) -> tuple[date, date | None] | None:
    """(treatment start, recovered on) from a patient's protocols, or None before any started.

    Treatment starts with the first protocol that corrects B12 (every kind but
    ``maintenance_oral``). Recovery is marked by the start of ``maintenance_oral``, DOMAIN.md §3's
    "maintenance after recovery"; if that is all that was logged it is also the treatment start.
    Protocols starting after ``today`` do not count yet."""
    started = [p for p in protocols if p.start_date <= today]
    correcting = [p.start_date for p in started if p.kind != ProtocolKind.MAINTENANCE_ORAL]
    recovery = [p.start_date for p in started if p.kind == ProtocolKind.MAINTENANCE_ORAL]
    if not correcting and not recovery:
        return None
    start = min(correcting or recovery)
    recovered = min((d for d in recovery if d >= start), default=None)
    return start, recovered


@transaction.atomic
def worklist_refresh_patient(patient: Patient, *, today: date | None = None) -> WorklistChange:
    """Recompute the patient's follow-up items and store them: upsert by (patient, kind, due
    date), delete rows that are no longer part of the schedule. Running it twice changes
    nothing the second time."""
    today = today or timezone.localdate()
    # Serialise refreshes of one patient (the daily task and a request may meet).
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    course = treatment_course(
        Protocol.objects.filter(patient=patient).only("kind", "start_date"), today
    )
    items = []
    if course is not None:
        start, recovered = course
        items = follow_up_items(
            start,
            recovered_on=recovered,
            b12_retests=selectors.b12_retest_dates(patient.pk, start),
            photo_visits=selectors.photo_visit_dates(patient.pk),
            today=today,
        )
    existing = {(row.kind, row.due_on): row for row in FollowUpItem.objects.filter(patient=patient)}
    change = WorklistChange()
    keep = set()
    for item in items:
        key = (item.kind.value, item.due_on)
        keep.add(key)
        values = {
            "phase": item.phase.value,
            "status": item.status.value,
            "reason": item.reason,
            "completed_on": item.completed_on,
        }
        row = existing.get(key)
        if row is None:
            FollowUpItem.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                kind=item.kind.value,
                due_on=item.due_on,
                **values,
            )
            change.created += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            change.updated += 1
        else:
            change.unchanged += 1
    stale = [row.pk for key, row in existing.items() if key not in keep]
    if stale:
        change.deleted = FollowUpItem.objects.filter(pk__in=stale).delete()[0]
    return change


def worklist_refresh_all(*, today: date | None = None) -> WorklistChange:
    """Refresh every patient with a protocol or with worklist rows (rows of a patient whose
    protocols were all deleted are removed). One transaction per patient; a failure is logged
    and the next patient is refreshed."""
    total = WorklistChange()
    patients = (
        Patient.objects.filter(Q(protocols__isnull=False) | Q(follow_up_items__isnull=False))
        .distinct()
        .only("id", "clinic_id")
        .order_by("pk")
    )
    for patient in patients.iterator(chunk_size=500):
        try:
            total += worklist_refresh_patient(patient, today=today)
        except Exception:
            logger.exception("Worklist refresh failed for patient %s", patient.pk)
    return total
