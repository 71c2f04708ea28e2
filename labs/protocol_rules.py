"""B12 treatment protocols: kinds, their DOMAIN.md §3 defaults, dose validation and the
co-supplement rule ("never folate alone before B12", DOMAIN.md §3 L52).

Hard limits (``validate_dose`` raises) reject values that cannot be a real prescription for the
route, such as unit slips or typos. Advisories (returned as warning strings) point out a dose or
frequency outside what DOMAIN.md §3 documents for the protocol, which a clinician may still
choose on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from labs.decimals import as_decimal, fmt
from labs.errors import ClinicalValidationError, parse_choice


class ProtocolKind(StrEnum):
    HIGH_DOSE_ORAL = "high_dose_oral"
    SUBLINGUAL = "sublingual"
    LOADING_IM = "loading_im"
    MAINTENANCE_IM = "maintenance_im"
    DIETARY_CORRECTION = "dietary_correction"
    MAINTENANCE_ORAL = "maintenance_oral"  # after recovery


class Route(StrEnum):
    ORAL = "oral"
    SUBLINGUAL = "sublingual"
    INTRAMUSCULAR = "intramuscular"
    DIET = "diet"


class Frequency(StrEnum):
    DAILY = "daily"
    EVERY_OTHER_DAY = "every_other_day"
    THREE_TIMES_WEEKLY = "three_times_weekly"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    EVERY_2_MONTHS = "every_2_months"
    EVERY_3_MONTHS = "every_3_months"
    NONE = "none"


class CoSupplement(StrEnum):
    IRON = "iron"
    FOLATE = "folate"
    VITAMIN_D = "vitamin_d"
    ZINC = "zinc"
    BIOTIN = "biotin"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class DoseRange:
    """Inclusive at both ends, in micrograms."""

    min_mcg: Decimal
    max_mcg: Decimal

    def __contains__(self, dose: Decimal) -> bool:
        return self.min_mcg <= dose <= self.max_mcg

    def __str__(self) -> str:
        if self.min_mcg == self.max_mcg:
            return f"{fmt(self.min_mcg)} mcg"
        return f"{fmt(self.min_mcg)}-{fmt(self.max_mcg)} mcg"


# What a route can physically carry, per single dose. Product choices, documented here:
# - oral / sublingual 1-5000 mcg: from a few micrograms (multivitamins) to the largest B12 tablets
#   sold (5000 mcg); DOMAIN.md §3 L46 and L50 use 250-2000 mcg.
# - intramuscular 100-2000 mcg: every injection protocol in DOMAIN.md §3 (L47, L48) uses 1000 mcg
#   (1 mg hydroxocobalamin or cyanocobalamin); 100 mcg monthly is an older cyanocobalamin regimen;
#   2000 allows a doubled dose but refuses a slipped unit (10000) or a missing decimal point.
# - diet: no dose.
ROUTE_DOSE_LIMITS: dict[Route, DoseRange | None] = {
    Route.ORAL: DoseRange(Decimal(1), Decimal(5000)),
    Route.SUBLINGUAL: DoseRange(Decimal(1), Decimal(5000)),
    Route.INTRAMUSCULAR: DoseRange(Decimal(100), Decimal(2000)),
    Route.DIET: None,
}

# Frequencies a route can be given at: tablets daily to weekly, injections every other day to
# every 3 months, diet has none.
ROUTE_FREQUENCIES: dict[Route, frozenset[Frequency]] = {
    Route.ORAL: frozenset(
        {
            Frequency.DAILY,
            Frequency.EVERY_OTHER_DAY,
            Frequency.THREE_TIMES_WEEKLY,
            Frequency.WEEKLY,
        }
    ),
    Route.INTRAMUSCULAR: frozenset(
        {
            Frequency.EVERY_OTHER_DAY,
            Frequency.THREE_TIMES_WEEKLY,
            Frequency.WEEKLY,
            Frequency.MONTHLY,
            Frequency.EVERY_2_MONTHS,
            Frequency.EVERY_3_MONTHS,
        }
    ),
    Route.DIET: frozenset({Frequency.NONE}),
}
ROUTE_FREQUENCIES[Route.SUBLINGUAL] = ROUTE_FREQUENCIES[Route.ORAL]


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    """A protocol kind's DOMAIN.md §3 defaults and what it documents as usual."""

    kind: ProtocolKind
    dose_mcg: Decimal | None
    route: Route
    frequency: Frequency
    duration_days: int | None  # None: open-ended
    routes: frozenset[Route]  # routes this kind may use (hard rule)
    usual_dose: DoseRange | None  # outside it: an advisory, not an error
    usual_frequencies: frozenset[Frequency]  # outside them: an advisory
    source: str


_K = ProtocolKind
_F = Frequency
_R = Route

