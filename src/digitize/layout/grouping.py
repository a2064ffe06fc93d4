"""Which article module each region of a horizontal page belongs to, by geometry and text
continuity: every region is anchored to a headline (the nearest one it stands under or
beside, within the same frame and rule-bounded cell), a frame, or itself; headless
continuations are grouped by their cell or by text that runs on from column to column.

Shared by the classify stage (the region typer needs modules to tell an advertisement
from news on vertical pages) and the order stage (articles and reading order)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from digitize.layout.headings import first_line_indented, line_size
from digitize.layout.module_cues import (
    cells,
    centred_over,
    enclosing_frame,
    headline_between,
    headline_beyond,
    jump_between,
    kicks_off,
    opened_before,
    opened_beside,
    opened_tiers,
    rule_between_h,
    rule_between_v,
    same_cell,
    stands_over,
    tier_headed_beside,
)
from digitize.model import Box, Page, Region, RegionType
from digitize.text.textutil import ends_sentence, opens_dateline

_FOLLOWERS = (RegionType.LABEL, RegionType.KICKER)


def region_key(r: Region) -> tuple[float, float, float, float, str]:
    return (r.box.y0, r.box.x0, r.box.x1, r.box.y1, r.id)


def assign_modules(page: Page, em: float) -> dict[str, str]:
    """Map text/photo region id -> anchor id (a headline, a frame, or itself)."""
    regions = page.regions
    frames = [
        r
        for r in regions
        if r.type is RegionType.RULE and r.box.width > 3 * em and r.box.height > 3 * em
    ]
    rules = [r.box for r in regions if r.type is RegionType.RULE and r not in frames]
    frame_of = {r.id: enclosing_frame(r, frames) for r in regions}
    cell = cells(page, rules, em)
    heads = sorted((r for r in regions if r.type is RegionType.HEADLINE), key=region_key)
    jumps = [(r.box, r.jump.direction) for r in regions if r.jump is not None]
    tiers = opened_tiers(page, em)
    anchor: dict[str, str] = {}
    for h in heads:
        anchor[h.id] = h.id

    def ranked_heads(r: Region, below_only: bool) -> list[Region]:
        """The headlines that may claim `r`, nearest first."""
        ranked: list[tuple[float, str, Region]] = []
        for h in heads:
            if frame_of[h.id] != frame_of[r.id]:
                continue
            hb, rb = h.box, r.box
            d: float | None = None
            if h.vertical:
                # Vertical headline: its text lies to the left (a 下转 line under the
                # last column may start just below the headline's foot); its kicker
                # stands against its right side, top-aligned.
                if r.type is RegionType.KICKER and r.vertical and kicks_off(rb, hb, em):
                    d = 0.0
                elif (
                    rb.x1 <= hb.x0 + em
                    and rb.y0 < hb.y1 + em / 2
                    # A kicker over the text may end flush with the headline's top.
                    and rb.y1 > hb.y0 - (em / 2 if r.type in _FOLLOWERS else 0)
                    and not rule_between_h(rb, hb, rules)
                ):
                    d = hb.x0 - rb.x1
            elif below_only:
                if (
                    rb.y1 <= hb.y0 + em / 2
                    and rb.x_overlap(hb) > 0
                    and not rule_between_v(rb, hb, rules)
                ):
                    d = hb.y0 - rb.y1
                elif stands_over(r, h, page, em):
                    d = max(0.0, hb.y0 - rb.y1) + em + max(rb.x0 - hb.x1, hb.x0 - rb.x1)
            elif hb.y0 <= rb.y0 + em / 2:
                opens = r.jump is not None and r.jump.direction == "in"
                # Boxes are padded: a few pixels in common is no standing under, the
                # box stands beside the headline.
                if rb.x_overlap(hb) > em / 2:
                    if (
                        not rule_between_v(hb, rb, rules)
                        and not jump_between(hb, rb, jumps, em)
                        and not opened_beside(hb, rb, jumps, em)
                        and not opened_before(hb, rb, tiers, em)
                        and not headline_between(h, r, heads)
                        and not tier_headed_beside(h, r, heads, em)
                        and not (opens and rb.y0 - hb.y1 > 2 * em)
                    ):
                        d = max(0.0, rb.y0 - hb.y1)
                elif (
                    hb.x1 <= rb.x0 + em / 2
                    and not opens
                    and not opened_beside(hb, rb, jumps, em)
                    and not opened_before(hb, rb, tiers, em)
                    and not rule_between_h(hb, rb, rules)
                    and not rule_between_v(hb, rb, rules)
                    and not headline_beyond(h, r, heads)
                ):
                    # Columns to the right of a headline that does not span them (unless
                    # a 上接 line over them, beside the headline, opens another part).
                    d = 3 * em + (rb.x0 - hb.x1) + max(0.0, rb.y0 - hb.y1)
                elif (
                    rb.x1 <= hb.x0 + em / 2
                    and r.id in cell
                    and h.id in cell
                    and same_cell(cell[r.id], cell[h.id], em)
                    and centred_over(hb, cell[h.id], em)
                    # In the open (a page without rules is one cell) a headline heads
                    # the columns at its left only if it spans a fair part of the cell,
                    # not where it merely stands in its middle; in a frame, the frame
                    # is the module, and a short title centred in it heads it all.
                    and (frame_of[h.id] is not None or hb.width >= 0.3 * cell[h.id].width)
                    and not rule_between_h(rb, hb, rules)
                    and not rule_between_v(hb, rb, rules)
                ):
                    # Columns to the left of a headline centred over their module.
                    d = 3 * em + (hb.x0 - rb.x1) + max(0.0, rb.y0 - hb.y1)
            if d is not None:
                ranked.append((d, h.id, h))
        return [h for _d, _id, h in sorted(ranked, key=lambda t: (t[0], t[1]))]

    def best_head(r: Region, below_only: bool) -> Region | None:
        ranked = ranked_heads(r, below_only)
        return ranked[0] if ranked else None

    for r in sorted(regions, key=region_key):
        if r.id in anchor or r.type is RegionType.RULE or r.type is RegionType.MASTHEAD:
            continue
        if r.type is RegionType.AD:
            # An advertisement is a module of its own (read in place, in no article);
            # its lines form one block inside the ad's frame.
            frame = frame_of[r.id]
            anchor[r.id] = frame if frame is not None else r.id
            continue
        if r.type is RegionType.CAPTION and r.linked_to:
            continue
        head = best_head(r, True) if r.type in _FOLLOWERS else None
        if head is None:
            head = best_head(r, False)
        if head is None and r.type is RegionType.BYLINE:
            # A credit line that no headline above or beside claims leads into the one
            # under it: a kicker opening with 记者 ("记者走访…发现——") whose dash was
            # not read is typed a byline, and alone it made an article of no text.
            head = best_head(r, True)
        frame = frame_of[r.id]
        if head is not None:
            anchor[r.id] = head.id
        elif frame is not None:
            anchor[r.id] = frame
        else:
            anchor[r.id] = r.id
    _one_opening_each(page, anchor, lambda r: ranked_heads(r, False))
    _group_headless(page, anchor, cell, em)
    _chain_headless(page, anchor, em)
    _centred_tiers(page, anchor, em)
    _lone_jumps_join_text(page, anchor, em)
    _lone_signoffs_join_text(page, anchor, em)
    for r in regions:
        if r.type is RegionType.CAPTION and r.linked_to:
            anchor[r.id] = anchor.get(r.linked_to, r.linked_to)
    _lone_pictures_join_text(page, anchor, em)
    decks = _vertical_decks(heads, rules, em)
    for rid, a in anchor.items():
        anchor[rid] = decks.get(a, a)
    return anchor


def _vertical_decks(heads: Sequence[Region], rules: Sequence[Box], em: float) -> dict[str, str]:
    """Deck id -> main headline id: a vertical headline set right against the left of
    another, within its height and in no larger type, is its deck (副题), one module
    with it.

    The deck stands nearer the columns than the main line, so it claims them and the
    main line is left a module of nothing but poster type, which the vertical-page
    typer takes for an advertisement (the biggest headline of a 1939 fold was read as
    an ad and its article lost its title). Chains of decks end at the main line.
    """
    vert = [h for h in heads if h.vertical and h.lines]
    main: dict[str, str] = {}
    for d in vert:
        db = d.box
        for h in vert:
            hb = h.box
            if (
                h is not d
                and -0.3 * db.width <= hb.x0 - db.x1 <= em  # boxes are padded
                and db.cx < hb.cx
                and db.y0 >= hb.y0 - em
                and db.y1 <= hb.y1 + em
                and line_size(d.lines) <= line_size(h.lines)
                and not rule_between_h(db, hb, rules)
            ):
                main[d.id] = h.id
                break
    out: dict[str, str] = {}
    for deck_id, first in main.items():
        top, seen = first, {deck_id}
        while top in main and top not in seen:
            seen.add(top)
            top = main[top]
        out[deck_id] = top
    return out


def _members(page: Page, anchor: dict[str, str]) -> dict[str, list[Region]]:
    """Anchor id -> the page's regions anchored there (the modules as they stand)."""
    by_id = {r.id: r for r in page.regions}
    out: dict[str, list[Region]] = {}
    for rid, a in anchor.items():
        if rid in by_id:
            out.setdefault(a, []).append(by_id[rid])
    return out


