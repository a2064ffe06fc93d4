"""Geometric cues of article modules: whether a region stands under or beside a headline,
whether a rule, a jump line or another headline parts them, and the rule-bounded cells of
a page. The predicates `layout.grouping` anchors regions with; pure functions of boxes."""

from __future__ import annotations

from collections.abc import Sequence

from digitize.model import Box, Page, Region, RegionType


def inside(r: Box, f: Box) -> bool:
    return f.contains_point(r.cx, r.cy)


def enclosing_frame(r: Region, frames: Sequence[Region]) -> str | None:
    """Innermost box frame holding the region (smallest area), by id."""
    best: Region | None = None
    for f in frames:
        if (
            inside(r.box, f.box)
            and r.box.overlap_ratio(f.box) > 0.9
            and (best is None or f.box.area < best.box.area)
        ):
            best = f
    return best.id if best is not None else None


def rule_between_v(top: Box, bottom: Box, rules: Sequence[Box]) -> bool:
    """A horizontal rule between a box above and one below, across the lower one. The
    pieces of one printed rule (broken where column rules cross it, or at gutters) count
    together: pieces level with each other, within 4 px."""
    level = sorted(
        (r for r in rules if r.width >= r.height and top.y1 - 4 <= r.cy <= bottom.y0 + 4),
        key=lambda r: r.cy,
    )
    pieces: list[list[Box]] = []
    for r in level:
        if pieces and r.cy - pieces[-1][-1].cy <= 4:
            pieces[-1].append(r)
        else:
            pieces.append([r])
    return any(
        sum(r.x_overlap(bottom) for r in rule) >= 0.5 * bottom.width
        and any(r.x_overlap(top) > 0 for r in rule)
        for rule in pieces
    )


def jump_between(head: Box, rb: Box, jumps: Sequence[tuple[Box, str]], em: float) -> bool:
    """A jump line between a headline and text below it, in the text's column: a 下转
    line ends the headline's article there; a 上接 line opens another part, unless it
    stands right under the headline (a continuation's repeated headline, then its 上接).
    For the same reason a 上接 line itself heads its own part unless it stands there."""
    return any(
        j != rb
        and head.y1 - 1 <= j.cy <= rb.y0 + 1
        and j.x_overlap(rb) > 0.3 * min(j.width, rb.width)
        and (direction == "out" or j.y0 - head.y1 > 2 * em)
        for j, direction in jumps
    )


def opened_beside(head: Box, rb: Box, jumps: Sequence[tuple[Box, str]], em: float) -> bool:
    """A 上接 line at the level where the text starts, over it or to its left, set beside
    the headline (right of it, no higher) or below its foot with the text starting within
    two ems under it: the text continues another article there (the continuation's
    columns share its first line, however far right they reach)."""
    for j, direction in jumps:
        if direction != "in" or j == rb or j.y1 > rb.y0 + 1 or j.x0 >= rb.x1:
            continue
        under = j.y0 - head.y1 > 2 * em and rb.y0 - j.y1 <= 2 * em
        beside = j.x0 >= head.x1 - em and j.y0 >= head.y0 - em
        if under or beside:
            return True
    return False


def opened_before(head: Box, rb: Box, jumps: Sequence[tuple[Box, str]], em: float) -> bool:
    """A 上接 line under the headline's span, more than two ems below its foot, at or left
    of the text's left edge and no lower than its top: the part that line opens takes up
    the tier from there on, so text set after it (a photo, the next columns) is the
    continuation's, not the headline's. On a jump page a continuation often starts in
    the first column under the foot of another article's columns."""
    return any(
        direction == "in"
        and j != rb
        and j.y0 - head.y1 > 2 * em
        and j.x_overlap(head) > 0
        and j.y1 <= rb.y0 + 1
        and j.x0 <= rb.x0 + em
        for j, direction in jumps
    )


def opened_tiers(page: Page, em: float) -> list[tuple[Box, str]]:
    """The 上接 lines as `opened_before` should see them: each reaching across the tier
    it opens. A continuation's first row is the 上接 line over its first column and, in
    the column beside that one, the picture or caption set level with it; the text under
    that picture is the continuation's too, though the short 上接 line stands nowhere
    under the headline of the article above the tier (a synthetic page gave that
    article the continuation's columns). Every jump line is returned as it is, too."""
    regions = page.regions
    pictures = [r.box for r in regions if r.type in (RegionType.PHOTO, RegionType.CAPTION)]
    text = [r.box for r in regions if r.type is RegionType.BODY]
    out: list[tuple[Box, str]] = []
    for r in regions:
        if r.jump is None:
            continue
        j = r.box
        out.append((j, r.jump.direction))
        if r.jump.direction == "in":
            under = [b for b in text if 0 <= b.y0 - j.y1 <= 2 * em and b.x_overlap(j) > 0]
            reach = max([j.x1, *(b.x1 for b in under)])
            level = [
                b
                for b in pictures
                if abs(b.y0 - j.y0) <= 2 * em and 0 <= b.x0 - reach <= 2.5 * em
            ]
            if level:
                out.append((Box.hull([j, *level]), "in"))
    return out


