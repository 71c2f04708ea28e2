"""The analyte catalogue: the one home for analytes, their LOINC codes, units, plausible ranges
and default interpretation thresholds.

Sources are cited as ``DOMAIN.md §n Lnn`` (section and line of the shared domain notes) or by
guideline. The catalogue is data: adding an analyte means adding an ``Analyte`` member, an
``AnalyteSpec`` in ``CATALOGUE`` and, if it is interpreted, its thresholds in
``DEFAULT_THRESHOLDS`` (and, if it has flags, a row in ``labs.interpretation.FLAG_RULES``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from labs.decimals import as_decimal
from labs.errors import ClinicalValidationError


class Analyte(StrEnum):
    B12 = "b12"
    MMA = "mma"
    HOLOTC = "holotc"
    HOMOCYSTEINE = "homocysteine"
    FOLATE = "folate"
    FERRITIN = "ferritin"
    TSH = "tsh"
    HAEMOGLOBIN = "haemoglobin"
    MCV = "mcv"


class Sex(StrEnum):
    """Only for sex-specific reference ranges (haemoglobin)."""

    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """One unit a lab may report an analyte in.

    ``canonical = value * to_canonical_num / to_canonical_den`` (a ratio, so factors such as
    1 / 0.738 stay exact until the single final rounding). ``places`` is the number of decimal
    places ``from_canonical`` rounds to in this unit: any value reported with at most that many
    places survives ``from_canonical(to_canonical(v))`` unchanged (tests check every unit).
    """

    code: str  # the spelling stored and shown, e.g. "pmol/L"
    ucum: str  # the UCUM code, for FHIR export
    aliases: tuple[str, ...] = ()
    to_canonical_num: Decimal = Decimal(1)
    to_canonical_den: Decimal = Decimal(1)
    places: int = 4

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.code, self.ucum, *self.aliases)


@dataclass(frozen=True, slots=True)
class AnalyteSpec:
    analyte: Analyte
    display_name: str
    loinc: str | None
    units: tuple[UnitSpec, ...]  # the first is the canonical unit (factor 1)
    plausible_min: Decimal
    plausible_max: Decimal  # inclusive
    min_inclusive: bool = False  # False: the value must be strictly greater than plausible_min

    @property
    def canonical_unit(self) -> UnitSpec:
        return self.units[0]


# Plausible ranges are sanity bounds in canonical units, not reference ranges: an order of
# magnitude or so beyond the highest results seen in practice (supplemented patients can read very
# high B12), so that they reject unit slips, typos and negative numbers but never a real result.
# They are product choices, not clinical thresholds.
CATALOGUE: dict[Analyte, AnalyteSpec] = {
    spec.analyte: spec
    for spec in (
        AnalyteSpec(
            Analyte.B12,
            "Serum vitamin B12 (cobalamin)",
            "2132-9",  # DOMAIN.md §2 L32
            (
                UnitSpec("pg/mL", "pg/mL", ("pg/ml",)),
                # 1 ng/L = 1 pg/mL (DOMAIN.md §2 L32: "pg/mL (= ng/L)")
                UnitSpec("ng/L", "ng/L"),
                # 1 pg/mL = 0.738 pmol/L, so pg/mL = pmol/L / 0.738 (DOMAIN.md §2 L32)
                UnitSpec("pmol/L", "pmol/L", to_canonical_den=Decimal("0.738")),
            ),
            plausible_min=Decimal(0),
            plausible_max=Decimal(10000),
        ),
        AnalyteSpec(
            Analyte.MMA,
            "Methylmalonic acid (MMA)",
            "13964-2",  # DOMAIN.md §2 L33
            (
                UnitSpec("nmol/L", "nmol/L"),
                # 1 umol/L = 1000 nmol/L (DOMAIN.md §2 L33); exact, so 7 places round-trip.
                UnitSpec(
                    "umol/L",
                    "umol/L",
                    ("µmol/L", "μmol/L", "mcmol/L"),
                    to_canonical_num=Decimal(1000),
                    places=7,
                ),
            ),
            plausible_min=Decimal(0),
            plausible_max=Decimal(100000),
        ),
        AnalyteSpec(
            Analyte.HOLOTC,
            "Holotranscobalamin (active B12)",
            None,  # DOMAIN.md §2 L34: no verified LOINC code
            (UnitSpec("pmol/L", "pmol/L"),),
            plausible_min=Decimal(0),
            plausible_max=Decimal(2000),
        ),
        AnalyteSpec(
            Analyte.HOMOCYSTEINE,
            "Homocysteine",
            "13965-9",  # DOMAIN.md §2 L35
            (UnitSpec("umol/L", "umol/L", ("µmol/L", "μmol/L", "mcmol/L")),),
            plausible_min=Decimal(0),
            plausible_max=Decimal(500),
        ),
        AnalyteSpec(
            Analyte.FOLATE,
            "Serum folate",
            "2284-8",  # DOMAIN.md §2 L36
            (
                UnitSpec("ng/mL", "ng/mL"),
                UnitSpec("ug/L", "ug/L", ("µg/L", "μg/L", "mcg/L")),  # 1 ug/L = 1 ng/mL
                # 1 ng/mL = 2.266 nmol/L (DOMAIN.md §2 L36). Rounding a canonical value to 4
                # places moves nmol/L by at most 0.00012, so 3 places round-trip.
                UnitSpec("nmol/L", "nmol/L", to_canonical_den=Decimal("2.266"), places=3),
            ),
            plausible_min=Decimal(0),
            plausible_max=Decimal(200),
        ),
        AnalyteSpec(
            Analyte.FERRITIN,
            "Ferritin",
            "2276-4",  # DOMAIN.md §2 L37
            (
                UnitSpec("ng/mL", "ng/mL"),
                # ng/mL = ug/L (DOMAIN.md §2 L37)
                UnitSpec("ug/L", "ug/L", ("µg/L", "μg/L", "mcg/L")),
            ),
            plausible_min=Decimal(0),
            plausible_max=Decimal(100000),
        ),
        AnalyteSpec(
            Analyte.TSH,
            "Thyroid-stimulating hormone (TSH)",
            "3016-3",  # DOMAIN.md §2 L38
            (
                # DOMAIN.md §2 L38: m[IU]/L, map "mIU/L" and "uIU/mL". "mU/L" is how several
                # UK laboratories print the same unit for TSH.
                UnitSpec("m[IU]/L", "m[IU]/L", ("mIU/L", "mU/L")),
                # 1 uIU/mL = 1 mIU/L (both are 10^-3 IU per litre)
                UnitSpec("u[IU]/mL", "u[IU]/mL", ("uIU/mL", "µIU/mL", "μIU/mL", "uU/mL")),
            ),
            plausible_min=Decimal(0),
            plausible_max=Decimal(500),
        ),
        AnalyteSpec(
            Analyte.HAEMOGLOBIN,
            "Haemoglobin",
            "718-7",  # DOMAIN.md §2 L39
            (
                UnitSpec("g/dL", "g/dL", ("g/100mL", "g%")),
                # 1 g/L = 0.1 g/dL, exact, so 3 places round-trip. mmol/L is deliberately not
                # accepted: published factors differ fourfold (Hb monomer 0.6206 vs tetramer
                # 0.155 per g/dL), and a wrong guess would silently misclassify anaemia.
                UnitSpec("g/L", "g/L", to_canonical_den=Decimal(10), places=3),
            ),
            plausible_min=Decimal(2),
            plausible_max=Decimal(25),
            min_inclusive=True,
        ),
        AnalyteSpec(
            Analyte.MCV,
            "Mean corpuscular volume (MCV)",
            "787-2",  # DOMAIN.md §2 L39
            (UnitSpec("fL", "fL", ("fl", "um3", "µm3", "μm3")),),  # 1 fL = 1 um3 by definition
            plausible_min=Decimal(40),
            plausible_max=Decimal(160),
            min_inclusive=True,
        ),
    )
}


def get_analyte(code: Analyte | str) -> AnalyteSpec:
    """The catalogue entry for an analyte code (case and surrounding spaces ignored)."""
    key = code.strip().lower() if isinstance(code, str) else code
    try:
        return CATALOGUE[Analyte(key)]
    except (ValueError, KeyError):
        known = ", ".join(a.value for a in CATALOGUE)
        raise ClinicalValidationError(
            "analyte", f"Unknown analyte {code!r}; expected one of: {known}.", "unknown_analyte"
        ) from None


def analyte_for_loinc(loinc: str) -> Analyte | None:
    """The analyte a LOINC code denotes, or None when the catalogue does not know the code."""
    for spec in CATALOGUE.values():
        if spec.loinc is not None and spec.loinc == loinc.strip():
            return spec.analyte
    return None


# --- interpretation thresholds ----------------------------------------------------------------
#
# Boundary convention, the same for every analyte (DOMAIN.md §2 writes "< 200", "200-300", "> 300",
# "< 30", "30-40", "> 100", "above 15", "outside 0.4-4.5"):
#   value <  low_cutoff                     -> low ("deficient" for B12); the cutoff itself is not
#   low_cutoff <= value <= normal_above     -> grey zone, both ends inclusive ("borderline" for
#                                              B12; flagged indeterminate/suboptimal elsewhere)
#   value >  high_cutoff                    -> high; the cutoff itself is not


@dataclass(frozen=True, slots=True)
class AnalyteThresholds:
    """Interpretation cutoffs for one analyte, in its canonical unit.

    The Django layer builds these from a clinic's settings row. For B12 ``low_cutoff`` is the
    "deficient below" value and ``normal_above`` the top of the borderline zone; use
    ``AnalyteThresholds.for_b12`` to build them under those names. ``sex`` restricts the entry to
    one sex (haemoglobin); ``None`` applies to everyone.
    """

    analyte: Analyte
    low_cutoff: Decimal | None = None
    normal_above: Decimal | None = None
    high_cutoff: Decimal | None = None
    source: str = ""
    sex: Sex | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "analyte", get_analyte(self.analyte).analyte)
        if self.sex is not None:
            try:
                object.__setattr__(self, "sex", Sex(self.sex))
            except ValueError:
                raise ClinicalValidationError(
                    "sex", f"Unknown sex {self.sex!r}; expected female or male.", "invalid_choice"
                ) from None
        for name in ("low_cutoff", "normal_above", "high_cutoff"):
            raw = getattr(self, name)
            if raw is None:
                continue
            value = as_decimal(raw, name)
            if value <= 0:
                raise ClinicalValidationError(name, "A cutoff must be positive.", "not_positive")
            object.__setattr__(self, name, value)
        low, grey_top, high = self.low_cutoff, self.normal_above, self.high_cutoff
        if low is None and high is None:
            raise ClinicalValidationError(
                "low_cutoff", "Give a low cutoff, a high cutoff or both.", "required"
            )
        if grey_top is not None and low is None:
            raise ClinicalValidationError(
                "normal_above", "normal_above needs a low cutoff below it.", "required"
            )
        if grey_top is not None and low is not None and grey_top < low:
            raise ClinicalValidationError(
                "normal_above", "normal_above must not be below the low cutoff.", "inconsistent"
            )
        if high is not None and any(c is not None and c >= high for c in (low, grey_top)):
            raise ClinicalValidationError(
                "high_cutoff", "The high cutoff must be above the other cutoffs.", "inconsistent"
            )
        if self.analyte is Analyte.B12 and high is not None:
            raise ClinicalValidationError(
                "high_cutoff",
                "B12 is read as deficient, borderline or normal; it has no high cutoff.",
                "not_applicable",
            )

    @classmethod
    def for_b12(
        cls,
        *,
        deficient_below: Decimal | int | str,
        normal_above: Decimal | int | str | None = None,
        source: str = "",
    ) -> AnalyteThresholds:
        return cls(
            Analyte.B12, low_cutoff=deficient_below, normal_above=normal_above, source=source
        )

    @property
    def deficient_below(self) -> Decimal | None:
        """B12 vocabulary for ``low_cutoff``."""
        return self.low_cutoff


@dataclass(frozen=True, slots=True)
class ThresholdSet:
    """A named set of thresholds: the product defaults or a clinic's own (e.g. its laboratory's
    reference ranges, or NICE NG239's B12 180/350). A clinic set may cover only some analytes;
    ``labs.interpretation.interpret`` falls back to ``DEFAULT_THRESHOLDS`` for the rest."""

    name: str
    thresholds: tuple[AnalyteThresholds, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", tuple(self.thresholds))
        seen: set[tuple[Analyte, Sex | None]] = set()
        for entry in self.thresholds:
            key = (entry.analyte, entry.sex)
            if key in seen:
                raise ClinicalValidationError(
                    "thresholds",
                    f"Two threshold entries for {entry.analyte.value}"
                    + (f" ({entry.sex.value})" if entry.sex else "")
                    + f" in {self.name!r}.",
                    "duplicate",
                )
            seen.add(key)

    def lookup(self, analyte: Analyte, sex: Sex | None = None) -> AnalyteThresholds | None:
        """The entry for this sex if there is one, else the entry for everyone, else None."""
        entries = {(e.analyte, e.sex): e for e in self.thresholds}
        return entries.get((analyte, sex)) or entries.get((analyte, None))

    @classmethod
    def of(cls, name: str, thresholds: Iterable[AnalyteThresholds]) -> ThresholdSet:
        return cls(name, tuple(thresholds))


_DOMAIN = "DOMAIN.md §2"
_WHO_HB = "WHO 2011, haemoglobin concentrations for the diagnosis of anaemia"

DEFAULT_THRESHOLDS = ThresholdSet(
    "trichotrack default (DOMAIN.md §2)",
    (
        # L32, seed 004: < 200 pg/mL deficient; 200-300 borderline; > 300 normal
        AnalyteThresholds.for_b12(
            deficient_below=200, normal_above=300, source=f"{_DOMAIN}, seed 004"
        ),
        # L33: elevated above 0.40 umol/L = 400 nmol/L (Mayo)
        AnalyteThresholds(Analyte.MMA, high_cutoff=Decimal(400), source=f"{_DOMAIN}, Mayo"),
        # L34: < 25 deficient; 25-70 indeterminate; > 70 deficiency unlikely (NICE)
        AnalyteThresholds(
            Analyte.HOLOTC,
            low_cutoff=Decimal(25),
            normal_above=Decimal(70),
            source=f"{_DOMAIN}, NICE",
        ),
        # L35: above about 15 umol/L raised
        AnalyteThresholds(Analyte.HOMOCYSTEINE, high_cutoff=Decimal(15), source=_DOMAIN),
        # L36: < 3 ng/mL (7 nmol/L) deficient
        AnalyteThresholds(Analyte.FOLATE, low_cutoff=Decimal(3), source=f"{_DOMAIN}, seed 004"),
        # L37: < 30 ng/mL a hair-loss cause to rule out; 30-40 suboptimal (contested)
        AnalyteThresholds(
            Analyte.FERRITIN, low_cutoff=Decimal(30), normal_above=Decimal(40), source=_DOMAIN
        ),
        # L38: outside 0.4-4.5 m[IU]/L: thyroid dysfunction to rule out
        AnalyteThresholds(
            Analyte.TSH,
            low_cutoff=Decimal("0.4"),
            high_cutoff=Decimal("4.5"),
            source=f"{_DOMAIN}, seed 004",
        ),
        # L39 names anaemia without a number; the cutoffs are WHO's for non-pregnant adults.
        AnalyteThresholds(
            Analyte.HAEMOGLOBIN, low_cutoff=Decimal(12), source=_WHO_HB, sex=Sex.FEMALE
        ),
        AnalyteThresholds(
            Analyte.HAEMOGLOBIN, low_cutoff=Decimal(13), source=_WHO_HB, sex=Sex.MALE
        ),
        # Sex not recorded: the lower (women's) cutoff, so nobody is called anaemic who would
        # not be for either sex; a man at 12.0-12.9 g/dL is missed until his sex is recorded.
        AnalyteThresholds(
            Analyte.HAEMOGLOBIN,
            low_cutoff=Decimal(12),
            source=f"{_WHO_HB} (women's cutoff; sex not recorded)",
        ),
        # L39: macrocytosis above 100 fL. The 80 fL lower limit is the usual adult reference
        # interval (not in DOMAIN.md); a clinic's laboratory range should replace it.
        AnalyteThresholds(
            Analyte.MCV,
            low_cutoff=Decimal(80),
            high_cutoff=Decimal(100),
            source=f"{_DOMAIN} (> 100 fL); usual adult reference interval (< 80 fL)",
        ),
    ),
)
