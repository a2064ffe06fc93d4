"""Reading order and article grouping on one page.

A reader first finds the modules of a page (an article: headline with the body columns
under it, its picture and caption; a boxed notice) and reads them top to bottom, left
to right; inside a module the roles fix the order: label, kicker, headline, subtitle,
byline, 上接 jump, body columns, sign-off byline, 下转 jump, captions. Everything here
depends only on geometry and types, never on the order of `page.regions`.
"""

from __future__ import annotations

from digitize.layout.grouping import assign_modules, body_order, region_key
from digitize.layout.groups import bands
from digitize.layout.headings import TEXT_TYPES, line_size
from digitize.layout.metrics import page_em
from digitize.layout.vertical import rule_between_x
from digitize.layout.vertical_order import order_vertical
from digitize.model import Box, Page, Region, RegionType, WritingMode

_LEAD = (RegionType.LABEL, RegionType.KICKER, RegionType.HEADLINE, RegionType.SUBTITLE)


def _module_order(modules: dict[str, list[Region]], em: float) -> list[str]:
    """Modules top to bottom, left to right: a module waits for modules above it."""
    boxes = {k: Box.hull(r.box for r in v) for k, v in modules.items()}
    keys = sorted(modules, key=lambda k: (boxes[k].y0, boxes[k].x0, k))
    preds: dict[str, set[str]] = {k: set() for k in keys}
    for a in keys:
        for b in keys:
            if a == b:
                continue
            ba, bb = boxes[a], boxes[b]
            if ba.x_overlap(bb) > em and ba.cy < bb.cy and ba.y0 < bb.y0 - em:
                preds[b].add(a)
    out: list[str] = []
    done: set[str] = set()
    band = 2 * em
    while len(out) < len(keys):
        ready = [k for k in keys if k not in done and preds[k] <= done]
        if not ready:  # cycle (overlapping modules): fall back to position
            ready = [k for k in keys if k not in done]
        top = min(boxes[k].y0 for k in ready)
        near = [k for k in ready if boxes[k].y0 <= top + band]
        pick = min(near, key=lambda k: (boxes[k].x0, boxes[k].y0, k))
        out.append(pick)
        done.add(pick)
    return out


def _by_rows(group: list[Region]) -> list[Region]:
    """Top to bottom, and left to right along a printed row: the halves of a headline set
    on one line start a pixel or two apart in either order."""
    rows = bands(sorted(group, key=region_key), across_x=False)
    return [r for row in rows for r in sorted(row, key=lambda r: (r.box.x0, r.id))]


def _role_rank(r: Region, body_top: float, em: float) -> int:
    t = r.type
    if t is RegionType.LABEL:
        return 0
    if t is RegionType.KICKER:
        return 1
    if t is RegionType.HEADLINE:
        return 2
    if t is RegionType.SUBTITLE:
        return 3
    if t is RegionType.BYLINE:
        return 4 if r.box.y0 < body_top + em else 7
    if t is RegionType.JUMP:
        if r.jump is not None:
            return 5 if r.jump.direction == "in" else 8
        return 5 if r.box.y0 < body_top + em else 8
    if t is RegionType.CAPTION:
        return 9
    return 6


def order(page: Page) -> None:
    """Set page.reading_order and region.article_id (see module docstring)."""
    em = page_em(page)
    anchor = assign_modules(page, em)
    modules: dict[str, list[Region]] = {}
    for r in page.regions:
        a = anchor.get(r.id)
        if a is not None:
            modules.setdefault(a, []).append(r)
    text_modules = {k: v for k, v in modules.items() if any(r.type.is_text for r in v)}
    vertical_page = page.writing_mode is WritingMode.VERTICAL
    mast = sorted(
        (r for r in page.regions if r.type is RegionType.MASTHEAD),
        key=lambda r: (round(r.box.cy / (2 * em)), r.box.x0, r.id),
    )
    seq: list[Region] = list(mast)
    for r in page.regions:
        r.article_id = None
    for k, key in enumerate(_module_order(text_modules, em), 1):
        regs = [r for r in text_modules[key] if r.type.is_text]
        # Page furniture is never an article: an advert, a section label ("本地新闻")
        # that no headline claimed, or a scrap of less than two letters (a stray mark
        # or digit boxed apart: an article record of "★" or "4" helps no reader).
        furniture = all(r.type in (RegionType.AD, RegionType.LABEL) for r in regs) or (
            sum(ch.isalnum() for r in regs for ch in r.text) < 2
        )
        article = None if furniture else f"p{page.number}_a{k}"
        for r in text_modules[key]:
            r.article_id = article
        body = [r for r in regs if r.type in (RegionType.BODY, RegionType.NOTICE)]
        vertical = bool(body) and sum(r.vertical for r in body) * 2 >= len(body)
        body_top = min((r.box.y0 for r in body), default=1e18)
        ranked: dict[int, list[Region]] = {}
        for r in regs:
            ranked.setdefault(_role_rank(r, body_top, em), []).append(r)
        for rank in sorted(ranked):
            group = ranked[rank]
            if rank == 6:
                seq.extend(body_order(group, vertical, em))
            elif vertical:
                seq.extend(sorted(group, key=lambda r: (-r.box.x1, r.box.y0, r.id)))
            else:
                seq.extend(_by_rows(group))
    page.reading_order = [r.id for r in seq]
    # Vertical pages: modules keep their article ids, but the reading order is the
    # right-to-left block order of layout/vertical_order.py (columns read right to left, an
    # article's lower tier before its left-hand neighbour).
    if vertical_page:
        order_vertical(page)
        _heads_join_their_text(page)
        _subheads_stay_in_their_article(page, em)


