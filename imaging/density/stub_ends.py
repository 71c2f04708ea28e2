"""Clipped hair: every stub traced from its exit from the scalp to its cut end.

A clipped stub has one cut end (where the scissors went) and one exit (where it leaves its
follicular opening). The skeleton of the stubs is cut at junctions into branches; branches that
continue each other in direction through a junction are one stub (a stub crossing or touching
another keeps its course), so every stub becomes one path with two open ends.

Which end is the exit comes from the hair stream: hairs of one scalp region grow in one
direction (a phototrichogram images a small clipped area, DOMAIN.md section 7, a few
millimetres across). The stubs' own courses give the stream's axis; its sense shows at forks
(the stubs of one follicular unit leave one opening and diverge a little, so their skeleton
forks into two arms at a narrow angle with a trunk running back to the opening: every fork
votes trunk -> arms) and, more weakly, at each stub's ends (a blunt cut end against a shaft
fading in from under the skin at its exit). A stub takes the votes around it, nearer ones
weighing more. No width, colour or magnification is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import cKDTree

from .exits import (
    END_BORDER,
    END_FREE,
    END_NODE,
    _graph,
    _union_find,
    ends_by_node,
    pair_through_junctions,
)
from .skeleton import Branches, neighbour_stats

# The hair stream of a scalp region is consistent over centimetres (it turns only at whorls),
# while a single fork's vote is right only ~80 % of the time (crossings mimic forks): votes
# are pooled over most of a phototrichogram's field (5-12 mm) so that one stub is oriented by
# dozens of forks. With 1 mm, 12 % of stubs were turned the wrong way; with 4 mm, 1 %.
FLOW_SIGMA_MM = 4.0
FORK_ARMS_COS = np.cos(np.deg2rad(60.0))  # stubs of one opening diverge by tens of degrees
FORK_TRUNK_COS = np.cos(np.deg2rad(45.0))  # the trunk runs back against the arms
DIRECTION_SPAN_MM = 0.15  # stretch of skeleton that gives an end's direction
# radius of the ring a bend is read off: far enough out that the arms of a V of stubs (tens of
# degrees apart) cross it separately, within the length of the shortest stubs (~0.25 mm)
CORNER_SPAN_MM = 0.2
CORNER_TURN_DEG = 60.0  # a stiff stub bends by a few degrees at most over that radius
TRUNK_COS = np.cos(np.deg2rad(50.0))  # a fork's arm and its trunk run roughly in line
FADE_CONTRAST = 0.15  # difference of end fullness that decides a stub's direction alone
OWN_FADE_WEIGHT = 0.3  # a tie-breaker where no fork is near: the shape of an end is subtle
# one free stub's ends as a vote on the stream's sense, against a fork's 1. A fork is right
# ~80 % of the time, one stub's ends 56 % (realistic) to 71 % (harsh); their errors are shared
# within a scene (a dark opening makes an exit look full), so they weigh less than their
# log-odds would say. Chosen on the seed-3 benchmark: at 0.15 harsh clipped exit precision
# rose 0.68 -> 0.75 with realistic unchanged; at 0.5 realistic lost 0.02.
ENDS_VOTE_WEIGHT = 0.15
# DOMAIN.md section 7: clipped to ~0.5 mm, re-imaged after 2-3 days of ~0.3 mm/day growth
MAX_STUB_MM = 1.6
# A stub is a straight rod: over its ~1 mm it curves by a few degrees, and a path through the
# fork of its unit turns by half the unit's narrow V. A path that turns by more than
# KINK_BEND_DEG runs through a contact of two stubs. Its straight pieces are fitted to within
# KINK_WIDTHS shaft widths (the skeleton wanders by about a pixel).
KINK_BEND_DEG = 15.0
KINK_WIDTHS = 0.75
CONTINUITY_COS = np.cos(np.deg2rad(35.0))  # a stub keeps its course through a junction
ROOT_SEARCH_MM = 0.25  # a unit's stubs converge within about one opening's width
MIN_ENCLOSED_MM = 0.3  # between two junctions: longer than a shallow crossing's bridge
MIN_PATH_MM = 0.15  # shorter pieces are dots or outline bumps (stubs are ~0.25-1.5 mm)
MIN_COURSE_MM = 0.25  # a path long enough to give the stream's axis (the shortest stubs)
# resultant of the courses' doubled angles over their total length: 1 all parallel, 0 every way
MIN_AXIS_COHERENCE = 0.2


def _run_directions(on: np.ndarray, ang: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions of the first two runs of ``on`` around a ring (rows: ring samples)."""
    starts = on & ~np.roll(on, 1, axis=1)
    lab = np.cumsum(starts, axis=1)
    lab = np.where(lab == 0, starts.sum(1, keepdims=True), lab)  # a run wrapping past 0
    lab = np.where(on, lab, 0)
    vx, vy = np.cos(ang)[None, :], np.sin(ang)[None, :]
    out = []
    for run in (1, 2):
        d = np.stack([((lab == run) * vx).sum(1), ((lab == run) * vy).sum(1)], 1)
        out.append(d / np.maximum(np.linalg.norm(d, axis=1), 1e-9)[:, None])
    return out[0], out[1]


