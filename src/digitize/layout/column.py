"""Image analysis of one printed column or line crop: ink masks, ink runs, character cells of a
vertical column, and the punctuation marks and corner quotes found in its pixels.

Pure numpy/OpenCV on one crop; the recognize stage turns what is found here into glyphs.
Measurements behind the constants are given where they are defined."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import numpy.typing as npt

from digitize.model import Image


def paper_level(img: Image) -> int:
    return int(np.percentile(img, 95)) if img.size else 255


def ink_mask(img: Image) -> npt.NDArray[np.bool_]:
    """Ink mask; Otsu inside the crop, but a crop of plain paper has no ink."""
    if img.size == 0:
        return np.zeros(img.shape, dtype=bool)
    lo, hi = np.percentile(img, (0.5, 95))
    if hi - lo < 40:
        return np.zeros(img.shape, dtype=bool)
    t, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(img <= t)


def extent(mask: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
    idx = np.flatnonzero(mask)
    return (int(idx[0]), int(idx[-1]) + 1) if idx.size else None


def ink_runs(mask: npt.NDArray[np.bool_], em: float) -> list[tuple[int, int]]:
    """Runs of ink along a line, bridging the narrow gaps inside a character."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max(1.0, RUN_BRIDGE_EM * em))
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def is_solid(piece: npt.NDArray[np.bool_], em: float) -> bool:
    """Ink the size and density of a character: not a mark, dust, a rule or a picture."""
    rows, cols = extent(piece.sum(axis=1) > 0), extent(piece.sum(axis=0) > 0)
    if rows is None or cols is None:
        return False
    if min(rows[1] - rows[0], cols[1] - cols[0]) < SOLID_EM * em:
        return False
    density = float(piece[rows[0] : rows[1], cols[0] : cols[1]].mean())
    return SOLID_DENSITY[0] <= density <= SOLID_DENSITY[1]


def mark_blobs(cell: npt.NDArray[np.bool_], em: float) -> tuple[list[int], int]:
    """Areas of the cell's filled, hole-free blobs of a mark's size (one-stroke characters
    are thin, 口 and its kin enclose a hole), and the cell's total ink area."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cell.astype(np.uint8), connectivity=8)
    blobs: list[int] = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        if max(w, h) > WORN_MARK_EM * em or min(w, h) < 0.25 * em or area < 0.4 * w * h:
            continue
        paper = np.pad((labels[y : y + h, x : x + w] != k).astype(np.uint8), 1, constant_values=1)
        m, _ = cv2.connectedComponents(paper, connectivity=4)
        if m == 2:  # the paper around it is one piece: no enclosed hole
            blobs.append(area)
    return blobs, int(stats[1:, cv2.CC_STAT_AREA].sum()) if n > 1 else 0


def worn_mark(cell: npt.NDArray[np.bool_], em: float) -> bool:
    """The cell's ink is one such blob (specks aside): a worn 、 or 。 of 1930s print that
    spread past `MARK_SPAN_SIZE`, too big for `mark_spans` and too dense for `is_solid`."""
    blobs, total = mark_blobs(cell, em)
    return len(blobs) == 1 and blobs[0] >= WORN_MARK_SHARE * total


def mark_blob(cell: npt.NDArray[np.bool_], em: float) -> bool:
    """The cell holds such a blob beside other ink: a mark that the character grid cut
    together with part of its neighbour. Only asked of cells the recognizer read nothing
    at, where it is far likelier a dropped mark than an unknown character."""
    return bool(mark_blobs(cell, em)[0])


def quote_shape(piece: npt.NDArray[np.bool_]) -> str | None:
    """「 or 」 for the ink of a vertical corner quote (﹁ a bar with a tick down from its
    right end, ﹂ a bar with a tick up from its left end), else None. A 一 is flatter
    (its serif adds less than a third of its length) and ticks at neither end alone."""
    h, w = piece.shape
    if h < 0.3 * w or h > 0.8 * w or w < 4:
        return None
    third, half = max(1, h // 3), w // 2
    top_bar = piece[:third].any(axis=0).mean() >= 0.8
    bottom_bar = piece[-third:].any(axis=0).mean() >= 0.8
    below_left = piece[third:, :half].any()  # ﹁: nothing under the bar's left half
    above_right = piece[:-third, w - half :].any()  # ﹂: nothing over the bar's right half
    if top_bar and not below_left and piece[third:, half:].any():
        return "「"
    if bottom_bar and not above_right and piece[:-third, : w - half].any():
        return "」"
    return None


def quote_spans(ink: npt.NDArray[np.bool_], cols: tuple[int, int]) -> list[tuple[int, int, str]]:
    """Row ranges of the column's corner quotes: components 0.4 to 0.95 of the
    column's ink width across whose shape `quote_shape` recognises."""
    c0, c1 = cols
    em_w = float(c1 - c0)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    out: list[tuple[int, int, str]] = []
    for k in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[k])
        if not (0.4 * em_w <= w <= 0.95 * em_w) or x + w <= c0 or x >= c1:
            continue
        mark = quote_shape(labels[y : y + h, x : x + w] == k)
        if mark is not None:
            out.append((y, y + h, mark))
    return out


