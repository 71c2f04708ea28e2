"""Deterministic synthetic trichoscopy scenes with exact ground truth.

The generator models the physics the analyser must cope with: hairs leave the scalp at exit
points grouped in follicular units, clipped stubs or long curved shafts (including shafts of
hairs whose follicles lie outside the frame), anti-aliased rendering with a specular core and
tapered free tips, skin tone, hair colour (incl. hairs lighter than skin), and artefacts: glare,
scales, yellow dots, empty follicular openings, vignetting, blur, noise and JPEG compression.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

# Skin colours (RGB) from light to dark; hair colours per named class.
_SKIN_LIGHT = np.array([236.0, 204.0, 186.0])
_SKIN_DARK = np.array([92.0, 62.0, 48.0])
HAIR_COLOURS: dict[str, tuple[float, float, float]] = {
    "black": (28.0, 24.0, 24.0),
    "brown": (92.0, 62.0, 42.0),
    "blond": (196.0, 164.0, 112.0),
    "grey": (226.0, 226.0, 222.0),
}


@dataclass(frozen=True)
class SceneParams:
    """Everything that defines a synthetic scene; ``seed`` makes it reproducible."""

    width: int = 1000
    height: int = 750
    pixels_per_mm: float = 120.0
    clipped: bool = True
    hair_density_per_cm2: float = 200.0
    hairs_per_fu_weights: tuple[float, ...] = (0.3, 0.42, 0.22, 0.06)  # P(1), P(2), P(3), P(4)
    terminal_diameter_um: tuple[float, float] = (68.0, 10.0)  # mean, sd
    vellus_fraction: float = 0.1
    vellus_diameter_um: tuple[float, float] = (28.0, 5.0)
    skin_tone: float = 0.2  # 0 = very light, 1 = very dark
    hair_colour: str = "black"
    pigmented_fraction_in_grey: float = 0.25  # greying scalps keep some pigmented hairs
    glare_spots: int = 0
    scales: int = 0
    yellow_dots: int = 0
    empty_openings: int = 0
    vignetting: float = 0.0  # 0..0.6 relative darkening at the corners
    blur_sigma_px: float = 0.0
    noise_sigma: float = 0.0  # grey levels
    jpeg_quality: int | None = None
    supersample: int | None = None  # None = automatic (3 for small scenes, 1 for huge ones)
    seed: int = 0
    # REALISTIC physics (the default False keeps the original "harsh" scenes bit-identical):
    # hairs of a unit leave one visible, darker follicular opening; phototrichogram stubs are
    # ~0.4-0.6 mm (telogen) or clipped + 2-3 days of 0.3 mm/day growth (anagen, ~0.9-1.5 mm,
    # DOMAIN.md section 7); unclipped shafts run for millimetres across the frame and leave the
    # depth of field (defocus fade) instead of ending in a tapered tip, so tips are rarely seen.
    realistic: bool = False
    telogen_fraction: float = 0.12
    days_since_clipping: float = 2.5


@dataclass(frozen=True)
class GroundTruth:
    """Exact answer for a synthetic scene (exit points inside the frame only)."""

    hair_count: int
    fu_count: int
    mean_diameter_um: float
    exit_points: np.ndarray  # (n, 2) x, y in pixels
    diameters_um: np.ndarray
    fu_labels: np.ndarray
    pass_through_count: int
    area_cm2: float
    clipped: bool
    # drawn centre line of each counted hair (same order as ``diameters_um``), (n, 2) x, y in
    # pixels from the exit point to the free end (incl. tapered tip / defocus fade); with
    # supersampling the drawn line lies (ss - 1) / (2 ss) px up-left of these coordinates
    centrelines: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class SyntheticScene:
    image: np.ndarray  # HxWx3 uint8 RGB
    truth: GroundTruth
    params: SceneParams = field(repr=False)


def _poisson_disc(
    rng: np.random.Generator, box: tuple[float, float, float, float], n: int, min_dist: float
) -> np.ndarray:
    """Up to ``n`` points in ``box`` with a minimum spacing (dart throwing, grid accelerated)."""
    x0, y0, x1, y1 = box
    cell = min_dist / np.sqrt(2.0)
    gw, gh = int(np.ceil((x1 - x0) / cell)) + 1, int(np.ceil((y1 - y0) / cell)) + 1
    grid = -np.ones((gh, gw), dtype=np.int64)
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n and tries < n * 60:
        cand = rng.uniform((x0, y0), (x1, y1), size=(256, 2))
        for cx, cy in cand:
            tries += 1
            gx, gy = int((cx - x0) / cell), int((cy - y0) / cell)
            near = grid[max(gy - 2, 0) : gy + 3, max(gx - 2, 0) : gx + 3]
            idx = near[near >= 0]
            if idx.size:
                p = np.asarray([pts[i] for i in idx])
                if np.min(np.hypot(p[:, 0] - cx, p[:, 1] - cy)) < min_dist:
                    continue
            grid[gy, gx] = len(pts)
            pts.append((cx, cy))
            if len(pts) >= n:
                break
    return np.asarray(pts, dtype=np.float64).reshape(-1, 2)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, scale_px: float) -> np.ndarray:
    """Zero-mean unit-ish smooth noise field with correlation length ``scale_px``."""
    f = max(int(scale_px / 3), 1)
    small = rng.standard_normal((h // f + 2, w // f + 2)).astype(np.float32)
    small = cv2.GaussianBlur(small, (0, 0), 1.5)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return big / (big.std() + 1e-6)


def _hair_path(
    rng: np.random.Generator,
    start: np.ndarray,
    theta: float,
    length_mm: float,
    ppm: float,
    curvature_per_mm: float,
) -> np.ndarray:
    """Centre line of a gently curved shaft as (n, 2) pixel points every ~0.04 mm."""
    step_mm = 0.04
    n = max(int(length_mm / step_mm), 2)
    s = np.arange(n) * step_mm
    wiggle = np.cumsum(rng.normal(0, 0.01, n))
    heading = theta + curvature_per_mm * s + wiggle
    d = np.stack([np.cos(heading), np.sin(heading)], 1) * step_mm * ppm
    pts = start + np.vstack([[0.0, 0.0], np.cumsum(d[:-1], 0)])
    return pts


def _draw_shaft(
    cov: np.ndarray,
    col: np.ndarray,
    hl: np.ndarray,
    pts: np.ndarray,
    ss: int,
    diam_px: float,
    colour: np.ndarray,
    opacity: float,
    taper_len: int,
    root_fade: int,
    defocus: tuple[np.ndarray, np.ndarray, int, float] | None = None,
) -> None:
    """Draw one shaft into the supersampled coverage/colour/highlight canvases.

    ``defocus`` = (coverage, colour, samples, ppm): the last ``samples`` points of the shaft
    rise out of the depth of field: drawn (at 1x) ever wider and fainter into separate canvases
    that are blurred before compositing, so no tapered tip is visible.
    """
    shift = 3
    sp = np.round(pts * ss * (1 << shift)).astype(np.int32)
    t_full = max(int(round(diam_px * ss)), 1)
    n = len(sp)
    a = int(round(255 * opacity))
    c = tuple(float(v) * opacity for v in colour)
    body_end = n - taper_len
    if defocus is not None and defocus[2] > 0:
        dcov, dcol, nd, _ = defocus
        nd = min(nd, n - 3)
        body_end = n - nd
        dp = np.round(pts * (1 << shift)).astype(np.int32)
        chunk = 3
        for k0 in range(0, nd, chunk):
            i = body_end - 1 + k0
            if i + 2 > n:
                break
            f = 1.0 - (k0 + 1) / (nd + 1)
            t = max(int(round(diam_px * (1.0 + 1.5 * (1.0 - f)))), 1)
            seg = dp[i : min(i + chunk + 1, n)].reshape(-1, 1, 2)
            cv2.polylines(dcov, [seg], False, int(a * f), t, cv2.LINE_AA, shift)
            cv2.polylines(dcol, [seg], False, tuple(v * f for v in c), t, cv2.LINE_AA, shift)
    # root fade: the shaft emerges from under translucent epidermis over a few samples
    for i in range(min(root_fade, body_end - 1)):
        f = (i + 1) / (root_fade + 1)
        seg = sp[i : i + 2].reshape(-1, 1, 2)
        cv2.polylines(cov, [seg], False, int(a * f), t_full, cv2.LINE_8, shift)
        cv2.polylines(col, [seg], False, tuple(v * f for v in c), t_full, cv2.LINE_8, shift)
    start = min(root_fade, max(body_end - 1, 0))
    body = sp[start : max(body_end, start + 2)].reshape(-1, 1, 2)
    cv2.polylines(cov, [body], False, a, t_full, cv2.LINE_8, shift)
    cv2.polylines(col, [body], False, c, t_full, cv2.LINE_8, shift)
    t_hl = max(int(round(diam_px * ss * 0.28)), 1)
    if diam_px * ss >= 4:
        cv2.polylines(hl, [body], False, int(70 * opacity), t_hl, cv2.LINE_8, shift)
    for k in range(taper_len):  # tapered, fading free tip
        i = body_end - 1 + k
        if i + 2 > n:
            break
        f = 1.0 - (k + 1) / (taper_len + 1)
        t = max(int(round(t_full * (0.25 + 0.75 * f))), 1)
        seg = sp[i : i + 2].reshape(-1, 1, 2)
        cv2.polylines(cov, [seg], False, int(a * (0.3 + 0.7 * f)), t, cv2.LINE_8, shift)
        cv2.polylines(
            col, [seg], False, tuple(v * (0.3 + 0.7 * f) for v in c), t, cv2.LINE_8, shift
        )


def _drawn_width(thickness: int) -> int:
    """Width OpenCV actually draws for a thick LINE_8 polyline of ``thickness`` (measured:
    2 * ((t + 1) // 2) + 1, e.g. 3 -> 5, 4 -> 5, 20 -> 21; a 1-pixel line stays 1)."""
    return 1 if thickness <= 1 else 2 * ((thickness + 1) // 2) + 1


def _blob(
    canvas: np.ndarray,
    alpha: np.ndarray,
    centre: tuple[float, float],
    radii: tuple[float, float],
    angle: float,
    colour: np.ndarray,
    a: float,
) -> None:
    c = (int(round(centre[0] * 8)), int(round(centre[1] * 8)))
    ax = (max(int(round(radii[0] * 8)), 8), max(int(round(radii[1] * 8)), 8))
    cv2.ellipse(canvas, c, ax, angle, 0, 360, tuple(float(v) for v in colour), -1, cv2.LINE_AA, 3)
    cv2.ellipse(alpha, c, ax, angle, 0, 360, float(a), -1, cv2.LINE_AA, 3)


def _composite(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return img * (1.0 - a) + colour * a


def _draw_openings(
    rng: np.random.Generator,
    skin: np.ndarray,
    fu_centres: np.ndarray,
    hairs: list,
    skin_rgb: np.ndarray,
    ppm: float,
) -> np.ndarray:
    """Darker follicular openings (ostia with perifollicular shading) under every unit."""
    h, w = skin.shape[:2]
    n_per = np.bincount([hh[0] for hh in hairs], minlength=len(fu_centres))
    ov = np.zeros_like(skin)
    oa = np.zeros((h, w), np.float32)
    pad = 0.3 * ppm
    for c, k in zip(fu_centres, n_per, strict=True):
        r = rng.uniform(0.05, 0.08) * ppm * (1.0 + 0.15 * max(int(k) - 1, 0))
        dark = rng.uniform(0.7, 0.88)
        if not (-pad <= c[0] < w + pad and -pad <= c[1] < h + pad):
            continue
        _blob(ov, oa, (c[0], c[1]), (r, r * 0.85), rng.uniform(0, 180), skin_rgb * dark, 0.85)
    oa = cv2.GaussianBlur(oa, (0, 0), 0.015 * ppm + 0.5)
    ov = cv2.GaussianBlur(ov, (0, 0), 0.015 * ppm + 0.5)
    cover = np.maximum(oa / 0.85, 1e-3)[..., None]  # colour of the opening, not its blurred edge
    return _composite(skin, ov / cover, oa)


def generate_scene(params: SceneParams) -> SyntheticScene:
    """Render a scene and its ground truth; identical params give identical output."""
    p = params
    rng = np.random.default_rng(p.seed)
    h, w, ppm = p.height, p.width, p.pixels_per_mm
    area_mm2 = h * w / ppm**2
    ss = p.supersample or (3 if h * w <= 2_500_000 else 1)

    # --- skin -------------------------------------------------------------------------------
    tone = float(np.clip(p.skin_tone, 0, 1))
    skin_rgb = _SKIN_LIGHT * (1 - tone) + _SKIN_DARK * tone
    skin = np.empty((h, w, 3), np.float32)
    skin[:] = skin_rgb
    low = _smooth_noise(rng, h, w, 1.5 * ppm)
    mid = _smooth_noise(rng, h, w, 0.25 * ppm)
    skin *= (1.0 + 0.05 * low + 0.025 * mid)[..., None]
    blush = _smooth_noise(rng, h, w, 2.0 * ppm)
    skin[..., 0] *= 1.0 + 0.04 * blush

    # --- follicular units and hairs -----------------------------------------------------------
    weights = np.asarray(p.hairs_per_fu_weights, float)
    weights = weights / weights.sum()
    mean_hpf = float(np.dot(np.arange(1, len(weights) + 1), weights))
    real = p.realistic
    margin_mm = 1.0 if p.clipped else (10.0 if real else 6.0)
    m = margin_mm * ppm
    box = (-m, -m, w + m, h + m)
    box_area_mm2 = (w + 2 * m) * (h + 2 * m) / ppm**2
    n_fu = int(round(p.hair_density_per_cm2 / 100.0 * box_area_mm2 / mean_hpf))
    fu_centres = _poisson_disc(rng, box, n_fu, 0.6 * ppm)
    flow = rng.uniform(0, 2 * np.pi)  # hair stream direction of this scalp region

    cov = np.zeros((h * ss, w * ss), np.uint8)
    col = np.zeros((h * ss, w * ss, 3), np.float32)
    hl = np.zeros((h * ss, w * ss), np.uint8)
    exits, diams, labels, pass_through = [], [], [], 0
    lines: list[np.ndarray] = []
    base_colour = np.asarray(HAIR_COLOURS[p.hair_colour])
    hairs = []
    for fu_i, c in enumerate(fu_centres):
        k = int(rng.choice(len(weights), p=weights)) + 1
        fu_theta = flow + rng.normal(0, 0.35)
        for _ in range(k):
            # realistic: all hairs of a unit leave one opening (ostium ~0.1-0.2 mm)
            r = (0.04 if real else 0.12) * ppm * np.sqrt(rng.uniform())
            phi = rng.uniform(0, 2 * np.pi)
            e = c + r * np.array([np.cos(phi), np.sin(phi)])
            vellus = rng.uniform() < p.vellus_fraction
            mu, sd = p.vellus_diameter_um if vellus else p.terminal_diameter_um
            lo_d = 12.0 if vellus else 42.0
            d_um = float(np.clip(rng.normal(mu, sd), lo_d, 130.0))
            hairs.append((fu_i, e, fu_theta + rng.normal(0, 0.15), vellus, d_um))
    if real:
        skin = _draw_openings(rng, skin, fu_centres, hairs, skin_rgb, ppm)
        growth = 0.3 * p.days_since_clipping  # mm of anagen growth since clipping
        dcov = np.zeros((h, w), np.uint8)
        dcol = np.zeros((h, w, 3), np.float32)
    order = rng.permutation(len(hairs))
    for hi in order:
        fu_i, e, theta, vellus, d_um = hairs[hi]
        d_px_ss = max(int(round(d_um / 1000 * ppm * ss)), 1)
        d_px = d_px_ss / ss  # the thickness asked of OpenCV
        d_true = _drawn_width(d_px_ss) / ss / ppm * 1000  # what it actually draws
        colour = base_colour * rng.uniform(0.85, 1.12)
        opacity = rng.uniform(0.8, 0.95)
        if p.hair_colour == "grey" and rng.uniform() < p.pigmented_fraction_in_grey:
            colour = np.asarray(HAIR_COLOURS["brown"]) * rng.uniform(0.6, 1.1)
        if vellus:
            opacity *= rng.uniform(0.55, 0.8)
        defocus = None
        if real and p.clipped:
            if rng.uniform() < p.telogen_fraction:  # resting hair: no growth since clipping
                length = rng.uniform(0.4, 0.6)
            else:
                rate = float(np.clip(rng.normal(1.0, 0.12), 0.7, 1.3))
                length = rng.uniform(0.35, 0.55) + growth * rate
            length = min(length, 1.5)
            pts = _hair_path(rng, e, theta, length, ppm, rng.normal(0, 0.1))
            taper = 0
        elif real:
            if vellus or rng.uniform() < 0.08:  # vellus / regrowing hair: short, tip in view
                length = rng.uniform(1.0, 3.0) if vellus else rng.uniform(1.5, 5.0)
                pts = _hair_path(rng, e, theta, length, ppm, rng.normal(0, 0.12))
                taper = int(min(len(pts) // 3, 1.0 / 0.04))
            else:  # long shaft: lies on the skin for millimetres, then leaves the focus
                focus = rng.uniform(2.5, 8.0)
                fade = rng.uniform(1.0, 2.0)
                pts = _hair_path(rng, e, theta, focus + fade, ppm, rng.normal(0, 0.08))
                taper = 0
                defocus = (dcov, dcol, int(fade / 0.04), ppm)
        elif p.clipped:
            length = rng.uniform(0.25, 0.8)
            pts = _hair_path(rng, e, theta, length, ppm, rng.normal(0, 0.1))
            taper = 0
        else:
            length = rng.uniform(1.0, 3.0) if vellus else rng.uniform(1.5, 7.0)
            pts = _hair_path(rng, e, theta, length, ppm, rng.normal(0, 0.12))
            taper = int(min(len(pts) // 3, 1.0 / 0.04))
        inside = 0 <= e[0] < w and 0 <= e[1] < h
        lo_pts, hi_pts = pts.min(0), pts.max(0)
        in_view = hi_pts[0] >= -5 and hi_pts[1] >= -5 and lo_pts[0] <= w + 5 and lo_pts[1] <= h + 5
        if not in_view:
            continue
        _draw_shaft(cov, col, hl, pts, ss, d_px, colour.clip(0, 255), opacity, taper, 2, defocus)
        if inside:
            exits.append(e)
            diams.append(d_true)
            labels.append(fu_i)
            lines.append(pts)
        else:
            pass_through += 1

    # --- compose ------------------------------------------------------------------------------
    if ss > 1:
        cov_f = cv2.resize(cov, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        col_f = cv2.resize(col, (w, h), interpolation=cv2.INTER_AREA)
        hl_f = cv2.resize(hl, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    else:
        cov_f = cv2.GaussianBlur(cov.astype(np.float32) / 255, (0, 0), 0.5)
        col_f = cv2.GaussianBlur(col, (0, 0), 0.5)
        hl_f = cv2.GaussianBlur(hl.astype(np.float32) / 255, (0, 0), 0.5)
    del cov, col, hl
    img = skin * (1.0 - cov_f[..., None]) + col_f
    img = img + hl_f[..., None] * (255.0 - img) * 0.6  # specular sheen along the shaft
    if real and not p.clipped:
        sig = 0.02 * ppm
        dc = cv2.GaussianBlur(dcov.astype(np.float32) / 255, (0, 0), sig)
        dco = cv2.GaussianBlur(dcol, (0, 0), sig)
        img = img * (1.0 - dc[..., None]) + dco
        del dcov, dcol

    # --- artefacts ----------------------------------------------------------------------------
    ov = np.zeros_like(img)
    oa = np.zeros((h, w), np.float32)

    def rand_xy() -> tuple[float, float]:
        return float(rng.uniform(0, w)), float(rng.uniform(0, h))

    for _ in range(p.yellow_dots):
        r = rng.uniform(0.05, 0.17) * ppm
        _blob(
            ov,
            oa,
            rand_xy(),
            (r, r * rng.uniform(0.8, 1.0)),
            rng.uniform(0, 180),
            np.array([222.0, 190.0, 110.0]) * rng.uniform(0.9, 1.05),
            rng.uniform(0.55, 0.85),
        )
    for _ in range(p.empty_openings):
        r = rng.uniform(0.04, 0.1) * ppm
        _blob(
            ov,
            oa,
            rand_xy(),
            (r, r * rng.uniform(0.75, 1.0)),
            rng.uniform(0, 180),
            skin_rgb * rng.uniform(0.45, 0.7),
            rng.uniform(0.6, 0.9),
        )
    for _ in range(p.scales):
        cx, cy = rand_xy()
        n_v = int(rng.integers(6, 12))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n_v))
        rad = rng.uniform(0.15, 0.7) * ppm * rng.uniform(0.5, 1.0, n_v)
        poly = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1)
        cv2.fillPoly(
            ov, [np.round(poly * 8).astype(np.int32)], (240.0, 238.0, 232.0), cv2.LINE_AA, 3
        )
        cv2.fillPoly(
            oa, [np.round(poly * 8).astype(np.int32)], float(rng.uniform(0.35, 0.7)), cv2.LINE_AA, 3
        )
    if p.yellow_dots or p.empty_openings or p.scales:
        oa = cv2.GaussianBlur(oa, (0, 0), 0.8)
        ov = cv2.GaussianBlur(ov, (0, 0), 0.8)
        img = _composite(img, ov, oa)
    for _ in range(p.glare_spots):
        cx, cy = rand_xy()
        r = rng.uniform(0.08, 0.6) * ppm
        g = np.zeros((h, w), np.float32)
        cv2.ellipse(
            g,
            (int(cx), int(cy)),
            (int(r), int(r * rng.uniform(0.3, 1.0))),
            rng.uniform(0, 180),
            0,
            360,
            1.0,
            -1,
            cv2.LINE_AA,
        )
        g = cv2.GaussianBlur(g, (0, 0), max(r / 3, 1.0))
        img = img + (255.0 - img) * (0.9 * g / max(float(g.max()), 1e-6))[..., None]

    # illumination: vignetting and a gentle gradient
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rr = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    gx, gy = rng.normal(0, 0.05, 2)
    illum = (1.0 - p.vignetting * rr) * (1.0 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5))
    img = img * illum[..., None]
    if p.blur_sigma_px > 0:
        img = cv2.GaussianBlur(img, (0, 0), p.blur_sigma_px)
    if p.noise_sigma > 0:
        img = img + rng.normal(0, p.noise_sigma, img.shape).astype(np.float32)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    if p.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, p.jpeg_quality])
        out = np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])

    ex = np.asarray(exits, float).reshape(-1, 2)
    lab = np.asarray(labels, int)
    dia = np.asarray(diams, float)
    truth = GroundTruth(
        hair_count=len(ex),
        fu_count=int(np.unique(lab).size),
        mean_diameter_um=float(dia.mean()) if dia.size else float("nan"),
        exit_points=ex,
        diameters_um=dia,
        fu_labels=lab,
        pass_through_count=pass_through,
        area_cm2=area_mm2 / 100.0,
        clipped=p.clipped,
        centrelines=tuple(lines),
    )
    return SyntheticScene(image=out, truth=truth, params=p)


def random_params(
    rng: np.random.Generator,
    *,
    clipped: bool,
    seed: int,
    width: int = 1000,
    height: int = 750,
    realistic: bool = False,
) -> SceneParams:
    """A varied scene (used by the accuracy benchmark).

    ``realistic=False`` is the original "harsh" category; ``realistic=True`` draws the same
    parameters and then applies the realistic physics (see ``SceneParams.realistic``) with a
    dermoscope's usual image quality (mild blur/noise, JPEG quality >= 75).
    """
    colour = str(rng.choice(list(HAIR_COLOURS)))
    hpf_mean = rng.uniform(1.7, 2.5)
    w1 = float(np.clip(0.55 - 0.22 * (hpf_mean - 1.7) / 0.8 * 1.5, 0.15, 0.5))
    weights = (w1, 0.45, max(0.0, 0.6 - w1 - 0.1), 0.1)
    params = SceneParams(
        width=width,
        height=height,
        pixels_per_mm=float(rng.uniform(80, 200)),
        clipped=clipped,
        hair_density_per_cm2=float(rng.uniform(80, 300)),
        hairs_per_fu_weights=weights,
        terminal_diameter_um=(float(rng.uniform(55, 80)), float(rng.uniform(6, 14))),
        vellus_fraction=float(rng.uniform(0.0, 0.25)),
        skin_tone=float(rng.uniform(0, 1)),
        hair_colour=colour,
        glare_spots=int(rng.integers(0, 4)),
        scales=int(rng.integers(0, 6)),
        yellow_dots=int(rng.integers(0, 10)),
        empty_openings=int(rng.integers(0, 10)),
        vignetting=float(rng.uniform(0, 0.5)),
        blur_sigma_px=float(rng.uniform(0, 1.2)),
        noise_sigma=float(rng.uniform(0, 6)),
        jpeg_quality=int(rng.integers(60, 96)) if rng.uniform() < 0.7 else None,
        seed=seed,
    )
    if not realistic:
        return params
    return replace(
        params,
        realistic=True,
        blur_sigma_px=params.blur_sigma_px * 0.6,
        noise_sigma=params.noise_sigma * 0.7,
        jpeg_quality=None if params.jpeg_quality is None else max(params.jpeg_quality, 75),
        telogen_fraction=float(rng.uniform(0.08, 0.18)),
        days_since_clipping=float(rng.uniform(2.0, 3.0)),
    )