def _lone_pictures_join_text(page: Page, anchor: dict[str, str], em: float) -> None:
    """A picture that no headline claimed (with its captions, a module of nothing else)
    belongs to the article whose column runs on right under it, else right over it: a
    newspaper sets a picture inside its article, at the head or the foot of a column.
    Kept alone it became an article record with neither title nor text."""
    members = _members(page, anchor)
    texts = [r for r in page.regions if r.type in (RegionType.BODY, RegionType.NOTICE)]
    for photo in page.regions:
        a = anchor.get(photo.id)
        if photo.type is not RegionType.PHOTO or a is None:
            continue
        if any(o.type not in (RegionType.PHOTO, RegionType.CAPTION) for o in members[a]):
            continue
        hull = Box.hull(o.box for o in members[a])

        def against(t: Region, below: bool, hull: Box = hull) -> bool:
            gap = t.box.y0 - hull.y1 if below else hull.y0 - t.box.y1
            overlap = t.box.x_overlap(hull) >= 0.5 * min(t.box.width, hull.width)
            return -em / 2 <= gap <= 2 * em and overlap

        under = [t for t in texts if against(t, True) and anchor.get(t.id) != a]
        over = [t for t in texts if against(t, False) and anchor.get(t.id) != a]
        pick = min(under, key=lambda t: t.box.y0, default=None) or min(
            over, key=lambda t: -t.box.y1, default=None
        )
        if pick is None:
            continue
        target = anchor[pick.id]
        for o in members.pop(a):
            anchor[o.id] = target
            members.setdefault(target, []).append(o)


