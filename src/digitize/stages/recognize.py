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

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from digitize.engines.base import OcrEngine, Recognition
from digitize.layout.column import (
    WORN_MARK_SHARE,
    blank_outside,
    column_cells,
    dash_ends,
    extent,
    ink_mask,
    ink_runs,
    is_solid,
    main_run,
    mark_blobs,
    mark_spans,
    move_corner_marks,
    quote_spans,
)
from digitize.layout.cues import to_grey
from digitize.layout.vertical import indent_evidence, over_band
from digitize.model import UNREAD, Box, Glyph, Image, Line, Page, RegionType, WritingMode
from digitize.text.correct import (
    DUN,
    left_to_right_evidence,
    mark_style,
    normalize_punctuation,
    prefer_page_script,
    right_to_left,
    with_spaces,
)
from digitize.text.textutil import clean_line, is_wide

DEFAULT_REC_HEIGHT = 48
INK_PER_EM = 0.9


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
    # Ink per pixel along the line (columns of the ink band; rows of a column's ink
    # columns), from page-frame coordinate `profile_at`: refines the glyph boxes.
    profile: npt.NDArray[np.int64] | None = None
    profile_at: float = 0.0
    # Page-frame x extents of a dash stroke opening / closing the line (`dash_ends`).
    lead_dash: tuple[float, float] | None = None
    trail_dash: tuple[float, float] | None = None


def recognize(page: Page, engine: OcrEngine) -> None:
    """Fill text, confidence and glyphs of every line of the page (regions first)."""
    if page.image is None:
        raise ValueError(f"page {page.number} has no image to recognize")
    lines = list(page.iter_lines()) or list(page.lines)
    if not lines:
        return
    grey = to_grey(page.image)
    height = int(getattr(engine, "rec_height", DEFAULT_REC_HEIGHT))
    # Display columns (headlines) take no 句讀 from the image: their big strokes (a 艹
    # set apart from the rest of 落) look like marks, and what they print the
    # recognizer reads at that size.
    display = {id(ln) for r in page.regions if r.type is RegionType.HEADLINE for ln in r.lines}
    crops: list[Image] = []
    plans: list[_Plan] = []
    for line in lines:
        crop, plan = (
            vertical_strip(grey, line, height)
            if line.vertical
            else horizontal_crop(grey, line, height)
        )
        if id(line) in display:  # nor an unknown character for a blob the recognizer skips
            plan.solid = [
                (a, b)
                for a, b in plan.solid
                if (a, b) not in plan.blobs and not any(ma < b and a < mb for ma, mb in plan.marks)
            ]
            plan.marks, plan.blobs = [], []
        crops.append(crop)
        plans.append(plan)
    # Vertical pages are historical print, where the int8 recognizer of the fast preset
    # loses most (real 1939 fold: char F1 0.832 int8, 0.840 float) and saves least.
    vertical = page.writing_mode is WritingMode.VERTICAL
    results = engine.recognize(crops, precise=vertical)
    added: dict[int, list[Glyph]] = {}
    for plan, res in zip(plans, results, strict=True):
        marks = _fill(plan, res)
        if marks:
            added[id(plan.line)] = marks
    mark_style(page, added)
    prefer_page_script(lines)
    if vertical:
        groups = [r.lines for r in page.regions] if page.regions else [[ln] for ln in lines]
        _turn_rows(groups)


def _row_evidence(rows: Sequence[Line]) -> int:
    """Left-to-right evidence of one block of rows: clause marks at the row ends, and the
    paragraph shape (indents), which also speaks for rows that end between characters."""
    return left_to_right_evidence(rows) + indent_evidence(rows)


