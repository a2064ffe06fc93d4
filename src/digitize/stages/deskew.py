"""Skew and orientation: from the scan to the upright, axis-aligned page frame.

Skew is measured by projection profiles of ink pixels. Chinese type sits on a square
grid, so when the page is straight both the row profile (horizontal lines, rules) and
the column profile (vertical columns, column gutters) are at their sharpest. Using both
makes one estimator serve horizontal and vertical text alike, and makes it blind to
quarter turns, which is why orientation is a separate question. Sharpness is the energy
of the profiles' first differences (edges of strokes, lines, rules), not of the profiles
themselves, whose coarse line pattern lets modules with out-of-phase line grids line up
at a false angle. Instead of rotating images, the ink pixels' coordinates are rotated and
histogrammed: each pixel weighted by its ink coverage and jittered by a fixed sub-pixel
offset, so that no angle (0° in particular) is favoured by the scan's pixel grid. A
coarse search over ±11° at half scale, then a fine one (0.05° steps, linear binning,
parabolic peak) at about 1800 px.

Orientation (pages fed sideways or upside down) cannot be told from line directions:
a page of vertical Chinese columns looks like horizontal text turned by 90°. It is
decided by reading: single characters are cut from the straightened page, laid out as
short horizontal lines in each of the four orientations, and the recognizer's mean
confidence picks the orientation. A character is upright in exactly one of them,
whatever the direction of the text it came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from digitize.model import Image, Transform

ReadScore = Callable[[list[Image]], list[float]]
"""Recognizes horizontal line crops; returns one confidence (0..1) per crop."""

MAX_SKEW_DEG = 11.0  # search range: ±10° is promised, with margin for the peak's flank
FINE_SIDE = 1800  # long side (px) of the page in the fine search (smaller pages: as they are)
COARSE_SCALE = 0.5  # of the fine search's scale, for the coarse search
COARSE_STEP = 0.25
FINE_STEP = 0.05
FINE_SPAN = 0.2  # ± around the coarse peak
MIN_SKEW_DEG = 0.02  # below this a rotation would only blur the page
MAX_POINTS = 600_000  # ink pixels used in the fine search (evenly thinned above)
COARSE_POINTS = 60_000  # ink pixels used in the coarse search
BORDER_FRACTION = 0.015  # frame along the scan's edges left out of the skew measure
BED_SIZE = 0.01  # dark areas at least this thick (of the long side) are no print
INK_WINDOW = 31  # px, window of the local-mean ink threshold
JITTER_PX = 0.7  # sd of the sub-pixel jitter of ink coordinates

ORIENT_CHARS = 40  # characters sampled for the orientation test
ORIENT_LINE = 10  # characters per synthetic line
ORIENT_MARGIN = 0.15  # readings within this of the best one count as reading well
ORIENT_ACCEPT = 0.8  # reading 0 this good and reading 1 poor: upright, skip readings 2 and 3
ORIENT_FLOOR = 0.4  # best mean confidence below this: no usable evidence
ORIENT_CELL = 48  # px, character cell in the synthetic lines (the recognizer's line height)


# --------------------------------------------------------------------------- skew


def _grey(image: Image) -> Image:
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def _bed_mask(small: Image, lo: float, hi: float) -> npt.NDArray[np.bool_]:
    """Large dark areas touching the scan's edge (scanner bed, film margin), grown by the
    reach of the ink threshold: their edges are straight in the scan's frame, not the page's.

    Rules and type are thin and vanish in the opening, so they stay, however long: a rule
    running along the whole page is the best evidence there is, also at zero skew.
    """
    k = max(3, round(BED_SIZE * max(small.shape)))
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    dark = cv2.morphologyEx((small < (lo + hi) / 2).astype(np.uint8), cv2.MORPH_OPEN, square)
    n, labels = cv2.connectedComponents(dark, connectivity=4)
    if n < 2:
        return np.zeros(small.shape, bool)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.unique(edge[edge > 0])
    if len(touching) == 0:
        return np.zeros(small.shape, bool)
    bed = np.isin(labels, touching).astype(np.uint8)
    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (INK_WINDOW + 4, INK_WINDOW + 4))
    return np.asarray(cv2.dilate(bed, grow), dtype=bool)


def _ink_points(
    grey: Image, long_side: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Ink pixels of the page scaled to `long_side`: coordinates centred on the page, and
    each pixel's ink coverage as its weight."""
    scale = min(1.0, long_side / max(grey.shape))
    small = (
        np.asarray(
            cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), np.uint8
        )
        if scale < 1.0
        else grey
    )
    # Local-mean threshold: ink against its surroundings, robust to uneven lighting, and
    # only the edges of photos count (their interiors would swamp the profiles). The
    # offset follows the page's contrast so that faint print still counts as ink.
    lo, hi = (float(v) for v in np.percentile(small[::4, ::4], [1, 90]))
    offset = float(np.clip(0.1 * (hi - lo), 4.0, 15.0))
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, INK_WINDOW, offset
    )
    # The pixels around the ink too, weighted by how much ink they hold: a binary mask
    # snaps every edge to the scan's pixel grid, which pulls the estimate towards 0°
    # (a slightly tilted line becomes a staircase of perfectly level runs).
    keep = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
    # A dark scanner bed leaves edges straight in the scan's frame: a thin frame along the
    # border is ignored, and so are the surroundings of dark areas reaching the border.
    mh, mw = (max(1, round(v * BORDER_FRACTION)) for v in small.shape)
    keep[:mh] = False
    keep[-mh:] = False
    keep[:, :mw] = False
    keep[:, -mw:] = False
    keep &= ~_bed_mask(small, lo, hi)
    ys, xs = np.nonzero(keep)
    weight = np.clip((hi - small[ys, xs].astype(np.float64)) / max(8.0, hi - lo), 0.0, 1.0)
    some = weight > 0.05
    xs, ys, weight = xs[some], ys[some], weight[some]
    if len(xs) > MAX_POINTS:
        step = -(-len(xs) // MAX_POINTS)
        xs, ys, weight = xs[::step], ys[::step], weight[::step]
    h, w = small.shape
    return xs - (w - 1) / 2, ys - (h - 1) / 2, weight


def _jitter(
    xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], scale: float, step: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Every `step`-th point, scaled, with a Gaussian sub-pixel offset (fixed seed).

    With the offsets the profiles' bins sample every feature at every phase, so the score
    does not jump where the angle puts the page's pixel rows exactly on the bins (at 0°),
    which would draw the estimate to 0° or push it away.
    """
    xs, ys = xs[::step], ys[::step]
    jx, jy = np.random.default_rng(0).normal(0.0, JITTER_PX, (2, len(xs)))
    return xs * scale + jx, ys * scale + jy


def _profile_score(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    skew_deg: float,
    *,
    smooth: bool,
) -> float:
    """Sharpness of row + column ink profiles after undoing `skew_deg`: the energy of the
    profiles' first differences, per unit of ink.

    Differences, not the profile itself: the plain sum of squares is dominated by the
    coarse pattern of whole text lines, and blocks whose line grids are out of phase
    (modules side by side) line up best at a false angle (0.8° off on a page of two
    such modules). Differences weigh the sharp edges of strokes, lines and rules, which
    are sharp only at the true angle.
    """
    t = math.radians(skew_deg)
    c, s = math.cos(t), math.sin(t)
    total = 0.0
    for v in (s * xs + c * ys, c * xs - s * ys):  # page-frame y, then x
        v = v - v.min()
        if smooth:  # split each point between its two bins: a score without rounding steps
            i = v.astype(np.intp)
            f = v - i
            n = int(i.max()) + 2
            hist = np.bincount(i, weight * (1.0 - f), n) + np.bincount(i + 1, weight * f, n)
        else:
            hist = np.bincount(np.rint(v).astype(np.intp), weight)
        d = np.diff(hist)
        total += float(d @ d)
    return total / max(1.0, float(weight.sum()))


def _best(angles: npt.NDArray[np.float64], scores: npt.NDArray[np.float64]) -> float:
    """Peak angle, refined by a parabola through the best sample and its neighbours."""
    k = int(np.argmax(scores))
    if 0 < k < len(scores) - 1:
        y0, y1, y2 = scores[k - 1 : k + 2]
        den = y0 - 2.0 * y1 + y2
        if den < 0:
            step = float(angles[k + 1] - angles[k])
            return float(angles[k]) + 0.5 * float(y0 - y2) / float(den) * step
    return float(angles[k])


def estimate_skew(image: Image) -> float:
    """Skew in degrees, ALTO ROTATION sense (content turned counter-clockwise in the scan).

    Returns 0.0 for pages with too little ink to measure.
    """
    grey = _grey(image)
    xs, ys, wt = _ink_points(grey, FINE_SIDE)
    if len(xs) < 200:
        return 0.0
    # Coarse search on a sample of the points at a smaller scale: broader peaks, which
    # the coarse steps cannot miss.
    step = -(-len(xs) // COARSE_POINTS)
    cx, cy = _jitter(xs, ys, COARSE_SCALE, step)
    cw = wt[::step]
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, COARSE_STEP, dtype=np.float64)
    scores = np.array([_profile_score(cx, cy, cw, float(a), smooth=False) for a in coarse])
    centre = float(coarse[int(np.argmax(scores))])
    fx, fy = _jitter(xs, ys, 1.0, 1)
    fine = centre + np.arange(-FINE_SPAN, FINE_SPAN + 1e-9, FINE_STEP, dtype=np.float64)
    scores = np.array([_profile_score(fx, fy, wt, float(a), smooth=True) for a in fine])
    angle = _best(fine, scores)
    return round(angle, 3)


# --------------------------------------------------------------------------- geometry


def page_transform(width: int, height: int, skew_deg: float, quarter_turns: int = 0) -> Transform:
    """Scan -> page frame: undo `quarter_turns` x 90° and `skew_deg`, on a canvas that holds
    the whole scan (nothing is cut off; the corners are filled with paper).

    Coordinates are continuous with pixel edges on integers (pixel i covers [i, i+1)).
    """
    q = quarter_turns % 4
    t = math.radians(skew_deg)
    c, s = math.cos(t), math.sin(t)
    # Undo the skew: rotate clockwise by skew_deg (image y down), i.e. OpenCV angle -skew.
    rot = np.array([[c, -s], [s, c]])
    # Undo the quarter turns: turn clockwise q times; exact integers.
    cw = np.array([[0.0, -1.0], [1.0, 0.0]])
    turn = np.linalg.matrix_power(cw, q)
    a = turn @ rot
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    mapped = corners @ a.T
    span = mapped.max(axis=0) - mapped.min(axis=0)
    # Exact sizes for pure quarter turns; otherwise round up so no ink is cut off.
    pw, ph = (math.ceil(float(v) - 1e-6) for v in span)
    offset = np.array([pw / 2, ph / 2]) - a @ np.array([width / 2, height / 2])
    matrix = (a[0, 0], a[0, 1], offset[0], a[1, 0], a[1, 1], offset[1])
    return Transform(
        scan_width=width,
        scan_height=height,
        page_width=pw,
        page_height=ph,
        skew_deg=float(skew_deg),
        quarter_turns=q,
        matrix=tuple(float(v) for v in matrix),  # type: ignore[arg-type]
    )


def _paper(grey: Image) -> int:
    """Paper brightness, to fill the corners the rotation uncovers without drawing edges."""
    step = max(1, max(grey.shape) // 500)
    return int(np.percentile(grey[::step, ::step], 90))


def apply_transform(image: Image, transform: Transform) -> Image:
    """Warp a scan into the page frame of `transform` (grey out)."""
    grey = _grey(image)
    if transform.skew_deg == 0.0:
        return np.ascontiguousarray(np.rot90(grey, -transform.quarter_turns))
    m = np.array(transform.matrix, dtype=np.float64).reshape(2, 3)
    # OpenCV samples at pixel centres: shift in and out by half a pixel.
    warp = m.copy()
    warp[:, 2] = m[:, 2] + m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    out = cv2.warpAffine(
        grey,
        warp,
        (transform.page_width, transform.page_height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(float(_paper(grey)),),
    )
    return np.asarray(out, dtype=np.uint8)


def deskew(
    image: Image,
    *,
    quarter_turns: int = 0,
    skew_deg: float | None = None,
    read_score: ReadScore | None = None,
) -> tuple[Image, Transform]:
    """Straighten a scan: the grey page-frame image and the Transform back to the scan.

    `skew_deg` is estimated unless given. Orientation is either given (`quarter_turns`,
    e.g. from `detect_orientation`) or, with `read_score`, detected here on the
    straightened page, which saves `detect_orientation` its own skew estimate and warp.
    The canvas grows so that no part of the scan is cut off.
    """
    grey = _grey(image)
    skew = estimate_skew(grey) if skew_deg is None else skew_deg
    if abs(skew) < MIN_SKEW_DEG:
        skew = 0.0
    h, w = grey.shape
    transform = page_transform(w, h, skew, quarter_turns)
    page = apply_transform(grey, transform)
    if read_score is not None and quarter_turns % 4 == 0:
        turns = _upright_turns(page, read_score)
        if turns:
            # Turning the straightened canvas about its centre is exactly the transform
            # with the turns included (same centre, same canvas), minus a second warp.
            page = np.ascontiguousarray(np.rot90(page, -turns))
            transform = page_transform(w, h, skew, turns)
    return page, transform


# --------------------------------------------------------------------------- orientation


def _char_boxes(grey: Image) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of single, roughly square characters on a straightened page."""
    ink = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 51, 20
    )
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 10:
        return []
    hs = stats[1:, cv2.CC_STAT_HEIGHT]
    ws = stats[1:, cv2.CC_STAT_WIDTH]
    big = (hs >= 8) & (hs < grey.shape[0] / 10) & (ws < grey.shape[1] / 10)
    if big.sum() < 10:
        return []
    # Many Chinese characters have a part as tall or wide as the whole character (the
    # left and right halves of 的, a box like 国): the upper quartile of component
    # extents is close to the body text's em size.
    em = float(np.percentile(np.maximum(hs, ws)[big], 75))
    k = max(2, round(em / 6))
    closed = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    boxes: list[tuple[int, int, int, int]] = []
    for x, y, w, h, area in stats[1:]:
        side = max(w, h)
        if side < 14 or side > 4 * em or min(w, h) < 0.75 * side:
            continue
        if area < 0.12 * w * h:  # frames and rings, not characters
            continue
        boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def _cell(grey: Image, box: tuple[int, int, int, int], paper: int) -> Image:
    """The character in a square cell of ORIENT_CELL px with a margin, on paper."""
    x, y, w, h = box
    side = max(w, h)
    pad = max(2, round(side * 0.12))
    size = side + 2 * pad
    cell = np.full((size, size), paper, np.uint8)
    ox, oy = (size - w) // 2, (size - h) // 2
    cell[oy : oy + h, ox : ox + w] = grey[y : y + h, x : x + w]
    out = cv2.resize(cell, (ORIENT_CELL, ORIENT_CELL), interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.uint8)


