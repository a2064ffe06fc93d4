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


Column = tuple[float, float, Sequence[Line]]  # x0, x1 and the lines that define it


def _white_channel(ink: npt.NDArray[np.bool_], lo: int, hi: int, em: float) -> float | None:
    """Centre of the widest ink-free run of pixel columns in [lo, hi), if wide enough."""
    if hi <= lo:
        return None
    noise = max(1, int(0.04 * ink.shape[0]))
    free = ink[:, lo:hi].sum(axis=0) <= noise
    best: tuple[int, int] | None = None
    start = None
    for i, f in enumerate([*free.tolist(), False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    if best is None or best[1] - best[0] < GUTTER_MIN_EM * em:
        return None
    return lo + (best[0] + best[1]) / 2


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
            s
            for s in spans
            if s[2] <= b.cy <= s[3] and b.x0 < s[1] - 2 * em and s[0] + 2 * em < b.x1
        ]
        first = max((s for s in covered if s[0] - em <= b.x0), default=None)
        if (
            ln.vertical
            or first is None
            or b.x0 > first[0] + INDENT_MAX_EM * em
            or covered[-1][0] <= first[0]
            or b.x1 < covered[-1][1] - em
        ):
            out.append(ln)
            continue
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
            if centre is not None and _gutter_runs_on(grey, x0 + centre, b, level, em):
                cuts.append(x0 + centre)
        out.extend(_cut(ln, cuts, em) if cuts else [ln])
    return out


def _gutter_runs_on(grey: Image, x: float, line: Box, level: float, em: float) -> bool:
    """The white channel continues above or below the line, as a gutter does.

    A comma's white tail can sit where a gutter would; a caption under a two-column photo
    or a lead set across two columns has picture or text above and below that spot.
    """
    h, w = grey.shape[:2]
    c0, c1 = max(0, int(x - 0.1 * em)), min(w, int(x + 0.1 * em) + 1)
    for r0, r1 in (
        (line.y0 - 1.5 * em, line.y0 - 0.2 * em),
        (line.y1 + 0.2 * em, line.y1 + 1.5 * em),
    ):
        a, b = max(0, int(r0)), min(h, int(r1))
        if b - a < 0.5 * em or c1 <= c0:
            continue
        if float(np.mean(grey[a:b, c0:c1] <= level)) < 0.01:
            return True
    return False
