"""Whole-page layout for pages set in vertical columns (traditional newspapers, 1900-1950s).

Such a page is a jigsaw of articles: each article is a compartment framed by printed
rules, its headline one or more display-size columns at its right, its body in columns
read right to left, often in tiers (a block of columns, then another block under it),
and its text runs on from the end of one tier to the right end of the next. The
horizontal machinery (a column grid of equal-width lines) does not apply. Instead:

* columns are grouped into blocks (`blocks`): neighbouring columns of one size class
  that start and end together;
* blocks are ordered by a recursive XY cut (`layout.vertical_order`);
* a block is read column by column, right to left.

Blocks become regions: display-size columns are headlines, the rest body; columns in
the page margin are page furniture (`margin_columns`); ads are typed once articles are
grouped (`stages.vertical_types.vertical_ads`); articles are the order stage's module
grouping.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence

import cv2

from digitize.layout.crossings import split_at_column_starts, split_row_ends
from digitize.layout.cues import to_grey
from digitize.layout.groups import DisjointSet, bands, connected, merge_row
from digitize.layout.metrics import TypeSizes, page_em
from digitize.model import Box, Image, Line, Page, Region, RegionType, WritingMode

# Share of the page's text (in characters) that must be vertical for the page to be; or
# MIXED_SHARE where its display lines (headlines) are mostly vertical: a vertical page
# with a band of horizontal rows across it has 39-56 % of its text vertical on the rendered
# corpus, a horizontal page with a vertical module at most 37 %, and only the first sets
# more of its headlines in columns than in rows.
VERTICAL_SHARE = 0.6
MIXED_SHARE = 0.35
# Detector column boxes are about this many ems wide (DB unclip around the ink).
COLUMN_PER_EM = 1.45
# A column at least this many body ems wide is display type (headline, ad lettering).
DISPLAY = 1.3
# Cuts: a horizontal whitespace gap (tiers) and a vertical one (blocks), in ems.
H_GAP = 0.35
V_GAP = 1.2


def _chars(line: Line) -> float:
    b = line.box
    return max(b.width, b.height) / max(1.0, min(b.width, b.height))


def writing_mode(lines: Sequence[Line]) -> WritingMode:
    """Vertical when most of the page's detected text (by estimated characters) runs top
    to bottom, or a good part of it does and its headlines are mostly columns (the
    articles of the page are vertical ones; a band of rows is one module among them).
    Asked once, by the segment stage, which stores the answer on the page (and by detect
    for the body size, on the same lines)."""
    vert = sum(_chars(ln) for ln in lines if ln.vertical)
    total = sum(_chars(ln) for ln in lines)
    if total <= 0 or vert < 20:
        return WritingMode.HORIZONTAL
    if vert >= VERTICAL_SHARE * total:
        return WritingMode.VERTICAL
    if vert >= MIXED_SHARE * total:
        body = statistics.median(min(ln.box.width, ln.box.height) for ln in lines)
        display = [
            ln
            for ln in lines
            if min(ln.box.width, ln.box.height) >= DISPLAY * body and _chars(ln) >= 2
        ]
        columns = sum(ln.vertical for ln in display)
        if columns > len(display) - columns:
            return WritingMode.VERTICAL
    return WritingMode.HORIZONTAL


def column_em(lines: Sequence[Line]) -> float | None:
    """Body em from vertical column widths: the lower half holds the body columns."""
    widths = sorted(ln.box.width for ln in lines if ln.vertical)
    if not widths:
        return None
    return float(statistics.median(widths[: max(1, (len(widths) * 2) // 3)])) / COLUMN_PER_EM


# ------------------------------------------------------------------ rules


def lone_vertical_cells(lines: Sequence[Line], em: float) -> None:
    """A column of vertical text holding one or two characters (the end of a paragraph)
    is a square box, not a vertical line; beside a vertical column, head-aligned with it,
    and as wide, it is one more column. A cell in line with a column (as wide, or as wide
    as upright figures set across it), touching its head or foot, is a character the
    detector cut off that column."""
    vert = [ln for ln in lines if ln.vertical]
    if not vert:
        return
    # How far each column reaches with the cells taken in line with it so far: a run of
    # cells cut off one after another ("…车位" / "1" / "9" / "9" / "个", upright figures
    # each boxed alone) is taken cell by cell.
    ends = {id(v): (v.box.y0, v.box.y1) for v in vert}
    changed = True
    while changed:
        changed = False
        for ln in lines:
            b = ln.box
            if ln.vertical or b.width > 2.2 * em or b.height > 2.2 * em:
                continue
            for v in vert:
                vb = v.box
                top, foot = ends[id(v)]
                gap = max(vb.x0, b.x0) - min(vb.x1, b.x1)
                inline = (
                    b.x_overlap(vb) >= 0.6 * min(b.width, vb.width)
                    and max(top, b.y0) - min(foot, b.y1) < 0.5 * em
                )
                beside = abs(vb.y0 - b.y0) < 0.8 * em and gap < 1.2 * em
                # A cell in line may hold upright figures, narrower than the column.
                least = 0.4 if inline else 0.6
                if (
                    (inline or beside)
                    and least * vb.width <= b.width <= 1.5 * vb.width
                    and vb.height > 2 * b.height
                ):
                    ln.vertical = changed = True
                    if inline:
                        ends[id(v)] = (min(top, b.y0), max(foot, b.y1))
                    break


def find_rules(grey: Image, em: float, text: Sequence[Box] = ()) -> list[Box]:
    """Printed rules (straight or wavy borders): long thin ink runs, either direction.

    A column of dense type is a long thin ink run too; runs lying along a detected text
    line (`text`) are that, not rules.
    """
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    length = max(15, int(4 * em))
    out: list[Box] = []
    for horizontal in (True, False):
        k = (length, 1) if horizontal else (1, length)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, k)
        runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        # Bridge small breaks and wavy borders before taking components.
        bridge = (max(3, int(em)), max(3, int(0.3 * em)))
        close = cv2.getStructuringElement(cv2.MORPH_RECT, bridge if horizontal else bridge[::-1])
        runs = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, close)
        n, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for i in range(1, n):
            x, y, w, h, _a = (int(v) for v in stats[i])
            long, thick = (w, h) if horizontal else (h, w)
            if long >= 6 * em and thick <= 0.8 * em:
                box = Box(x, y, x + w, y + h)
                inside = sum(
                    (t.y_overlap(box) if not horizontal else t.x_overlap(box))
                    for t in text
                    if t.contains_point(box.cx, box.cy) or t.overlap_ratio(box) > 0.5
                )
                if inside < 0.5 * long:
                    out.append(box)
    return out


# ------------------------------------------------------------------ columns


def column_order(lines: Sequence[Line]) -> list[Line]:
    """Columns right to left, pieces of one column top to bottom.

    The detector splits a column at a blank or a wide mark; the pieces are kept apart
    (joining them across an undetected article border was measured worse: 1843 against
    1953 characters read on the real fold's 93 joined columns), so the order has to put
    pieces of one column together even when their boxes are a pixel apart in x.
    """
    cols = bands(sorted(lines, key=lambda ln: -ln.box.cx), across_x=True)
    cols.sort(key=lambda c: -max(ln.box.cx for ln in c))
    return [ln for col in cols for ln in sorted(col, key=lambda ln: ln.box.y0)]


def row_order(lines: Sequence[Line]) -> list[Line]:
    """Rows top to bottom, pieces of one row left to right (as the recognizer reads them;
    `recognize` turns the rows set right to left round). A row the detector cut into
    pieces a few pixels apart in y kept them apart when sorted by their tops. Pieces
    join a row by their middles (within half a row height of the row's), not by box
    overlap: the detector's row boxes are padded, a skewed row's by half a row more."""
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.box.cy, ln.box.x0)):
        if rows:
            last = rows[-1]
            mid = statistics.fmean(o.box.cy for o in last)
            height = min(ln.box.height, min(o.box.height for o in last))
            if abs(ln.box.cy - mid) <= 0.5 * height:
                last.append(ln)
                continue
        rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.box.x0)]


# A column in the page margin runs along at least this share of the page's text height,
# at least twice as long as the page's typical column, and is running text (this many
# times longer than wide: more characters than any headline column holds).
MARGIN_SPAN = 0.75
MARGIN_ASPECT = 20.0


def indent_evidence(rows: Sequence[Line]) -> int:
    """How strongly the paragraph shape of a block of horizontal rows says it was set left
    to right (> 0) rather than right to left (< 0); 0 is no evidence.

    A paragraph ends on a short row and the next one starts indented: in rows set left to
    right the short row stops short of the right edge and the next starts in from the
    left; set right to left, the mirror image. Unlike clause marks at row ends, this
    holds for rows that happen to break between two characters. A block's first row and
    its last speak alone too (segmentation parts paragraphs into blocks of their own).
    Pieces of one row (the detector may cut a row in two) are not two rows.
    """
    rows = sorted((r for r in rows if r.text.strip()), key=lambda r: (r.box.y0, r.box.x0))
    if len(rows) < 2:
        return 0
    size = statistics.median(r.box.height for r in rows)
    left = min(r.box.x0 for r in rows)
    right = max(r.box.x1 for r in rows)
    votes = 0

    def side(row: Line) -> int:  # +1 in from the left only, -1 in from the right only
        lead, trail = row.box.x0 - left, right - row.box.x1
        return (lead >= size and trail < size / 2) - (trail >= size and lead < size / 2)

    # A block that opens a paragraph opens indented; one that closes it, short.
    votes += side(rows[0])
    if rows[-1].box.y0 >= rows[0].box.y1 - 0.3 * size:
        votes -= side(rows[-1])
    for a, b in itertools.pairwise(rows):
        if b.box.y0 < a.box.y1 - 0.3 * size:
            continue
        if right - a.box.x1 >= size and b.box.x0 - left >= size and right - b.box.x1 < size:
            votes += 1
        elif a.box.x0 - left >= size and right - b.box.x1 >= size and b.box.x0 - left < size:
            votes -= 1
    return votes


def margin_columns(lines: Sequence[Line], em: float) -> list[Line]:
    """Columns printed in the left or right page margin (subscription prices, ad rates):
    page furniture like the folio, not the first or last article's headline.

    Such a column lies beyond all other text (no other line shares its x range, detector
    boxes' overlap of half an em aside), runs along most of the page's height while the
    page's own columns are set in tiers (a page of one tier has no such cue), and holds
    running text: a headline spanning all tiers at the page's edge is short and wide.
    """
    cols = [ln for ln in lines if ln.vertical]
    if len(cols) < 3:
        return []
    top = min(ln.box.y0 for ln in cols)
    bottom = max(ln.box.y1 for ln in cols)
    typical = statistics.median(ln.box.height for ln in cols)
    out: list[Line] = []
    for edge in (max(cols, key=lambda ln: ln.box.x1), min(cols, key=lambda ln: ln.box.x0)):
        b = edge.box
        if b.height < max(MARGIN_SPAN * (bottom - top), 2 * typical):
            continue
        if b.height < MARGIN_ASPECT * b.width:
            continue
        if any(o is not edge and o.box.x_overlap(b) > 0.5 * em for o in lines):
            continue
        out.append(edge)
    return out


# ------------------------------------------------------------------ blocks


def rule_between_x(a: Box, b: Box, rules: Sequence[Box], em: float) -> bool:
    """A vertical rule in the horizontal gap between two boxes, beside both, that borders
    an article. Rules between columns that start and end together (a serial set with
    column rules) only part columns, not articles."""
    if abs(a.y0 - b.y0) <= em and abs(a.y1 - b.y1) <= em:
        return False
    lo, hi = min(a.x1, b.x1), max(a.x0, b.x0)
    return any(
        r.height > r.width
        and lo - 2 <= r.cx <= hi + 2
        and r.y_overlap(a) > 0.3 * a.height
        and r.y_overlap(b) > 0.3 * b.height
        for r in rules
    )


def _rule_between_y(a: Box, b: Box, rules: Sequence[Box]) -> bool:
    top, bottom = (a, b) if a.cy < b.cy else (b, a)
    return any(
        r.width > r.height
        and top.y1 - 4 <= r.cy <= bottom.y0 + 4
        and r.x_overlap(top) > 0
        and r.x_overlap(bottom) > 0
        for r in rules
    )


def _wide_column(em: float) -> Callable[[Line], bool]:
    """Display type told by column width alone (a vertical page's columns)."""
    return lambda ln: ln.box.width >= DISPLAY * COLUMN_PER_EM * em


def blocks(
    items: Sequence[Line],
    rules: Sequence[Box],
    em: float,
    display: Callable[[Line], bool] | None = None,
    sizes: TypeSizes | None = None,
) -> list[list[Line]]:
    """Tiers: neighbouring columns of one size class that start and end together.

    Columns are set flush at the top of a tier; only the end varies (a paragraph's last
    column is short) and the start moves down by an indent. So columns join when their
    tops agree and one covers most of the other, which keeps a full-height headline
    column apart from the two tiers of body beside it. Short columns (a paragraph end,
    a column broken by a picture) then join the neighbouring tier they lie alongside.
    `display` tells a display column from a text one: by column width unless the caller
    measured type on ink (a detector's column widths vary by a fifth); `sizes` is the
    ink measure of the rows (`row_stacks`).
    """
    cols = [it for it in items if it.vertical]
    n = len(cols)
    sets = DisjointSet(n)
    if display is None:
        display = _wide_column(em)

    def near(a: Box, b: Box, reach: float) -> bool:
        gap = max(a.x0, b.x0) - min(a.x1, b.x1)
        return gap <= reach * em and not rule_between_x(a, b, rules, em)

    order = sorted(range(n), key=lambda i: -cols[i].box.x1)
    for k, i in enumerate(order):
        a = cols[i].box
        for j in order[k + 1 : k + 12]:
            b = cols[j].box
            if display(cols[i]) != display(cols[j]) or not near(a, b, 1.0):
                continue
            longer = max(a.height, b.height)
            if abs(a.y0 - b.y0) <= 2.5 * em and a.y_overlap(b) >= 0.75 * longer:
                sets.union(j, i)
    groups = sets.groups()
    hulls = {k: Box.hull(cols[m].box for m in g) for k, g in groups.items()}
    # Short singletons join the tier beside them; one that joins brings the tier within
    # reach of the next (a paragraph's short last column between two full ones), so
    # this repeats until none joins. Two singletons side by side that start together,
    # the shorter within the longer, are columns of one tier too (paragraphs of one or
    # two columns each: no pair of columns there covers three quarters of the other).
    joined = True
    while joined:
        joined = False
        for root, members in list(groups.items()):
            if len(members) != 1 or root not in groups:
                continue
            a = cols[root].box
            best: tuple[float, int] | None = None
            for other, om in groups.items():
                if other == root or display(cols[om[0]]) != display(cols[root]):
                    continue
                if len(om) == 1:
                    b = cols[om[0]].box
                    fits = (
                        abs(a.y0 - b.y0) <= 2.5 * em
                        and a.y_overlap(b) >= 0.7 * min(a.height, b.height)
                        and near(a, b, 0.8)
                    )
                else:
                    fits = a.y_overlap(hulls[other]) >= 0.7 * a.height and any(
                        near(a, cols[m].box, 0.8) for m in om
                    )
                if fits:
                    d = min(abs(a.cx - cols[m].box.cx) for m in om)
                    if best is None or d < best[0]:
                        best = (d, other)
            if best is not None:
                groups[best[1]].append(root)
                hulls[best[1]] = hulls[best[1]].union(a)
                del groups[root], hulls[root]
                joined = True
    # Runs of one tier that a paragraph boundary parts (a paragraph's short last column
    # beside the next one's indented head: neither covers three quarters of the other)
    # start and end together, a column gap apart: one block. Display columns facing
    # text never part runs so (an article's last column beside the next one's headline).
    # Cost measured on the real 1939 fold: article CER 0.476 without this step, 0.493
    # with it (two articles there stand a column gap apart); the synthetic issues need it
    # (a vertical module read as two half-articles at every paragraph).

    def parted(a: Line, b: Line) -> bool:
        return display(a) == display(b) and near(a.box, b.box, 1.0)

    merged = True
    while merged:
        merged = False
        for p, q in itertools.combinations(list(groups), 2):
            gp, gq = groups.get(p, []), groups.get(q, [])
            if len(gp) < 2 or len(gq) < 2 or display(cols[gp[0]]) != display(cols[gq[0]]):
                continue
            hp, hq = hulls[p], hulls[q]
            longer = max(hp.height, hq.height)
            if abs(hp.y0 - hq.y0) > 2.5 * em or hp.y_overlap(hq) < 0.75 * longer:
                continue  # runs join as columns do (above)
            if not near(hp, hq, 1.0):
                continue
            if any(parted(cols[a], cols[b]) for a in gp for b in gq):
                gp += gq
                hulls[p] = hp.union(hq)
                del groups[q], hulls[q]
                merged = True
    out = [[cols[i] for i in members] for members in groups.values()]
    # Two rows are a headline and its deck as often as two lines of text: only a
    # stack of three or more reads as running text.
    for stack in row_stacks([it for it in items if not it.vertical], rules, em, sizes):
        out += [stack] if len(stack) >= 3 else [[ln] for ln in stack]
    return out


def spaced_rows(rows: Sequence[Line], rules: Sequence[Box], em: float) -> list[Line]:
    """A row of display type set letter-spaced ("女 子 銀 行" over an article of a 1939
    fold) comes from the detector as one box per character: pieces of one size side by
    side on one line, less than a character apart, no rule between, are merged into one
    row, read as one line (and turned round as one when set right to left). Left apart,
    each character was a one-character headline and the title was lost.

    One of the two pieces is short (three characters), and they touch (a quarter of their
    height apart or less: "英報論" and "東亞" of a kicker, "豐，" cut off a row of text) or
    are display type: rows of text in neighbouring columns of a horizontal module are
    long and stand a gutter apart, with a rule between them or not.
    """
    display = DISPLAY * COLUMN_PER_EM * em

    def piece(a: Line, b: Line) -> bool:
        ha, hb = a.box.height, b.box.height
        small = min(ha, hb)
        gap = max(a.box.x0, b.box.x0) - min(a.box.x1, b.box.x1)
        return (
            min(a.box.width / ha, b.box.width / hb) <= 3.5
            and (gap <= 0.25 * small or small >= display)
            and max(ha, hb) <= 1.43 * small
            and a.box.y_overlap(b.box) >= 0.7 * small
            and abs(a.box.y0 - b.box.y0) <= 0.25 * small
            and gap <= small
            and not any(
                r.height > r.width
                and min(a.box.cx, b.box.cx) < r.cx < max(a.box.cx, b.box.cx)
                and r.y_overlap(a.box.union(b.box)) > 0
                for r in rules
            )
        )

    return [merge_row(g) for g in connected([r for r in rows if not r.vertical], piece)]


def row_stacks(
    rows: Sequence[Line], rules: Sequence[Box], em: float, sizes: TypeSizes | None = None
) -> list[list[Line]]:
    """Horizontal rows of a vertical page stacked into blocks: a headline's deck, an
    advert's lines, a module of horizontal running text set among the columns.

    Rows join the row below them when they are of one size (detector boxes of one type
    size vary by a third; a headline stands half as tall again as its body), a line gap
    apart with no rule between, and over one another: overlapping across most of the
    narrower width, or starting within an indent of each other (a paragraph's short last
    row under an indented first one, or over one: "行。" ends where the next paragraph's
    indented first row begins, so the two do not overlap at all). Each block then reads
    (and is turned round, or not) as one piece of text, not row by row. Where `sizes`
    measured both rows on ink, that measure decides whether they are of one size: a
    headline of small display type has a box as tall as its text's.
    """

    def same_size(a: Line, b: Line) -> bool:
        if sizes is not None and a.id in sizes.ink and b.id in sizes.ink:
            return sizes.same(a, b)
        return 0.7 <= a.box.height / max(b.box.height, 1.0) <= 1.43

    def join(a: Line, b: Line) -> bool:
        top, low = (a.box, b.box) if a.box.cy <= b.box.cy else (b.box, a.box)
        size = min(top.height, low.height)
        overlap = top.x_overlap(low)
        # Detector boxes are padded, so the boxes of neighbouring rows may overlap a little.
        return (
            top.y_overlap(low) <= 0.5 * size
            and low.y0 - top.y1 <= 1.0 * size
            and same_size(a, b)
            and (
                overlap >= 0.6 * min(top.width, low.width) > 0
                or abs(top.x0 - low.x0) <= 3.5 * em
            )
            and not _rule_between_y(top, low, rules)
        )

    return connected(list(rows), join)


def _kind(lines: Sequence[Line], em: float) -> RegionType:
    # The lower quartile: detector boxes of body rows set horizontally vary by a third.
    sizes = sorted(ln.box.width if ln.vertical else ln.box.height for ln in lines)
    thick = sizes[len(sizes) // 4]
    return RegionType.HEADLINE if thick >= DISPLAY * COLUMN_PER_EM * em else RegionType.BODY


def _paragraphs(lines: list[Line], em: float) -> None:
    """A column starting well below its neighbours' top starts a paragraph (indent)."""
    if not lines:
        return
    top = min(ln.box.y0 for ln in lines)
    for k, ln in enumerate(lines):
        ln.paragraph_start = k == 0 or ln.box.y0 - top >= 1.4 * em


def over_band(head: Box, under: Sequence[Box]) -> bool:
    """Whether a headline stands over the blocks set right under it: over half of one of
    them, or, over a module of rows set in several columns (a block per column, each
    only partly under a headline centred over the module), for half its own width."""
    return any(m.x_overlap(head) >= 0.5 * min(m.width, head.width) for m in under) or (
        sum(m.x_overlap(head) for m in under) >= 0.5 * head.width
    )


def _masthead_rows(rows: list[Line], rules: Sequence[Box], em: float) -> list[Line]:
    """The rows above the columns that are the masthead: not a module of horizontal
    running text set there (a stack of three rows or more) nor the headline over one."""
    stacks = row_stacks(rows, rules, em)
    modules = [Box.hull(ln.box for ln in s) for s in stacks if len(s) >= 3]

    def heads(b: Box) -> bool:
        return over_band(b, [m for m in modules if -0.5 * b.height <= m.y0 - b.y1 <= 2 * b.height])

    return [ln for s in stacks if len(s) < 3 for ln in s if not heads(ln.box)]


def segment_vertical(page: Page) -> None:
    """Fill page.regions of a vertical page (typed by geometry; ordered by the order stage)."""
    em = page_em(page)
    boxes = [ln.box for ln in page.lines]
    grey = to_grey(page.image) if page.image is not None else None
    rules = find_rules(grey, em, boxes) if grey is not None else []
    items = list(page.lines)
    regions: list[Region] = []
    # The nameplate, date and folio are set horizontally above the columns.
    tops = sorted(ln.box.y0 for ln in items if ln.vertical and ln.box.height > 4 * em)
    text_top = tops[len(tops) // 20] if tops else 0.0
    mast = _masthead_rows(
        [ln for ln in items if not ln.vertical and ln.box.cy <= text_top + 0.5 * em], rules, em
    )
    mast += margin_columns([ln for ln in items if not any(ln is m for m in mast)], em)
    items = [ln for ln in items if not any(ln is m for m in mast)]
    items = split_row_ends(items, em)
    items = [ln for ln in items if ln.vertical] + spaced_rows(items, rules, em)
    # After the letter-spaced rows are whole: a piece cut at a gutter is not one of them.
    items = split_at_column_starts(items, grey, em)
    for ln in mast:
        ln.paragraph_start = True
        regions.append(Region("", RegionType.MASTHEAD, ln.box, lines=[ln]))
    rows = [ln for ln in items if not ln.vertical]
    # Type sizes of the rows, against their own body rows, in detector-box units.
    sizes = TypeSizes.measure(grey, rows, COLUMN_PER_EM * em) if grey is not None else None
    for group in blocks(items, rules, em, sizes=sizes):
        vertical = sum(ln.vertical for ln in group) * 2 >= len(group)
        lines = column_order(group) if vertical else row_order(group)
        kind = _kind(lines, em)
        if kind is RegionType.BODY and vertical:
            _paragraphs(lines, em)
        else:
            for k, ln in enumerate(lines):
                ln.paragraph_start = k == 0
        box = Box.hull(ln.box for ln in lines)
        regions.append(Region("", kind, box, lines=lines, vertical=vertical))
    for r in rules:
        regions.append(Region("", RegionType.RULE, r))
    page.regions = regions
    for k, reg in enumerate(page.regions, 1):
        reg.id = f"p{page.number}_r{k}"
