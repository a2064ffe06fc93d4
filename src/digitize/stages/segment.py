"""Segment a page into typed regions from detected line geometry plus image cues.

The reader's model of a newspaper page: body text is set in columns of equal width,
so lines whose left and right edges repeat down the page define the column grid; a
column is cut into segments wherever something else (a headline, a rule, a picture, a
gap) interrupts it. Lines that do not sit in a column (headlines, kickers, bylines,
captions, the masthead) are grouped by size and proximity. Types assigned here are
geometric guesses; `classify` refines them once the text is known.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from digitize.layout.crossings import (
    split_at_column_starts,
    split_at_gutters,
    split_at_rules,
    split_row_ends,
)
from digitize.layout.cues import Cues, analyse, to_grey
from digitize.layout.groups import bands, connected, merge_row
from digitize.layout.metrics import BODY_MAX, TypeSizes, estimate_em, page_em
from digitize.layout.vertical import blocks as vertical_blocks
from digitize.layout.vertical import (
    column_em,
    column_order,
    lone_vertical_cells,
    segment_vertical,
    writing_mode,
)
from digitize.model import Box, Line, Page, Region, RegionType, WritingMode

# A display block whose type is this much smaller than the headline next to it is a
# kicker (above) or a subtitle (below).
_SMALLER = 0.9


def _is_vertical(line: Line, em: float) -> bool:
    b = line.box
    if line.vertical:
        return True
    return b.height > 1.6 * b.width and b.height > 1.8 * em


@dataclass(slots=True)
class _Block:
    lines: list[Line]
    vertical: bool = False
    column: tuple[float, float] | None = None  # x extent of the column for body segments
    kind: RegionType = RegionType.BODY
    inverted: bool = False
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))

    def hull(self) -> Box:
        return Box.hull(ln.box for ln in self.lines)


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Group horizontal lines into printed rows (strong vertical overlap), top to bottom."""
    rows = bands(sorted(lines, key=lambda ln: (ln.box.cy, ln.box.x0)), across_x=False)
    rows.sort(key=lambda r: min(ln.box.y0 for ln in r))
    return rows