def _heads_join_their_text(page: Page) -> None:
    """Vertical pages: an article of headlines only (the module grouping parted a headline
    or subhead from its columns) joins the article whose text follows it in reading order,
    since a vertical headline stands at the right of, that is before, what it heads."""
    by_id = {r.id: r for r in page.regions}
    seq = [by_id[i] for i in page.reading_order if i in by_id]
    has_text = {
        r.article_id
        for r in seq
        if r.article_id and r.type in (RegionType.BODY, RegionType.NOTICE) and r.text.strip()
    }
    pending: list[Region] = []
    for r in seq:
        if r.article_id is None:
            continue
        if r.article_id not in has_text:
            pending.append(r)
        elif pending:
            for h in pending:
                h.article_id = r.article_id
            pending = []


# A subhead (小標) is a short phrase in display type; the headline of the article it sits
# in is much larger. On the real 1939 fold (body em 26 px) subheads measure 1.9-2.2 ems,
# the headlines over them 5-6, while neighbouring articles' headlines differ by at most
# 1.56x; rendered pages set subheads at 1.25-1.5 ems under headlines of 2.4-3.
_SUBHEAD_CHARS = 8
_SUBHEAD_MAX_EM = 2.5
_HEADLINE_OVER_SUBHEAD = 1.6


def _subheads_stay_in_their_article(page: Page, em: float) -> None:
    """Vertical pages: a lone short heading column read straight after an article's body
    column, in the same run of columns, and set much smaller than that article's headline,
    is a subhead inside it; the heading and the columns it heads stay in that article.

    Module grouping makes every headline an article of its own, so each subhead of a long
    1930s dispatch became an article of a few columns with the subhead as its title. A new
    article's heading differs: it has a kicker or deck beside it, or type near the size of
    the headline before it, or a rule or wide gutter parting it from the column before.
    """
    by_id = {r.id: r for r in page.regions}
    seq = [by_id[i] for i in page.reading_order if i in by_id and by_id[i].type.is_text]
    rules = [r.box for r in page.regions if r.type is RegionType.RULE]

    def members(article: str) -> list[Region]:
        return [r for r in page.regions if r.article_id == article]

    for i, head in enumerate(seq[1:], 1):
        prev = seq[i - 1]
        if (
            head.type is not RegionType.HEADLINE
            or not head.vertical
            or len(head.lines) != 1
            or head.article_id is None
            or prev.type not in TEXT_TYPES
            or prev.article_id in (None, head.article_id)
        ):
            continue
        size = line_size(head.lines)
        chars = len(head.text.replace(" ", ""))
        if not 2 <= chars <= _SUBHEAD_CHARS or size > _SUBHEAD_MAX_EM * em:
            continue
        own = members(head.article_id)
        if any(r is not head and r.type in _LEAD for r in own):
            continue
        if not any(r.type in TEXT_TYPES for r in own):
            continue
        hb, pb = head.box, prev.box
        if not (-0.5 * em <= pb.x0 - hb.x1 <= 1.5 * em) or hb.y0 < pb.y0 - em:
            continue
        if rule_between_x(hb, pb, rules, em):
            continue
        heads = [
            line_size(r.lines)
            for r in members(prev.article_id)
            if r.type is RegionType.HEADLINE and r.lines
        ]
        if not heads or max(heads) < _HEADLINE_OVER_SUBHEAD * size:
            continue
        for r in own:
            r.article_id = prev.article_id