def blank_outside(crop: Image, cols: tuple[int, int], pad: int) -> Image:
    """Paper over slivers of the neighbouring columns that a loose detector box takes in;
    turned with the column they would lie along the line like an underline."""
    c0, c1 = max(0, cols[0] - pad), min(crop.shape[1], cols[1] + pad)
    if c0 == 0 and c1 == crop.shape[1]:
        return crop
    out = crop.copy()
    paper = paper_level(crop)
    out[:, :c0] = paper
    out[:, c1:] = paper
    return out


def main_run(mask: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
    """The column's own ink across a crop: the run with the most ink columns, so that
    slivers of the neighbouring columns caught at the crop's edges are left out."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return None
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def column_cells(ink: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Character cells (row ranges) of a vertical column's ink mask, top to bottom.

    CJK characters are set on a regular square grid, so one pitch and phase are fitted
    to the whole column (the grid whose cut rows hold the least ink), then each cut moves
    to the emptiest row nearby. Cutting at every blank row instead would split 三 or 二
    and merge a thin 一 with its neighbour.
    """
    cols = extent(ink.sum(axis=0) > max(1, 0.02 * ink.shape[0]))
    rows_any = ink.sum(axis=1).astype(np.float64)
    ext = extent(rows_any > 0)
    if cols is None or ext is None:
        return []
    em_w = float(cols[1] - cols[0])
    top, bottom = ext
    profile = np.convolve(rows_any, np.ones(3) / 3, mode="same")
    if bottom - top <= 1.3 * em_w:
        return [(top, bottom)]
    best: tuple[float, float, float] | None = None
    for pitch in np.arange(0.95 * em_w, 1.6 * em_w, 0.25).tolist():
        # All phases of this pitch at once: row p holds the grid top - phase_p + k * pitch.
        phases = np.arange(0.0, pitch, 0.5)
        steps = np.arange(int((bottom - top + pitch) / pitch) + 2)
        grid = (top - phases)[:, None] + steps[None, :] * pitch
        inside = (grid > top) & (grid < bottom)
        count = inside.sum(axis=1)
        ink_on_cuts = (profile[np.where(inside, grid, 0).astype(int)] * inside).sum(axis=1)
        # Ink on the cut rows, plus a pull towards the usual pitch (1.1 ink widths) for
        # columns of touching characters where every grid costs about the same.
        cost = np.where(count > 0, ink_on_cuts / np.maximum(count, 1), np.inf) / em_w
        cost = cost + 0.5 * abs(pitch / em_w - 1.1)
        k = int(np.argmin(cost))
        if np.isfinite(cost[k]) and (best is None or cost[k] < best[0] - 1e-9):
            best = (float(cost[k]), pitch, float(phases[k]))
    if best is None:
        return [(top, bottom)]
    _, pitch, phase = best
    reach = max(1, int(0.15 * pitch))
    cuts: list[int] = [top]
    for c in np.arange(top - phase, bottom + pitch, pitch).tolist():
        if c <= top + 0.3 * pitch or c >= bottom - 0.1 * pitch:
            continue
        lo, hi = max(top + 1, int(c) - reach), min(bottom, int(c) + reach + 1)
        cuts.append(lo + int(np.argmin(profile[lo:hi])))
    cuts.append(bottom)
    cells: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(cuts):
        run = extent(rows_any[a:b] > 0)
        if run is not None and b > a:
            cells.append((a, b))
    return cells


def mark_components(
    crop: Image, ink: npt.NDArray[np.bool_], cols: tuple[int, int], size: float = 0.45
) -> tuple[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]] | None, list[tuple[int, int]]]:
    """Punctuation marks of a vertical column: the component labels and stats, and
    (label, rim) per mark.

    A mark is a small blob whose rows hold no character stroke (the dots of 心 or 小
    share their rows with the larger strokes beside them); one in the middle of the
    column must also be alone in its cell, since a worn character breaks into pieces,
    and being alone it is taken with a 1 px rim (its blurred edge).
    """
    c0, c1 = cols
    em_w = float(c1 - c0)
    if em_w < 4 or crop.size == 0:
        return None, []
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    big_rows = np.zeros(crop.shape[0], dtype=bool)
    marks: list[int] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) >= 0.5 * em_w:
            # Character strokes of this column only: not a neighbour's sliver or a
            # column rule beside it.
            if c0 <= x + w / 2 <= c1 and w >= 0.15 * em_w:
                big_rows[y : y + h] = True
        elif max(w, h) <= size * em_w and area >= 2 and x + w > c0 and x < c1:
            marks.append(i)
    gap = max(1, round(0.1 * em_w))
    out: list[tuple[int, int]] = []
    for i in marks:
        x, y, w, h, _ = (int(v) for v in stats[i])
        if big_rows[y : y + h].mean() > 0.3:
            continue
        rim = 0
        if not (x + w / 2 >= c0 + 0.58 * em_w and x >= c0 + 0.3 * em_w):
            band = labels[max(0, y - gap) : y + h + gap, c0:c1]
            if np.count_nonzero((band != 0) & (band != i)):
                continue
            rim = 1
        out.append((i, rim))
    return (np.asarray(labels, dtype=np.int32), np.asarray(stats, dtype=np.int32)), out