def _columns(lines: list[Line], em: float) -> list[tuple[float, float, list[Line]]]:
    """Column x-extents: (x0, x1) pairs repeated by at least three full-width lines.

    The right edge tolerance is wider than the left one: a line ending in a full-width
    punctuation mark has its ink box half an em short.
    """
    tx0, tx1 = 0.6 * em, 1.0 * em
    clusters: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.box.x0, ln.box.x1)):
        if ln.box.width < 4 * em:
            continue
        for c in clusters:
            x0 = statistics.median(m.box.x0 for m in c)
            x1 = max(m.box.x1 for m in c)
            if abs(ln.box.x0 - x0) <= tx0 and abs(ln.box.x1 - x1) <= tx1:
                c.append(ln)
                break
        else:
            clusters.append([ln])
    clusters = _merge_clusters(clusters, tx0, tx1)
    cands: list[tuple[float, float, float, float]] = []
    kept: list[list[Line]] = []
    for c in clusters:
        if len(c) >= 3:
            xs1 = sorted(m.box.x1 for m in c)
            # The right edge of justified text: the upper quartile ignores short punctuation.
            cands.append(
                (
                    float(statistics.median(m.box.x0 for m in c)),
                    float(xs1[(3 * len(xs1)) // 4]),
                    min(m.box.y0 for m in c),
                    max(m.box.y1 for m in c),
                )
            )
            kept.append(c)

    def shadowed(i: int, j: int) -> bool:
        c, o = cands[i], cands[j]
        # Only when most of c's lines sit beside o's lines (not elsewhere on the page).
        near = sum(o[2] - em <= m.box.cy <= o[3] + em for m in kept[i])
        if near < 0.5 * len(kept[i]):
            return False
        # Paragraph indents repeat: same right edge, starting 1-3.5 em further right.
        if em <= c[0] - o[0] <= 3.5 * em and abs(c[1] - o[1]) <= em:
            return True
        # Short last lines of equal length: same left edge, well short of the column.
        return abs(c[0] - o[0]) <= tx0 and o[1] > c[1] + em

    n = len(cands)
    return [
        (cands[i][0], cands[i][1], kept[i])
        for i in range(n)
        if not any(shadowed(i, j) for j in range(n) if j != i)
    ]


def _merge_clusters(clusters: list[list[Line]], tx0: float, tx1: float) -> list[list[Line]]:
    """Join edge clusters that are one column: the greedy pass above depends on the
    order lines come in, so a ragged narrow column (Latin digits push line ends out)
    can come out as two clusters side by side down the same stretch of page."""

    def extent(c: list[Line]) -> tuple[float, float, float, float]:
        xs1 = sorted(m.box.x1 for m in c)
        return (
            float(statistics.median(m.box.x0 for m in c)),
            float(xs1[(3 * len(xs1)) // 4]),
            min(m.box.y0 for m in c),
            max(m.box.y1 for m in c),
        )

    out = [list(c) for c in clusters]
    merged = True
    while merged:
        merged = False
        for i, j in itertools.combinations(range(len(out)), 2):
            a, b = extent(out[i]), extent(out[j])
            if (
                abs(a[0] - b[0]) <= tx0
                and abs(a[1] - b[1]) <= tx1
                and min(a[3], b[3]) > max(a[2], b[2])
            ):
                out[i].extend(out.pop(j))
                merged = True
                break
    return out


def _separated(a: Box, b: Box, obstacles: Sequence[Box]) -> bool:
    """True when an obstacle lies between vertically stacked boxes a (above) and b."""
    top, bottom = a.y1, b.y0
    if bottom <= top:
        return False
    xs0, xs1 = max(a.x0, b.x0), min(a.x1, b.x1)
    if xs1 <= xs0:
        xs0, xs1 = min(a.x0, b.x0), max(a.x1, b.x1)
    for o in obstacles:
        if (
            o.cy >= top - 1
            and o.cy <= bottom + 1
            and min(o.x1, xs1) - max(o.x0, xs0) > 0.3 * (xs1 - xs0)
        ):
            return True
    return False


def segment(page: Page) -> None:
    """Fill page.regions from page.lines (see the stage contract in docs/ARCHITECTURE.md)."""
    page.writing_mode = writing_mode(page.lines)
    if page.writing_mode is WritingMode.VERTICAL:  # pages of vertical columns: layout/vertical.py
        # A paragraph's last column of one character is as wide as it is tall.
        lone_vertical_cells(page.lines, page_em(page))
        segment_vertical(page)
        return
    lines = list(page.lines)
    em = (estimate_em(lines) if lines else None) or page_em(page)

    # One grey copy of the page for every pixel cue of this stage.
    grey = to_grey(page.image) if page.image is not None else None
    cues = analyse(grey, [ln.box for ln in lines], em) if grey is not None else Cues()

    # Detector false positives inside pictures.
    def in_photo(ln: Line) -> bool:
        return any(
            p.contains_point(ln.box.cx, ln.box.cy) and ln.box.overlap_ratio(p) > 0.8
            for p in cues.photos
        )

    lines = [ln for ln in lines if not in_photo(ln)]
    lines = split_at_rules(lines, [r.box for r in cues.rules if not r.horizontal], em)
    for ln in lines:
        ln.vertical = _is_vertical(ln, em)
        ln.paragraph_start = False
    lone_vertical_cells(lines, em)
    lines = split_row_ends(lines, em)
    sizes = TypeSizes.measure(grey, lines, em)

    masthead_bottom = _masthead_bottom(page, cues, em)
    inverted_lines = {
        id(ln) for ln in lines if any(ln.box.overlap_ratio(b) > 0.7 for b in cues.inverted)
    }

    blocks: list[_Block] = []
    horiz = [ln for ln in lines if not ln.vertical]
    vert = [ln for ln in lines if ln.vertical]

    # Masthead: everything above the masthead rule, one region per printed row cluster.
    mast = [ln for ln in horiz if ln.box.cy < masthead_bottom]
    horiz = [ln for ln in horiz if ln.box.cy >= masthead_bottom]
    mast_v = [ln for ln in vert if ln.box.cy < masthead_bottom]
    vert = [ln for ln in vert if ln.box.cy >= masthead_bottom]
    for group in _cluster_free(mast + mast_v, sizes, cues):
        blocks.append(_Block(group, kind=RegionType.MASTHEAD))

    # Reverse-video labels.
    for b in cues.inverted:
        inside = [
            ln for ln in horiz + vert if id(ln) in inverted_lines and ln.box.overlap_ratio(b) > 0.7
        ]
        if inside:
            blocks.append(
                _Block(
                    inside, kind=RegionType.LABEL, inverted=True, vertical=inside[0].vertical, box=b
                )
            )
    horiz = [ln for ln in horiz if id(ln) not in inverted_lines]
    vert = [ln for ln in vert if id(ln) not in inverted_lines]

    obstacles = [r.box for r in cues.rules if r.horizontal] + list(cues.photos)

    # Body columns.
    body = [ln for ln in horiz if sizes.body(ln)]
    other = [ln for ln in horiz if not sizes.body(ln)]
    # Lines joined across narrow gutters on most rows hide the grid: cut them at the
    # columns' left edges first, so the grid below comes from the printed lines.
    body = split_at_column_starts(body, grey, em)
    found = _columns(body, em)
    # A body line the detector drew across a gutter of that grid is two printed lines.
    if grey is not None:
        split = split_at_gutters(body, found, grey, em)
        if len(split) != len(body):
            body = split
            found = _columns(body, em)
    cols = [(c[0], c[1]) for c in found]
    rescued = [ln for ln in other if _fills_column_row(ln, body, cols, em)]
    if rescued:
        body += rescued
        other = [ln for ln in other if all(ln is not r for r in rescued)]
    assigned: dict[int, list[Line]] = {i: [] for i in range(len(cols))}
    members: dict[int, list[Line]] = {i: c[2] for i, c in enumerate(found)}
    free: list[Line] = []
    for ln in body:
        cands = [i for i, col in enumerate(cols) if _in_column(ln.box, col, em)]
        if not cands:
            free.append(ln)
            continue

        def dist(i: int, ln: Line = ln) -> float:
            return min((abs(m.box.cy - ln.box.cy) for m in members[i] if m is not ln), default=1e9)

        best = min(cands, key=lambda i: (dist(i), cols[i][1] - cols[i][0]))
        if dist(best) > 6 * em:
            free.append(ln)
            continue
        assigned[best].append(ln)

    column_rows = {i: [merge_row(r) for r in _rows(ls)] for i, ls in assigned.items() if ls}
    break_gap = _break_gap(column_rows.values(), em)
    # Lines outside the grid that a column's white may hold: its own, boxed oddly.
    strays = free + [ln for ln in other if not sizes.display(ln)]
    for i, rows in column_rows.items():
        seg: list[Line] = [rows[0]]
        for prev, ln in itertools.pairwise(rows):
            between = [b for b in obstacles if b.cy > prev.box.cy and b.cy < ln.box.cy]
            if (
                _white_between(prev.box, ln.box, cols[i], strays, break_gap)
                or _separated(prev.box, ln.box, between)
                or _frame_boundary(prev.box, ln.box, cues.frames)
            ):
                blocks.append(_Block(seg, column=cols[i]))
                seg = []
            seg.append(ln)
        blocks.append(_Block(seg, column=cols[i]))

    blocks = _join_segments(blocks, obstacles, cues, em, break_gap)

    # A lone full-column line is not a column segment of its own: let it join free text.
    keep: list[_Block] = []
    for blk in blocks:
        if blk.column is not None and len(blk.lines) == 1:
            free.append(blk.lines[0])
        else:
            keep.append(blk)
    blocks = keep

    leftovers = _absorb(blocks, other + free, sizes)
    other = [ln for ln in other if any(ln is x for x in leftovers)]
    free = [ln for ln in free if any(ln is x for x in leftovers)]

    # Vertical text: display-size columns are headlines, body-size ones group into blocks.
    # Pieces of one printed column are sized together, by the longest: a detector breaks
    # a vertical headline where upright figures sit across it ("67余名"), and the ink
    # of a piece opening on figures can measure under the display mark.
    vhead: list[Line] = []
    vbody: list[Line] = []
    for piece in connected(vert, lambda a, b: _one_column(a.box, b.box)):
        display = sizes.display(max(piece, key=lambda ln: ln.box.height))
        if display:
            vhead.append(_merge_column(piece))
        else:
            vbody.extend(piece)
    for group in _cluster_free(vhead, sizes, cues):
        blocks.append(_Block(group, vertical=True, kind=RegionType.HEADLINE))
    for group in _cluster_vertical(vbody, sizes, cues):
        # Vertical body text runs in many columns side by side; one long column standing
        # alone on a page of horizontal text is a headline set vertically at body size.
        lone = len(group) == 1 and group[0].box.height >= 5 * em
        kind = RegionType.HEADLINE if lone else RegionType.BODY
        blocks.append(_Block(group, vertical=True, kind=kind))

    # Everything else: display lines and body-size lines outside the column grid.
    for group in _cluster_free(other + free, sizes, cues):
        kind = RegionType.HEADLINE if sizes.display_block(group) else RegionType.BODY
        blocks.append(_Block(group, kind=kind))

    _type_free_blocks(blocks, cues, sizes)

    regions: list[Region] = []
    for blk in blocks:
        blk.lines = _order_lines(blk.lines, blk.vertical)
        _mark_paragraphs(blk, em)
        box = blk.hull()
        if blk.kind is RegionType.LABEL:
            box = box.union(blk.box)
        regions.append(
            Region(
                id="",
                type=blk.kind,
                box=box,
                lines=blk.lines,
                vertical=blk.vertical,
                inverted=blk.inverted,
            )
        )
    for p in cues.photos:
        regions.append(Region(id="", type=RegionType.PHOTO, box=p))
    for f in cues.frames:
        regions.append(Region(id="", type=RegionType.RULE, box=f))
    for r in cues.rules:
        if any(_within(r.box, f.expand(em / 2)) for f in cues.frames):
            continue
        regions.append(Region(id="", type=RegionType.RULE, box=r.box))
    regions.sort(key=lambda r: (r.box.y0, r.box.x0, r.box.x1, r.box.y1, r.type.value))
    for k, reg in enumerate(regions, 1):
        reg.id = f"p{page.number}_r{k}"
    page.regions = regions


def _break_gap(columns: Iterable[list[Line]], em: float) -> float:
    """White between two rows of a column that ends a column segment. Type set solid leaves
    a tenth of an em between rows, and a kicker or a new article stacked in the same column
    stands out by more than half an em; a page that spaces its paragraphs does so all over,
    so the threshold stays clear of the page's usual larger gaps (its 90th percentile), and
    an em always breaks."""
    gaps = sorted(b.box.y0 - a.box.y1 for rows in columns for a, b in itertools.pairwise(rows))
    if not gaps:
        return 1.0 * em
    usual = gaps[int(0.9 * (len(gaps) - 1))]
    return min(1.0 * em, max(0.6 * em, usual + 0.45 * em))


def _white_between(
    top: Box, bottom: Box, column: tuple[float, float], strays: Sequence[Line], limit: float
) -> bool:
    """More white than `limit` between two rows of a column. A body line of the column
    that its grid did not take (a box drawn wider or taller than the rest) fills its
    row: the white is measured past it, or a column would break at every such line."""
    band = Box(column[0], top.cy, column[1], bottom.cy)
    edges = [top.y1]
    for s in sorted((s.box for s in strays), key=lambda b: b.y0):
        if band.y0 < s.cy < band.y1 and s.x_overlap(band) > 0.5 * s.width:
            edges += [s.y0, s.y1]
    edges.append(bottom.y0)
    return any(b - a > limit for a, b in zip(edges[::2], edges[1::2], strict=True))


def _one_column(a: Box, b: Box) -> bool:
    """Vertical boxes stacked in one printed column: on one axis (centres within a fifth
    of the width; upright figures set across the column are narrower than its Han
    characters, never under 0.4 of them), touching or overlapping end to end."""
    width = max(a.width, b.width)
    return (
        abs(a.cx - b.cx) <= 0.2 * width
        and min(a.width, b.width) >= 0.4 * width
        and a.x0 <= b.x1
        and b.x0 <= a.x1
        and max(a.y0, b.y0) - min(a.y1, b.y1) <= 0.3 * width
    )


def _merge_column(pieces: list[Line]) -> Line:
    """The pieces of one printed vertical column (a detector breaks a headline where
    upright figures sit across it: "新增车位" / "3" / "4" / "2" / "个") as one line, read
    as one strip, so the figures are read in their column's context."""
    pieces = sorted(pieces, key=lambda ln: ln.box.y0)
    if len(pieces) == 1:
        return pieces[0]
    box = Box.hull(ln.box for ln in pieces)
    return Line(
        id=pieces[0].id,
        box=box,
        vertical=True,
        polygon=box.corners(),
        text="".join(ln.text for ln in pieces),
        confidence=min(ln.confidence for ln in pieces),
    )


def _join_segments(
    blocks: list[_Block], obstacles: Sequence[Box], cues: Cues, em: float, break_gap: float
) -> list[_Block]:
    """Re-join column segments that continue each other (one column seen as two clusters)."""
    segs = sorted((b for b in blocks if b.column is not None), key=lambda b: b.hull().y0)
    rest = [b for b in blocks if b.column is None]
    out: list[_Block] = []
    for b in segs:
        hb = b.hull()
        for a in out:
            ha = a.hull()
            gap = hb.y0 - ha.y1
            if ha.x_overlap(hb) < 0.8 * min(ha.width, hb.width):
                continue
            # Interleaved segments in one place (lines split between two near-equal
            # column candidates) are one column too.
            interleaved = ha.y_overlap(hb) > 0.5 * min(ha.height, hb.height)
            if not (-0.3 * em <= gap <= break_gap or interleaved):
                continue
            between = [o for o in obstacles if ha.cy < o.cy < hb.cy]
            if _separated(ha, hb, between) or _frame_boundary(ha, hb, cues.frames):
                continue
            a.lines.extend(b.lines)
            if a.column is not None and b.column is not None:
                a.column = (min(a.column[0], b.column[0]), max(a.column[1], b.column[1]))
            break
        else:
            out.append(b)
    return out + rest


def _absorb(blocks: list[_Block], lines: list[Line], sizes: TypeSizes) -> list[Line]:
    """Put stray lines that sit inside a column segment back into it; return the rest.

    A detector box that is a little too tall, or a line split in two, misses the column
    grid; a reader still sees it between the column's lines.
    """
    rest: list[Line] = []
    em = sizes.em
    for ln in lines:
        b = ln.box
        home: _Block | None = None
        # Rows set solid come boxed over their neighbours' (a box 1.6-2 em tall round a
        # line of body type): where the ink measured it as text, the box's height does
        # not make it a heading.
        if b.height <= 1.6 * em or (b.height <= 2.0 * em and sizes.text_on_ink(ln)):
            for blk in blocks:
                if blk.column is None or not _in_column(b, blk.column, em, left=1.2):
                    continue
                top = min(m.box.cy for m in blk.lines)
                bottom = max(m.box.cy for m in blk.lines)
                inside = top < b.cy < bottom
                edge = (
                    b.height <= BODY_MAX * em
                    and not sizes.display(ln)
                    and top - 1.5 * em < b.cy < bottom + 1.5 * em
                    and not _wraps_display(ln, lines, sizes)
                )
                if inside or edge:
                    home = blk
                    break
        if home is None:
            rest.append(ln)
        else:
            home.lines.append(ln)
    return rest


def _wraps_display(ln: Line, lines: Sequence[Line], sizes: TypeSizes) -> bool:
    """A line set in the size of a display line right above it, within its width: the
    headline's wrapped last line ("民294户": its figures measure a little under the
    display threshold), not the top of the column under the headline."""
    b, em = ln.box, sizes.em
    return any(
        sizes.display(d)
        and sizes.same(d, ln)
        and -0.3 * em <= b.y0 - d.box.y1 < 0.6 * d.font_size
        and d.box.x0 - em / 2 <= b.x0
        and b.x1 <= d.box.x1 + em / 2
        for d in lines
        if d is not ln
    )


def _fills_column_row(
    ln: Line, body: Sequence[Line], cols: Sequence[tuple[float, float]], em: float
) -> bool:
    """A line the type-size measure left out of the body (a row of digits and Latin
    reads tall or short on ink: "70.1亿元，占年度计划的96%") that fills a row of a column,
    between two of its body lines a line gap apart and of their height, is that
    column's text; left out, it parted the column in two segments at that row."""
    b = ln.box
    if ln.vertical or not any(_in_column(b, col, em) for col in cols):
        return False

    def beside(o: Line, above: bool) -> bool:
        gap = b.y0 - o.box.y1 if above else o.box.y0 - b.y1
        return (
            -0.3 * em <= gap <= 0.6 * em
            and o.box.x_overlap(b) >= 0.6 * min(o.box.width, b.width)
            and 0.8 * o.box.height <= b.height <= 1.25 * o.box.height
        )

    return any(beside(o, True) for o in body) and any(beside(o, False) for o in body)


def _in_column(b: Box, column: tuple[float, float], em: float, left: float = 0.6) -> bool:
    """The line fits the column's extent. The right edge is looser, as in `_columns`: a
    line that ends in digits or Latin letters (half-width, set a little loose) runs
    past the justified edge. A stray put back into a segment it lies in (`_absorb`) may
    start further left: the detector drew its box on over the gutter, up to the glyph
    that ends the neighbour's line, which no line of another column reaches."""
    return b.x0 >= column[0] - left * em and b.x1 <= column[1] + 1.0 * em


def _within(a: Box, b: Box) -> bool:
    return a.x0 >= b.x0 and a.y0 >= b.y0 and a.x1 <= b.x1 and a.y1 <= b.y1


def _frame_boundary(a: Box, b: Box, frames: Sequence[Box]) -> bool:
    """Two lines on different sides of a box frame's edge."""
    return any(f.contains_point(a.cx, a.cy) != f.contains_point(b.cx, b.cy) for f in frames)


def _masthead_bottom(page: Page, cues: Cues, em: float) -> float:
    """Bottom of the masthead: the lowest near-full-width rule in the top fifth of the page."""
    width = page.width
    best = 0.0
    for r in cues.rules:
        if r.horizontal and r.box.width >= 0.6 * width and r.box.cy < 0.2 * page.height:
            best = max(best, r.box.y1)
    return best


def _cluster_free(lines: list[Line], sizes: TypeSizes, cues: Cues) -> list[list[Line]]:
    """Group non-column lines: same size, stacked close together, overlapping in x.

    Horizontal lines are first joined into printed rows (a detector splits a headline at
    its word spaces), then rows stack into blocks, so a short centred second line is
    measured against the whole row above it, not one fragment.
    """
    horiz = [ln for ln in lines if not ln.vertical]
    vert = [ln for ln in lines if ln.vertical]
    obstacles = [r.box for r in cues.rules] + list(cues.photos)
    vrules = [r.box for r in cues.rules if not r.horizontal]

    def row_join(a: Line, b: Line) -> bool:
        if not sizes.same(a, b) or _frame_boundary(a.box, b.box, cues.frames):
            return False
        if a.box.y_overlap(b.box) < 0.5 * min(a.box.height, b.box.height):
            return False
        # Pieces of one printed row share its top and bottom; the rows of two headlines
        # set side by side, each wrapped on its own measure, are offset.
        step = 0.25 * min(a.box.height, b.box.height)
        if abs(a.box.y0 - b.box.y0) > step and abs(a.box.y1 - b.box.y1) > step:
            return False
        (left, lo), (right, ro) = sorted(((a.box, a), (b.box, b)), key=lambda p: p[0].cx)
        gap = right.x0 - left.x1
        size = max(a.font_size, b.font_size)
        if gap >= 0.8 * size or not (sizes.display(a) or sizes.display(b)):
            return False
        if any(
            left.x1 - 2 <= r.cx <= right.x0 + 2 and r.y_overlap(left.union(right)) > 0
            for r in vrules
        ):
            return False
        return not _side_by_side(left, right, lo, ro, horiz, sizes)

    rows = [sorted(g, key=lambda ln: ln.box.x0) for g in connected(horiz, row_join)]
    hulls = [Box.hull(ln.box for ln in r) for r in rows]
    reps = [max(r, key=lambda ln: ln.box.width) for r in rows]

    def wrapped_end(i: int, j: int) -> bool:
        """The last character or two of a display line, wrapped onto a line of their
        own under it: too few glyphs to measure on ink (one glyph's band is its own
        shape), so sizes do not decide; sitting inside the line's width does."""
        (t, top), (u, bot) = sorted(((i, hulls[i]), (j, hulls[j])), key=lambda p: p[1].cy)
        return (
            sizes.display(reps[t])
            and sizes.display(reps[u])
            and bot.width <= 2.5 * bot.height
            and top.width >= 3 * bot.width
            and top.x0 - sizes.em / 2 <= bot.x0
            and bot.x1 <= top.x1 + sizes.em / 2
        )

    def stack_join(i: int, j: int) -> bool:
        a, b = reps[i], reps[j]
        ha, hb = hulls[i], hulls[j]
        if not (sizes.same(a, b) or wrapped_end(i, j)) or _frame_boundary(ha, hb, cues.frames):
            return False
        if ha.y_overlap(hb) >= 0.5 * min(ha.height, hb.height):
            return False
        top, bot = (ha, hb) if ha.cy < hb.cy else (hb, ha)
        size = max(a.font_size, b.font_size)
        if bot.y0 - top.y1 >= 0.6 * size:
            return False
        xo = ha.x_overlap(hb)
        # A short paragraph end over an indented first line barely overlaps it; the
        # shared left edge (within an indent) still says one column.
        indent = xo > 0 and abs(ha.x0 - hb.x0) <= 2.0 * sizes.em
        if xo < 0.5 * min(ha.width, hb.width) and not indent:
            return False
        return not _separated(top, bot, [r for r in obstacles if top.cy < r.cy < bot.cy])

    out: list[list[Line]] = []
    for group in connected(list(range(len(rows))), lambda i, j: stack_join(i, j)):
        out.append([ln for k in group for ln in rows[k]])

    def column_join(a: Line, b: Line) -> bool:
        if not sizes.same(a, b) or _frame_boundary(a.box, b.box, cues.frames):
            return False
        size = max(a.font_size, b.font_size)
        if a.box.x_overlap(b.box) >= 0.5 * min(a.box.width, b.box.width):
            return max(a.box.y0, b.box.y0) - min(a.box.y1, b.box.y1) < 0.8 * size
        hgap = max(a.box.x0, b.box.x0) - min(a.box.x1, b.box.x1)
        if hgap >= 0.6 * size:
            return False
        # Neighbouring columns overlap down the page, or (a paragraph's last one or two
        # characters beside the next paragraph's indented head) share the top edge.
        return (
            a.box.y_overlap(b.box) >= 0.5 * min(a.box.height, b.box.height)
            or abs(a.box.y0 - b.box.y0) <= 2.0 * sizes.em
        )

    out.extend(connected(vert, column_join))
    return out


def _side_by_side(
    left: Box, right: Box, lo: Line, ro: Line, lines: Sequence[Line], sizes: TypeSizes
) -> bool:
    """Two headlines set side by side, not one row with a word space: each runs on in a
    line of its own type size right under it, on its own side of the white between them,
    and no line under them bridges that white (a headline's next line is centred under its
    whole row; two word spaces, one over the other, it does not have)."""
    size = max(lo.font_size, ro.font_size)
    bottom = max(left.y1, right.y1)
    under = [
        ln.box
        for ln in lines
        if ln is not lo
        and ln is not ro
        and (sizes.same(ln, lo) or sizes.same(ln, ro))
        and -0.25 * size <= ln.box.y0 - bottom < 0.6 * size
        and ln.box.x_overlap(left.union(right)) > 0
    ]
    if any(b.x0 < left.x1 and b.x1 > right.x0 for b in under):
        return False
    mine = [b for b in under if b.x1 <= right.x0 and b.x_overlap(left) > 0]
    theirs = [b for b in under if b.x0 >= left.x1 and b.x_overlap(right) > 0]
    return bool(mine) and bool(theirs)


def _cluster_vertical(lines: list[Line], sizes: TypeSizes, cues: Cues) -> list[list[Line]]:
    """Vertical body text: tiers of columns that start and end together, by the rule of
    vertical pages (`layout.vertical.blocks`), so a module's columns never run on into
    the tier under it however narrow the space between tiers; a box frame's edge parts
    a tier. Type size is the ink measure's, as for the page's other lines."""
    em = column_em(lines) or sizes.em  # the columns' own size: it may not be the page's
    out: list[list[Line]] = []
    for tier in vertical_blocks(lines, [r.box for r in cues.rules], em, sizes.display):
        out += connected(tier, lambda a, b: not _frame_boundary(a.box, b.box, cues.frames))
    return out


def _order_lines(lines: list[Line], vertical: bool) -> list[Line]:
    """Reading order inside a region; same-row fragments of horizontal text are merged."""
    if vertical:
        return column_order(lines)
    return [merge_row(r) for r in _rows(lines)]


def _mark_paragraphs(block: _Block, em: float) -> None:
    if not block.lines:
        return
    for ln in block.lines:
        ln.paragraph_start = False
    block.lines[0].paragraph_start = True
    if block.kind not in (RegionType.BODY, RegionType.NOTICE):
        return
    if block.vertical:
        # In the columns' own em: vertical text on a horizontal page need not be set
        # at the size of the page's rows.
        col_em = column_em(block.lines) or em
        top = min(ln.box.y0 for ln in block.lines)
        for ln in block.lines:
            ln.paragraph_start = ln.paragraph_start or ln.box.y0 - top >= 1.4 * col_em
        return
    left = block.column[0] if block.column is not None else min(ln.box.x0 for ln in block.lines)
    for ln in block.lines[1:]:
        ln.paragraph_start = ln.box.x0 - left >= 1.4 * em


def _type_free_blocks(blocks: list[_Block], cues: Cues, sizes: TypeSizes) -> None:
    """Geometric guesses for blocks outside the column grid (text refines them later)."""
    em = sizes.em
    _type_headline_stacks(blocks, sizes)
    heads = [b for b in blocks if b.kind is RegionType.HEADLINE and not b.vertical]
    for b in blocks:
        if b.kind is not RegionType.BODY or b.vertical:
            continue
        hb = b.hull()
        if b.column is not None:
            # A kicker as narrow as the column reads as a short column segment; set
            # tight on a headline below it (a column's end keeps the module spacing).
            if len(b.lines) <= 2 and any(
                hb.x_overlap(h.hull()) > 0 and -0.3 * em <= h.hull().y0 - hb.y1 < 0.6 * em
                for h in heads
            ):
                b.kind = RegionType.KICKER
            continue
        # Under a picture: caption, if it is as short as captions are (a block of
        # column text under a picture is body; a longer caption shows its credit, which
        # classify reads).
        for p in cues.photos:
            if (
                len(b.lines) <= 3
                and 0 <= hb.y0 - p.y1 < 1.5 * em
                and hb.x_overlap(p) >= 0.5 * hb.width
            ):
                b.kind = RegionType.CAPTION
                break
        if b.kind is not RegionType.BODY or len(b.lines) > 2:
            continue
        for h in heads:
            hh = h.hull()
            if hb.x_overlap(hh) <= 0:
                continue
            # Detector boxes of tightly set lines overlap a little.
            if -0.3 * em <= hh.y0 - hb.y1 < 1.2 * em:
                b.kind = RegionType.KICKER
                break
            if -0.3 * em <= hb.y0 - hh.y1 < 1.0 * em and hb.width < hh.width:
                b.kind = RegionType.SUBTITLE
                break


def _type_headline_stacks(blocks: list[_Block], sizes: TypeSizes) -> None:
    """In a stack of display lines the largest type is the headline: a smaller block just
    above it is a kicker (引题), one just below a subtitle (副题)."""
    em = sizes.em
    heads = [b for b in blocks if b.kind is RegionType.HEADLINE and not b.vertical]
    size = {id(b): float(statistics.median(sizes.rel(ln) for ln in b.lines)) for b in heads}
    kinds: dict[int, RegionType] = {}
    for b in heads:
        hb = b.hull()
        for h in heads:
            if h is b or size[id(b)] > _SMALLER * size[id(h)]:
                continue
            hh = h.hull()
            if hb.x_overlap(hh) < 0.3 * min(hb.width, hh.width):
                continue
            # Detector boxes of display lines set tight reach into each other.
            if -0.3 * em <= hh.y0 - hb.y1 < 1.2 * em:
                kinds[id(b)] = RegionType.KICKER
            elif -0.3 * em <= hb.y0 - hh.y1 < 1.2 * em:
                kinds[id(b)] = RegionType.SUBTITLE
    for b in heads:
        if id(b) in kinds:
            b.kind = kinds[id(b)]