PROTOCOLS: dict[ProtocolKind, ProtocolSpec] = {
    spec.kind: spec
    for spec in (
        # DOMAIN.md §3 L46: 1000-2000 mcg daily, oral tablet or sublingual
        ProtocolSpec(
            _K.HIGH_DOSE_ORAL,
            Decimal(1000),
            _R.ORAL,
            _F.DAILY,
            None,
            frozenset({_R.ORAL, _R.SUBLINGUAL}),
            DoseRange(Decimal(1000), Decimal(2000)),
            frozenset({_F.DAILY}),
            "DOMAIN.md §3 L46",
        ),
        # DOMAIN.md §3 L46: the sublingual form of high-dose oral
        ProtocolSpec(
            _K.SUBLINGUAL,
            Decimal(1000),
            _R.SUBLINGUAL,
            _F.DAILY,
            None,
            frozenset({_R.SUBLINGUAL}),
            DoseRange(Decimal(1000), Decimal(2000)),
            frozenset({_F.DAILY}),
            "DOMAIN.md §3 L46",
        ),
        # DOMAIN.md §3 L47: 1000 mcg every other day for 2 weeks [NICE: 3 times a week]
        ProtocolSpec(
            _K.LOADING_IM,
            Decimal(1000),
            _R.INTRAMUSCULAR,
            _F.EVERY_OTHER_DAY,
            14,
            frozenset({_R.INTRAMUSCULAR}),
            DoseRange(Decimal(1000), Decimal(1000)),
            frozenset({_F.EVERY_OTHER_DAY, _F.THREE_TIMES_WEEKLY}),
            "DOMAIN.md §3 L47",
        ),
        # DOMAIN.md §3 L48: 1000 mcg monthly [NICE: every 2-3 months]
        ProtocolSpec(
            _K.MAINTENANCE_IM,
            Decimal(1000),
            _R.INTRAMUSCULAR,
            _F.MONTHLY,
            None,
            frozenset({_R.INTRAMUSCULAR}),
            DoseRange(Decimal(1000), Decimal(1000)),
            frozenset({_F.MONTHLY, _F.EVERY_2_MONTHS, _F.EVERY_3_MONTHS}),
            "DOMAIN.md §3 L48",
        ),
        # DOMAIN.md §3 L49: B12-rich foods, no dose
        ProtocolSpec(
            _K.DIETARY_CORRECTION,
            None,
            _R.DIET,
            _F.NONE,
            None,
            frozenset({_R.DIET}),
            None,
            frozenset({_F.NONE}),
            "DOMAIN.md §3 L49",
        ),
        # DOMAIN.md §3 L50: 250-500 mcg daily oral after recovery (the monthly-injection
        # alternative is MAINTENANCE_IM). Default: the top of the range.
        ProtocolSpec(
            _K.MAINTENANCE_ORAL,
            Decimal(500),
            _R.ORAL,
            _F.DAILY,
            None,
            frozenset({_R.ORAL, _R.SUBLINGUAL}),
            DoseRange(Decimal(250), Decimal(500)),
            frozenset({_F.DAILY}),
            "DOMAIN.md §3 L50",
        ),
    )
}

# Protocols that replace B12 (dietary correction alone does not).
B12_REPLACEMENT_KINDS = frozenset(PROTOCOLS) - {ProtocolKind.DIETARY_CORRECTION}

MAX_DURATION_DAYS = 3650  # a course longer than ten years is a typo; open-ended is None


@dataclass(frozen=True, slots=True)
class ProtocolPlan:
    """A protocol with defaults applied and validated; ``warnings`` are advisories to show."""

    kind: ProtocolKind
    dose_mcg: Decimal | None
    route: Route
    frequency: Frequency
    duration_days: int | None
    warnings: tuple[str, ...] = ()


def validate_dose(
    kind: ProtocolKind | str, route: Route | str, dose_mcg: Decimal | int | str | None
) -> list[str]:
    """Raise ClinicalValidationError (field ``kind``, ``route`` or ``dose_mcg``) for a route the
    protocol cannot use or a dose the route cannot carry; return advisories for a dose outside
    the protocol's usual range."""
    spec = PROTOCOLS[parse_choice(ProtocolKind, kind, "kind")]
    route = parse_choice(Route, route, "route")
    if route not in spec.routes:
        allowed = ", ".join(sorted(r.value for r in spec.routes))
        raise ClinicalValidationError(
            "route",
            f"A {spec.kind.value} protocol is given {allowed}, not {route.value}.",
            "route_not_allowed",
        )
    limits = ROUTE_DOSE_LIMITS[route]
    if limits is None:
        if dose_mcg is not None:
            raise ClinicalValidationError(
                "dose_mcg", "Dietary correction has no dose; leave the dose empty.", "no_dose"
            )
        return []
    if dose_mcg is None:
        raise ClinicalValidationError(
            "dose_mcg", f"A {spec.kind.value} protocol needs a dose in mcg.", "required"
        )
    dose = as_decimal(dose_mcg, "dose_mcg")
    if dose not in limits:
        raise ClinicalValidationError(
            "dose_mcg",
            f"A {route.value} B12 dose of {fmt(dose)} mcg is outside the possible range "
            f"{limits}; check the dose and its unit (mcg, not mg).",
            "dose_out_of_range",
        )
    if spec.usual_dose is not None and dose not in spec.usual_dose:
        return [
            f"{fmt(dose)} mcg is outside the usual {spec.usual_dose} for a {spec.kind.value} "
            f"protocol ({spec.source})."
        ]
    return []