def _lines(cells: Sequence[Image], turns: int) -> list[Image]:
    """Synthetic horizontal lines of the cells, each first turned back by `turns` x 90°."""
    out: list[Image] = []
    for start in range(0, len(cells), ORIENT_LINE):
        group = [np.rot90(c, -turns) for c in cells[start : start + ORIENT_LINE]]
        if len(group) >= 4:
            out.append(np.ascontiguousarray(np.hstack(group)))
    return out


def sample_characters(image: Image, count: int = ORIENT_CHARS) -> list[Image]:
    """Up to `count` single-character cells from across a straightened page."""
    grey = _grey(image)
    boxes = _char_boxes(grey)
    if not boxes:
        return []
    # Spread the sample over the page (reading order is irrelevant here): sort by
    # position and take evenly spaced ones, so one headline cannot fill the sample.
    boxes.sort(key=lambda b: (b[1] // 64, b[0]))
    pick = np.linspace(0, len(boxes) - 1, min(count, len(boxes))).round().astype(int)
    paper = _paper(grey)
    return [_cell(grey, boxes[i], paper) for i in sorted(set(pick.tolist()))]


def _pick_orientation(scores: Sequence[float]) -> int:
    """The upright orientation from the mean confidences of the four readings.

    PP-OCR recognizers are trained on vertical columns turned 90° counter-clockwise,
    so they also read characters lying that way: with such a model two neighbouring
    readings score well, the upright one h and h - 1 (whose characters lie turned
    counter-clockwise), and of two good neighbours h - 1, h the upright one is h.
    A model that reads only upright characters gives one clear winner.
    """
    best = max(scores)
    if best < ORIENT_FLOOR:
        return 0  # nothing reads: no evidence against the scan's own orientation
    good = [h for h in range(4) if scores[h] >= best - ORIENT_MARGIN]
    if len(good) == 1:
        return good[0]
    if len(good) == 2:
        a, b = good
        if (a + 1) % 4 == b:
            return b
        if (b + 1) % 4 == a:
            return a
    return 0  # ambiguous: keep the scan as it is


def _upright_turns(straight: Image, read_score: ReadScore) -> int:
    """Quarter turns of a straightened (skew-free) page, by reading sampled characters.

    Readings 0 and 1 go first, in one batch; an upright page is settled by them, and
    only a page that is not gets readings 2 and 3.
    """
    cells = sample_characters(straight)
    if len(cells) < ORIENT_LINE:
        return 0

    def read(turns: Sequence[int]) -> list[float]:
        lines = [_lines(cells, q) for q in turns]
        scores = read_score([line for group in lines for line in group])
        out, at = [], 0
        for group in lines:
            part = scores[at : at + len(group)]
            at += len(group)
            out.append(float(np.mean(part)) if part else 0.0)
        return out

    scores = read((0, 1))
    if scores[0] >= ORIENT_ACCEPT and scores[1] < scores[0] - ORIENT_MARGIN:
        return 0
    scores += read((2, 3))
    return _pick_orientation(scores)


def detect_orientation(
    image: Image, read_score: ReadScore | None, *, skew_deg: float | None = None
) -> int:
    """Quarter turns (content turned counter-clockwise in the scan) that make it upright.

    Without a scorer the scan's own orientation is trusted (0). Pass `skew_deg` when it
    is known, or use `deskew(..., read_score=...)` to do both in one pass.
    """
    if read_score is None:
        return 0
    grey = _grey(image)
    skew = estimate_skew(grey) if skew_deg is None else skew_deg
    straight = apply_transform(grey, page_transform(grey.shape[1], grey.shape[0], skew))
    return _upright_turns(straight, read_score)