def _bend_opening(on: np.ndarray, ang: np.ndarray) -> np.ndarray:
    """cos of the angle between a ring's two crossings (1 = folded back, -1 = straight on);
    -1 where the ring is not crossed exactly twice."""
    starts = on & ~np.roll(on, 1, axis=1)
    two = (starts.sum(1) == 2) & ~on.all(1)
    d1, d2 = _run_directions(on, ang)
    return np.where(two, (d1 * d2).sum(1), -1.0)


def _corners(skel: np.ndarray, ppm: float) -> np.ndarray:
    """Sharp bends of the skeleton, as flat pixel indices.

    A hair shaft is stiff: over a few tenths of a millimetre it bends by a few degrees (clipped
    stubs are nearly straight), so a skeleton line that turns by more than CORNER_TURN_DEG is
    two shafts meeting, most often two stubs of one unit leaving their opening in a V. Read off
    a ring around every skeleton pixel: a line crosses it twice, at opposite sides on a shaft
    and on the same side at a bend (ends cross once, junctions three times or more).
    """
    empty = np.zeros(0, np.int64)
    h, w = skel.shape
    r = max(CORNER_SPAN_MM * ppm, 3.0)
    ys, xs = np.nonzero(skel)
    ri = int(np.ceil(r)) + 1
    inside = (xs >= ri) & (xs < w - ri) & (ys >= ri) & (ys < h - ri)
    # a bend is two lines meeting with nothing else near: within the ring of a junction the
    # fork's own arms would pass for one (forks vote on their own)
    inside &= ~cv2.dilate(_junctions(skel), np.ones((2 * ri + 1, 2 * ri + 1), np.uint8))[
        ys, xs
    ].astype(bool)
    ys, xs = ys[inside], xs[inside]
    if ys.size == 0:
        return empty
    n_ring = max(int(np.ceil(2 * np.pi * r / 1.5)), 16)
    ang = 2 * np.pi * np.arange(n_ring) / n_ring
    fat = cv2.dilate(skel.astype(np.uint8), np.ones((3, 3), np.uint8))
    ry = np.round(ys[:, None] + r * np.sin(ang)[None, :]).astype(np.int64)
    rx = np.round(xs[:, None] + r * np.cos(ang)[None, :]).astype(np.int64)
    on = fat[ry, rx] > 0
    sharp = np.flatnonzero(_bend_opening(on, ang) > np.cos(np.deg2rad(180.0 - CORNER_TURN_DEG)))
    # confirm each candidate with only the skeleton connected to it inside the ring (a
    # neighbouring stub crossing the ring must not pass for the second arm of a bend)
    for k in sharp:
        crop = fat[ys[k] - ri : ys[k] + ri + 1, xs[k] - ri : xs[k] + ri + 1]
        disc = crop * (np.hypot(*np.mgrid[-ri : ri + 1, -ri : ri + 1]) <= r + 1).astype(np.uint8)
        _, lab = cv2.connectedComponents(disc, connectivity=8)
        own = lab == lab[ri, ri]
        on[k] = own[ry[k] - ys[k] + ri, rx[k] - xs[k] + ri]
    opening = _bend_opening(on[sharp], ang)
    good = opening > np.cos(np.deg2rad(180.0 - CORNER_TURN_DEG))
    sharp, opening = sharp[good], opening[good]
    if sharp.size == 0:
        return empty
    px = np.stack([xs[sharp], ys[sharp]], 1).astype(float)
    # one corner per bend: the sharpest within the ring's radius
    order = np.argsort(-opening, kind="stable")
    keep = np.zeros(len(order), bool)
    taken = np.zeros(len(order), bool)
    tree = cKDTree(px)
    for j in order:
        if taken[j]:
            continue
        keep[j] = True
        taken[tree.query_ball_point(px[j], r)] = True
    k = np.flatnonzero(keep)
    return (px[k, 1] * w + px[k, 0]).astype(np.int64)


def _junctions(skel: np.ndarray) -> np.ndarray:
    """uint8 map of junction pixels: three or more neighbours, or neighbours in three groups
    (where two stubs leave one opening the thinned fork is often a 2-pixel block whose pixels
    have three neighbours in only two groups)."""
    idx, count, groups = neighbour_stats(skel)
    junction = np.zeros(skel.size, np.uint8)
    junction[idx[(groups >= 3) | (count >= 3)]] = 1
    return junction.reshape(skel.shape)


