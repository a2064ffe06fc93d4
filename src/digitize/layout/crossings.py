"""Cut detected lines that run across a column boundary.

The text detector sees ink, not columns: where two columns (or two modules) sit close,
it draws one box over both neighbours' lines on the same row, and the recognizer then
reads two unrelated half-lines as one. A printed line never crosses a column rule, and a
body line never crosses a gutter of the column grid; both are cut here, before lines are
grouped into blocks, so every later stage sees the lines as printed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from digitize.model import Box, Image, Line

# Narrowest white channel (in em) accepted as the gutter inside a merged line. Glyphs of
# one line stand about 0.05-0.15 em apart; gutters are half an em and more.
GUTTER_MIN_EM = 0.25
# How far (in em) from the column grid's gutter the channel may lie (skew left over by
# deskew, ragged right edges).
GUTTER_REACH_EM = 0.6
# A merged line may start this far right of its first column (first-line indent).
INDENT_MAX_EM = 3.5


def _piece(ln: Line, x0: float, x1: float, k: int) -> Line:
    box = Box(x0, ln.box.y0, x1, ln.box.y1)
    return Line(
        id=ln.id if k == 0 else f"{ln.id}_{k}",
        box=box,
        polygon=box.corners(),
        confidence=ln.confidence,
    )


def _cut(ln: Line, xs: Sequence[float], em: float) -> list[Line]:
    edges = [ln.box.x0, *sorted(xs), ln.box.x1]
    out: list[Line] = []
    for x0, x1 in itertools.pairwise(edges):
        if x1 - x0 >= 0.5 * em:
            out.append(_piece(ln, x0, x1, len(out)))
    return out


def split_at_rules(lines: list[Line], vrules: Sequence[Box], em: float) -> list[Line]:
    """Cut a horizontal line where a vertical rule crosses it.

    The detector joins the headlines of two modules set side by side at about the same
    height into one box across the gutter; no printed line runs through a column rule.
    """
    out: list[Line] = []
    for ln in lines:
        b = ln.box
        across = not ln.vertical and b.width > 2 * b.height
        cuts = sorted(
            (
                r
                for r in vrules
                if across
                and b.x0 + em < r.cx < b.x1 - em
                and r.y0 <= b.cy <= r.y1
                and r.y_overlap(b) >= 0.8 * b.height
            ),
            key=lambda r: r.x0,
        )
        if not cuts:
            out.append(ln)
            continue
        edges = [b.x0] + [v for r in cuts for v in (r.x0, r.x1)] + [b.x1]
        for k in range(0, len(edges), 2):
            x0, x1 = edges[k], edges[k + 1]
            if x1 - x0 >= 0.5 * em:
                out.append(_piece(ln, x0, x1, k // 2))
    return out


def split_row_ends(lines: list[Line], em: float) -> list[Line]:
    """A short column (four characters at most) standing at the ends of two or more rows
    of its own type size, each character in line with one of the rows, is those rows'
    last characters, which the detector boxed together as a column: it is cut into one
    horizontal piece per row, and each piece joins its row.

    Left whole, "鐵" and "旅" ending two rows of a horizontal module on a vertical page
    became a vertical text block of their own, an article of two characters, and the
    rows lost them.
    """
    rows = [ln for ln in lines if not ln.vertical]
    out: list[Line] = []
    for ln in lines:
        b = ln.box
        if not ln.vertical or b.height > 4.5 * b.width:
            out.append(ln)
            continue
        beside = sorted(
            (
                r
                for r in rows
                if r.box.y_overlap(b) >= 0.5 * r.box.height
                and 0.6 * b.width <= r.box.height <= 1.6 * b.width
                and min(abs(b.x0 - r.box.x1), abs(r.box.x0 - b.x1)) <= 0.5 * b.width
            ),
            key=lambda r: r.box.cy,
        )
        distinct: list[Line] = []
        for r in beside:  # pieces of one row count once
            if not distinct or r.box.cy - distinct[-1].box.cy > 0.5 * r.box.height:
                distinct.append(r)
        covered = sum(r.box.y_overlap(b) for r in distinct)
        if len(distinct) < 2 or covered < 0.7 * b.height:
            out.append(ln)
            continue
        mids = [(u.box.cy + v.box.cy) / 2 for u, v in itertools.pairwise(distinct)]
        edges = [b.y0, *mids, b.y1]
        for k, (y0, y1) in enumerate(itertools.pairwise(edges)):
            box = Box(b.x0, y0, b.x1, y1)
            piece_id = ln.id if k == 0 else f"{ln.id}_{k}"
            out.append(Line(id=piece_id, box=box, polygon=box.corners(), confidence=ln.confidence))
    return out


Column = tuple[float, float, Sequence[Line]]  # x0, x1 and the lines that define it


def _white_channel(ink: npt.NDArray[np.bool_], lo: int, hi: int, em: float) -> float | None:
    """Centre of the widest ink-free run of pixel columns in [lo, hi), if wide enough."""
    if hi <= lo:
        return None
    runs = _white_runs(ink[:, lo:hi])
    if not runs:
        return None
    a, z = max(runs, key=lambda r: r[1] - r[0])
    if z - a < GUTTER_MIN_EM * em:
        return None
    return lo + (a + z) / 2


def split_at_gutters(
    lines: list[Line], columns: Sequence[Column], grey: Image | None, em: float
) -> list[Line]:
    """Cut a body line that spans two or more columns of the grid at their gutters.

    Columns come from the edges many lines repeat, so a line that starts in one column
    and runs to the end of a neighbour's line in the same stretch of page cannot be
    printed that way: it is two lines the detector joined. The cut goes through the white
    channel the gutter leaves in the line's own pixels; without such a channel the line
    is kept. A line that stops inside the last column it reaches (a caption under a
    picture two columns wide, whose printed gaps may fall on a gutter) is kept too.
    """
    if grey is None or not columns:
        return lines
    spans = []
    for x0, x1, members in sorted(columns, key=lambda c: c[0]):
        ys = [m.box.y0 for m in members] + [m.box.y1 for m in members]
        spans.append((x0, x1, min(ys) - 4 * em, max(ys) + 4 * em))
    h, w = grey.shape[:2]
    out: list[Line] = []
    for ln in lines:
        b = ln.box
        # Columns of this stretch of page that the line runs well into.
        covered = [
            s for s in spans if s[2] <= b.cy <= s[3] and b.x0 < s[1] - em and s[0] + 2 * em < b.x1
        ]
        first = max((s for s in covered if s[0] - em <= b.x0), default=None)
        if ln.vertical or first is None or covered[-1][0] <= first[0] or b.x1 < covered[-1][1] - em:
            out.append(ln)
            continue
        # A line that starts well inside its column (a jump marker set flush right at a
        # column's foot, a paragraph's tail) has no column edge to vouch for it; the
        # gutter must then run on both above and below it.
        late = b.x0 > first[0] + INDENT_MAX_EM * em
        y0, y1 = max(0, int(b.y0)), min(h, int(np.ceil(b.y1)))
        x0, x1 = max(0, int(b.x0)), min(w, int(np.ceil(b.x1)))
        crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
        if crop.size == 0:
            out.append(ln)
            continue
        level, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        ink = np.asarray(crop <= level)
        reach = GUTTER_REACH_EM * em
        cuts: list[float] = []
        for left, right in itertools.pairwise(covered):
            if right[0] < first[0] or right[0] - left[1] > 3 * em:
                continue
            lo = int(min(left[1], right[0]) - reach) - x0
            hi = int(max(left[1], right[0]) + reach) - x0
            centre = _white_channel(ink, max(lo, 0), min(hi, x1 - x0), em)
            if centre is not None and _gutter_runs_on(
                grey, x0 + centre, b, level, em, through=late
            ):
                cuts.append(x0 + centre)
        out.extend(_cut(ln, cuts, em) if cuts else [ln])
    return out


def _gutter_runs_on(
    grey: Image, x: float, line: Box, level: float, em: float, *, through: bool = False
) -> bool:
    """The white channel continues above or below the line (`through`: above and below),
    as a gutter does.

    A comma's white tail can sit where a gutter would; a caption under a two-column photo
    or a lead set across two columns has picture or text above and below that spot. A
    deck set across the columns under their headline has the gutter below it only.
    """
    h, w = grey.shape[:2]
    c0, c1 = max(0, int(x - 0.1 * em)), min(w, int(x + 0.1 * em) + 1)
    white = []
    for r0, r1 in (
        (line.y0 - 1.5 * em, line.y0 - 0.2 * em),
        (line.y1 + 0.2 * em, line.y1 + 1.5 * em),
    ):
        a, b = max(0, int(r0)), min(h, int(r1))
        if b - a < 0.5 * em or c1 <= c0:
            continue
        white.append(float(np.mean(grey[a:b, c0:c1] <= level)) < 0.01)
    return len(white) == 2 and all(white) if through else any(white)


# A left edge is a column's when this many body lines start there.
START_SUPPORT = 3
# Rows of one module stand less than this far apart (in em), top to bottom.
LINE_GAP_EM = 1.0
# Paragraph indents repeat a column's left edge this far right of it (in em).
INDENT_EM = (0.5, 3.5)


def _column_starts(lines: Sequence[Line], em: float) -> list[tuple[float, float, float]]:
    """Left edges that several body lines share, each with the stretch of page (y0, y1)
    its lines span; a paragraph indent (an edge half an em to 3.5 ems right of a
    busier one in the same stretch) is not a column's edge."""
    clusters: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: ln.box.x0):
        if clusters and ln.box.x0 - clusters[-1][-1].box.x0 <= 0.4 * em:
            clusters[-1].append(ln)
        else:
            clusters.append([ln])
    edges = [
        (
            float(np.median([m.box.x0 for m in c])),
            min(m.box.y0 for m in c),
            max(m.box.y1 for m in c),
            len(c),
        )
        for c in clusters
        if len(c) >= START_SUPPORT
    ]
    lo, hi = INDENT_EM
    return [
        (x, y0, y1)
        for x, y0, y1, n in edges
        if not any(
            lo * em <= x - ox <= hi * em and oy0 < y1 and y0 < oy1 and on >= 0.5 * n
            for ox, oy0, oy1, on in edges
        )
    ]


