"""Reading lab-result files into import rows: CSV with documented columns, or a FHIR R4 Bundle of
Observations parsed and validated by fhir.resources (its R4B models, wire-compatible with R4 for
Bundle, Observation, Patient and MedicationStatement).

CSV format (UTF-8, a byte-order mark is allowed, comma-separated, one header line):

    analyte,value,unit,collected_at[,reference_low,reference_high]

- ``analyte``: one of b12, mma, holotc, homocysteine, folate, ferritin, tsh, haemoglobin, mcv
- ``value``: a decimal number with a dot (``150``, ``0.42``), as the laboratory reported it
- ``unit``: as the laboratory printed it (``pg/mL``, ``pmol/L``, ``umol/L``, ``mIU/L`` ...)
- ``collected_at``: ISO 8601 date-time (``2025-03-01T08:30:00Z``; without an offset it is UTC) or
  date (``2025-03-01``, read as midnight UTC)
- ``reference_low`` / ``reference_high``: the laboratory's reference range, in ``unit``, optional

At most ``MAX_ROWS`` rows and ``MAX_BYTES`` bytes. Errors name the CSV line (the header is line 1).

FHIR: a Bundle whose Observation entries carry a LOINC coding (``http://loinc.org``) or
trichotrack's own analyte coding (``ANALYTE_SYSTEM``, used for analytes without a verified LOINC
code such as holotranscobalamin), a ``valueQuantity`` with a UCUM ``code`` (or a ``unit``), and
an ``effectiveDateTime`` (or ``effectiveInstant`` / ``effectivePeriod.start``). Entries of other
resource types (the Patient and MedicationStatements of an export) are skipped and listed.
Errors name the entry index.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from labs.analytes import analyte_for_loinc, get_analyte
from labs.errors import ClinicalValidationError
from labs.services import ImportRow

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024  # the same as DATA_UPLOAD_MAX_MEMORY_SIZE
REQUIRED_COLUMNS = ("analyte", "value", "unit", "collected_at")
OPTIONAL_COLUMNS = ("reference_low", "reference_high")
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
ANALYTE_SYSTEM = "https://trichotrack.example/fhir/CodeSystem/analyte"
IMPORTABLE_STATUSES = {"final", "amended", "corrected", "preliminary"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; becomes a 400 naming ``file`` (or ``field``)."""

    def __init__(self, message: str, *, field: str = "file", code: str = "invalid_file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def decode_text(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", code="too_large"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8.",
            code="not_utf8",
        ) from None


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("{") or text.lstrip().startswith("[")


def read_csv(text: str) -> list[ImportRow]:
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFileError("The file is empty; expected a header line: " + _columns_doc())
        columns = [cell.strip().lower() for cell in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if missing or unknown:
            parts = []
            if missing:
                parts.append("missing column(s) " + ", ".join(missing))
            if unknown:
                parts.append("unknown column(s) " + ", ".join(repr(c) for c in unknown))
            raise ImportFileError(f"Bad header: {'; '.join(parts)}. Expected {_columns_doc()}")
        if len(set(columns)) != len(columns):
            raise ImportFileError("A column is named twice in the header.")
        rows: list[ImportRow] = []
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are harmless
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS} rows; split it.", code="too_many_rows"
                )
            if len(cells) != len(columns):
                rows.append(
                    ImportRow(
                        str(line),
                        {},
                        ClinicalValidationError(
                            "row",
                            f"Expected {len(columns)} values, found {len(cells)}.",
                            "wrong_column_count",
                        ),
                    )
                )
                continue
            rows.append(ImportRow(str(line), dict(zip(columns, cells, strict=True))))
    except csv.Error as exc:
        raise ImportFileError(f"The CSV cannot be read: {exc}.") from None
    if not rows:
        raise ImportFileError("The file has a header but no rows.", code="empty")
    return rows


def _columns_doc() -> str:
    return ",".join(REQUIRED_COLUMNS) + "[," + ",".join(OPTIONAL_COLUMNS) + "]"


def parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFileError(f"The file is not valid JSON: {exc}.", code="invalid_json") from None