def move_corner_marks(crop: Image, ink: npt.NDArray[np.bool_], cols: tuple[int, int]) -> Image:
    """Vertical punctuation moved to where the recognizer reads it in a turned column.

    Vertical print sets 、。，． in the upper right or the middle of their cell. Rendered
    columns turned 90° counter-clockwise show that PP-OCRv6 reads such a mark only when
    it lies at the column's left edge in its printed orientation (a 、 drawn at the top
    or bottom left: read; upper right, centre, bottom right, or turned either way: dropped
    or read as ，/；). So each mark (`mark_components`) moves, unturned, to the left edge of its
    own rows. On a rendered 150 dpi page this took ， from 12 to 105 of 106 and 。 from 0
    to 73 of 74.
    """
    comps, marks = mark_components(crop, ink, cols)
    if comps is None or not marks:
        return crop
    labels, stats = comps
    c0 = cols[0]
    out = crop.copy()
    paper = paper_level(crop)
    width = crop.shape[1]
    for i, rim in marks:
        x, y, w, h, _ = (int(v) for v in stats[i])
        y0, y1 = max(0, y - rim), min(crop.shape[0], y + h + rim)
        x0, x1 = max(0, x - rim), min(width, x + w + rim)
        nx = c0 - (x - x0)
        if nx < 0 or nx + (x1 - x0) > width or nx >= x0:
            continue
        blob = labels[y0:y1, x0:x1] == i
        if rim:
            blob = cv2.dilate(blob.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        src = crop[y0:y1, x0:x1]
        around = src[~blob]
        out[y0:y1, x0:x1][blob] = int(np.median(around)) if rim and around.size else paper
        dst = out[y0:y1, nx : nx + (x1 - x0)]
        dst[blob] = np.minimum(dst[blob], src[blob])
    return out


# Largest mark (em) taken from the image: worn 、 of 1930s print spread to half an em.
MARK_SPAN_SIZE = 0.49


# A filled blob is a mark up to this size (`mark_blob`); a cell is a worn mark when one
# such blob holds this share of its ink (`worn_mark`).
WORN_MARK_EM = 0.8


WORN_MARK_SHARE = 0.9


def mark_spans(
    crop: Image, ink: npt.NDArray[np.bool_], cols: tuple[int, int]
) -> list[tuple[int, int]]:
    """Row ranges of the column's clear punctuation marks: compact blobs (a 、 or a dot,
    at least a fifth of an em across both ways) among `mark_components`, which excludes dust
    and the thin strokes of vertical quotes ﹁﹂."""
    comps, marks = mark_components(crop, ink, cols, MARK_SPAN_SIZE)
    if comps is None:
        return []
    _, stats = comps
    em_w = float(cols[1] - cols[0])
    out: list[tuple[int, int]] = []
    for i, _rim in marks:
        _x, y, w, h, area = (int(v) for v in stats[i])
        if min(w, h) >= 0.2 * em_w and area >= 0.35 * w * h:
            out.append((y, y + h))
    return sorted(out)


# Character-sized ink: at least this many ems both ways, this share of its box inked.
SOLID_EM = 0.55


SOLID_DENSITY = (0.06, 0.6)


RUN_BRIDGE_EM = 0.12  # gaps inside a character (川, 們) narrower than this are bridged


# A 破折号 (two em dashes) is one straight stroke: its columns of ink are at most this
# thick (em) and it runs at least this long (em); "一" is under an em wide and stands alone.
DASH_THICK_EM = 0.2
DASH_MIN_EM = 1.1
DASH_GAP_EM = 0.25  # the two dashes of some faces part by a hairline
# Specks on a worn stroke: columns with ink off it, at most this wide (em) in all, each
# at most SPECK_EM tall (a character's upright stroke crossing it is taller).
DASH_SPECK_EM = 0.15
SPECK_EM = 0.35


def dash_ends(
    band: npt.NDArray[np.bool_], em: float, inner: tuple[int, int] | None = None
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """Column ranges of a dash stroke opening and one closing a horizontal line (`band`:
    the line's ink rows, `inner`: the columns of its box, default all), None where the
    line does not open or close on one.

    Subtitles open with —— (副题) and kickers close with it (引题); a recognizer often
    reads the stroke as 一 or drops it (corpus: 15 of 91 subtitle dashes), and detector
    boxes often stop short of its far end. The stroke is told from the image: a thin run
    of ink at one height in the middle of the band, longer than any one character, with
    nothing above or below it but specks of a worn print narrower than a gap between
    characters; one cut by the box edge is followed outside it."""
    if band.size == 0 or em <= 0:
        return (None, None)
    h, w = band.shape
    lo, hi = inner if inner is not None else (0, w)
    inked: list[bool] = np.any(band, axis=0).tolist()
    half = max(1.5, DASH_THICK_EM * em / 2)
    bridge = DASH_GAP_EM * em

    def walk(c: int, step: int, row: float | None) -> tuple[int | None, int | None, float]:
        """First and last columns of the stroke met walking from c (blank paper before
        it is skipped unless its height `row` is given: then it must go on from c)."""
        first = last = None
        gap = specks = 0
        while 0 <= c < w:
            if not inked[c]:
                gap += 1
                if (first is not None or row is not None) and gap > bridge:
                    break
                c += step
                continue
            gap = 0
            rows = np.flatnonzero(band[:, c])
            if row is None:
                row = float(rows[0] + rows[-1]) / 2
                if rows[-1] - rows[0] + 1 > 2 * half or not 0.25 * h <= row <= 0.75 * h:
                    break
            on = np.abs(rows - row) <= half
            if not on.any():
                break
            if not on.all():  # a speck on the stroke, or a character's stroke crossing it
                specks += 1
                if specks > DASH_SPECK_EM * em or np.count_nonzero(~on) > SPECK_EM * em:
                    break
            else:  # the stroke goes on (a speck only counts with stroke beyond it)
                first = c if first is None else first
                last = c
            c += step
        return first, last, row if row is not None else 0.0

    def stroke(start: int, step: int) -> tuple[int, int] | None:
        first, last, row = walk(start, step, None)
        if first is None or last is None:
            return None
        if abs(first - start) <= bridge:  # it may go on beyond the box
            _, beyond, _ = walk(start - step, -step, row)
            first = beyond if beyond is not None else first
        a, b = sorted((first, last))
        if b + 1 - a < DASH_MIN_EM * em:
            return None
        # Text on the far side of the stroke, or it is a rule, not a dash.
        far = inked[b + 1 : hi] if step > 0 else inked[lo:a]
        return (a, b + 1) if any(far) else None

    return (stroke(lo, 1), stroke(hi - 1, -1))