def _reach_of_starts(
    starts: Sequence[tuple[float, float, float]], lines: Sequence[Line], em: float
) -> list[tuple[float, float, float]]:
    """Each column edge's stretch of page grown up and down, a line gap at a time,
    through the lines that reach it (start or end within an em of it, or run across
    it): where the detector joined a column's rows to its neighbour's on most rows of a
    stretch, few lines start at the edge there, yet the edge runs on down the module
    (rows of a horizontal module on a vertical page, cut only where their column's own
    rows start, were left joined above)."""
    out = []
    for x, y0, y1 in starts:
        over = sorted(
            (ln.box for ln in lines if ln.box.x0 - em <= x <= ln.box.x1 + em),
            key=lambda b: b.y0,
        )
        grown = True
        while grown:
            grown = False
            for b in over:
                if b.y0 < y0 and y0 - b.y1 <= LINE_GAP_EM * em:
                    y0, grown = b.y0, True
                if b.y1 > y1 and b.y0 - y1 <= LINE_GAP_EM * em:
                    y1, grown = b.y1, True
        out.append((x, y0, y1))
    return out


def _column_end(starts: Sequence[float], k: int) -> float:
    """Where the column starting at starts[k] ends, near enough: at the next column's
    start, or (the last column) one column pitch on; infinity without a neighbour."""
    if k + 1 < len(starts):
        return starts[k + 1]
    if k > 0:
        return 2 * starts[k] - starts[k - 1]
    return float("inf")