def validate_protocol(
    kind: ProtocolKind | str,
    *,
    route: Route | str,
    dose_mcg: Decimal | int | str | None,
    frequency: Frequency | str,
    duration_days: int | None,
) -> list[str]:
    """``validate_dose`` plus the frequency and duration rules; returns all advisories."""
    spec = PROTOCOLS[parse_choice(ProtocolKind, kind, "kind")]
    warnings = validate_dose(spec.kind, route, dose_mcg)
    route = parse_choice(Route, route, "route")
    frequency = parse_choice(Frequency, frequency, "frequency")
    if frequency not in ROUTE_FREQUENCIES[route]:
        allowed = ", ".join(sorted(f.value for f in ROUTE_FREQUENCIES[route]))
        raise ClinicalValidationError(
            "frequency",
            f"A {route.value} protocol is given {allowed}, not {frequency.value}.",
            "frequency_not_allowed",
        )
    if frequency not in spec.usual_frequencies:
        usual = " or ".join(sorted(f.value for f in spec.usual_frequencies))
        warnings.append(
            f"A {spec.kind.value} protocol is usually {usual}, not {frequency.value} "
            f"({spec.source})."
        )
    if duration_days is not None and not (
        type(duration_days) is int and 1 <= duration_days <= MAX_DURATION_DAYS
    ):
        raise ClinicalValidationError(
            "duration_days",
            f"The duration must be a whole number of days from 1 to {MAX_DURATION_DAYS}, "
            "or empty for an open-ended protocol.",
            "duration_out_of_range",
        )
    return warnings


_OVERRIDABLE = frozenset({"dose_mcg", "route", "frequency", "duration_days"})


def apply_defaults(kind: ProtocolKind | str, **overrides: object) -> ProtocolPlan:
    """The protocol's DOMAIN.md §3 defaults with ``overrides`` (dose_mcg, route, frequency,
    duration_days) applied, validated. An override of None means "not given" and keeps the
    default; an unknown keyword is a TypeError (a programming error, not user input)."""
    spec = PROTOCOLS[parse_choice(ProtocolKind, kind, "kind")]
    unknown = set(overrides) - _OVERRIDABLE
    if unknown:
        raise TypeError(f"apply_defaults() got unexpected overrides: {sorted(unknown)}")
    given = {key: value for key, value in overrides.items() if value is not None}
    route = parse_choice(Route, given.get("route", spec.route), "route")
    frequency = parse_choice(Frequency, given.get("frequency", spec.frequency), "frequency")
    dose = given.get("dose_mcg", spec.dose_mcg)
    duration = given.get("duration_days", spec.duration_days)
    warnings = validate_protocol(
        spec.kind, route=route, dose_mcg=dose, frequency=frequency, duration_days=duration
    )
    return ProtocolPlan(
        kind=spec.kind,
        dose_mcg=None if dose is None else as_decimal(dose, "dose_mcg"),
        route=route,
        frequency=frequency,
        duration_days=duration,
        warnings=tuple(warnings),
    )


def protocol_end_date(start: date, duration_days: int | None) -> date | None:
    """The last day of a protocol (inclusive): a 14-day loading course started on the 1st ends on
    the 14th. None for an open-ended protocol."""
    if duration_days is None:
        return None
    return start + timedelta(days=duration_days - 1)


FOLATE_WITHOUT_B12_WARNING = (
    "Folate is being given without a B12 replacement protocol: never give folate alone before "
    "B12 (DOMAIN.md §3 L52). Start B12 replacement first or together with folate."
)


def parse_co_supplements(values: Iterable[CoSupplement | str]) -> tuple[CoSupplement, ...]:
    """Validated, de-duplicated co-supplements in the order given."""
    parsed = (parse_choice(CoSupplement, value, "co_supplements") for value in values)
    return tuple(dict.fromkeys(parsed))


def co_supplement_warnings(
    co_supplements: Iterable[CoSupplement | str],
    *,
    b12_kinds: Iterable[ProtocolKind | str],
) -> list[str]:
    """Advisories for a patient's co-supplements given the kinds of the B12 protocols active
    for the patient (including the one being saved). Dietary correction alone is not B12
    replacement, so folate with only dietary correction is warned about too."""
    supplements = parse_co_supplements(co_supplements)
    kinds = {parse_choice(ProtocolKind, kind, "kind") for kind in b12_kinds}
    if CoSupplement.FOLATE in supplements and not kinds & B12_REPLACEMENT_KINDS:
        return [FOLATE_WITHOUT_B12_WARNING]
    return []