def _pydantic_summary(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[:3]
            return "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}".strip(": ")
                for e in first
            )
        except Exception:  # noqa: BLE001 - the summary is best effort
            pass
    return str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__


def read_fhir_bundle(data: object) -> tuple[list[ImportRow], list[dict]]:
    """Rows from a FHIR Bundle's Observations, and the entries skipped (not Observations)."""
    if not isinstance(data, dict):
        raise ImportFileError("Expected a FHIR Bundle (a JSON object).", field="resourceType")
    if data.get("resourceType") != "Bundle":
        raise ImportFileError(
            f"Expected a FHIR Bundle, got resourceType {data.get('resourceType')!r}.",
            field="resourceType",
            code="not_a_bundle",
        )
    entries = data.get("entry")
    if isinstance(entries, list) and len(entries) > MAX_ROWS:
        raise ImportFileError(
            f"The Bundle has more than {MAX_ROWS} entries; split it.", code="too_many_rows"
        )
    try:
        bundle = Bundle.model_validate(data)
    except Exception as exc:  # noqa: BLE001 - pydantic errors, and KeyError for unknown types
        raise ImportFileError(
            f"Not a valid FHIR R4 Bundle: {_pydantic_summary(exc)}", code="invalid_fhir"
        ) from None
    rows: list[ImportRow] = []
    skipped: list[dict] = []
    for index, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None:
            rows.append(_bad(index, "resource", "The entry has no resource."))
            continue
        if not isinstance(resource, Observation):
            skipped.append({"entry": index, "resourceType": resource.get_resource_type()})
            continue
        rows.append(_observation_row(index, resource))
    if not rows:
        raise ImportFileError("The Bundle contains no Observation.", code="empty")
    return rows, skipped


def _bad(index: int, field: str, message: str, code: str = "invalid") -> ImportRow:
    return ImportRow(str(index), {}, ClinicalValidationError(field, message, code))


def _observation_analyte(observation: Observation) -> str | ImportRow:
    codings = (observation.code.coding if observation.code else None) or []
    loinc_codes = [c.code for c in codings if c.system == LOINC_SYSTEM and c.code]
    own_codes = [c.code for c in codings if c.system == ANALYTE_SYSTEM and c.code]
    for code in loinc_codes:
        analyte = analyte_for_loinc(code)
        if analyte is not None:
            return analyte.value
    for code in own_codes:
        try:
            return get_analyte(code).analyte.value
        except ClinicalValidationError:
            continue
    if loinc_codes:
        return f"unknown LOINC {', '.join(loinc_codes)}"
    return ""


def _observation_row(index: int, observation: Observation) -> ImportRow:
    status = observation.status
    if status not in IMPORTABLE_STATUSES:
        return _bad(
            index,
            "status",
            f"Observation status {status!r} is not a result to import "
            f"(expected one of {', '.join(sorted(IMPORTABLE_STATUSES))}).",
        )
    analyte = _observation_analyte(observation)
    if not analyte:
        return _bad(
            index,
            "code",
            f"The Observation has no LOINC coding (system {LOINC_SYSTEM}).",
            "no_loinc",
        )
    if analyte.startswith("unknown LOINC"):
        return _bad(
            index,
            "code",
            f"{analyte[8:]} is not one of the analytes this service tracks.",
            "unknown_loinc",
        )
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        return _bad(index, "value", "The Observation has no valueQuantity.value.", "required")
    unit = quantity.code or quantity.unit
    if not unit:
        return _bad(index, "unit", "The valueQuantity has no UCUM code or unit.", "required")
    collected = observation.effectiveDateTime or observation.effectiveInstant
    if collected is None and observation.effectivePeriod is not None:
        collected = observation.effectivePeriod.start
    if collected is None:
        return _bad(index, "collected_at", "The Observation has no effectiveDateTime.", "required")
    low = high = None
    if observation.referenceRange:
        first = observation.referenceRange[0]
        low = first.low.value if first.low is not None else None
        high = first.high.value if first.high is not None else None
    return ImportRow(
        str(index),
        {
            "analyte": analyte,
            "value": quantity.value,
            "unit": unit,
            "collected_at": collected,
            "reference_low": low,
            "reference_high": high,
        },
    )