def _turn_rows(groups: list[list[Line]]) -> None:
    """Turn round the horizontal rows of a vertical page that were set right to left.

    Each block of rows decides on its own punctuation and paragraph indents; a block
    with neither (a one-row headline) follows the block of rows it stands over, the way
    a headline reads like the text it heads, and a row over that headline follows it in
    turn (blocks are settled from the bottom up); with none below it stays right to
    left, the pre-1950 default.
    """
    blocks = sorted(
        (
            (Box.hull(ln.box for ln in rows), rows, _row_evidence(rows))
            for g in groups
            if (rows := [ln for ln in g if not ln.vertical])
        ),
        key=lambda blk: -blk[0].y0,
    )
    settled: list[tuple[Box, int]] = []
    for hull, rows, evidence in blocks:
        if evidence == 0:
            size = min(ln.box.height for ln in rows)
            near = [
                (b, ev)
                for b, ev in settled
                if ev != 0 and b.y0 >= hull.y1 - 0.5 * size and b.y0 - hull.y1 <= 2 * size
            ]
            below = [
                (b.y0, ev) for b, ev in near if b.x_overlap(hull) >= 0.5 * min(b.width, hull.width)
            ]
            if not below and over_band(hull, [b for b, _ in near]):
                below = [(b.y0, ev) for b, ev in near if b.x_overlap(hull) > 0]
            evidence = min(below)[1] if below else 0
        settled.append((hull, evidence))
        if evidence <= 0:
            for line in rows:
                right_to_left(line)


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


def horizontal_crop(grey: Image, line: Line, height: int) -> tuple[Image, _Plan]:
    box = line.box
    margin = max(1.0, 0.04 * box.height)
    crop, cb = _cut(grey, box.expand(margin))
    ink = ink_mask(crop)
    rows = extent(ink.sum(axis=1) > max(1, 0.01 * ink.shape[1]))
    if rows is not None:
        band = (cb.y0 + rows[0], cb.y0 + rows[1])
        em = min(max((rows[1] - rows[0]) / INK_PER_EM, 0.4 * box.height), box.height)
    else:
        em = box.height / 1.5
        band = (box.cy - em / 2, box.cy + em / 2)
    plan = _Plan(line=line, x0=cb.x0, width=cb.width, em=em, band=band, cells=[], cell_x=[])
    if rows is not None:
        sub = ink[rows[0] : rows[1]]
        plan.profile = np.asarray(sub.sum(axis=0), dtype=np.int64)
        plan.profile_at = cb.x0
        plan.solid = [
            (cb.x0 + a, cb.x0 + b)
            for a, b in ink_runs(sub.sum(axis=0) > 0, em)
            if is_solid(sub[:, a:b], em)
        ]
        # Dashes are looked for an em and a half beyond the box, where detectors cut them.
        wide, wb = _cut(grey, Box(cb.x0 - 1.5 * em, band[0], cb.x1 + 1.5 * em, band[1]))
        if wide.size:
            inner = (int(cb.x0 - wb.x0), int(cb.x1 - wb.x0))
            lead, trail = dash_ends(ink_mask(wide), em, inner)
            at = wb.x0
            plan.lead_dash = None if lead is None else (at + lead[0], at + lead[1])
            plan.trail_dash = None if trail is None else (at + trail[0], at + trail[1])
    return _resize_to_height(crop, height), plan


def vertical_strip(grey: Image, line: Line, height: int) -> tuple[Image, _Plan]:
    """A horizontal image the recognizer can read from a vertical column.

    The column is turned 90° counter-clockwise (see the module docstring for why not
    cells laid side by side); its character cells are still found: they give the glyph boxes.
    """
    box = line.box
    margin = max(1.0, 0.04 * box.width)
    crop, cb = _cut(grey, box.expand(margin))
    ink = ink_mask(crop)
    cols = main_run(ink.sum(axis=0) > max(1, 0.02 * max(1, ink.shape[0])))
    em = float(cols[1] - cols[0]) / INK_PER_EM if cols else box.width / 1.5
    cells = column_cells(ink) or [(0, crop.shape[0])]
    page_cells = [(cb.y0 + a, cb.y0 + b) for a, b in cells]
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
            found, inked = mark_blobs(cell_ink, em)
            new = bool(found) and not any(ma < at[1] and at[0] < mb for ma, mb in marks)
            if len(found) == 1 and found[0] >= WORN_MARK_SHARE * inked:  # a worn mark
                if new:
                    marks.append(at)
            elif is_solid(cell_ink, em):
                solid.append(at)
                if new:  # a mark cut together with part of a character
                    blobs.append(at)
        marks.sort()
        crop = blank_outside(crop, cols, max(1, round(0.1 * em)))
        crop = move_corner_marks(crop, ink, cols)
    # Counter-clockwise: the column's top goes to the strip's left end.
    rotated = np.ascontiguousarray(np.rot90(crop))
    total = float(max(1, crop.shape[0]))
    spans = [(a / total, b / total) for a, b in cells]
    plan = _Plan(
        line=line, x0=cb.x0, width=cb.width, em=em, band=(cb.y0, cb.y1), cells=page_cells,
        cell_x=spans, rotated=True, marks=marks, solid=solid, blobs=blobs, quotes=quotes,
    )  # fmt: skip
    if cols is not None:
        plan.profile = np.asarray(ink[:, cols[0] : cols[1]].sum(axis=1), dtype=np.int64)
        plan.profile_at = cb.y0
    return _resize_to_height(rotated, height), plan


