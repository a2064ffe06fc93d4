"""Recognize stage: read every line of a page in one batched engine call.

Crops come from the full-resolution deskewed page (not the detection-scale image), so
small print keeps all its pixels; each crop is brought to the recognizer's input height
here (cubic upscaling for small text, area averaging for large), so the engine's own
resize is a no-op.

PP-OCR recognizers read horizontal text only. Two ways to feed them a vertical column
were measured on 108 rendered columns (traditional and simplified text; AR PL UMing,
Noto Serif TC, Noto Sans SC bold; 12/20/34 px; tight and loose pitch; blur and noise):
(a) turning the column 90° counter-clockwise, CER 0.015, and (b) cutting it into
character cells laid side by side, CER 0.034. PP-OCRv6 has learnt rotated vertical
lines and reads them with the context of the whole column, while isolated cells lose that
context and suffer from every mis-cut (touching characters, thin 一). So (a) is the
default; the cells are still found, to give each glyph its box.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np
import numpy.typing as npt

from digitize.detect import to_grey
from digitize.engines.base import OcrEngine, Recognition
from digitize.layout.vertical import is_vertical_page
from digitize.model import UNREAD, Box, Glyph, Image, Line, Page
from digitize.script import is_simplified_form, is_traditional_text, to_simplified
from digitize.textutil import clean_line, is_cjk, is_wide

DEFAULT_REC_HEIGHT = 48
INK_PER_EM = 0.9
CELL_GAP_EM = 0.15  # white space between laid-out cells, in em


class VerticalMode(StrEnum):
    ROTATE = "rotate"  # rotate the column 90° counter-clockwise (default, measured better)
    CELLS = "cells"  # cut into character cells laid side by side


VERTICAL_MODE = VerticalMode.ROTATE


@dataclass(slots=True)
class _Plan:
    """How one crop maps back to its line: its page-frame origin/scale or its cells."""

    line: Line
    x0: float  # page-frame x of the crop's left edge
    width: float  # crop width in page pixels (horizontal lines)
    em: float
    band: tuple[float, float]  # page-frame y band of the ink (horizontal lines)
    cells: list[tuple[float, float]]  # page-frame y ranges of cells (vertical lines)
    cell_x: list[tuple[float, float]]  # where each cell lies along the strip, 0..1
    rotated: bool = False  # strip is the column turned 90°: position maps linearly to y
    marks: list[tuple[float, float]] = field(default_factory=list)  # page-frame y of marks
    # Page-frame extents along the line (x, or y for columns) of character-sized ink.
    solid: list[tuple[float, float]] = field(default_factory=list)
    # Those of the solid cells that hold a mark-like blob (`mark_blob`): left unread,
    # they are taken for a dropped 、, not for an unknown character.
    blobs: list[tuple[float, float]] = field(default_factory=list)
    # Vertical corner quotes found in the column (page-frame y range, 「 or 」).
    quotes: list[tuple[float, float, str]] = field(default_factory=list)


def recognize(page: Page, engine: OcrEngine) -> None:
    """Fill text, confidence and glyphs of every line of the page (regions first)."""
    if page.image is None:
        raise ValueError(f"page {page.number} has no image to recognize")
    lines = list(page.iter_lines()) or list(page.lines)
    if not lines:
        return
    grey = to_grey(page.image)
    height = int(getattr(engine, "rec_height", DEFAULT_REC_HEIGHT))
    crops: list[Image] = []
    plans: list[_Plan] = []
    for line in lines:
        crop, plan = (
            vertical_strip(grey, line, height)
            if line.vertical
            else horizontal_crop(grey, line, height)
        )
        crops.append(crop)
        plans.append(plan)
    # Vertical pages are historical print, where the int8 recognizer of the fast preset
    # loses most (real 1939 fold: char F1 0.832 int8, 0.840 float) and saves least.
    results = engine.recognize(crops, precise=is_vertical_page(page))
    added: dict[int, list[Glyph]] = {}
    for plan, res in zip(plans, results, strict=True):
        marks = _fill(plan, res)
        if marks:
            added[id(plan.line)] = marks
    _mark_style(page, added)
    prefer_page_script(lines)
    if is_vertical_page(page):
        for line in lines:
            if not line.vertical:
                right_to_left(line)


def prefer_page_script(lines: Sequence[Line]) -> None:
    """On a page set in traditional characters, a simplified form the recognizer read
    (内, 鲜) becomes the traditional form it ranked next (內, 鮮).

    PP-OCR's training text is mostly simplified, so where the print has the traditional
    form the simplified look-alike often wins narrowly. Only a runner-up that is a
    traditional form of the very character read is taken: the visual evidence and the
    page's script then agree, while a simplified form with no such runner-up (云, which
    traditional print also uses) stays as read.
    """
    if not is_traditional_text("".join(ln.text for ln in lines)):
        return
    for line in lines:
        changed = False
        for g in line.glyphs:
            if len(g.text) != 1 or not is_simplified_form(g.text):
                continue
            forms = [
                (a, p) for a, p in g.alternatives if a != g.text and to_simplified(a) == g.text
            ]
            if forms:
                g.text, g.confidence = forms[0][0], min(g.confidence, forms[0][1])
                changed = True
        if changed:
            line.text = clean_line(_with_spaces(line.text, line.glyphs))


# Brackets seen mirrored when a right-to-left row is read left to right.
_MIRROR = dict(zip("（）「」『』《》〈〉【】()", "）（」「』『》《〉〈】【)(", strict=True))


def right_to_left(line: Line) -> None:
    """Read a horizontal line of a vertical page right to left.

    Before the 1950s a row of Chinese above vertical columns (a nameplate, date line,
    headline, an advertiser's address) was set right to left: it is vertical text one
    character to the column. The recognizer reads rows left to right, so 女子銀行 comes
    out 行銀子女. The row's characters are reversed (runs of Latin letters and digits,
    which were set left to right even then, stay as they are) and brackets mirrored.
    Rows with fewer than two Chinese characters are left alone.
    """
    chars = [c for c in line.text if not c.isspace()]
    if sum(is_cjk(c) for c in chars) < max(2, len(chars) / 2):
        return
    if len(line.glyphs) == len(chars):
        units = _rtl_units([g.text for g in line.glyphs])
        glyphs = [line.glyphs[i] for unit in reversed(units) for i in unit]
        line.glyphs = [Glyph(g.box, _MIRROR.get(g.text, g.text), g.confidence) for g in glyphs]
        line.text = clean_line("".join(g.text for g in line.glyphs))
        return
    units = _rtl_units(chars)
    line.text = clean_line(
        "".join(_MIRROR.get(chars[i], chars[i]) for u in reversed(units) for i in u)
    )


def _rtl_units(chars: Sequence[str]) -> list[list[int]]:
    """Indices grouped into units that keep their order: runs of ASCII letters/digits."""
    units: list[list[int]] = []
    for i, c in enumerate(chars):
        latin = c.isascii() and c.isalnum()
        if latin and units and chars[units[-1][-1]].isascii() and chars[units[-1][-1]].isalnum():
            units[-1].append(i)
        else:
            units.append([i])
    return units


def _mark_style(page: Page, added: dict[int, list[Glyph]]) -> None:
    """Which pause mark a region of vertical text is set with, from its own lines.

    Vertical print of the 1930s uses 句讀 only (、 and 。 beside the characters), but a
    serial or essay on the same page may use modern ，. The recognizer reads a clear ，
    well and drops worn 、 (or reads it as ，), so a region where the commas it read
    outnumber all the other pause marks (read, or added from the image) is set with
    commas: the added marks become ，. In any other region with a few 、 the commas read
    are worn 、 (the two are not mixed in one text), and become 、.
    """
    groups = [r.lines for r in page.regions] if page.regions else [page.lines]
    for lines in groups:
        vertical = [ln for ln in lines if ln.vertical]
        extra = [g for ln in vertical for g in added.get(id(ln), [])]
        extra_ids = {id(g) for g in extra}
        read = [g.text for ln in vertical for g in ln.glyphs if id(g) not in extra_ids]
        dun, commas = read.count(DUN) + len(extra), read.count("，")
        if commas > dun:
            old, new, only = DUN, "，", extra_ids
        elif dun >= MIN_DUN and commas:
            old, new, only = "，", DUN, None
        else:
            continue
        for ln in vertical:
            hits = [g for g in ln.glyphs if g.text == old and (only is None or id(g) in only)]
            for g in hits:
                g.text = new
            if hits:
                ln.text = ln.text.replace(old, new) if only is None else _glyph_text(ln)


def _glyph_text(line: Line) -> str:
    return clean_line("".join(g.text for g in line.glyphs))


# Marks 、 (read or added) that make a region a 、 region when it has fewer commas.
MIN_DUN = 3


def _paper(img: Image) -> int:
    return int(np.percentile(img, 95)) if img.size else 255


# Upscaling small print: cubic, plus a mild unsharp mask when enlarging more than
# SHARPEN_ABOVE times. Measured on 850x1200 rendered pages with 8 and 10 px body text,
# clean and scan-degraded (char F1, mean of 4): cubic 0.9752, cubic+unsharp 0.5 0.9766,
# Lanczos 0.9721, Lanczos+unsharp 0.9716; the gain is on 8 px degraded text.
SHARPEN_ABOVE = 2.0
SHARPEN_AMOUNT = 0.5
SHARPEN_SIGMA = 1.0


def _resize_to_height(img: Image, height: int) -> Image:
    h, w = img.shape[:2]
    if h == height or h == 0 or w == 0:
        return img
    scale = height / h
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    out = cv2.resize(img, (max(1, round(w * scale)), height), interpolation=interp)
    if scale > SHARPEN_ABOVE:
        blur = cv2.GaussianBlur(out, (0, 0), SHARPEN_SIGMA)
        out = cv2.addWeighted(out, 1 + SHARPEN_AMOUNT, blur, -SHARPEN_AMOUNT, 0)
    return np.asarray(out, dtype=np.uint8)


def _cut(grey: Image, box: Box) -> tuple[Image, Box]:
    b = box.clip(grey.shape[1], grey.shape[0])
    x0, y0 = int(np.floor(b.x0)), int(np.floor(b.y0))
    x1, y1 = int(np.ceil(b.x1)), int(np.ceil(b.y1))
    return grey[y0:y1, x0:x1], Box(x0, y0, x1, y1)


def _ink(img: Image) -> npt.NDArray[np.bool_]:
    """Ink mask; Otsu inside the crop, but a crop of plain paper has no ink."""
    if img.size == 0:
        return np.zeros(img.shape, dtype=bool)
    lo, hi = np.percentile(img, (0.5, 95))
    if hi - lo < 40:
        return np.zeros(img.shape, dtype=bool)
    t, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(img <= t)


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
    idx = np.flatnonzero(mask)
    return (int(idx[0]), int(idx[-1]) + 1) if idx.size else None


def horizontal_crop(grey: Image, line: Line, height: int) -> tuple[Image, _Plan]:
    box = line.box
    margin = max(1.0, 0.04 * box.height)
    crop, cb = _cut(grey, box.expand(margin))
    ink = _ink(crop)
    rows = _runs(ink.sum(axis=1) > max(1, 0.01 * ink.shape[1]))
    if rows is not None:
        band = (cb.y0 + rows[0], cb.y0 + rows[1])
        em = min(max((rows[1] - rows[0]) / INK_PER_EM, 0.4 * box.height), box.height)
    else:
        em = box.height / 1.5
        band = (box.cy - em / 2, box.cy + em / 2)
    plan = _Plan(line, cb.x0, cb.width, em, band, [], [])
    if rows is not None:
        sub = ink[rows[0] : rows[1]]
        plan.solid = [
            (cb.x0 + a, cb.x0 + b)
            for a, b in _ink_runs(sub.sum(axis=0) > 0, em)
            if _solid(sub[:, a:b], em)
        ]
    return _resize_to_height(crop, height), plan


def _ink_runs(mask: npt.NDArray[np.bool_], em: float) -> list[tuple[int, int]]:
    """Runs of ink along a line, bridging the narrow gaps inside a character."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max(1.0, RUN_BRIDGE_EM * em))
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _solid(piece: npt.NDArray[np.bool_], em: float) -> bool:
    """Ink the size and density of a character: not a mark, dust, a rule or a picture."""
    rows, cols = _runs(piece.sum(axis=1) > 0), _runs(piece.sum(axis=0) > 0)
    if rows is None or cols is None:
        return False
    if min(rows[1] - rows[0], cols[1] - cols[0]) < SOLID_EM * em:
        return False
    density = float(piece[rows[0] : rows[1], cols[0] : cols[1]].mean())
    return SOLID_DENSITY[0] <= density <= SOLID_DENSITY[1]