def stands_over(r: Region, head: Region, page: Page, em: float) -> bool:
    """A line set right over a headline (the top within two ems of its foot) though not
    across it: a kicker flush with the module's left edge over a centred headline. Only
    where nothing else stands between them on those rows and no rule parts them, so a
    neighbouring module's line never qualifies."""
    rb, hb = r.box, head.box
    if not -em / 2 <= hb.y0 - rb.y1 <= 2 * em or rb.x_overlap(hb) > 0:
        return False
    x0, x1 = (rb.x1, hb.x0) if rb.x1 <= hb.x0 else (hb.x1, rb.x0)
    gap = Box(x0, min(rb.y0, hb.y0), x1, max(rb.y1, hb.y1))
    both = Box.hull((rb, hb))
    return not any(
        o is not r
        and o is not head
        and o.type is not RegionType.MASTHEAD
        and o.box.x_overlap(gap) > 0
        and o.box.y_overlap(gap) > 0
        # The frame of a boxed module stands around both, not between them.
        and not (
            o.type is RegionType.RULE
            and o.box.contains_point(both.x0, both.y0)
            and o.box.contains_point(both.x1, both.y1)
        )
        for o in page.regions
    )


def kicks_off(column: Box, head: Box, em: float) -> bool:
    """A column set against the right side of a vertical headline and top-aligned with
    it, where its kicker (引題) stands (boxes are padded: they may overlap a little)."""
    return -0.3 * head.width <= column.x0 - head.x1 <= em and abs(column.y0 - head.y0) <= em


def headline_between(head: Region, r: Region, heads: Sequence[Region]) -> bool:
    """Another headline standing between a headline and text below it, across the text
    (a vertical one, which claims only the text beside it, included): the text is not
    the upper headline's, however far down the column it reaches."""
    hb, rb = head.box, r.box
    return any(
        o is not head
        and o is not r
        and o.box.y0 >= hb.y1 - 1
        and o.box.cy <= rb.y0
        and o.box.x_overlap(rb) > 0
        for o in heads
    )


def tier_headed_beside(
    head: Region, r: Region, heads: Sequence[Region], em: float
) -> bool:
    """Another headline, lower than `head`, whose foot is level with the top of text `r`
    and which stands right beside it: `r` is the first (or last) column of the tier that
    headline opens (a headline centred over four columns reaches neither the first nor
    the last), not the end of `head`'s column far above, however free the way up is of
    rules and headlines."""
    hb, rb = head.box, r.box
    return any(
        o is not head
        and o is not r
        and not o.vertical
        and o.box.y0 >= hb.y1 - 1
        and -0.5 * em <= rb.y0 - o.box.y1 <= 2 * em
        and (0 <= o.box.x0 - rb.x1 <= 2.5 * em or 0 <= rb.x0 - o.box.x1 <= 2.5 * em)
        for o in heads
    )


def headline_beyond(head: Region, r: Region, heads: Sequence[Region]) -> bool:
    """Another headline standing between a headline and text to its right, above the
    text's top: the text lies beyond that other article's head, so it is not the first
    headline's, however free the way to it is of rules (a continuation whose 上接 line
    stands higher than the nearer headline's top, beside its kicker)."""
    hb, rb = head.box, r.box
    return any(
        o is not head
        and o is not r
        and o.box.x0 >= hb.x1 - 1
        and o.box.x1 <= rb.x0 + 1
        and o.box.y0 < rb.y0
        and o.box.y1 > hb.y0
        for o in heads
    )


def rule_between_h(left: Box, right: Box, rules: Sequence[Box]) -> bool:
    """A vertical rule between a box on the left and one on the right."""
    for r in rules:
        if r.height < r.width:
            continue
        if left.x1 - 4 <= r.cx <= right.x0 + 4 and r.y_overlap(right) >= 0.3 * right.height:
            return True
    return False


def cells(page: Page, rules: Sequence[Box], em: float) -> dict[str, Box]:
    """The rule-bounded cell of each text region: out to the nearest vertical rule on
    either side and the nearest horizontal rule above and below (the text margin of the
    page where there is none). Regions of one module share a cell."""
    text = [r for r in page.regions if r.type.is_text and r.type is not RegionType.MASTHEAD]
    if not text:
        return {}
    margin = Box.hull(r.box for r in text)
    vrules = [r for r in rules if r.height > r.width]
    hrules = [r for r in rules if r.width >= r.height]
    out: dict[str, Box] = {}
    for reg in text:
        b = reg.box
        beside = [v for v in vrules if v.y_overlap(b) >= 0.5 * min(b.height, v.height)]
        left = max((v.x1 for v in beside if v.cx <= b.x0 + em / 2), default=margin.x0)
        right = min((v.x0 for v in beside if v.cx >= b.x1 - em / 2), default=margin.x1)
        across = [h for h in hrules if h.x_overlap(b) >= 0.5 * b.width]
        top = max((h.y1 for h in across if h.cy <= b.y0 + em / 4), default=margin.y0)
        bottom = min((h.y0 for h in across if h.cy >= b.y1 - em / 4), default=margin.y1)
        out[reg.id] = Box(left, top, right, bottom)
    return out


def same_cell(a: Box, b: Box, em: float) -> bool:
    return all(abs(u - v) < 2 * em for u, v in zip(edges(a), edges(b), strict=True))


def edges(b: Box) -> tuple[float, float, float, float]:
    return (b.x0, b.y0, b.x1, b.y1)


def centred_over(head: Box, cell: Box, em: float) -> bool:
    """A headline set on the middle of its module's width (not flush with one column)."""
    return (
        head.x0 >= cell.x0 - em
        and head.x1 <= cell.x1 + em
        and abs(head.cx - cell.cx) <= max(2 * em, 0.08 * cell.width)
    )