def _stub_graph(skel: np.ndarray, ppm: float, width_px: float):
    """Skeleton graph of the stubs: outline bumps pruned, V-shaped bends split into two stubs.

    Bends cast no hair-stream vote: a V is as often two cut ends touching (pointing back to
    the exits) as two stubs leaving one opening; measured on the benchmark scenes their
    direction agreed with the stream no more often than chance (20 of 46), forks' in 80 %.
    """
    node_r = int(max(2, round(0.5 * width_px + 1)))
    border_px = _border_px(width_px)
    span_px = max(DIRECTION_SPAN_MM * ppm, 2.0 * width_px)
    br, xy, node, typ, u, _ = _graph(skel, node_r, border_px, span_px, _junctions(skel))
    spur = ((typ == END_NODE).sum(1) == 1) & (br.length < max(1.5 * width_px, 0.06 * ppm))
    spur &= ((typ == END_FREE) | (typ == END_BORDER)).sum(1) == 1
    flat = skel.ravel().copy()
    flat[br.pix[np.isin(br.branch, np.flatnonzero(spur))]] = False
    corner_pix = _corners(flat.reshape(skel.shape), ppm)
    h, w = skel.shape
    cy, cx = np.divmod(corner_pix, w)
    for dy in (-1, 0, 1):  # cut the line at the bend (a 3x3 gap always disconnects it)
        for dx in (-1, 0, 1):
            flat[np.clip(cy + dy, 0, h - 1) * w + np.clip(cx + dx, 0, w - 1)] = False
    if spur.any() or len(corner_pix):
        cut = flat.reshape(skel.shape)
        br, xy, node, typ, u, _ = _graph(cut, node_r, border_px, span_px, _junctions(cut))
    # a junction left with one branch (its other arms were bumps) is that branch's free end
    per_node = np.bincount(node[node >= 0], minlength=1)
    lone = (node >= 0) & (per_node[np.maximum(node, 0)] == 1)
    typ = np.where(lone, END_FREE, typ)
    node = np.where(lone, -1, node)
    return br, xy, node, typ, u