def _white_runs(ink: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Runs [a, b) of ink-free pixel columns (a few noise pixels allowed)."""
    noise = max(1, int(0.04 * ink.shape[0]))
    free = (ink.sum(axis=0) <= noise).tolist()
    runs: list[tuple[int, int]] = []
    start = None
    for i, f in enumerate([*free, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i))
            start = None
    return runs


def split_at_column_starts(lines: list[Line], grey: Image | None, em: float) -> list[Line]:
    """Cut a body line where it runs across the left edge of a column.

    On a page with narrow gutters and a blurred print the detector joins the lines of
    two, three or four neighbouring columns on most rows, so no column grid comes out of
    line extents (`split_at_gutters` needs one); the columns' left edges still do, since
    every line, joined or not, starts where a column does (its box up to an em left of
    the edge: detector padding). A line that starts at a column's edge and runs past the
    next edge is cut in the widest white gap within an em and a half left of that edge,
    when that gap is twice as wide as the line's typical gap between characters (a lead
    set across two columns has no such gap there) and the gap runs on above and below
    the line, as a gutter does (a comma's white tail does not; a deck set across the
    columns under their headline has the gutter below it only), or, for a line that runs
    on to the end of the next column, a neighbouring line has its own cut at the same
    place. Edges reach as far up and down as the lines that meet them
    (`_reach_of_starts`).
    """
    if grey is None:
        return lines
    rows = [ln for ln in lines if not ln.vertical]
    starts = _reach_of_starts(_column_starts(rows, em), rows, em)
    if not starts:
        return lines
    h, w = grey.shape[:2]
    found: list[tuple[Line, float, float, bool, bool]] = []  # line, gap, runs on, full
    for ln in lines:
        if ln.vertical:
            continue
        b = ln.box
        here = sorted(x for x, y0, y1 in starts if y0 - 4 * em <= b.cy <= y1 + 4 * em)
        opens = any(x - 1.0 * em <= b.x0 <= x + INDENT_EM[1] * em for x in here)
        crossed = [
            (x, b.x1 >= _column_end(here, k) - 2 * em)
            for k, x in enumerate(here)
            if b.x0 < x - 2 * em < x + 2 * em < b.x1
        ]
        if not opens or not crossed:
            continue
        y0, y1 = max(0, int(b.y0)), min(h, int(np.ceil(b.y1)))
        x0, x1 = max(0, int(b.x0)), min(w, int(np.ceil(b.x1)))
        crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
        if crop.size == 0 or int(crop.max()) - int(crop.min()) < 32:
            continue  # no ink to tell a gutter from
        level, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        runs = _white_runs(np.asarray(crop <= level))
        for x, full in crossed:
            lo, hi = x - 1.5 * em - x0, x + 0.2 * em - x0
            inside = [r for r in runs if r[1] > lo and r[0] < hi]
            others = [r[1] - r[0] for r in runs if r not in inside and em < r[0] < x1 - x0 - em]
            if not inside:
                continue
            ra, rz = max(inside, key=lambda r: r[1] - r[0])
            typical = float(np.median(others)) if others else 0.0
            if rz - ra < max(2.0, 0.08 * em) or rz - ra < 2 * typical:
                continue
            runs_on = _gutter_runs_on(grey, x0 + (ra + rz) / 2, b, level, em, through=True)
            found.append((ln, x0 + ra, x0 + rz, runs_on, full))
    cuts: dict[int, list[float]] = {}
    for ln, a, z, runs_on, full in found:
        # A neighbour's gap overlapping this one: the same white channel (its centre may
        # lie elsewhere, where a paragraph's short last line widens the gap). A line that
        # stops short of the next column's end needs the gutter itself, white above and
        # below it: the white tails of "、" under one another in a column of repeated
        # phrases confirm each other.
        confirmed = runs_on or (full and any(
            o is not ln and oa < z - 1 and a + 1 < oz and abs(o.box.cy - ln.box.cy) <= 4 * em
            for o, oa, oz, _, _ in found
        ))
        if confirmed:
            cuts.setdefault(id(ln), []).append((a + z) / 2)
    if not cuts:
        return lines
    out: list[Line] = []
    for ln in lines:
        out.extend(_cut(ln, cuts[id(ln)], em) if id(ln) in cuts else [ln])
    return out
