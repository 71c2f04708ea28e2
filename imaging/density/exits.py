"""From a shaft skeleton to counted hairs: crossing resolution, pass-through rejection, exits.

The skeleton is cut at junctions into branches; at each junction, branches that continue each
other in direction are re-joined (a hair crossing another keeps its course), so every hair
becomes one path. A path whose two free ends both lie on the image border is a shaft passing
through from a follicle outside the frame and is not counted; otherwise the path is one hair
and its exit point is the free end that is not a tapered tip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .grouped import group_median
from .skeleton import Branches, neighbour_stats, split_branches, thin

# Geometry in millimetres (shafts 60-80 um, stubs ~0.5 mm: DOMAIN.md sections 5 and 7).
MIN_SHAFT_LENGTH_MM = 0.15  # shorter skeletons are dots/openings, not shafts
MIN_ELONGATION = 2.2  # length / width; yellow dots and openings are round
DIRECTION_SPAN_MM = 0.18  # stretch used to measure a branch's direction at an end
BRIDGE_MAX_MM = 0.3  # junction pairs closer than this are one crossing at a shallow angle
CONTINUITY_COS = np.cos(np.deg2rad(38.0))  # a hair keeps its course through a crossing
THROUGH_COS = np.cos(np.deg2rad(60.0))
GAP_MAX_MM = 0.25  # faint shafts broken by noise are re-joined over at most this gap
GAP_COS = np.cos(np.deg2rad(30.0))
TIP_TAPER_RATIO = 0.55  # free end weaker than this fraction of the shaft = tapered tip
TIP_WINDOW_MM = (0.05, 0.4)
# Beyond a root there is skin (past the ~0.1-0.2 mm opening); beyond a break at a crossing or
# an out-of-focus stretch the shaft goes on: mean contrast on the extension above this
# fraction of the path's median contrast means the end is not where the shaft starts
CONTINUE_MM = (0.15, 0.45)
CONTINUE_RATIO = 0.17
# A root lies in focus on the skin: full contrast up to where the shaft enters its opening. A
# shaft rising out of the depth of field fades: blur spreads it, so its peak contrast falls
# while contrast x width (the tapered-tip test) holds. On a branch long enough to show its own
# contrast (DEFOCUS_BRANCH_MM), an end whose TIP_WINDOW_MM stretch is below DEFOCUS_RATIO of
# the branch's median contrast is such a fade, where the centrelines are sparse
# (CROWDED_LINE_DENSITY): in a mesh, shafts lying over each other vary a shaft's contrast
# along it and the test removed roots as well. It applies to junction ends too: a widening,
# fading band often forks at its end. Seed-3 benchmark, realistic long hair at 40 hairs/cm2:
# 50.0 -> 39.4 % median count error; at normal density unchanged.
DEFOCUS_BRANCH_MM = 1.0
DEFOCUS_RATIO = 0.7
# A hair's exit in the clear is followed by millimetres of shaft as wide as the scene's other
# shafts (60-80 um terminal, DOMAIN.md section 5). A path shorter than FRAGMENT_MAX_MM that is
# also thinner than FRAGMENT_WIDTH_RATIO of the shafts traced over REFERENCE_SHAFT_MM is a
# sliver (a halo edge, a piece of a defocus band, skin texture), not a hair, where the centreline
# is sparse (below CROWDED_LINE_DENSITY mm of line per mm2 within CROWDED_WINDOW_MM): there no
# crossing can have hidden the rest of its shaft. In a crowded mesh the piece may be a root whose
# shaft is lost among the crossings, and it is left alone.
FRAGMENT_MAX_MM = 0.6
FRAGMENT_WIDTH_RATIO = 0.7
REFERENCE_SHAFT_MM = 2.0
CROWDED_LINE_DENSITY = 3.0
CROWDED_WINDOW_MM = 1.0
END_FREE, END_NODE, END_BORDER, END_NONE = 0, 1, 2, 3


@dataclass
class TracedHair:
    exit_xy: tuple[float, float]  # working-resolution pixels
    path: int
    polyline: np.ndarray  # (n, 2) working-resolution pixels along the shaft


@dataclass
class Traced:
    hairs: list[TracedHair]
    n_paths: int
    skel: np.ndarray  # cleaned skeleton
    skel_path: np.ndarray  # path id per pixel (-1 none)
    measurable: np.ndarray  # bool, clean stretch of shaft for diameter measurement
    step_px: np.ndarray  # shaft length represented by each skeleton pixel
    path_length_px: np.ndarray
    clipped: bool
    typical_width_px: float


def _crossing_pixels(skel: np.ndarray) -> np.ndarray:
    """uint8 map of skeleton pixels whose neighbours fall into three or more groups."""
    idx, _, groups = neighbour_stats(skel)
    junction = np.zeros(skel.size, np.uint8)
    junction[idx[groups >= 3]] = 1
    return junction.reshape(skel.shape)


def _node_regions(junction: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Junction pixels grown by ``radius`` into node regions, labelled (0: none)."""
    k = 2 * radius + 1
    region = cv2.dilate(junction, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, lab = cv2.connectedComponents(region, connectivity=8)
    return region.astype(bool), lab, n - 1


def _end_info(
    br: Branches, node_lab: np.ndarray, border_px: float, span_px: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per branch end (n, 2): xy, node id (-1), type, unit direction into the branch."""
    h, w = br.shape
    n = br.n
    xy = br.xy(br.ends.ravel()).reshape(n, 2, 2)
    node_d = cv2.dilate(node_lab.astype(np.float32), np.ones((3, 3), np.uint8)).ravel()
    node = node_d[br.ends.ravel()].astype(np.int64).reshape(n, 2) - 1
    x, y = xy[..., 0], xy[..., 1]
    border = (x < border_px) | (y < border_px) | (x > w - 1 - border_px) | (y > h - 1 - border_px)
    typ = np.where(node >= 0, END_NODE, np.where(border, END_BORDER, END_FREE))
    typ[br.loop] = END_NONE
    b = np.arange(n)
    p0 = br.xy(br.point_at(b, np.full(n, span_px)))
    p1 = br.xy(br.point_at(b, br.length - span_px))
    u = np.stack([p0 - xy[:, 0], p1 - xy[:, 1]], 1)
    norm = np.linalg.norm(u, axis=-1, keepdims=True)
    u = np.where(norm > 0, u / np.maximum(norm, 1e-9), 0.0)
    return xy, node, typ, u


def _graph(
    skel: np.ndarray,
    node_radius: int,
    border_px: float,
    span_px: float,
    junction: np.ndarray | None = None,
):
    """Branches between junctions and their ends (see _end_info); ``junction``: the junction
    pixel map (default: neighbours in three or more groups)."""
    if junction is None:
        junction = _crossing_pixels(skel)
    region, node_lab, n_nodes = _node_regions(junction, node_radius)
    br = split_branches(skel, region)
    xy, node, typ, u = _end_info(br, node_lab, border_px, span_px)
    return br, xy, node, typ, u, n_nodes


def _union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    if n == 0:
        return np.zeros(0, np.int64)
    if len(pairs) == 0:
        return np.arange(n)
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _prune_spurs(skel: np.ndarray, n_px: int) -> np.ndarray:
    """Remove side spurs up to ``n_px`` long and keep the ends of the lines.

    Endpoint erosion ``n_px`` times, then regrowth from the surviving ends along the original
    skeleton by as much (classic pruning). Components eroded away entirely are kept as they
    were: whether a short isolated fragment is a hair is decided later, not here.
    """
    if n_px < 1 or not skel.any():
        return skel
    k = np.ones((3, 3), np.float32)
    orig = skel.astype(np.uint8)
    img = orig.copy()
    for _ in range(n_px):
        nb = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_CONSTANT) - img
        img[(img == 1) & (nb == 1)] = 0
    nb = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_CONSTANT) - img
    grow = ((img == 1) & (nb <= 1)).astype(np.uint8)
    out = img.copy()
    k8 = np.ones((3, 3), np.uint8)
    for _ in range(n_px):
        grow = cv2.dilate(grow, k8) & orig & (1 - out)
        out |= grow
    n_c, lab = cv2.connectedComponents(orig, connectivity=8)
    alive = np.zeros(n_c, bool)
    alive[lab[out > 0]] = True
    out[(orig > 0) & ~alive[lab]] = 1
    return thin(out.astype(bool))


def _thin_isolated_fragments(
    line_density: np.ndarray,
    dt: np.ndarray,
    br: Branches,
    active: np.ndarray,
    path_of_branch: np.ndarray,
    path_len: np.ndarray,
    end_xy: np.ndarray,
    end_path: np.ndarray,
    ppm: float,
    n_paths: int,
) -> np.ndarray:
    """Per path: a short, thin sliver where the centrelines are sparse (see FRAGMENT_MAX_MM)."""
    frag = np.zeros(n_paths, bool)
    ref = path_len >= REFERENCE_SHAFT_MM * ppm
    if br.n == 0 or ref.sum() < 3:
        return frag  # no shafts of the scene to compare with
    pb = path_of_branch[br.branch]
    wact = active[br.branch].astype(float)
    width = np.bincount(pb, weights=dt.ravel()[br.pix] * wact, minlength=n_paths) / np.maximum(
        np.bincount(pb, weights=wact, minlength=n_paths), 1.0
    )
    frag = (path_len < FRAGMENT_MAX_MM * ppm) & (
        width < FRAGMENT_WIDTH_RATIO * np.median(width[ref])
    )
    if not frag.any():
        return frag
    crowded = np.zeros(n_paths, bool)
    np.logical_or.at(crowded, end_path, _crowded(line_density, end_xy))
    return frag & ~crowded


def _line_density(skel: np.ndarray, ppm: float) -> np.ndarray:
    """mm of centreline per mm2 around every pixel, over CROWDED_WINDOW_MM."""
    k = int(round(CROWDED_WINDOW_MM * ppm)) | 1
    return cv2.boxFilter(skel.astype(np.float32), -1, (k, k), normalize=False) * ppm / k**2


def _crowded(line_density: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Points where the centrelines are dense (CROWDED_LINE_DENSITY, see _line_density): there
    a crossing or an overlap may explain what a shaft in the clear would not."""
    h, w = line_density.shape
    pt = np.clip(np.round(xy).astype(np.int64), 0, [w - 1, h - 1])
    return line_density[pt[:, 1], pt[:, 0]] >= CROWDED_LINE_DENSITY


def _end_means(
    br: Branches, values: np.ndarray, windows: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per branch: median of per-pixel ``values``, and their mean in the window at each end
    (n, 2); an end whose window holds no pixel takes the branch's median."""
    n = br.n
    median = group_median(values, br.branch, n) if n else np.zeros(0)
    at_end = np.zeros((n, 2))
    for side, win in enumerate(windows):
        total = np.bincount(br.branch[win], weights=values[win], minlength=n)
        count = np.bincount(br.branch[win], minlength=n)
        at_end[:, side] = np.where(count > 0, total / np.maximum(count, 1), median)
    return median, at_end


def ends_by_node(node: np.ndarray, active: np.ndarray) -> list[np.ndarray]:
    """Ends (2 * branch + side) of active branches that meet at each junction, one array per
    junction."""
    ids = np.flatnonzero(((node >= 0) & active[:, None]).ravel())
    if ids.size == 0:
        return []
    nid = node.ravel()[ids]
    order = np.argsort(nid, kind="stable")
    ids, nid = ids[order], nid[order]
    return np.split(ids, np.flatnonzero(np.diff(nid)) + 1)


def pair_through_junctions(groups: list[np.ndarray], u: np.ndarray, min_cos: float) -> np.ndarray:
    """(k, 2) pairs of branch ends that continue each other through their junction: at each
    junction (``groups``, see ends_by_node), the straightest pairs first, each end once, while
    the two run on within ``acos(min_cos)`` of straight (``u``: directions into the branch)."""
    uu = u.reshape(-1, 2)
    pairs = []
    for group in groups:
        if len(group) < 2:
            continue
        d = uu[group] @ uu[group].T  # -1: one branch runs straight on into the other
        d[(group[:, None] // 2) == (group[None, :] // 2)] = 1.0
        used = np.zeros(len(group), bool)
        for flat_i in np.argsort(d, axis=None):
            i, j = divmod(int(flat_i), len(group))
            if d[i, j] > -min_cos:
                break
            if i < j and not used[i] and not used[j]:
                used[i] = used[j] = True
                pairs.append((group[i], group[j]))
    return np.asarray(pairs, np.int64).reshape(-1, 2)


def _continuation(
    xy: np.ndarray, u: np.ndarray, contrast: np.ndarray, normal: np.ndarray, ppm: float
) -> np.ndarray:
    """Mean aligned line contrast on the straight extension beyond each end (n ends).

    ``normal`` is the angle of the line normal per pixel: a line crossing the extension at
    an angle contributes ``cos^2`` of its misalignment, so crossing shafts barely count.

    ``u`` points into the branch, so the extension runs along ``-u`` from CONTINUE_MM[0] (past
    the follicular opening or a crossing shaft) to CONTINUE_MM[1].
    """
    h, w = contrast.shape
    t = np.linspace(CONTINUE_MM[0], CONTINUE_MM[1], 8) * ppm
    p = xy[:, None, :] - u[:, None, :] * t[None, :, None]
    x = np.clip(np.round(p[..., 0]).astype(np.int64), 0, w - 1)
    y = np.clip(np.round(p[..., 1]).astype(np.int64), 0, h - 1)
    inside = (p[..., 0] >= 0) & (p[..., 0] <= w - 1) & (p[..., 1] >= 0) & (p[..., 1] <= h - 1)
    along = normal[y, x] + 0.5 * np.pi
    ua = np.arctan2(u[:, 1], u[:, 0])[:, None]
    v = np.where(inside, contrast[y, x] * np.cos(along - ua) ** 2, np.nan)
    ok = np.isfinite(v)
    out = np.where(ok, v, 0.0).sum(1) / np.maximum(ok.sum(1), 1)
    return np.where(np.isfinite(out), out, 0.0)


def trace(
    skel: np.ndarray,
    mask: np.ndarray,
    strength: np.ndarray,
    ppm: float,
    clipped: bool | None,
    continuation: tuple[np.ndarray, np.ndarray] | None = None,
) -> Traced:
    """Resolve the skeleton into hairs; ``strength`` is the shaft contrast map.

    ``continuation`` = (line strength, line normal angle) maps: reject a free end as an exit
    when the shaft visibly goes on beyond it (a break at a crossing, a faint out-of-focus
    stretch): a shaft starts at its opening.
    """
    h, w = skel.shape
    dt = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    sk_vals = dt[skel]
    typical_w = float(max(2.0 * np.median(sk_vals) - 1.0, 2.0)) if sk_vals.size else 3.0

    # --- drop components that are dots or flakes rather than shafts ---------------------------
    n_c, comp = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    sk_len = np.bincount(comp[skel], minlength=n_c).astype(float)
    comp_w = 2.0 * np.bincount(comp[skel], weights=dt[skel], minlength=n_c) / np.maximum(sk_len, 1)
    full_len = sk_len + comp_w  # thinning retracts each end by about half a width
    keep = (full_len >= MIN_SHAFT_LENGTH_MM * ppm) & (full_len >= MIN_ELONGATION * comp_w)
    keep[0] = False
    skel = skel & keep[comp]

    node_r = int(max(2, round(0.5 * typical_w + 1)))
    border_px = 0.5 * typical_w + 3.0
    span_px = max(DIRECTION_SPAN_MM * ppm, 2.5 * typical_w)
    spur_len = max(1.5 * typical_w, 0.08 * ppm)

    # --- long hair: prune the side ticks of ridge centrelines on the skeleton itself ----------
    # the Hessian ridge of a wide or haloed shaft grows 2-5 px ticks every few pixels along its
    # edges. Their junction zones (node_r) overlap, so the graph pruning below never sees them
    # as spurs: the shaft between them becomes a chain of short node-to-node "bridges", all
    # inactive, and a shaft lying in the clear for millimetres falls apart into fragments that
    # each offer a free end as an exit (2.4x over-count on sparse scalps)
    if clipped is False:
        skel = _prune_spurs(skel, int(round(spur_len)))

    # --- prune short spurs left by thinning bumps, then rebuild the graph ---------------------
    br, xy, node, typ, u, _ = _graph(skel, node_r, border_px, span_px)
    one_node = ((typ == END_NODE).sum(1) == 1) & ((typ == END_FREE).sum(1) == 1)
    spurs = np.flatnonzero(one_node & (br.length < spur_len))
    if spurs.size:
        sel = np.isin(br.branch, spurs)
        flat = skel.ravel().copy()
        flat[br.pix[sel]] = False
        skel = flat.reshape(h, w)
        br, xy, node, typ, u, _ = _graph(skel, node_r, border_px, span_px)
    n = br.n

    # --- merge junction pairs joined by a short bridge (shallow-angle crossings) --------------
    n_nodes = int(node.max()) + 1 if n and node.size else 0
    both = (node[:, 0] >= 0) & (node[:, 1] >= 0)
    bridge = both & (br.length < BRIDGE_MAX_MM * ppm)
    bp = node[bridge]
    node_root = _union_find(max(n_nodes, 1), bp[bp[:, 0] != bp[:, 1]])
    node_m = np.where(node >= 0, node_root[np.maximum(node, 0)], -1)
    active = ~bridge & ~br.loop

    # --- pair branch ends through each junction by direction continuity -----------------------
    node_groups = ends_by_node(node_m, active)
    links = [(int(a), int(b)) for a, b in pair_through_junctions(node_groups, u, CONTINUITY_COS)]

    # --- bridge small gaps in faint shafts (long hairs only) ----------------------------------
    mode_guess_clipped = clipped
    if mode_guess_clipped is None:
        comp_paths = _union_find(n, np.asarray(links, np.int64).reshape(-1, 2) // 2)
        plen = np.bincount(comp_paths, weights=np.where(active, br.length, 0.0)) if n else []
        plen = np.asarray(plen)
        plen = plen[plen > 0]
        mode_guess_clipped = bool(plen.size == 0 or np.median(plen) / ppm < 1.2)
    if not mode_guess_clipped:
        free = np.flatnonzero(((typ == END_FREE) & active[:, None]).ravel())
        if free.size > 1:
            pts = xy.reshape(-1, 2)[free]
            pairs = cKDTree(pts).query_pairs(GAP_MAX_MM * ppm, output_type="ndarray")
            if len(pairs):
                a, b = free[pairs[:, 0]], free[pairs[:, 1]]
                ok = (a // 2) != (b // 2)
                gvec = xy.reshape(-1, 2)[b] - xy.reshape(-1, 2)[a]
                gl = np.linalg.norm(gvec, axis=1)
                gn = gvec / np.maximum(gl, 1e-9)[:, None]
                uu = u.reshape(-1, 2)
                ca = -(uu[a] * gn).sum(1)  # continuing beyond end a points towards b
                cb = (uu[b] * gn).sum(1)
                ok &= ((ca > GAP_COS) & (cb > GAP_COS)) | (gl < 0.3 * typical_w + 2)
                used: set[int] = set()
                for k in np.flatnonzero(ok)[np.argsort(gl[ok])]:
                    if int(a[k]) in used or int(b[k]) in used:
                        continue
                    used.update((int(a[k]), int(b[k])))
                    links.append((int(a[k]), int(b[k])))

    link_arr = np.asarray(links, np.int64).reshape(-1, 2)
    path_of_branch = _union_find(n, link_arr // 2)
    # an unpaired end at a junction facing another unpaired end on the far side (within 60
    # degrees of straight on) is a crossing where the pairing failed, not a root: hairs of one
    # opening diverge to one side, a crossing hair continues across
    through = np.zeros(2 * n, bool)
    if node_groups:
        linked0 = np.zeros(2 * n, bool)
        linked0[link_arr.ravel()] = True
        uu = u.reshape(-1, 2)
        for group in node_groups:
            if len(group) < 2:
                continue
            d = uu[group] @ uu[group].T
            same = (group[:, None] // 2) == (group[None, :] // 2)
            d[same] = 1.0
            d[:, linked0[group]] = 1.0  # the far-side branch must be left unpaired as well
            through[group] = ~linked0[group] & (d.min(1) < -THROUGH_COS)
    # give inactive branches (bridges, loops) their own ids so they never count
    linked = np.zeros(2 * n, bool)
    linked[link_arr.ravel()] = True
    partner = -np.ones(2 * n, np.int64)
    partner[link_arr[:, 0]] = link_arr[:, 1]
    partner[link_arr[:, 1]] = link_arr[:, 0]

    # --- per-branch profiles at the ends: tapered tips (contrast x width), defocus (contrast) ---
    lo_mm, hi_mm = TIP_WINDOW_MM
    d_from_far = br.length[br.branch] - br.dist
    windows = (
        (br.dist >= lo_mm * ppm) & (br.dist <= hi_mm * ppm),
        (d_from_far >= lo_mm * ppm) & (d_from_far <= hi_mm * ppm),
    )
    contrast_pix = strength.ravel()[br.pix].astype(float)
    strength_pix = contrast_pix * np.maximum(dt.ravel()[br.pix], 0.5)
    branch_med, end_strength = _end_means(br, strength_pix, windows)
    branch_contrast, end_contrast = _end_means(br, contrast_pix, windows)
    defocused = (
        (br.length[:, None] >= DEFOCUS_BRANCH_MM * ppm)
        & (end_contrast < DEFOCUS_RATIO * branch_contrast[:, None])
    ).ravel()

    # --- classify paths -----------------------------------------------------------------------
    n_paths = int(path_of_branch.max()) + 1 if n else 0
    typ_f = typ.ravel()
    end_path = np.repeat(path_of_branch, 2)
    act_end = np.repeat(active, 2)
    open_end = act_end & ~linked
    path_len = (
        np.bincount(path_of_branch, weights=np.where(active, br.length, 0.0), minlength=n_paths)
        if n
        else np.zeros(0)
    )
    path_med = np.zeros(n_paths)
    if n:
        np.maximum.at(path_med, path_of_branch, np.where(active, branch_med, 0.0))
    if clipped is None:
        lens = path_len[path_len > 0] / ppm
        clipped = bool(lens.size == 0 or np.median(lens) < 1.2)

    inside_ends: dict[int, list[int]] = {}
    border_ends: dict[int, list[int]] = {}
    for e in np.flatnonzero(open_end):
        t = typ_f[e]
        if t == END_FREE or (t == END_NODE and not through[e]):
            inside_ends.setdefault(int(end_path[e]), []).append(int(e))
        elif t == END_BORDER:
            border_ends.setdefault(int(end_path[e]), []).append(int(e))

    xy_f = xy.reshape(-1, 2)
    es_f = end_strength.ravel()
    goes_on = np.zeros(2 * n, bool)
    if continuation is not None and n:
        line, normal = continuation
        cont = _continuation(xy_f, u.reshape(-1, 2), line, normal, ppm)
        br_c = group_median(line.ravel()[br.pix].astype(float), br.branch, n)
        path_c = np.zeros(n_paths)
        np.maximum.at(path_c, path_of_branch, np.where(active, np.nan_to_num(br_c), 0.0))
        goes_on = cont > CONTINUE_RATIO * path_c[end_path]
    frag = np.zeros(n_paths, bool)
    if not clipped:  # slivers and defocus fades are judged where the centrelines are sparse
        line_density = _line_density(skel, ppm)
        frag = _thin_isolated_fragments(
            line_density, dt, br, active, path_of_branch, path_len, xy_f, end_path, ppm, n_paths
        )
        if defocused.any():  # in a crowded mesh overlaps and crossings vary a shaft's contrast
            defocused[defocused] = ~_crowded(line_density, xy_f[defocused])
    hairs: list[TracedHair] = []
    pending_two: list[tuple[int, int, int]] = []  # (path, end a, end b) for clipped orientation
    for p, ins in inside_ends.items():
        bord = border_ends.get(p, [])
        if not clipped and frag[p]:
            continue  # a sliver, not a shaft (FRAGMENT_MAX_MM)
        if len(ins) == 1:
            e = ins[0]
            if bord and clipped:
                # counting-frame rule: stubs cut by the top/left edge count, bottom/right not
                bx, by = xy_f[bord[0]]
                if bx > w - 1 - border_px or by > h - 1 - border_px:
                    continue
            elif (
                not clipped
                and typ_f[e] == END_FREE
                and es_f[e] < TIP_TAPER_RATIO * max(path_med[p], 1e-9)
            ):
                continue  # a tapered tip of a hair rooted outside the frame or under another
            elif not clipped and goes_on[e]:
                continue
            elif not clipped and defocused[e]:
                continue  # a shaft leaving the depth of field, not its root
            hairs.append(TracedHair(tuple(xy_f[e]), p, np.zeros((0, 2))))
        else:
            a, b = ins[0], ins[-1]
            if clipped:
                pending_two.append((p, a, b))
            else:
                if goes_on[a] != goes_on[b]:
                    e = b if goes_on[a] else a
                elif goes_on[a]:
                    continue
                else:
                    e = a if es_f[a] >= es_f[b] else b
                hairs.append(TracedHair(tuple(xy_f[e]), p, np.zeros((0, 2))))
    if pending_two:
        hairs.extend(_orient_stubs(pending_two, xy_f))

    # --- per-pixel maps for the diameter measurement ------------------------------------------
    skel_path = -np.ones(h * w, np.int64)
    act_pix = active[br.branch]
    skel_path[br.pix[act_pix]] = path_of_branch[br.branch[act_pix]]
    margin = np.maximum(0.1 * ppm, 1.5 * typical_w)
    near_node_start = (typ[br.branch, 0] == END_NODE) & (br.dist < margin)
    near_node_end = (typ[br.branch, 1] == END_NODE) & (d_from_far < margin)
    near_tip = (br.dist < 0.5 * margin) | (d_from_far < 0.5 * margin)
    meas = act_pix & ~near_node_start & ~near_node_end & ~near_tip
    measurable = np.zeros(h * w, bool)
    measurable[br.pix[meas]] = True
    step = np.zeros(h * w)
    npix = np.bincount(br.branch, minlength=n) if n else np.zeros(0)
    step[br.pix] = (br.length / np.maximum(npix - 1, 1))[br.branch]

    for hair in hairs:
        hair.polyline = _path_polyline(br, hair, path_of_branch, partner, xy_f)

    return Traced(
        hairs=hairs,
        n_paths=n_paths,
        skel=skel,
        skel_path=skel_path.reshape(h, w),
        measurable=measurable.reshape(h, w),
        step_px=step.reshape(h, w),
        path_length_px=path_len,
        clipped=bool(clipped),
        typical_width_px=typical_w,
    )


def _orient_stubs(items: list[tuple[int, int, int]], xy: np.ndarray) -> list[TracedHair]:
    """Pick the exit end of stubs with two free ends consistently for the whole scene.

    Hairs of one scalp region grow in one stream and the stubs of a follicular unit converge at
    their common opening, so the set of ends that lie closer together is the set of exits.
    """
    a = np.array([xy[i[1]] for i in items])
    b = np.array([xy[i[2]] for i in items])
    v = b - a
    ang = np.arctan2(v[:, 1], v[:, 0])
    axis = 0.5 * np.arctan2(np.sin(2 * ang).sum(), np.cos(2 * ang).sum())
    ax = np.array([np.cos(axis), np.sin(axis)])
    swap = (v @ ax) < 0
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    roots = lo
    if len(items) >= 3:
        d_lo = cKDTree(lo).query(lo, k=2)[0][:, 1]
        d_hi = cKDTree(hi).query(hi, k=2)[0][:, 1]
        if np.median(d_hi) < np.median(d_lo):
            roots = hi
    return [TracedHair(tuple(roots[k]), it[0], np.zeros((0, 2))) for k, it in enumerate(items)]


def _path_polyline(
    br: Branches, hair: TracedHair, path_of_branch: np.ndarray, partner: np.ndarray, xy: np.ndarray
) -> np.ndarray:
    """Ordered points along the hair's path, starting at the exit point."""
    members = np.flatnonzero(path_of_branch == hair.path)
    if members.size == 0:
        return np.zeros((0, 2))
    ends = np.concatenate([2 * members, 2 * members + 1])
    d = np.linalg.norm(xy[ends] - np.asarray(hair.exit_xy), axis=1)
    return br.chain_xy(partner, int(ends[np.argmin(d)]), max_per_branch=40)