_HEADLESS = (
    RegionType.BODY,
    RegionType.NOTICE,
    RegionType.JUMP,
    RegionType.BYLINE,
    RegionType.KICKER,
    RegionType.SUBTITLE,
    RegionType.CAPTION,
)


def _one_opening_each(
    page: Page, anchor: dict[str, str], ranked: Callable[[Region], list[Region]]
) -> None:
    """An article opens once: of two body columns under one headline that both begin
    with a dateline (本报讯 ……), the one the headline stands over keeps it and the
    other goes to the next headline that claims it and has no opening of its own (a
    narrow article's headline beside the first column of the article next to it
    claimed it only by being nearer)."""
    by_id = {r.id: r for r in page.regions}
    openings: dict[str, list[Region]] = {}
    for r in page.regions:
        first = next((ln for ln in r.lines if ln.text.strip()), None)
        a = anchor.get(r.id)
        if r.type is RegionType.BODY and first and a in by_id and opens_dateline(first.text):
            openings.setdefault(a, []).append(r)
    for a, regs in list(openings.items()):
        if len(regs) < 2 or by_id[a].type is not RegionType.HEADLINE:
            continue
        head = by_id[a]
        keep = min(regs, key=lambda r: (r.box.x_overlap(head.box) <= 0, r.box.y0, r.box.x0))
        for r in regs:
            if r is keep:
                continue
            other = next((h for h in ranked(r) if h is not head and not openings.get(h.id)), None)
            if other is not None:
                anchor[r.id] = other.id
                openings.setdefault(other.id, []).append(r)