def _fill(plan: _Plan, res: Recognition) -> list[Glyph]:
    """Text, confidence and glyphs of the plan's line; returns the marks added from the
    image (`_dropped_marks`)."""
    line = plan.line
    res = with_unread(plan, with_dashes(plan, res))
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
        line.text = clean_line(with_spaces(res.text, line.glyphs))
    else:
        line.text = clean_line(res.text)
    line.confidence = float(res.confidence)
    return added


# What PP-OCRv6 reads a dash stroke as (a vertical corner quote too, turned with its column).
_DASH_READS = frozenset("一ー—－-_~～")


def with_dashes(plan: _Plan, res: Recognition) -> Recognition:
    """The recognition with —— where the line's ink opens or closes on a dash stroke
    (`dash_ends`) that the recognizer read as 一 or a single dash, or dropped.

    Only dash-like reads (`_DASH_READS`) at the stroke give way; a line that reads some
    other character there is left as read. The two dashes take the stroke's place and
    the line's confidence."""
    pos = res.char_positions
    if (
        plan.line.vertical
        or plan.width <= 0
        or pos is None
        or len(pos) != len(res.text)
        or (plan.lead_dash is None and plan.trail_dash is None)
    ):
        return res
    text, positions = list(res.text), list(pos)
    confs = (list(res.char_confidences) + [res.confidence] * len(text))[: len(text)]
    alts = _alternatives(res)
    reach = 0.25 * plan.em
    changed = False
    for span, at_start in ((plan.trail_dash, False), (plan.lead_dash, True)):
        if span is None:
            continue
        a, b = ((x - plan.x0) / plan.width for x in (span[0] - reach, span[1] + reach))
        inside = [i for i, p in enumerate(positions) if a <= p <= b and not text[i].isspace()]
        if any(text[i] not in _DASH_READS for i in inside):
            continue
        if len(inside) == 2 and all(text[i] == "—" for i in inside):
            continue
        for i in reversed(inside):
            del text[i], positions[i], confs[i], alts[i]
        k = 0 if at_start else len(text)
        q0, q1 = ((x - plan.x0) / plan.width for x in span)
        for q in ((3 * q0 + q1) / 4, (q0 + 3 * q1) / 4):
            text.insert(k, "—")
            positions.insert(k, q)
            confs.insert(k, res.confidence)
            alts.insert(k, ())
            k += 1
        changed = True
    if not changed:
        return res
    return Recognition("".join(text), res.confidence, confs, positions, alts)


# Ink this far (em) from every character read is one the recognizer did not read.
UNREAD_REACH_EM = 0.7
UNREAD_MAX_SHARE = 0.3  # more unread than this share of the pieces: the whole read failed


