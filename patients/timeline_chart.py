"""Printable timeline: serum B12 and mean hair density on one time axis (DOMAIN.md §4, seed 004).

Uses `matplotlib.figure.Figure` with the Agg canvas directly (no pyplot, no global state), so it
is safe to call from several threads at once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from patients.clinical_inputs import LabPoint, ProtocolPeriod, add_months, labs_for
from patients.clinical_thresholds import B12_DEFICIENT_BELOW_PG_ML, B12_NORMAL_ABOVE_PG_ML
from patients.recovery import PHASES, Course, expected_band_curve

RULES_VERSION = "timeline-chart-1.0.0"

A4_LANDSCAPE_INCHES = (11.69, 8.27)
DPI = 150
FONT_SIZE = 11

PROTOCOL_COLOURS = {
    "high_dose_oral": "#9ecae1",
    "sublingual": "#c6dbef",
    "loading_im": "#fdae6b",
    "maintenance_im": "#fdd0a2",
    "dietary_correction": "#a1d99b",
    "maintenance_oral": "#dadaeb",
}
PROTOCOL_LABELS = {
    "high_dose_oral": "High-dose oral B12",
    "sublingual": "Sublingual B12",
    "loading_im": "Loading injections",
    "maintenance_im": "Maintenance injections",
    "dietary_correction": "Dietary correction",
    "maintenance_oral": "Maintenance oral",
}
B12_COLOUR = "#d62728"
DENSITY_COLOUR = "#1f4e79"
BAND_COLOUR = "#2ca02c"


def render_timeline(
    course: Course,
    labs: Sequence[LabPoint],
    protocols: Sequence[ProtocolPeriod],
    *,
    fmt: Literal["png", "svg"] = "png",
    b12_cutoffs: tuple[float, float] = (B12_DEFICIENT_BELOW_PG_ML, B12_NORMAL_ABOVE_PG_ML),
    title: str = "B12 and hair density timeline",
) -> bytes:
    """Render the timeline as PNG or SVG bytes. `b12_cutoffs` are the clinic's
    (deficient-below, normal-above) lines in pg/mL."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported format {fmt!r}: use 'png' or 'svg'")
    fig = Figure(figsize=A4_LANDSCAPE_INCHES, dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(rect=(0.0, 0.025, 1.0, 0.975))  # room for the footer
    FigureCanvasAgg(fig)
    b12 = labs_for(labs, "b12")
    points = course.points

    ax = fig.add_subplot(1, 1, 1)
    subtitle = (
        f"Verdict: {course.verdict.replace('_', ' ')} - {course.verdict_reason}"
        if points or b12
        else ""
    )
    fig.suptitle(title, fontsize=FONT_SIZE + 5, fontweight="bold")
    ax.set_title(_wrap(subtitle, 150), fontsize=FONT_SIZE - 1, loc="left")

    if not points and not b12:
        ax.text(
            0.5,
            0.5,
            "No data yet: no B12 results or scalp photos recorded.",
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 4,
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        _footer(fig, course)
        return _save(fig, fmt)

    days = [p.collected_on for p in b12] + [p.taken_on for p in points]
    days += [p.start_date for p in protocols]
    first, last = min(days), max(days + [course.assessed_on])
    if course.treatment_start is not None:
        last = max(last, min(add_months(course.treatment_start, 12), course.assessed_on))
    pad = timedelta(days=max(7, (last - first).days // 30))
    x_min, x_max = first - pad, last + pad

    handles: list = []
    # Treatment periods (shaded).
    seen: set[str] = set()
    for period in sorted(protocols, key=lambda p: p.start_date):
        end = period.end_date or x_max
        colour = PROTOCOL_COLOURS.get(period.kind, "#dddddd")
        alpha = 0.35 if period.end_date else 0.2
        ax.axvspan(period.start_date, end, color=colour, alpha=alpha, lw=0, zorder=0)
        if period.kind not in seen:
            seen.add(period.kind)
            dose = f" {period.dose_mcg:g} mcg" if period.dose_mcg else ""
            handles.append(
                Patch(
                    color=colour,
                    alpha=0.5,
                    label=PROTOCOL_LABELS.get(period.kind, period.kind) + dose,
                )
            )

    # B12 on the left axis with the band lines.
    deficient, normal = b12_cutoffs
    if b12:
        (line,) = ax.plot(
            [p.collected_on for p in b12],
            [p.value for p in b12],
            "o-",
            color=B12_COLOUR,
            lw=2,
            ms=7,
            label="Serum B12 (pg/mL)",
            zorder=5,
        )
        handles.append(line)
    ax.axhline(deficient, color=B12_COLOUR, ls=":", lw=1.2)
    ax.axhline(normal, color=B12_COLOUR, ls="--", lw=1.2)
    for level, text in (
        (deficient, f"B12 deficient < {deficient:g} "),
        (normal, f"B12 normal > {normal:g} "),
    ):
        ax.text(
            x_max, level, text, color=B12_COLOUR, va="bottom", ha="right", fontsize=FONT_SIZE - 2
        )
    top = max([p.value for p in b12] + [normal]) * 1.25
    ax.set_ylim(0, top)
    ax.set_ylabel("Serum B12 (pg/mL)", color=B12_COLOUR, fontsize=FONT_SIZE + 1)
    ax.tick_params(axis="y", colors=B12_COLOUR, labelsize=FONT_SIZE)

    # Phase boundaries.
    if course.treatment_start is not None:
        for phase in PHASES:
            start = phase.starts_on(course.treatment_start)
            if x_min <= start <= x_max:
                ax.axvline(start, color="#555555", ls="-.", lw=0.8, zorder=1)
                ax.text(
                    start,
                    top * 0.98,
                    f" {phase.label}",
                    rotation=90,
                    va="top",
                    ha="left",
                    fontsize=FONT_SIZE - 2,
                    color="#333333",
                )

    if x_min <= course.assessed_on <= x_max:
        ax.axvline(course.assessed_on, color="#000000", lw=1.0, ls="-", zorder=1)
        ax.text(course.assessed_on, top * 0.02, " today", fontsize=FONT_SIZE - 2, va="bottom")

    # Density on the right axis.
    ax2 = ax.twinx()
    if points:
        dates = [p.taken_on for p in points]
        values = [p.compared_hair_density_per_cm2 for p in points]
        if course.treatment_start is not None and course.reference_nadir_per_cm2 is not None:
            curve = expected_band_curve(
                course.treatment_start,
                x_max,
                nadir=course.reference_nadir_per_cm2,
                baseline=course.baseline.compared_hair_density_per_cm2 if course.baseline else 0,
            )
            if curve:
                band = ax2.fill_between(
                    [b.on for b in curve],
                    [b.low_per_cm2 for b in curve],
                    [b.high_per_cm2 for b in curve],
                    color=BAND_COLOUR,
                    alpha=0.18,
                    lw=0,
                    label="Expected recovery band (DOMAIN.md §4)",
                )
                handles.append(band)
        (dline,) = ax2.plot(
            dates,
            values,
            "s-",
            color=DENSITY_COLOUR,
            lw=2.2,
            ms=7,
            label="Mean hair density (hairs/cm2)",
            zorder=6,
        )
        handles.append(dline)
        if course.baseline is not None:
            (bmark,) = ax2.plot(
                [course.baseline.taken_on],
                [course.baseline.compared_hair_density_per_cm2],
                marker="*",
                ms=18,
                color="#ff7f0e",
                ls="none",
                label=f"Baseline {course.baseline.compared_hair_density_per_cm2:.0f}",
                zorder=7,
            )
            handles.append(bmark)
        if course.nadir is not None:
            (nmark,) = ax2.plot(
                [course.nadir.taken_on],
                [course.nadir.compared_hair_density_per_cm2],
                marker="v",
                ms=13,
                color="#7f0000",
                ls="none",
                label=f"Nadir {course.nadir.compared_hair_density_per_cm2:.0f}",
                zorder=7,
            )
            handles.append(nmark)
        low, high = min(values), max(values)
        if course.baseline is not None:
            high = max(high, course.baseline.compared_hair_density_per_cm2 * 1.1)
        ax2.set_ylim(max(0.0, low * 0.75), high * 1.15)
    ax2.set_ylabel("Mean hair density (hairs/cm2)", color=DENSITY_COLOUR, fontsize=FONT_SIZE + 1)
    ax2.tick_params(axis="y", colors=DENSITY_COLOUR, labelsize=FONT_SIZE)

    ax.set_xlim(x_min, x_max)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    ax.grid(axis="x", color="#e0e0e0", lw=0.6)
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(4, max(1, len(handles))),
        fontsize=FONT_SIZE - 1,
        frameon=False,
    )
    _footer(fig, course)
    return _save(fig, fmt)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return "\n".join(lines)


def _footer(fig: Figure, course: Course) -> None:
    zones = ", ".join(course.comparison_zones) or "all zones measured"
    fig.text(
        0.01,
        0.005,
        f"As of {course.assessed_on:%d %b %Y}. Density = mean over {zones}. "
        f"Decision support, not a diagnosis. Rules {course.rules_version}, {RULES_VERSION}.",
        fontsize=FONT_SIZE - 3,
        color="#555555",
    )


def _save(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()