def _group_headless(page: Page, anchor: dict[str, str], cell: dict[str, Box], em: float) -> None:
    """Text that found no headline (a continuation printed without its headline: a 上接
    line over body columns) is one module per rule-bounded cell, headed by its 上接 line.

    Only cells that hold no headline and are closed by rules on two sides or opened by
    a 上接 line: elsewhere nothing says where one headless article ends.
    """
    loose = [
        r
        for r in sorted(page.regions, key=region_key)
        if anchor.get(r.id) == r.id and r.type in _HEADLESS and r.id in cell
    ]
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE]
    rules = [r.box for r in page.regions if r.type is RegionType.RULE]
    groups: list[list[Region]] = []
    for r in loose:
        for g in groups:
            if same_cell(cell[g[0].id], cell[r.id], em):
                g.append(r)
                break
        else:
            groups.append([r])
    for g in groups:
        if len(g) < 2:
            continue
        box = Box.hull(cell[r.id] for r in g)
        if any(box.contains_point(h.box.cx, h.box.cy) for h in heads):
            continue
        jump_in = [r for r in g if r.jump is not None and r.jump.direction == "in"]
        if not jump_in and _closed_sides(box, rules, em) < 2:
            continue
        head = min(jump_in or g, key=region_key)
        for r in g:
            anchor[r.id] = head.id