def with_unread(plan: _Plan, res: Recognition) -> Recognition:
    """The recognition with 〓 (confidence 0) where the line has a character it did not read.

    A CTC recognizer can only emit characters of its dictionary (PP-OCRv6: 18,708); a
    character outside it is read as a look-alike or, often, dropped without trace. A
    character-sized piece of ink (`is_solid`: a column's cell, or a run of ink along a
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
    box = plan.line.box
    y0, y1 = max(box.y0, cy - em / 2), min(box.y1, cy + em / 2)
    spans = ink_spans(plan, centres, widths, (box.x0, box.x1))
    return [Box(a, y0, b, y1) for a, b in spans]


# A boundary between two characters is looked for this far (em) around the midpoint of
# their recognizer positions; a CTC position is within about a quarter em of the centre.
BOUNDARY_REACH_EM = 0.3


def ink_spans(
    plan: _Plan,
    centres: Sequence[float],
    widths: Sequence[float],
    limits: tuple[float, float],
) -> list[tuple[float, float]]:
    """Each character's extent along the line, never overlapping its neighbours.

    The recognizer's time steps place each character's centre to within about a quarter
    em, and an even em around it overlaps neighbours wherever the pitch is tighter than
    the em or the position off. The ink decides: between two neighbours the boundary is
    the emptiest place (the middle of the widest run of blank pixels) near the midpoint of
    their positions; within its share each character takes its ink, widened to its
    nominal width (an em, half for narrow characters) where the share allows, since a
    character's box is its cell, not its strokes (a comma's cell is a full em).
    """
    lo, hi = limits
    n = len(centres)
    if n == 0:
        return []
    prof = plan.profile
    at = plan.profile_at
    em = plan.em
    cuts = [max(lo, centres[0] - widths[0])]
    for k in range(n - 1):
        mid = (centres[k] + centres[k + 1]) / 2
        cuts.append(_emptiest(prof, at, mid, BOUNDARY_REACH_EM * em, centres[k], centres[k + 1]))
    cuts.append(min(hi, centres[-1] + widths[-1]))
    cuts = [float(c) for c in np.maximum.accumulate(cuts)]  # positions may not be sorted
    out: list[tuple[float, float]] = []
    for k in range(n):
        a, b = cuts[k], cuts[k + 1]
        half = widths[k] / 2
        ia, ib = _ink_extent(prof, at, a, b) or (centres[k] - half, centres[k] + half)
        want = min(widths[k], b - a)
        if ib - ia < want:  # widen to the nominal width, centred on the ink
            c = min(max((ia + ib) / 2, a + want / 2), b - want / 2)  # kept in its share
            ia, ib = c - want / 2, c + want / 2
        # inside its share (so never over a neighbour) and inside the line
        ia, ib = max(ia, a, lo), min(ib, b, hi)
        out.append((ia, max(ib, ia)))
    return out


def _emptiest(
    prof: npt.NDArray[np.int64] | None,
    at: float,
    mid: float,
    reach: float,
    left: float,
    right: float,
) -> float:
    """Page coordinate of the emptiest place within `reach` of `mid` (strictly between
    the two centres): the middle of the blank (least-ink) run nearest to `mid`."""
    if prof is None or not len(prof):
        return mid
    lo = max(int(np.floor(max(mid - reach, left + 1) - at)), 0)
    hi = min(int(np.ceil(min(mid + reach, right - 1) - at)), len(prof))
    if hi - lo < 1:
        return mid
    window = prof[lo:hi]
    least = window.min()
    runs: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(window):
        if v == least and start is None:
            start = i
        elif v != least and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(window)))
    target = mid - at - lo
    a, b = min(runs, key=lambda r: (abs((r[0] + r[1]) / 2 - target), -(r[1] - r[0])))
    return at + lo + (a + b) / 2


def _ink_extent(
    prof: npt.NDArray[np.int64] | None, at: float, a: float, b: float
) -> tuple[float, float] | None:
    """Page-coordinate extent of the inked pixels in [a, b), None if there are none."""
    if prof is None:
        return None
    i0 = max(int(np.ceil(a - at)), 0)
    i1 = min(int(np.floor(b - at)), len(prof))
    if i1 <= i0:
        return None
    idx = np.flatnonzero(prof[i0:i1])
    if not len(idx):
        return None
    return at + i0 + float(idx[0]), at + i0 + float(idx[-1]) + 1.0


def _vertical_boxes(plan: _Plan, n: int, positions: list[float] | None) -> list[Box]:
    """Cells top to bottom when they match the characters, else CTC positions refined by
    the column's ink (`ink_spans`)."""
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
        box = plan.line.box
        spans = ink_spans(plan, centres, [plan.em] * n, (box.y0, box.y1))
        return [Box(x0, a, x1, b) for a, b in spans]
    top, bottom = cells[0][0], cells[-1][1]
    step = (bottom - top) / n
    return [Box(x0, top + i * step, x1, top + (i + 1) * step) for i in range(n)]


def _nearest_cell(p: float, spans: Sequence[tuple[float, float]]) -> int:
    return int(np.argmin([abs(p - (a + b) / 2) for a, b in spans]))