def _fork_votes(
    node: np.ndarray, u: np.ndarray, xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hair-stream votes of the skeleton's forks: (k, 2) positions, unit vectors, trunk branch.

    Stubs of one unit leave one opening and diverge a little, so their skeleton forks: two arms
    at a narrow angle and a trunk opposite them, leading back to the opening. The stream runs
    from the trunk into the arms. A crossing (four branches) or a stub touching the side of
    another (two branches in line, one across) is no fork and casts no vote.
    """
    ends = np.flatnonzero((node >= 0).ravel())
    nid = node.ravel()[ends]
    order = np.argsort(nid, kind="stable")
    ends, nid = ends[order], nid[order]
    uu = u.reshape(-1, 2)
    pos, vec, trunks = [], [], []
    for group in np.split(ends, np.flatnonzero(np.diff(nid)) + 1):
        if len(group) != 3:
            continue
        d = uu[group] @ uu[group].T
        i, j = max(((0, 1), (0, 2), (1, 2)), key=lambda ij: d[ij])
        k = 3 - i - j
        arms = uu[group[i]] + uu[group[j]]
        arms /= max(float(np.linalg.norm(arms)), 1e-9)
        if d[i, j] < FORK_ARMS_COS or float(uu[group[k]] @ arms) > -FORK_TRUNK_COS:
            continue
        pos.append(xy.reshape(-1, 2)[group].mean(0))
        vec.append(arms)
        trunks.append(group[k] // 2)
    return (
        np.asarray(pos, float).reshape(-1, 2),
        np.asarray(vec, float).reshape(-1, 2),
        np.asarray(trunks, np.int64),
    )


def _pooled(src_xy: np.ndarray, values: np.ndarray, at: np.ndarray, ppm: float) -> np.ndarray:
    """Sums of ``values`` (one row per source point) around each point of ``at``, weighted by
    a Gaussian of FLOW_SIGMA_MM and cut at three sigma."""
    out = np.zeros((len(at), values.shape[1]))
    if len(src_xy) == 0:
        return out
    sigma2 = (FLOW_SIGMA_MM * ppm) ** 2
    rows = max(1, 2_000_000 // len(src_xy))  # bounded memory on dense 12 MP scenes
    for k in range(0, len(at), rows):
        d2 = ((at[k : k + rows, None, :] - src_xy[None, :, :]) ** 2).sum(-1)
        w = np.where(d2 <= 9.0 * sigma2, np.exp(-0.5 * d2 / sigma2), 0.0)
        out[k : k + rows] = w @ values
    return out


def _stream_axis(
    seg_xy: np.ndarray, seg_dir: np.ndarray, seg_len: np.ndarray, at: np.ndarray, ppm: float
) -> np.ndarray:
    """Unit axis of the hair stream at points ``at``, from the stubs' own courses around.

    Stubs of one region lie along the stream (a phototrichogram's field is a few millimetres
    of one region); their courses give its axis however few forks show its sense. Doubled
    angles, so that a stub counts the same whichever way it was traced; longer stubs weigh
    more (their course is better defined). Zero where the courses point every way.
    """
    c2 = (seg_dir[:, 0] ** 2 - seg_dir[:, 1] ** 2) * seg_len
    s2 = 2.0 * seg_dir[:, 0] * seg_dir[:, 1] * seg_len
    cs, ss, total = _pooled(seg_xy, np.stack([c2, s2, seg_len], 1), at, ppm).T
    half = 0.5 * np.arctan2(ss, cs)
    axis = np.stack([np.cos(half), np.sin(half)], 1)
    # courses every way (a whorl, a tangle) or none near: no axis to lean on
    coherent = (total > 0) & (np.hypot(cs, ss) >= MIN_AXIS_COHERENCE * total)
    return np.where(coherent[:, None], axis, 0.0)


def _hair_stream(
    vote_xy: np.ndarray,
    vote_vec: np.ndarray,
    at: np.ndarray,
    ppm: float,
    axis: np.ndarray | None = None,
) -> np.ndarray:
    """Exit-to-cut direction at points ``at``: the votes around (forks, stubs' ends), nearer
    ones weighing more.

    With ``axis`` (the stream's axis at each point, from the stubs' courses), the votes decide
    only the sense along it: a fork's arms spread by tens of degrees, so the sum of a few votes
    points tens of degrees off the stream, and a stub lying across that error took the wrong
    sense (seed-3 scene #48 lost two units whose exits were put on the frame this way). Where
    no vote lies within reach the scene's overall vote is used; zero where there is none.
    """
    flow = np.zeros((len(at), 2))
    if len(vote_xy) == 0 or len(at) == 0:
        return flow
    flow = _pooled(vote_xy, vote_vec, at, ppm)
    lonely = np.linalg.norm(flow, axis=1) == 0
    flow[lonely] = vote_vec.sum(0)
    if axis is not None:
        has_axis = np.linalg.norm(axis, axis=1) > 0
        along = (flow * axis).sum(1)
        flow = np.where(has_axis[:, None], along[:, None] * axis, flow)
    return flow


def _root_of_forks(
    ext: np.ndarray, path: np.ndarray, node: np.ndarray, u: np.ndarray, t_f: np.ndarray
) -> np.ndarray:
    """Follow exits that end at a junction down the fork's trunk to the unit's own exit.

    The arm of a fork that did not pair with the trunk ends at the junction; its hair left the
    scalp where the trunk ends (the unit's opening), which may also lie outside the frame.
    ``ext``: exit end (2*branch+side) per path in path order.
    """
    exit_of_path = -np.ones(int(path.max()) + 1, np.int64)
    exit_of_path[path[ext // 2]] = ext
    node_f, uu = node.ravel(), u.reshape(-1, 2)
    at_node = np.flatnonzero(node_f >= 0)
    by_node = {}
    for e in at_node:
        by_node.setdefault(int(node_f[e]), []).append(int(e))
    out = ext.copy()
    for k in np.flatnonzero(t_f[ext] == END_NODE):
        e = int(ext[k])
        for _ in range(3):  # forks of forks: a few hops at most
            others = [o for o in by_node.get(int(node_f[e]), []) if o // 2 != e // 2]
            if not others:
                break
            # the trunk runs on from the junction against this arm (a stub touching the side of
            # another meets it across, not head-on: its exit is that junction)
            trunk = min(others, key=lambda o: float(uu[o] @ uu[e]))
            if float(uu[trunk] @ uu[e]) > -TRUNK_COS:
                break
            nxt = int(exit_of_path[path[trunk // 2]])
            if nxt < 0 or nxt == e:
                break
            e = nxt
            if t_f[e] != END_NODE:
                break
        out[k] = e
    return out


@dataclass
class StubPaths:
    """One entry per stub traced through the skeleton."""

    exit_xy: np.ndarray  # (p, 2) working px
    cut_xy: np.ndarray  # (p, 2)
    blob: np.ndarray  # (p,)
    counted: np.ndarray  # (p,) a hair whose exit lies inside the frame
    # (p,) a stub whose exit lies on the frame, directly or down its fork's trunk: it ran in
    # from outside, and the stubs lying along it left the scalp there too
    on_frame: np.ndarray


def contrast_along(
    contrast: np.ndarray,
    xy: np.ndarray,
    out: np.ndarray,
    offsets_mm: tuple[float, ...],
    ppm: float,
) -> np.ndarray:
    """Mean ``contrast`` at ``offsets_mm`` from each point ``xy`` along its unit direction
    ``out`` (negative offsets: back against it), clipped to the image."""
    h, w = contrast.shape
    acc = np.zeros(len(xy))
    for o in offsets_mm:
        x = np.clip(np.round(xy[:, 0] + o * ppm * out[:, 0]).astype(np.int64), 0, w - 1)
        y = np.clip(np.round(xy[:, 1] + o * ppm * out[:, 1]).astype(np.int64), 0, h - 1)
        acc += contrast[y, x]
    return acc / len(offsets_mm)


def _end_fullness(contrast: np.ndarray, xy: np.ndarray, out: np.ndarray, ppm: float) -> np.ndarray:
    """Shaft contrast just beyond each skeleton end relative to the shaft's plateau inside."""
    plateau = contrast_along(contrast, xy, out, (-0.2, -0.16, -0.12), ppm)
    return contrast_along(contrast, xy, out, (0.0, 0.02, 0.04), ppm) / np.maximum(plateau, 1e-6)


def _chains(
    br, node: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Branches joined through junctions into paths: (path id per branch, open ends a, b, the
    end each end is joined to through its junction, -1 if none).

    Ends are numbered 2 * branch + side; only paths with exactly two open ends (chains) are
    returned, loops and knots without two ends are left out.
    """
    n = br.n
    active = ~br.loop
    pairs = pair_through_junctions(ends_by_node(node, active), u, CONTINUITY_COS)
    path = _union_find(n, pairs // 2)
    linked = np.zeros(2 * n, bool)
    linked[pairs.ravel()] = True
    open_end = np.flatnonzero(~linked & np.repeat(active, 2))
    end_path = path[open_end // 2]
    order = np.argsort(end_path, kind="stable")
    open_end, end_path = open_end[order], end_path[order]
    starts = np.flatnonzero(np.r_[True, np.diff(end_path) != 0])
    counts = np.diff(np.r_[starts, len(end_path)])
    two = starts[counts == 2]
    partner = -np.ones(2 * n, np.int64)
    partner[pairs[:, 0]] = pairs[:, 1]
    partner[pairs[:, 1]] = pairs[:, 0]
    return path, open_end[two], open_end[two + 1], partner


def _stream_at_paths(
    votes: tuple[np.ndarray, np.ndarray],
    contrast: np.ndarray | None,
    xy_a: np.ndarray,
    xy_b: np.ndarray,
    out_a: np.ndarray,
    out_b: np.ndarray,
    both_free: np.ndarray,
    ppm: float,
) -> np.ndarray:
    """Exit-to-cut direction per path.

    The stream's axis comes from the stubs' courses; its sense from every cue around: the
    forks' votes, and each free stub's own ends (a blunt cut end against a shaft fading in from
    under the skin at its exit). One stub's ends are a weak cue, but where few units fork (a
    sparse or single-hair scalp) dozens of stubs' ends together are not: on the seed-3 harsh
    scenes the forks alone gave the wrong sense in a quarter of the fields, their ends in one in
    twelve. A path's own ends are among those votes, and break the tie where the stream runs
    across the path (OWN_FADE_WEIGHT).
    """
    mid = 0.5 * (xy_a + xy_b)
    ab = xy_b - xy_a
    length = np.linalg.norm(ab, axis=1)
    ab = ab / np.maximum(length, 1e-9)[:, None]
    course = length >= MIN_COURSE_MM * ppm
    if contrast is None:
        own = np.zeros(len(mid))
    else:
        fa = _end_fullness(contrast, xy_a, out_a, ppm)
        fb = _end_fullness(contrast, xy_b, out_b, ppm)
        own = np.clip((fb - fa) / FADE_CONTRAST, -1.0, 1.0) * both_free  # + : b is the cut end
    vote_xy = np.vstack([votes[0], mid[course]])
    vote_vec = np.vstack([votes[1], ENDS_VOTE_WEIGHT * own[course, None] * ab[course]])
    axis = _stream_axis(mid[course], ab[course], length[course], mid, ppm)
    f = _hair_stream(vote_xy, vote_vec, mid, ppm, axis)
    unit = f / np.maximum(np.linalg.norm(f, axis=1), 1e-9)[:, None]
    return unit + OWN_FADE_WEIGHT * own[:, None] * ab


def trace_stubs(
    skel: np.ndarray,
    lab: np.ndarray,
    ppm: float,
    width_px: float,
    contrast: np.ndarray | None = None,
) -> StubPaths:
    """Every stub of the skeleton ``skel`` of the stubs' mask (labelled ``lab``) as a path from
    its exit to its cut end (see module doc).

    Every path with a free end is a stub, whichever end the stream makes its exit, and so is a
    stub caught in a tangle (junctions at both ends) unless it is as short as a shallow
    crossing's bridge; the bare trunk of a fork (the stubs' shared root, when neither arm runs
    on into it) is not. A stub whose exit lies on the frame, directly or down its fork's
    trunk, is not counted: the hair left the scalp outside the photo, and hairs are counted
    where they leave the scalp, not where they are seen.
    """
    br, xy, node, typ, u = _stub_graph(skel, ppm, width_px)
    typ = _frame_reached(typ, xy, lab, width_px)
    n = br.n
    z2 = np.zeros((0, 2))
    if n == 0:
        return StubPaths(z2, z2, np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, bool))
    h, w = lab.shape
    xi = np.clip(np.round(xy[..., 0]).astype(np.int64), 0, w - 1)
    yi = np.clip(np.round(xy[..., 1]).astype(np.int64), 0, h - 1)
    blob_f = lab[yi, xi].astype(np.int64).ravel()
    forks = _fork_votes(node, u, xy)
    trunk = np.zeros(n, bool)
    trunk[forks[2]] = True

    path, a, b, partner = _chains(br, node, u)
    t_f, xy_f, out_f = typ.ravel(), xy.reshape(-1, 2), -u.reshape(-1, 2)
    blob = np.maximum(blob_f[a], blob_f[b])
    both_free = (t_f[a] != END_NODE) & (t_f[b] != END_NODE)
    f = _stream_at_paths(forks[:2], contrast, xy_f[a], xy_f[b], out_f[a], out_f[b], both_free, ppm)
    along_a = (out_f[a] * f).sum(1)
    along_b = (out_f[b] * f).sum(1)
    # without any cue, a free end facing a junction end is the cut end (fans open outwards)
    a_is_cut = np.where(along_a != along_b, along_a > along_b, t_f[a] != END_NODE)
    cut = np.where(a_is_cut, a, b)
    ext = np.where(a_is_cut, b, a)
    root = _root_of_forks(ext, path, node, u, t_f)

    plen = np.bincount(path, weights=br.length, minlength=n)[path[a // 2]]
    bare_trunk = (np.bincount(path, minlength=n)[path[a // 2]] == 1) & trunk[a // 2]
    enclosed = (t_f[cut] == END_NODE) & (t_f[ext] == END_NODE)
    counted = (
        (~enclosed | (plen >= MIN_ENCLOSED_MM * ppm))
        & ~bare_trunk
        & (t_f[root] != END_BORDER)
        & (plen + width_px >= MIN_PATH_MM * ppm)
    )
    exit_xy = xy_f[root].copy()
    at_node = t_f[root] == END_NODE
    exit_xy[at_node] = _upstream_end(lab, exit_xy[at_node], blob[at_node], f[at_node], ppm)
    # a stub running in from outside whose cut end lies in view may carry the next unit's stub
    from_frame = (t_f[root] == END_BORDER) & (t_f[cut] != END_BORDER) & ~bare_trunk
    st = StubPaths(
        exit_xy=exit_xy,
        cut_xy=xy_f[cut],
        blob=blob,
        counted=counted,
        on_frame=t_f[root] == END_BORDER,
    )
    st, from_frame = _split_kinks(st, br, (path, partner), ext, from_frame, ppm, width_px, lab)
    return _split_chains(st, contrast, ppm, from_frame)


def _border_px(width_px: float) -> float:
    """How near the frame a skeleton end lies when its shaft runs out of the photo: thinning
    stops about half a shaft's width short of the blob's end."""
    return 0.5 * width_px + 2.0


def _frame_reached(typ: np.ndarray, xy: np.ndarray, lab: np.ndarray, width_px: float) -> np.ndarray:
    """Ends typed END_BORDER only where their blob runs into the frame.

    A skeleton end near the frame whose blob stops short of it (a pixel of skin between) is a
    shaft ending in view: its exit, tapering in from under the skin, or its cut end. Taken for
    a shaft running out of the photo, a stub whose exit lies a few hundredths of a millimetre
    inside the frame went uncounted.
    """
    out = typ.copy()
    flat = out.reshape(-1)
    ends = np.flatnonzero(flat == END_BORDER)
    if len(ends) == 0:
        return out
    h, w = lab.shape
    r = int(np.ceil(_border_px(width_px))) + 1
    on_frame = np.zeros((h, w), bool)
    on_frame[[0, -1], :] = True
    on_frame[:, [0, -1]] = True
    for k, (x, y) in zip(ends, xy.reshape(-1, 2)[ends], strict=True):
        xi = int(np.clip(round(x), 0, w - 1))
        yi = int(np.clip(round(y), 0, h - 1))
        win = (slice(max(yi - r, 0), yi + r + 1), slice(max(xi - r, 0), xi + r + 1))
        if not np.any((lab[win] == lab[yi, xi]) & on_frame[win]):
            flat[k] = END_FREE
    return out


def _upstream_end(
    lab: np.ndarray, xy: np.ndarray, blob: np.ndarray, f: np.ndarray, ppm: float
) -> np.ndarray:
    """Move exits that ended at a junction to the upstream tip of the shafts around them.

    Stubs of one unit converge at their opening, and their thinned skeleton breaks up into
    short pieces there; the opening is where the blob ends against the stream, close by.
    """
    if len(xy) == 0:
        return xy
    h, w = lab.shape
    r = ROOT_SEARCH_MM * ppm
    ri = int(np.ceil(r))
    oy, ox = np.mgrid[-ri : ri + 1, -ri : ri + 1]
    disc = np.hypot(ox, oy) <= r
    ox, oy = ox[disc], oy[disc]
    out = xy.copy()
    fn = f / np.maximum(np.linalg.norm(f, axis=1), 1e-9)[:, None]
    for k in np.flatnonzero(np.linalg.norm(f, axis=1) > 0):
        x = np.round(xy[k, 0]).astype(np.int64) + ox
        y = np.round(xy[k, 1]).astype(np.int64) + oy
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        x, y = x[ok], y[ok]
        mine = lab[y, x] == blob[k]
        if not mine.any():
            continue
        up = -(x[mine] * fn[k, 0] + y[mine] * fn[k, 1])
        j = int(np.argmax(up))
        out[k] = (x[mine][j], y[mine][j])
    return out


def _along_to_blob_end(
    lab: np.ndarray, start: np.ndarray, cut: np.ndarray, blob: int, max_len: float
) -> np.ndarray:
    """The exit of a stub whose base lies under other shafts: straight back from ``start``
    against its course (cut -> start) to where its blob ends, at most ``max_len`` from the cut."""
    h, w = lab.shape
    d = start - cut
    n = max(float(np.hypot(*d)), 1e-9)
    u = d / n
    s = np.arange(0.0, max(max_len - n, 0.0) + 1.0)
    pts = start[None, :] + s[:, None] * u[None, :]
    x = np.round(pts[:, 0]).astype(np.int64)
    y = np.round(pts[:, 1]).astype(np.int64)
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    inside[inside] = lab[y[inside], x[inside]] == blob
    stop = int(np.argmin(inside)) if not inside.all() else len(s)
    return pts[max(stop - 1, 0)]


def _split_kinks(
    st: StubPaths,
    br: Branches,
    chains: tuple[np.ndarray, np.ndarray],
    ext: np.ndarray,
    from_frame: np.ndarray,
    ppm: float,
    width_px: float,
    lab: np.ndarray,
) -> tuple[StubPaths, np.ndarray]:
    """Split paths that bend: stubs of neighbouring units in contact.

    In a hair stream the stubs of neighbouring units lie nearly parallel, so where the tip of
    one touches another (tip to side, or tips crossing at a shallow angle) the pairing through
    junctions by direction runs on from one stub into the other, and a tangle of many units
    traces as a few long paths (seed-3 benchmark, realistic clipped: blobs holding 8 or more
    stubs were counted 31 % short). A stub is straight (KINK_BEND_DEG): each straight piece
    of a path after a bend is another stub, whose exit lies straight back along its own line
    where its blob ends (its base runs under the shaft it touches). A piece whose line leads
    back to the exit of the stub before it is that unit's fork, not another hair. Not told
    apart: a tightly curled stub bending by more than KINK_BEND_DEG within its length.
    ``chains``: path id per branch and the junction partner of each branch end (_chains);
    ``ext``: each path's own exit end (before a fork's trunk was followed).
    """
    n_p = len(st.exit_xy)
    if n_p == 0:
        return st, from_frame
    path, partner = chains
    chain_of = -np.ones(br.n, np.int64)
    chain_of[path[ext // 2]] = np.arange(n_p)
    k_pix = chain_of[path[br.branch]]
    ok = k_pix >= 0
    pts = br.xy(br.pix[ok])
    k = k_pix[ok]
    own_exit = br.xy(br.ends.ravel()[ext])
    a_xy, b_xy = own_exit, st.cut_xy
    d = b_xy - a_xy
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    unit = d / length[:, None]
    rel = pts - a_xy[k]
    dev = np.abs(rel[:, 0] * unit[k, 1] - rel[:, 1] * unit[k, 0])
    max_dev = np.zeros(n_p)
    np.maximum.at(max_dev, k, dev)
    eps = max(KINK_WIDTHS * width_px, 2.0)
    min_piece = MIN_COURSE_MM * ppm
    cand = (st.counted | from_frame) & (max_dev > eps) & (length >= 2 * min_piece)
    if not cand.any():
        return st, from_frame
    ex, cu, bl, co, ff, of = [], [], [], [], [], []
    keep = np.ones(n_p, bool)
    for c in np.flatnonzero(cand):
        # in order along the skeleton from the exit, not along the chord: ordered along the
        # chord, a path that folds back (two stubs joined end to end at an acute angle)
        # zig-zags between its arms, and every zig would be split off as a hair
        p = br.chain_xy(partner, int(ext[c]))
        v = cv2.approxPolyDP(p.astype(np.float32).reshape(-1, 1, 2), eps, False).reshape(-1, 2)
        v = v.astype(float)
        seg = np.hypot(*np.diff(v, axis=0).T)
        long_ = np.flatnonzero(seg >= min_piece)
        # a new stub starts after a bend, unless its line runs back to the opening the stub
        # before it left: then the bend is that unit's fork (trunk into arm), one hair
        exits = [st.exit_xy[c]]
        starts = [0]
        for j in range(1, len(long_)):
            p0, q0 = v[long_[j - 1]], v[long_[j - 1] + 1]
            p1, q1 = v[long_[j]], v[long_[j] + 1]
            u0 = (q0 - p0) / max(float(np.hypot(*(q0 - p0))), 1e-9)
            u1 = (q1 - p1) / max(float(np.hypot(*(q1 - p1))), 1e-9)
            if float(u0 @ u1) >= np.cos(np.deg2rad(KINK_BEND_DEG)):
                continue
            e = _along_to_blob_end(lab, p1, q1, st.blob[c], MAX_STUB_MM * ppm)
            if np.hypot(*(e - exits[-1])) < ROOT_SEARCH_MM * ppm:
                continue
            exits.append(e)
            starts.append(j)
        if len(starts) <= 1:
            continue
        keep[c] = False
        bounds = starts + [len(long_)]
        for j in range(len(starts)):
            first, last = j == 0, j == len(starts) - 1
            ex.append(exits[j])
            cu.append(st.cut_xy[c] if last else v[long_[bounds[j + 1] - 1] + 1])
            bl.append(st.blob[c])
            # a chain running in from the frame: its first stub left the scalp outside
            co.append(bool(st.counted[c]) or not first)
            ff.append(bool(from_frame[c]) and first)
            of.append(bool(st.on_frame[c]) and first)
    if not ex:
        return st, from_frame
    out = StubPaths(
        np.vstack([st.exit_xy[keep], np.asarray(ex)]),
        np.vstack([st.cut_xy[keep], np.asarray(cu)]),
        np.concatenate([st.blob[keep], np.asarray(bl, np.int64)]),
        np.concatenate([st.counted[keep], np.asarray(co, bool)]),
        np.concatenate([st.on_frame[keep], np.asarray(of, bool)]),
    )
    return out, np.concatenate([from_frame[keep], np.asarray(ff, bool)])


def _split_chains(
    st: StubPaths, contrast: np.ndarray | None, ppm: float, from_frame: np.ndarray
) -> StubPaths:
    """Split paths longer than any stub: stubs of successive units in one stream, end to end.

    The cut end of one unit's stub often touches the root of the next unit's stub further
    along the stream and the skeleton runs on straight through the contact. A stub is at most
    MAX_STUB_MM long, so a longer path holds more than one; each further stub starts where
    the shaft contrast dips (the contact) near an even split of the path. A stub running in
    from the frame (``from_frame``: exit on the frame, cut end in view) and longer than any
    stub carries one more: the first ran in from outside and stays uncounted, the one it
    touches left the scalp in view (seed-3 benchmark: realistic clipped FU error 8.2 -> 7.4 %,
    seed 1 9.3 -> 7.1 %). Longer than two stubs, or crossing the photo from edge to edge, it
    is a long hair lying over the clipped area, not a chain of stubs.
    """
    length = np.hypot(*(st.cut_xy - st.exit_xy).T) / ppm
    n_seg = np.ceil(length / MAX_STUB_MM).astype(np.int64)
    n_seg = np.where(st.counted, n_seg, np.where(from_frame & (n_seg == 2), 2, 1))
    if (n_seg <= 1).all():
        return st
    ex, cu, bl, co, of = [st.exit_xy], [st.cut_xy.copy()], [st.blob], [st.counted], [st.on_frame]
    for k in np.flatnonzero(n_seg > 1):
        e, c, m = st.exit_xy[k], st.cut_xy[k], int(n_seg[k])
        ts = np.linspace(0.0, 1.0, 64)
        line = e[None, :] + ts[:, None] * (c - e)[None, :]
        if contrast is not None:
            h, w = contrast.shape
            xi = np.clip(np.round(line[:, 0]).astype(np.int64), 0, w - 1)
            yi = np.clip(np.round(line[:, 1]).astype(np.int64), 0, h - 1)
            prof = contrast[yi, xi]
        else:
            prof = np.zeros(len(ts))
        starts = []
        for j in range(1, m):
            near = np.abs(ts - j / m) <= 0.5 / m
            starts.append(line[np.flatnonzero(near)[np.argmin(prof[near])]])
        ends = starts + [c]
        cu[0][k] = starts[0]  # the first stub ends where the next begins
        ex.append(np.asarray(starts))
        cu.append(np.asarray(ends[1:]))
        bl.append(np.full(m - 1, st.blob[k]))
        co.append(np.ones(m - 1, bool))
        of.append(np.zeros(m - 1, bool))
    return StubPaths(
        np.vstack(ex), np.vstack(cu), np.concatenate(bl), np.concatenate(co), np.concatenate(of)
    )