def _chain_headless(page: Page, anchor: dict[str, str], em: float) -> None:
    """Body columns side by side whose text runs on from one to the next are one module
    when at least one of the two has no headline: a column that stops mid-sentence
    continues at the top of the next.

    This joins a continuation printed without its headline (a 上接 line over several
    columns) even where column rules split it into cells of one column each, which
    `_group_headless` cannot join; and the columns a headline beside them does not
    reach (a vertical headline at the right of a module set in horizontal columns, a
    column rule between the columns). The columns must start on the same line (tops
    within an em, after skew), overlap for most of their height, stand a gutter apart,
    and the first must end mid-sentence: the evidence is the text itself, so two
    articles that happen to stand side by side stay apart whenever the first one ends
    its last sentence, and neither a 下转 line ending the first nor a 上接 line opening
    the second may be crossed. Two other kinds of evidence stand in for a sentence that
    runs on, where the second module has no headline and opens nothing: its first
    column starts mid-paragraph (full out, no dateline), or the first module opens a
    part (上接) that it does not close and the second closes it (下转). Two headed
    modules are joined only where their headlines are the two halves of one printed
    row, parted at a wide word space ("…生活圈” 家门口服务更贴心"): one line each, the
    same size on the same line, at most 1.6 line heights apart, no rule between; and
    the second's first column opens neither a paragraph nor a dateline, for its text
    runs on from the first's last column.
    """
    modules = _members(page, anchor)
    columns = {
        a: sorted((r for r in regs if r.type is RegionType.BODY), key=lambda r: r.box.x0)
        for a, regs in modules.items()
    }
    columns = {a: cols for a, cols in columns.items() if cols}
    headed = {a for a in columns if any(r.type is RegionType.HEADLINE for r in modules[a])}

    def jumps(a: str, direction: str) -> bool:
        return any(r.jump is not None and r.jump.direction == direction for r in modules[a])

    rules = [r.box for r in page.regions if r.type is RegionType.RULE]

    def one_row(a: str, b: str) -> bool:
        """The headlines of a and b are the left and right halves of one printed row."""
        ha = [r for r in modules[a] if r.type is RegionType.HEADLINE]
        hb = [r for r in modules[b] if r.type is RegionType.HEADLINE]
        if len(ha) != 1 or len(hb) != 1 or len(ha[0].lines) != 1 or len(hb[0].lines) != 1:
            return False
        x, y = ha[0].box, hb[0].box
        size = min(x.height, y.height)
        return (
            0 <= y.x0 - x.x1 <= 1.6 * size
            and max(x.height, y.height) <= 1.2 * size
            and abs(x.y0 - y.y0) <= 0.25 * size
            and abs(x.y1 - y.y1) <= 0.25 * size
            and not rule_between_h(x, y, rules)
            and first_line_indented(columns[b][0]) is False
            and not opens_dateline(columns[b][0].text)
        )

    def mid_paragraph(b: str) -> bool:
        """b, headless and opening nothing, starts in the middle of a paragraph: its
        first line is set full out (not indented) and is no dateline, so the paragraph
        began in the column before, even where that column ended a sentence ("…办好。”"
        / "家住龙泉街道的魏海洋说。")."""
        first = columns[b][0]
        return (
            b not in headed
            and not any(marked(c, "in") for c in columns[b])
            and first_line_indented(first) is False
            and not opens_dateline(first.text)
        )

    def follows(left: Region, right: Region, bracketed: bool) -> bool:
        a, b = left.box, right.box
        gutter = b.x0 - a.x1
        tall = min(a.height, b.height)
        level = max(em, 0.02 * (a.width + b.width))
        return (
            -em <= gutter <= 2.5 * em
            and (abs(a.y0 - b.y0) <= level or _under_picture(page, b, a.y0, level, em))
            and a.y_overlap(b) >= 0.6 * tall
            and bool(left.text.strip())
            and (bracketed or not ends_sentence(left.text))
        )

    markers = [(r.box, r.jump.direction) for r in page.regions if r.jump is not None]
    solid = [r.box for r in page.regions if r.type in (RegionType.BODY, RegionType.HEADLINE)]

    def marked(col: Region, direction: str) -> bool:
        """A jump line over (上接, with at most pictures and captions between) or right
        under (下转) the column."""
        c = col.box
        for m, d in markers:
            if d != direction or m.x_overlap(c) <= 0:
                continue
            if direction == "out":
                if -em <= m.y0 - c.y1 <= em:
                    return True
            elif m.y1 <= c.y0 + em:
                between = Box(c.x0, m.y1, c.x1, c.y0)
                if not any(
                    s.x_overlap(between) > em / 2 and between.y0 < s.cy < between.y1
                    for s in solid
                ):
                    return True
        return False

    def closes(b: str, depth: int = 3) -> bool:
        """b, headless and opening nothing, closes a part: a 下转 line under its last
        column, or under the last of headless columns set on beside it."""
        if b in headed or any(marked(c, "in") for c in columns[b]):
            return False
        if marked(columns[b][-1], "out"):
            return True
        return depth > 0 and any(
            c != b and follows(columns[b][-1], columns[c][0], True) and closes(c, depth - 1)
            for c in columns
        )

    def bracketed(a: str, b: str) -> bool:
        """Neither has a headline; a's first column opens a part (上接 over it) that none
        of a's columns closes, and b opens nothing and closes a part (下转 under it, or
        under the headless columns that follow it): the halves of one continuation,
        whatever sentence the first one ends on, for a part opens once and closes once."""
        return (
            a not in headed
            and marked(columns[a][0], "in")
            and not any(marked(c, "out") for c in columns[a])
            and closes(b)
        )

    def runs_on_part(a: str, b: str) -> bool:
        """a, headless, opens a part (上接 over its first column) and b beside it on its
        tier opens nothing at all (no headline, no 上接, no dateline): columns no
        headline, jump line or dateline claims are the part's own, set on across the
        tier, even where a's last column ends a paragraph. Left alone they were an
        article of their own with no title (synth-0033)."""
        return (
            a not in headed
            and b not in headed
            and marked(columns[a][0], "in")
            and not any(marked(c, "in") for c in columns[b])
            and not opens_dateline(columns[b][0].text)
        )

    changed = True
    while changed:
        changed = False
        for a, b in itertools.permutations(list(columns), 2):
            if a in headed and b in headed and not one_row(a, b):
                continue
            if jumps(a, "out") or jumps(b, "in"):
                continue
            evidence = bracketed(a, b) or mid_paragraph(b) or runs_on_part(a, b)
            if not follows(columns[a][-1], columns[b][0], evidence):
                continue
            keep, gone = (b, a) if b in headed and a not in headed else (a, b)
            for rid, target in list(anchor.items()):
                if target == gone:
                    anchor[rid] = keep
            columns[keep] = sorted(columns[a] + columns[b], key=lambda r: r.box.x0)
            modules[keep] = modules[keep] + modules.pop(gone)
            del columns[gone]
            changed = True
            break