def _mark_blobs(cell: npt.NDArray[np.bool_], em: float) -> tuple[list[int], int]:
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
    spread past `MARK_SPAN_SIZE`, too big for `mark_spans` and too dense for `_solid`."""
    blobs, total = _mark_blobs(cell, em)
    return len(blobs) == 1 and blobs[0] >= WORN_MARK_SHARE * total


def mark_blob(cell: npt.NDArray[np.bool_], em: float) -> bool:
    """The cell holds such a blob beside other ink: a mark that the character grid cut
    together with part of its neighbour. Only asked of cells the recognizer read nothing
    at, where it is far likelier a dropped mark than an unknown character."""
    return bool(_mark_blobs(cell, em)[0])


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


def _blank_outside(crop: Image, cols: tuple[int, int], pad: int) -> Image:
    """Paper over slivers of the neighbouring columns that a loose detector box takes in;
    turned with the column they would lie along the line like an underline."""
    c0, c1 = max(0, cols[0] - pad), min(crop.shape[1], cols[1] + pad)
    if c0 == 0 and c1 == crop.shape[1]:
        return crop
    out = crop.copy()
    paper = _paper(crop)
    out[:, :c0] = paper
    out[:, c1:] = paper
    return out


def _main_run(mask: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
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
    cols = _runs(ink.sum(axis=0) > max(1, 0.02 * ink.shape[0]))
    rows_any = ink.sum(axis=1).astype(np.float64)
    ext = _runs(rows_any > 0)
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
        run = _runs(rows_any[a:b] > 0)
        if run is not None and b > a:
            cells.append((a, b))
    return cells


def vertical_strip(
    grey: Image, line: Line, height: int, mode: VerticalMode | None = None
) -> tuple[Image, _Plan]:
    """A horizontal image the recognizer can read from a vertical column.

    Character cells are found in both modes: they give the glyph boxes.
    """
    mode = VERTICAL_MODE if mode is None else mode
    box = line.box
    margin = max(1.0, 0.04 * box.width)
    crop, cb = _cut(grey, box.expand(margin))
    ink = _ink(crop)
    cols = _main_run(ink.sum(axis=0) > max(1, 0.02 * max(1, ink.shape[0])))
    em = float(cols[1] - cols[0]) / INK_PER_EM if cols else box.width / 1.5
    cells = column_cells(ink) or [(0, crop.shape[0])]
    page_cells = [(cb.y0 + a, cb.y0 + b) for a, b in cells]
    if mode is VerticalMode.ROTATE or crop.size == 0:
        marks: list[tuple[float, float]] = []
        solid: list[tuple[float, float]] = []
        blobs: list[tuple[float, float]] = []
        quotes: list[tuple[float, float, str]] = []
        if cols is not None:
            marks = [(cb.y0 + a, cb.y0 + b) for a, b in mark_spans(crop, ink, cols)]
            quotes = [(cb.y0 + a, cb.y0 + b, q) for a, b, q in quote_spans(ink, cols)]
            solid = []
            for a, b in cells:
                cell_ink = ink[a:b, cols[0] : cols[1]]
                at = (cb.y0 + a, cb.y0 + b)
                found, inked = _mark_blobs(cell_ink, em)
                new = bool(found) and not any(ma < at[1] and at[0] < mb for ma, mb in marks)
                if len(found) == 1 and found[0] >= WORN_MARK_SHARE * inked:  # a worn mark
                    if new:
                        marks.append(at)
                elif _solid(cell_ink, em):
                    solid.append(at)
                    if new:  # a mark cut together with part of a character
                        blobs.append(at)
            marks.sort()
            crop = _blank_outside(crop, cols, max(1, round(0.1 * em)))
            crop = move_corner_marks(crop, ink, cols)
        # Counter-clockwise: the column's top goes to the strip's left end.
        rotated = np.ascontiguousarray(np.rot90(crop))
        total = float(max(1, crop.shape[0]))
        spans = [(a / total, b / total) for a, b in cells]
        plan = _Plan(
            line,
            cb.x0,
            cb.width,
            em,
            (cb.y0, cb.y1),
            page_cells,
            spans,
            True,
            marks,
            solid,
            blobs,
            quotes,
        )
        return _resize_to_height(rotated, height), plan
    paper = _paper(crop)
    side = max(crop.shape[1], max(b - a for a, b in cells))
    gap = max(1, round(CELL_GAP_EM * em))
    pieces: list[Image] = [np.full((side, gap), paper, dtype=np.uint8)]
    edges: list[tuple[int, int]] = []
    x = gap
    for a, b in cells:
        cell = np.full((side, side), paper, dtype=np.uint8)
        piece = crop[a:b]
        oy = (side - piece.shape[0]) // 2
        ox = (side - piece.shape[1]) // 2
        cell[oy : oy + piece.shape[0], ox : ox + piece.shape[1]] = piece
        pieces += [cell, np.full((side, gap), paper, dtype=np.uint8)]
        edges.append((x, x + side))
        x += side + gap
    strip = np.hstack(pieces)
    total = float(strip.shape[1])
    spans = [(s / total, e / total) for s, e in edges]
    plan = _Plan(line, cb.x0, cb.width, em, (cb.y0, cb.y1), page_cells, spans)
    return _resize_to_height(strip, height), plan


def _mark_components(
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
    or read as ，/；). So each mark (`_mark_components`) moves, unturned, to the left edge of its
    own rows. On a rendered 150 dpi page this took ， from 12 to 105 of 106 and 。 from 0
    to 73 of 74.
    """
    comps, marks = _mark_components(crop, ink, cols)
    if comps is None or not marks:
        return crop
    labels, stats = comps
    c0 = cols[0]
    out = crop.copy()
    paper = _paper(crop)
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
    at least a fifth of an em across both ways) among `_mark_components`, which excludes dust
    and the thin strokes of vertical quotes ﹁﹂."""
    comps, marks = _mark_components(crop, ink, cols, MARK_SPAN_SIZE)
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


def _fill(plan: _Plan, res: Recognition) -> list[Glyph]:
    """Text, confidence and glyphs of the plan's line; returns the marks added from the
    image (`_dropped_marks`)."""
    line = plan.line
    res = with_unread(plan, res)
    chars = [(i, c) for i, c in enumerate(res.text) if not c.isspace()]
    confs = res.char_confidences
    conf = [confs[i] if i < len(confs) else res.confidence for i, _ in chars]
    pos = res.char_positions
    positions = (
        [pos[i] for i, _ in chars] if pos is not None and len(pos) == len(res.text) else None
    )
    if line.vertical:
        boxes = _vertical_boxes(plan, len(chars), positions)
    else:
        boxes = _horizontal_boxes(plan, [c for _, c in chars], positions)
    alts = _alternatives(res)
    glyphs = [
        Glyph(box=b, text=c, confidence=float(k), alternatives=alts[i])
        for b, (i, c), k in zip(boxes, chars, conf, strict=True)
    ]
    added: list[Glyph] = []
    if (
        plan.rotated
        and (plan.marks or plan.blobs)
        and positions is not None
        and not any(c.isspace() for c in res.text.strip())
    ):
        top, bottom = plan.band
        centres = [top + p * (bottom - top) for p in positions]
        added = _dropped_marks(plan, centres)
        if added:
            glyphs = sorted(glyphs + added, key=lambda g: g.box.cy)
    quoted = bool(plan.rotated and plan.quotes and positions is not None) and _place_quotes(
        plan, glyphs
    )
    if quoted:
        glyphs.sort(key=lambda g: g.box.cy)
    line.glyphs = normalize_punctuation(glyphs, vertical=line.vertical)
    if (
        added
        or quoted
        or len(line.glyphs) != len(glyphs)
        or any(g.text != h.text for g, h in zip(line.glyphs, glyphs, strict=False))
    ):
        line.text = clean_line(_with_spaces(res.text, line.glyphs))
    else:
        line.text = clean_line(res.text)
    line.confidence = float(res.confidence)
    return added


# Character-sized ink: at least this many ems both ways, this share of its box inked.
SOLID_EM = 0.55
SOLID_DENSITY = (0.06, 0.6)
RUN_BRIDGE_EM = 0.12  # gaps inside a character (川, 們) narrower than this are bridged
# Ink this far (em) from every character read is one the recognizer did not read.
UNREAD_REACH_EM = 0.7
UNREAD_MAX_SHARE = 0.3  # more unread than this share of the pieces: the whole read failed


def with_unread(plan: _Plan, res: Recognition) -> Recognition:
    """The recognition with 〓 (confidence 0) where the line has a character it did not read.

    A CTC recognizer can only emit characters of its dictionary (PP-OCRv6: 18,708); a
    character outside it is read as a look-alike or, often, dropped without trace. A
    character-sized piece of ink (`_solid`: a column's cell, or a run of ink along a
    row) whose centre lies at least 0.7 em from every character read (neighbours in
    print are one pitch, >= 0.95 em, apart; a mis-cut half of a read character lies
    within half an em) was dropped. Lines read as nothing, or with most of their ink
    unread, are left alone: that is a failed read, not an unknown character. A cell
    whose ink is (partly) a punctuation mark of the column is not taken for one either:
    the grid cuts a worn 、 together with part of the next character, and the mark, not
    an unknown character, is what went unread (`_dropped_marks` adds it).
    """
    pos = res.char_positions
    if (
        not plan.solid
        or pos is None
        or len(pos) != len(res.text)
        or (plan.line.vertical and not plan.rotated)
    ):
        return res
    idx = [i for i, c in enumerate(res.text) if not c.isspace()]
    if not idx:
        return res
    if plan.line.vertical:
        start, length = plan.band[0], plan.band[1] - plan.band[0]
    else:
        start, length = plan.x0, plan.width
    if length <= 0:
        return res
    centres = [start + pos[i] * length for i in idx]
    reach = UNREAD_REACH_EM * plan.em
    unread = [
        ((a + b) / 2 - start) / length
        for a, b in plan.solid
        if all(abs((a + b) / 2 - c) >= reach for c in centres)
        and (a, b) not in plan.blobs
        and not any(ma < b and a < mb for ma, mb in plan.marks)
    ]
    if not unread or len(unread) > max(1.0, UNREAD_MAX_SHARE * len(plan.solid)):
        return res
    text, positions = list(res.text), list(pos)
    confs = (list(res.char_confidences) + [res.confidence] * len(text))[: len(text)]
    alts = _alternatives(res)
    for q in sorted(unread, reverse=True):
        k = next((i for i in idx if pos[i] > q), len(text))
        text.insert(k, UNREAD)
        positions.insert(k, q)
        confs.insert(k, 0.0)
        alts.insert(k, ())
    return Recognition("".join(text), res.confidence, confs, positions, alts)


def _alternatives(res: Recognition) -> list[tuple[tuple[str, float], ...]]:
    alts = res.char_alternatives
    return list(alts) if alts is not None and len(alts) == len(res.text) else [()] * len(res.text)


# A mark the recognizer read lies within this many ems of the printed blob.
MARK_REACH_EM = 0.25
# Confidence of a mark found on the page but not read: the blob is certain, which mark
# it is (、 or ，) is decided from the region's style.
MARK_CONFIDENCE = 0.5
DUN = "、"


def _dropped_marks(plan: _Plan, centres: Sequence[float]) -> list[Glyph]:
    """Marks printed in the column that the recognizer read nothing at.

    Worn 1930s 句讀 (、 set in the middle of a half cell between characters) are mostly
    dropped by PP-OCRv6 even when moved to where it reads rendered marks; the blob
    itself is clear. A blob with no character read within its extent (plus a quarter
    em, the CTC position's spread) becomes a 、 glyph; `recognize` turns it into ，
    in regions that are set with commas.
    """
    reach = MARK_REACH_EM * plan.em
    x0, x1 = plan.line.box.x0, plan.line.box.x1
    out: list[Glyph] = []
    for a, b in plan.marks:
        if any(a - reach <= c <= b + reach for c in centres):
            continue
        out.append(Glyph(Box(x0, a, x1, b), DUN, MARK_CONFIDENCE))
    # Unread cells holding a mark-like blob (with_unread leaves them to this).
    far = UNREAD_REACH_EM * plan.em
    blobs = [
        Glyph(Box(x0, a, x1, b), DUN, MARK_CONFIDENCE)
        for a, b in plan.blobs
        if all(abs((a + b) / 2 - c) >= far for c in centres)
    ]
    if len(blobs) <= max(1.0, UNREAD_MAX_SHARE * len(plan.solid)):
        out += blobs
    return out


# What PP-OCRv6 reads a vertical corner quote as, turned with its column.
_DASH_READS = frozenset("一ー—－-_~～")


def _place_quotes(plan: _Plan, glyphs: list[Glyph]) -> bool:
    """Vertical corner quotes (quote_spans) read as a dash become 「 」; one with nothing
    read at it is added. Returns whether anything changed."""
    reach = MARK_REACH_EM * plan.em
    changed = False
    for a, b, mark in plan.quotes:
        near = [g for g in glyphs if a - reach <= g.box.cy <= b + reach]
        if not near:
            box = Box(plan.line.box.x0, a, plan.line.box.x1, b)
            glyphs.append(Glyph(box, mark, MARK_CONFIDENCE))
            changed = True
        elif len(near) == 1 and near[0].text in _DASH_READS:
            near[0].text = mark
            changed = True
    return changed


_FULL_WIDTH = {"(": "（", ")": "）", ":": "：", ";": "；", "!": "！", "?": "？", ",": "，"}


def normalize_punctuation(glyphs: list[Glyph], *, vertical: bool = False) -> list[Glyph]:
    """Chinese print conventions the recognizer does not keep.

    The PP-OCR dictionary maps full-width brackets and colons onto ASCII ones; next to a
    Han character they are full-width in print. A 破折号 is two em dashes, but CTC cannot
    emit the same label twice without a blank between, so a lone "—" next to Han text is
    doubled (its box split in two). Digit contexts (10:30, 1,000, 2016—2020) are kept.
    """
    out: list[Glyph] = []
    for k, g in enumerate(glyphs):
        prev = out[-1].text if out else ""  # already normalised: "):" is "）："
        nxt = glyphs[k + 1].text if k + 1 < len(glyphs) else ""
        han = is_cjk(prev) or is_cjk(nxt)
        digits = prev.isdigit() and nxt.isdigit()
        if g.text in _FULL_WIDTH and han and not digits:
            out.append(Glyph(g.box, _FULL_WIDTH[g.text], g.confidence))
        elif g.text == "—" and han and not digits and prev != "—" and nxt != "—":
            b = g.box
            if vertical:
                mid = b.cy
                halves = [Box(b.x0, b.y0, b.x1, mid), Box(b.x0, mid, b.x1, b.y1)]
            else:
                mid = b.cx
                halves = [Box(b.x0, b.y0, mid, b.y1), Box(mid, b.y0, b.x1, b.y1)]
            out += [Glyph(h, "—", g.confidence) for h in halves]
        else:
            out.append(g)
    return out


def _with_spaces(raw: str, glyphs: Sequence[Glyph]) -> str:
    """The glyph texts joined, with the recognizer's spaces kept where Latin words need them."""
    words = raw.split()
    if len(words) <= 1:
        return "".join(g.text for g in glyphs)
    # Re-insert a space after each raw word's glyph count (normalisation may add glyphs
    # only for dashes, which never sit in Latin words).
    out: list[str] = []
    k = 0
    texts = [g.text for g in glyphs]
    for w in words:
        n = len(w) + sum(1 for i, c in enumerate(w) if c == "—" and _doubled(w, i))
        out.append("".join(texts[k : k + n]))
        k += n
    out[-1] += "".join(texts[k:])
    return " ".join(out)


def _doubled(word: str, i: int) -> bool:
    prev = word[i - 1] if i > 0 else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    han = is_cjk(prev) or is_cjk(nxt)
    return han and not (prev.isdigit() and nxt.isdigit()) and prev != "—" and nxt != "—"


def _horizontal_boxes(
    plan: _Plan, chars: Sequence[str], positions: list[float] | None
) -> list[Box]:
    em = plan.em
    widths = [em if is_wide(c) else 0.5 * em for c in chars]
    if positions is None:
        total = sum(widths) or 1.0
        start = plan.x0 + max(0.0, (plan.width - total) / 2)
        centres = []
        for w in widths:
            centres.append(start + w / 2)
            start += w
    else:
        centres = [plan.x0 + p * plan.width for p in positions]
    cy = (plan.band[0] + plan.band[1]) / 2
    y0, y1 = cy - em / 2, cy + em / 2
    lo, hi = plan.line.box.x0, plan.line.box.x1
    out = []
    for c, w in zip(centres, widths, strict=True):
        x0, x1 = max(lo, c - w / 2), min(hi, c + w / 2)
        out.append(Box(x0, y0, max(x1, x0 + 1), y1))
    return out


def _vertical_boxes(plan: _Plan, n: int, positions: list[float] | None) -> list[Box]:
    """Cells top to bottom when they match the characters, else CTC positions."""
    x0, x1 = plan.line.box.x0, plan.line.box.x1
    cells = plan.cells
    if n == 0:
        return []
    if len(cells) == n:
        return [Box(x0, a, x1, b) for a, b in cells]
    top, bottom = plan.band
    if positions is not None:
        if plan.rotated:
            centres = [top + p * (bottom - top) for p in positions]
        else:
            idx = [_nearest_cell(p, plan.cell_x) for p in positions]
            centres = [(cells[k][0] + cells[k][1]) / 2 for k in idx]
        half = plan.em / 2
        return [Box(x0, max(top, c - half), x1, min(bottom, c + half)) for c in centres]
    top, bottom = cells[0][0], cells[-1][1]
    step = (bottom - top) / n
    return [Box(x0, top + i * step, x1, top + (i + 1) * step) for i in range(n)]


def _nearest_cell(p: float, spans: Sequence[tuple[float, float]]) -> int:
    return int(np.argmin([abs(p - (a + b) / 2) for a, b in spans]))