def _under_picture(page: Page, column: Box, top: float, level: float, em: float) -> bool:
    """The column starts right under pictures (with their captions) that stand over it
    from `top` (within `level`) down: its text starts on the line the picture took, so
    its top lines up with the neighbour's there."""
    pictures = [
        o.box
        for o in page.regions
        if o.type in (RegionType.PHOTO, RegionType.CAPTION)
        and o.box.x_overlap(column) >= 0.5 * column.width
        and top - level <= o.box.y0
        and o.box.y1 <= column.y0 + em / 2
    ]
    return (
        bool(pictures)
        and min(p.y0 for p in pictures) <= top + level
        and column.y0 - max(p.y1 for p in pictures) <= 2 * em
    )


def _headless(
    anchor: str, regions: Sequence[Region], by_id: dict[str, Region], *, unopened: bool = False
) -> bool:
    """Whether the module anchored at `anchor` (its `regions`) has no headline and is not
    a frame; `unopened`: nor a 上接 line, which opens another article's continuation."""
    return (
        anchor in by_id
        and by_id[anchor].type is not RegionType.RULE
        and not any(o.type is RegionType.HEADLINE for o in regions)
        and not (unopened and any(o.jump is not None and o.jump.direction == "in" for o in regions))
    )


def _centred_tiers(page: Page, anchor: dict[str, str], em: float) -> None:
    """Headless columns in the tier of a headline's columns, when the headline is centred
    over the whole tier (or, set vertically, stands at its right end), are that
    headline's.

    A headline centred over four columns reaches only the middle two; the outer ones
    stand beside it, and where column rules part every column (a cell of its own each)
    nor the cell rule nor text continuity (a column may end on a full stop) joins them.
    The tier is the run of body columns whose tops line up with those of the headline's
    columns, a gutter or a rule apart; being centred over the run, not over its own
    columns, is the evidence that the headline heads all of it. It takes headless
    modules (none opened by a 上接 line: another article's continuation) and columns
    that another headline claimed only for standing beside it, not under it.
    """
    by_id = {r.id: r for r in page.regions}
    members = _members(page, anchor)
    bodies = [r for r in page.regions if r.type is RegionType.BODY and not r.vertical]
    for h in page.regions:
        if h.type is not RegionType.HEADLINE or anchor.get(h.id) != h.id:
            continue
        if h.vertical:
            # A vertical headline at the right end of its tier heads the run of columns
            # to its left (column rules part them, so no geometric claim reaches past
            # the first).
            own = [r for r in bodies if anchor.get(r.id) == h.id and r.box.x1 <= h.box.x0 + em]
        else:
            own = [r for r in bodies if anchor.get(r.id) == h.id and r.box.x_overlap(h.box) > 0]
        if not own:
            continue
        top = min(r.box.y0 for r in own)
        tier = sorted(
            (
                r
                for r in bodies
                if abs(r.box.y0 - top) <= em
                and (r.box.y0 >= h.box.y1 - em / 2 or (h.vertical and r.box.x1 <= h.box.x0 + em))
            ),
            key=lambda r: r.box.x0,
        )
        start = next((k for k, r in enumerate(tier) if r in own), None)
        if start is None:
            continue
        lo = hi = start
        while lo > 0 and tier[lo].box.x0 - tier[lo - 1].box.x1 <= 2.5 * em:
            lo -= 1
        while hi + 1 < len(tier) and tier[hi + 1].box.x0 - tier[hi].box.x1 <= 2.5 * em:
            hi += 1
        run = tier[lo : hi + 1]
        if h.vertical:
            run = [r for r in run if r.box.x1 <= h.box.x0 + em]
            if not run or h.box.x0 - max(r.box.x1 for r in run) > 2.5 * em:
                continue
        else:
            hull = Box.hull(r.box for r in run)
            if hull.width <= h.box.width or abs(h.box.cx - hull.cx) > max(
                2 * em, 0.08 * hull.width
            ):
                continue
        for r in run:
            a = anchor[r.id]
            if a == h.id:
                continue
            if _headless(a, members.get(a, []), by_id, unopened=True):
                for o in members.pop(a, []):
                    anchor[o.id] = h.id
                    members.setdefault(h.id, []).append(o)
            elif (
                a in by_id
                and by_id[a].type is RegionType.HEADLINE
                and not by_id[a].vertical
                and r.box.x_overlap(by_id[a].box) <= 0
            ):
                # Taken only for standing beside another headline (the weakest claim).
                members[a].remove(r)
                anchor[r.id] = h.id
                members.setdefault(h.id, []).append(r)


def _lone_jumps_join_text(page: Page, anchor: dict[str, str], em: float) -> None:
    """A jump line and the text it stands against are one module: a 上接 line opens the
    text right under it, a 下转 line closes the text right above it.

    A 上接 line stands over the continued text, flush with its first column; a 下转 line
    under an article's last column. Where the geometry left such a line a module of its
    own (its column has no cell it shares, the continuation has a repeated headline
    beside it, which it does not stand under, or the article's headline is set
    vertically beside the text and ends above the 下转 line), it joins the module of
    that text: kept alone it becomes an article part of its own and the text is lost to
    the jump. Where the line found its module but the text did not (a continuation's
    first column beside its picture, cut off from the repeated headline by a column
    rule), the text's headless module joins the line's: a marker that opens or closes
    text is evidence of which article that text belongs to.
    """
    by_id = {r.id: r for r in page.regions}
    members: dict[str, list[str]] = {}
    for rid, a in anchor.items():
        members.setdefault(a, []).append(rid)

    def headless(a: str) -> bool:
        return _headless(a, [by_id[i] for i in members.get(a, []) if i in by_id], by_id)

    for r in page.regions:
        if r.jump is None or r.id not in anchor:
            continue
        found = _text_against(page, r, anchor, em)
        if found is None:
            continue
        target, pictures = found
        mine, theirs = anchor[r.id], anchor[target.id]
        if mine == theirs:
            continue
        if members.get(mine, []) == [r.id]:
            anchor[r.id] = theirs
            members[theirs].append(r.id)
            members[mine] = []
            for o in pictures:  # the continuation's pictures are its own
                anchor[o.id] = theirs
        elif headless(theirs):
            for rid in members.pop(theirs, []):
                anchor[rid] = mine
                members[mine].append(rid)
            for o in pictures:
                anchor[o.id] = mine


def _lone_signoffs_join_text(page: Page, anchor: dict[str, str], em: float) -> None:
    """A byline left a module of its own (no headline claims it: the sign-off under the
    last column of a continuation printed without its headline) joins the text it is
    set right under. Alone it became an article of a name and no text."""
    members = _members(page, anchor)
    texts = [r for r in page.regions if r.type in (RegionType.BODY, RegionType.NOTICE)]
    for r in page.regions:
        if r.type is not RegionType.BYLINE or [o.id for o in members.get(r.id, [])] != [r.id]:
            continue
        above = [
            o
            for o in texts
            if o.id in anchor
            and -0.5 * em <= r.box.y0 - o.box.y1 <= 1.5 * em
            and o.box.x_overlap(r.box) >= 0.5 * r.box.width
        ]
        if above:
            anchor[r.id] = anchor[max(above, key=lambda o: o.box.y1).id]


def _text_against(
    page: Page, r: Region, anchor: dict[str, str], em: float
) -> tuple[Region, list[Region]] | None:
    """The body or notice text a jump line stands against, with the pictures between
    them: for a 上接 line the text within two ems under it (or under the pictures and
    captions right below it), for a 下转 line the text within two ems above it;
    overlapping it across."""
    assert r.jump is not None
    opens = r.jump.direction == "in"
    texts = [
        o
        for o in page.regions
        if o.id != r.id
        and o.type in (RegionType.BODY, RegionType.NOTICE)
        and o.id in anchor
        and o.box.x_overlap(r.box) > 0.5 * min(r.box.width, o.box.width)
    ]
    near = [
        o
        for o in texts
        if -0.5 * em <= (o.box.y0 - r.box.y1 if opens else r.box.y0 - o.box.y1) <= 2 * em
    ]
    pictures: list[Region] = []
    if opens and not near:
        # A picture (and its caption) may stand between the 上接 line and its text.
        below = sorted((o for o in texts if o.box.y0 >= r.box.y1 - 0.5 * em), key=region_key)
        between = _pictures_between(page, r.box, below[0].box) if below else None
        if between is not None:
            near, pictures = below[:1], between
    if not near:
        return None
    if opens:
        return min(near, key=lambda o: (o.box.y0, abs(o.box.x0 - r.box.x0))), pictures
    return min(near, key=lambda o: (-o.box.y1, abs(o.box.x1 - r.box.x1))), pictures


def _pictures_between(page: Page, top: Box, bottom: Box) -> list[Region] | None:
    """What stands between two boxes, across the lower one, when it is only pictures and
    captions; None when anything else does."""
    between = [
        o
        for o in page.regions
        if o.box.y0 >= top.y1 - 2
        and o.box.y1 <= bottom.y0 + 2
        and o.box.x_overlap(bottom) > 0
        and o.box.x_overlap(top) > 0
    ]
    if any(o.type not in (RegionType.PHOTO, RegionType.CAPTION) for o in between):
        return None
    return between


def _closed_sides(cell: Box, rules: Sequence[Box], em: float) -> int:
    """How many of the cell's edges lie on a rule."""
    top = any(abs(r.y1 - cell.y0) < em and r.x_overlap(cell) > 0.5 * cell.width for r in rules)
    bottom = any(abs(r.y0 - cell.y1) < em and r.x_overlap(cell) > 0.5 * cell.width for r in rules)
    left = any(abs(r.x1 - cell.x0) < em and r.y_overlap(cell) > 0.5 * cell.height for r in rules)
    right = any(abs(r.x0 - cell.x1) < em and r.y_overlap(cell) > 0.5 * cell.height for r in rules)
    return top + bottom + left + right


def body_order(items: list[Region], vertical: bool, em: float) -> list[Region]:
    """Body columns: tiers split by horizontal gaps across the module, columns left to right."""
    if not items:
        return []
    items = sorted(items, key=region_key)
    tiers: list[list[Region]] = []
    bottom = -1e18
    for r in items:
        if tiers and r.box.y0 < bottom - em / 2:
            tiers[-1].append(r)
        else:
            tiers.append([r])
        bottom = max(bottom, r.box.y1)
    out: list[Region] = []
    for tier in tiers:
        if vertical:
            out.extend(sorted(tier, key=lambda r: (-r.box.x1, r.box.y0, r.id)))
        else:
            out.extend(sorted(tier, key=lambda r: (round(r.box.x0 / em), r.box.y0, r.id)))
    return out
