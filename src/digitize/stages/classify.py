"""Refine region types once the text is known.

Geometry cannot tell a jump line or a byline from a short body line, nor a caption
from a one-line news item; the words can. This stage also splits such lines off the
edges of body columns (a 上接 line heading a column, a reporter's name closing it),
links captions to their pictures and reads the printed page number from the folio.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from digitize.layout.edits import CLAUSE_MARK, drop_char, line_text, split_off
from digitize.layout.grouping import assign_modules, body_order
from digitize.layout.groups import bands
from digitize.layout.headings import (
    SMALLER,
    TEXT_TYPES,
    is_body_kicker,
    line_size,
    peel,
    signoff,
)
from digitize.layout.metrics import page_em, text_pitch
from digitize.layout.module_cues import rule_between_v, stands_over
from digitize.model import Box, Glyph, Line, Page, Region, RegionType, WritingMode
from digitize.stages.vertical_types import vertical_ads, vertical_kickers, vertical_lead_columns
from digitize.text.folio import names_folio, printed_number
from digitize.text.jumps import parse_jump
from digitize.text.textutil import opens_dateline

# Unambiguous byline openings: the paper's own credit lines and agency credits.
_BYLINE = re.compile(
    r"^(?:■|●|◎|□|◆)?\s*(?:"
    r"本报(?:讯|评论员|特约评论员|记者|通讯员|特约记者|见习记者|实习生)"
    r"|本報(?:訊|評論員|記者|通訊員)"
    r"|特约撰稿人?|文/|图/|文／|图／"
    r"|[（(]?(?:新华社|中新社|人民网|新华网)"
    r")"
)
# Role words that also open body sentences ("记者从区气象局获悉，……"): a byline only as a
# short line of names standing alone.
_BYLINE_ROLE = re.compile(r"^(?:■|●|◎|□|◆)?\s*(?:(?:特约|见习|首席)?记者|通讯员|实习生|撰文|摄影)")
_DATELINE = re.compile(r"^(?:本报讯|本報訊)\s*[0-9０-９一二三四五六七八九十〇]")
_CAPTION_END = re.compile(r"(?:摄|摄影|供图|图片来源.*|资料图片?|翻拍|[（(]图[)）])\s*$")
_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|星期[一二三四五六日天]|农历")
_ISSUE_NO = re.compile(
    r"第\s*[0-9０-９]+\s*期|责任编辑|编辑|美编|校对|主办|今日\S*版|国内统一|邮发代号"
)
_NOTICE_TITLE = re.compile(r"通知|公告|启事|声明|预告|通告|公示|提示|告知书|须知|启示")
_BRIEF_TITLE = re.compile(r"^(?:简\s*讯|快\s*讯|短\s*讯|要\s*闻|图\s*片\s*新\s*闻)$")
# A two-em dash is one long stroke; the recognizer may read its second half as 一 (the
# same flat stroke), so "——一" / "—一" end a kicker and "一——" opens a subtitle. A real 一
# never touches a dash there: the dash is a separator, not part of a word.
_KICKER_END = re.compile(r"(?:[—－-]{1,2}|[—－]一)\s*$")
_SUBTITLE_START = re.compile(r"^\s*(?:[—－-]{1,2}|一[—－])")
_DASH_TAIL = re.compile(r"(?<=[—－])一(?=\s*$)")
_DASH_HEAD = re.compile(r"^(\s*)一(?=[—－])")
_NAME = re.compile(r"^[\u4e00-\u9fff·\s]{2,8}$")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_SECTION = re.compile(r"[\u4e00-\u9fff]{2,6}")  # a section label: 本地新闻, 社会万象
_PAUSE = re.compile(r"[，。；、！？]")  # marks inside sentences (a headline uses spaces)
# A caption is a sentence or two and its credit; running text beside a picture is longer.
_CAPTION_MAX = 80


def _is_byline(text: str, alone: bool = True) -> bool:
    """A credit line. `alone`: the line stands by itself (a region of its own, or a line
    ending well short of its column); a full column line opening with 记者 is body text."""
    t = text.strip()
    # "记者走访龙泉街道发现——" leads into a headline: a kicker, however it starts.
    if not t or _KICKER_END.search(t) or t.endswith(("：", ":")):
        return False
    if t in ("本报讯", "本報訊"):
        return True
    # "本报讯 12月18日，……" opening a paragraph is body text, not a byline; so is
    # "本报讯 2", the whole first line of a narrow column.
    if opens_dateline(t) and (len(t) > 4 or _DATELINE.match(t)):
        return False
    if m := _BYLINE.match(t):
        # "本報記者昨往鄉間採訪，……" is a sentence: a credit names one to two people (a
        # name of two to four characters, names set apart by spaces). Where and how long
        # the line is does not tell: a paragraph's first line is indented as far as a
        # short credit over a narrow column, and a credit may fill a narrow column.
        rest = t[m.end() :]
        if len(rest) >= 5 and " " not in rest.strip() and _HAN.fullmatch(rest):
            return False
        return len(t) <= 30 and not t.endswith(("。", "，"))
    return (
        alone
        and bool(_BYLINE_ROLE.match(t))
        and len(t.replace(" ", "")) <= 16
        and not CLAUSE_MARK.search(t)
    )


def _clean_dashes(page: Page) -> None:
    """Drop the 一 read off half of a kicker's closing (subtitle's opening) two-em dash."""
    for region in page.regions:
        if not region.lines or region.vertical:
            continue
        if region.type is RegionType.KICKER:
            ln = region.lines[-1]
            m = _DASH_TAIL.search(ln.text)
            if m is not None:
                drop_char(ln, m.start())
        elif region.type is RegionType.SUBTITLE:
            ln = region.lines[0]
            m = _DASH_HEAD.match(ln.text)
            if m is not None:
                drop_char(ln, m.end(1))


def _short_of(line: Line, region: Region, em: float) -> bool:
    """The line stops well short of its column's width (a credit line, not running text)."""
    b = region.box
    return line.box.x1 < b.x1 - 2 * em or line.box.x0 > b.x0 + 2 * em


def _is_name(text: str) -> bool:
    """A bare personal name ("钱 凯", "欧阳明"): two to four Han characters, maybe two."""
    return bool(_NAME.match(text)) and len(text.replace(" ", "")) <= 6


def _split_at_markers(page: Page) -> None:
    """A jump line inside a body column ends one article's part there: a 下转 line closes
    the text above it, a 上接 line opens the text below it. The column is cut there, so
    that the marker stands at an edge of both pieces (`_split_edges` then takes it off).

    Segmentation groups lines by geometry; a continuation set in the same column under
    the end of another article (a jump page's usual make-up) looks like one column.
    """
    for region in list(page.regions):
        if region.type is not RegionType.BODY:
            continue
        while True:
            inner = enumerate(region.lines[1:-1], 1)
            found = next(((k, m) for k, ln in inner if (m := parse_jump(ln.text))), None)
            if found is None:
                break
            at, marker = found
            cut = at + 1 if marker.direction == "out" else at
            region = split_off(page, region, region.lines[cut:], RegionType.BODY)


def _split_edges(page: Page, em: float) -> None:
    """Jump and byline lines at the top or bottom of a body column become their own regions
    (a 上接 line over a caption or deck too: segmentation boxes it with the small type
    under it)."""
    small = (RegionType.CAPTION, RegionType.SUBTITLE, RegionType.BYLINE)
    for region in list(page.regions):
        if region.type in small and len(region.lines) >= 2:
            marker = parse_jump(region.lines[0].text)
            if marker is not None and marker.direction == "in":
                split_off(page, region, [region.lines[0]], RegionType.JUMP).jump = marker
        if region.type is not RegionType.BODY or len(region.lines) < 2:
            continue
        # A byline may sit above a 上接 line: peel off the top until body text shows.
        while len(region.lines) >= 2:
            first = region.lines[0]
            marker = parse_jump(first.text)
            if marker is not None:
                split_off(page, region, [first], RegionType.JUMP).jump = marker
            elif _is_byline(line_text(first), _short_of(first, region, em)):
                split_off(page, region, [first], RegionType.BYLINE)
            else:
                break
        if len(region.lines) < 2:
            continue
        last = region.lines[-1]
        marker = parse_jump(last.text)
        if marker is not None:
            split_off(page, region, [last], RegionType.JUMP).jump = marker
            if len(region.lines) < 2:
                continue
            last = region.lines[-1]
        t = line_text(last)
        right_aligned = (
            not region.vertical
            and last.box.x0 > region.box.x0 + 2.5 * em
            and region.box.x1 - last.box.x1 < 1.5 * em
        )
        if right_aligned and (_is_byline(t) or _is_name(t)):
            split_off(page, region, [last], RegionType.BYLINE)


def _opens_article(region: Region) -> bool:
    """The region's first line opens an article's text: a dateline, or a 上接 line (a
    continuation, under its repeated headline)."""
    first = next((ln for ln in region.lines if ln.text.strip()), None)
    if first is None:
        return False
    marker = parse_jump(first.text)
    return opens_dateline(line_text(first)) or (marker is not None and marker.direction == "in")


def _cut_line(line: Line, x: float) -> tuple[Line, Line] | None:
    """The line's glyphs left and right of `x`, as two lines (None without glyphs that
    match the text, or with nothing on one side)."""
    if not line.glyphs or len(line.glyphs) != len(line.text):
        return None
    left = [g for g in line.glyphs if g.box.cx < x]
    right = [g for g in line.glyphs if g.box.cx >= x]
    if not left or not right:
        return None

    def piece(glyphs: list[Glyph], suffix: str) -> Line:
        box = Box(glyphs[0].box.x0, line.box.y0, glyphs[-1].box.x1, line.box.y1)
        return Line(
            id=line.id + suffix,
            box=box,
            text="".join(g.text for g in glyphs),
            confidence=min(g.confidence for g in glyphs),
            glyphs=glyphs,
            polygon=box.corners(),
            paragraph_start=True,
        )

    return piece(left, ""), piece(right, "_1")


def _split_shared_headlines(page: Page, em: float) -> None:
    """A headline line over two articles: headlines of neighbouring modules set on one
    row, a gap of a word space apart, that the detector read as one line.

    The evidence is that an article opens once: where the text under the line opens
    twice (a dateline, or a 上接 line under a continuation's repeated headline), at
    the left of the line and again further right, the line is cut at the glyph
    boundary nearest the left edge of the second opening's column, within two ems of
    it. A headline over one article never has a second opening under it.
    """
    texts = [
        r
        for r in page.regions
        if r.type.is_text
        and r.type not in (RegionType.HEADLINE, RegionType.MASTHEAD)
        and not r.vertical
        and _opens_article(r)
    ]
    for region in list(page.regions):
        if region.type is not RegionType.HEADLINE or region.vertical or not region.lines:
            continue
        hb = region.box
        under = sorted(
            r.box.x0
            for r in texts
            if r.box.x_overlap(hb) > 0
            # Boxes overlap: the text may start beside a second headline line.
            and (-2 * em <= r.box.y0 - hb.y1 <= 3 * em or _under_picture(page, hb, r.box, em))
        )
        cuts = [x for x in under if x > under[0] + 2 * em and hb.x0 + 2 * em < x < hb.x1 - 2 * em]
        for x in reversed(cuts):
            bounds = [
                (abs(g.box.x1 - x), (g.box.x1 + n.box.x0) / 2)
                for ln in region.lines
                for g, n in zip(ln.glyphs, ln.glyphs[1:], strict=False)
                if ln.box.x0 < x < ln.box.x1
            ]
            near = [b for d, b in bounds if d <= 2 * em]
            if not near:
                continue
            cut = min(near, key=lambda b: abs(b - x))
            left: list[Line] = []
            right: list[Line] = []
            for ln in region.lines:
                pieces = _cut_line(ln, cut) if ln.box.x0 < cut < ln.box.x1 else None
                if pieces is not None:
                    left.append(pieces[0])
                    right.append(pieces[1])
                else:
                    (left if ln.box.cx < cut else right).append(ln)
            if not left or not right:
                continue
            region.lines = left + right
            split_off(page, region, right, RegionType.HEADLINE)


def _under_picture(page: Page, head: Box, text: Box, em: float) -> bool:
    """The text opens right under a picture that opens the module under `head`: a
    photo starting within three ems under the headline and ending within four over the
    text, with nothing but captions, credits and the headline's own subtitle or byline
    between (a lead photo set between a headline and its columns)."""
    if text.y0 <= head.y1:
        return False
    between = Box(text.x0, head.y1, text.x1, text.y0)
    photo = any(
        r.type is RegionType.PHOTO
        and r.box.x_overlap(text) > em
        and -em <= r.box.y0 - head.y1 <= 3 * em
        and 0 <= text.y0 - r.box.y1 <= 4 * em
        for r in page.regions
    )
    return photo and not any(
        r.type.is_text
        and r.type not in (RegionType.CAPTION, RegionType.BYLINE, RegionType.SUBTITLE)
        and r.box.x_overlap(between) > em / 2
        and between.y0 < r.box.cy < between.y1
        for r in page.regions
    )


def _body_decks(page: Page, em: float) -> None:
    """A block read as body that closes with a subtitle line (opens with ——), a line or
    two of headline before it, is a headline deck set close to body size: the headline
    with its subtitle (and kicker, a first line ending in ——), which `_split_headlines`
    then parts. Running text does not close a block on a dash after lines free of
    clause marks; the headline shows it is one by its kicker or by a line centred in the
    block (running text is flush left, or indented at a paragraph's start)."""
    for region in page.regions:
        lines = [ln for ln in region.lines if ln.text.strip()]
        if region.type is not RegionType.BODY or region.vertical or not 2 <= len(lines) <= 5:
            continue
        texts = [line_text(ln) for ln in lines]
        kicker = bool(_KICKER_END.search(texts[0])) and len(lines) >= 3
        head = texts[1:-1] if kicker else texts[:-1]
        if not (
            _SUBTITLE_START.match(texts[-1])
            and len("".join(texts)) <= 70
            and not any(CLAUSE_MARK.search(t) for t in head)
        ):
            continue
        box = Box.hull([ln.box for ln in lines])
        if kicker or any(_centred_in(ln.box, box, em) for ln in lines[:-1]):
            region.lines = lines
            region.type = RegionType.HEADLINE


def _centred_in(b: Box, block: Box, em: float) -> bool:
    """Set in the middle of the block, an em or more in from both edges."""
    left, right = b.x0 - block.x0, block.x1 - b.x1
    return min(left, right) >= em and abs(left - right) <= em


def _split_headlines(page: Page) -> None:
    """Kicker and subtitle lines set close to the headline in nearly its size end up in
    the headline's block; their dashes give them away (引题 ends with ——, 副题 starts
    with ——). A byline line under a headline is split off too. A block of display type
    that is nothing but such a line is a kicker or a subtitle set large, never a title."""
    for region in list(page.regions):
        if region.type is not RegionType.HEADLINE or region.vertical or not region.lines:
            continue
        while len(region.lines) >= 2 and _KICKER_END.search(line_text(region.lines[0])):
            split_off(page, region, [region.lines[0]], RegionType.KICKER)
        if _SUBTITLE_START.match(line_text(region.lines[0])):
            region.type = RegionType.SUBTITLE
            continue
        if _KICKER_END.search(line_text(region.lines[-1])):
            region.type = RegionType.KICKER
            continue
        while len(region.lines) >= 2:
            last = region.lines[-1]
            t = line_text(last)
            # A role word opening a headline line ("记者探访……") is no credit unless
            # the line is set smaller than the headline.
            smaller = last.font_size < 0.8 * max(ln.font_size for ln in region.lines[:-1])
            if _is_byline(t, smaller):
                split_off(page, region, [region.lines[-1]], RegionType.BYLINE)
            elif _SUBTITLE_START.match(t):
                split_off(page, region, [region.lines[-1]], RegionType.SUBTITLE)
            else:
                break


def _peel_subtitles(page: Page, em: float) -> None:
    """A subtitle set in body size right under its headline comes out of segment as the
    top of the column under it ("——全年目标任务" / "提前完成" / "本报讯 7月3日，……"):
    from a line opening with —— to the first line that stops short of the column or is
    centred in it (the subtitle's end; at most three lines), when a paragraph of body
    text opens after it."""
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE and not r.vertical]
    for region in list(page.regions):
        if region.type is not RegionType.BODY or region.vertical or len(region.lines) < 2:
            continue
        first = region.lines[0]
        under = any(
            -em / 2 <= first.box.y0 - h.box.y1 <= 1.5 * em and h.box.x_overlap(first.box) > 0
            for h in heads
        )
        if not under or not _SUBTITLE_START.match(line_text(first)):
            continue
        for k, ln in enumerate(region.lines[:3]):
            short = ln.box.x1 < region.box.x1 - 1.5 * em
            centred = ln.box.x0 > region.box.x0 + em / 2 and ln.box.x1 < region.box.x1 - em / 2
            if short or centred:
                nxt = region.lines[k + 1] if k + 1 < len(region.lines) else None
                opens = nxt is not None and (
                    nxt.box.x0 > region.box.x0 + em or opens_dateline(line_text(nxt))
                )
                if opens:  # the body starts a paragraph right after it
                    split_off(page, region, region.lines[: k + 1], RegionType.SUBTITLE)
                break


def _peel_captions(page: Page, em: float) -> None:
    """A caption set directly under a picture, in the column that continues below it, is
    read into that column's segment; its credit (… 摄) marks where the caption ends."""
    photos = [r for r in page.regions if r.type is RegionType.PHOTO]
    for region in list(page.regions):
        if region.type is not RegionType.BODY or region.vertical or len(region.lines) < 2:
            continue
        top = region.lines[0].box
        above = [
            p
            for p in photos
            if -0.5 * em <= top.y0 - p.box.y1 < 1.5 * em
            and top.x_overlap(p.box) >= 0.5 * min(top.width, p.box.width)
        ]
        if not above:
            continue
        k = next(
            (k for k, ln in enumerate(region.lines[:3]) if _CAPTION_END.search(line_text(ln))),
            None,
        )
        if k is None:
            k = _smaller_head(region.lines)
        if k is not None and k + 1 < len(region.lines):
            cap = split_off(page, region, region.lines[: k + 1], RegionType.CAPTION)
            cap.linked_to = above[0].id


# A caption's type is at most this share of the body's, measured by `text_pitch`
# (corpus captions 0.75-0.85 of body; body lines of one column agree within 5 %).
_CAPTION_PITCH = 0.9


def _smaller_head(lines: Sequence[Line]) -> int | None:
    """Index of the last of the (at most three) lines opening a block in type clearly
    smaller than the body lines after them: a caption whose credit did not read. Short
    lines (a credit wrapped alone) go with the lines around them."""
    pitches = [text_pitch(ln) for ln in lines]
    body = [p for p in pitches[1:] if p is not None]
    if pitches[0] is None or len(body) < 2:
        return None
    last = None
    for k, p in enumerate(pitches[:4]):
        if p is None:
            continue
        rest = [q for q in pitches[k + 1 :] if q is not None]
        if len(rest) < 2:
            break
        usual = statistics.median(rest)
        if p > _CAPTION_PITCH * usual:
            break
        last = k
    if last is None or last >= 3:
        return None
    # a short credit line right under the caption is the caption's
    while last + 1 < min(len(lines), 3) and pitches[last + 1] is None:
        last += 1
    return last


def _caption_rows(page: Page, em: float) -> None:
    """A detector splits a caption's printed row at the word space before its credit
    ("……参加运动会。 林军雪 摄"): the bare credit is typed a caption, the text before it
    is read as body, or into the column under it. The body line ending a word space or
    less left of a bare credit, on its row, is that caption's (moved from the top of
    its region, or the whole region). Only a bare credit pulls text in: a caption that
    reads whole is left alone, so a neighbouring column's line is never taken."""
    for cap in [r for r in page.regions if r.type is RegionType.CAPTION and not r.vertical]:
        if len(cap.lines) != 1 or len(line_text(cap.lines[0]).replace(" ", "")) > 8:
            continue
        c = cap.lines[0].box
        for region in list(page.regions):
            if region.type is not RegionType.BODY or region.vertical or not region.lines:
                continue
            first = region.lines[0].box
            beside = (
                first.y_overlap(c) >= 0.6 * min(first.height, c.height)
                and first.x1 <= c.x0 + 0.5 * em
                and c.x0 - first.x1 <= 1.5 * em
            )
            if not beside:
                continue
            text = region.lines[0]
            if len(region.lines) == 1:
                page.regions.remove(region)
            else:
                region.lines = region.lines[1:]
                region.box = Box.hull(ln.box for ln in region.lines)
                region.lines[0].paragraph_start = True
            rows = bands(sorted([*cap.lines, text], key=lambda ln: ln.box.cy), across_x=False)
            cap.lines = [ln for row in rows for ln in sorted(row, key=lambda ln: ln.box.x0)]
            cap.box = Box.hull(ln.box for ln in cap.lines)


def _name_bylines(page: Page, em: float) -> None:
    """A lone short name right-aligned under the end of a column is the author's sign-off."""
    bodies = [r for r in page.regions if r.type is RegionType.BODY and not r.vertical]
    for region in page.regions:
        if region.type is not RegionType.BODY or len(region.lines) != 1 or region.vertical:
            continue
        t = line_text(region.lines[0])
        if not _is_name(t):
            continue
        b = region.box
        for other in bodies:
            o = other.box
            if (
                other is not region
                and -0.5 * em <= b.y0 - o.y1 < 1.5 * em
                and abs(b.x1 - o.x1) < 1.5 * em
                and b.x0 > o.x0 + 2 * em
            ):
                region.type = RegionType.BYLINE
                break


_AD_WORDS = re.compile(
    r"电话|热线|咨询|地址|微信|订购|预订|优惠|特惠|折起|[0-9一二三四五六七八九]折|促销|开业"
    r"|招商|加盟|专卖|旗舰|经销|热销|送货|包邮|[￥¥]|元/|\d{7,}|\d{3,4}-\d{7,8}|1[3-9]\d{9}"
)


def _ads(page: Page, em: float) -> None:
    """Boxed advertisements: a frame of a few short lines in mixed large type (shop name,
    offer, phone or address), without the headline-over-columns build of an article."""
    frames = [
        r
        for r in page.regions
        if r.type is RegionType.RULE and r.box.width > 3 * em and r.box.height > 3 * em
    ]
    for f in frames:
        inside = [
            r
            for r in page.regions
            if r.type.is_text
            and r.type is not RegionType.MASTHEAD
            and f.box.contains_point(r.box.cx, r.box.cy)
        ]
        lines = [ln for r in inside for ln in r.lines]
        if not lines or len(lines) > 8:
            continue
        if any(r.type in (RegionType.LABEL, RegionType.BYLINE, RegionType.JUMP) for r in inside):
            continue
        # Nested frames: an ad is the innermost box around its text.
        if any(o is not f and o.box.area < f.box.area and _contains(f.box, o.box) for o in frames):
            continue
        text = "".join(line_text(ln) for ln in lines)
        heights = sorted(ln.box.height for ln in lines)
        mixed = heights[-1] >= 1.4 * heights[0]
        body_lines = sum(r.type in (RegionType.BODY, RegionType.NOTICE) for r in inside)
        if len(text) > 25 * len(lines) or body_lines > 2:
            continue
        if _NOTICE_TITLE.search(text) or not _AD_WORDS.search(text):
            continue
        if not mixed and len(lines) > 3:
            continue
        for r in inside:
            r.type = RegionType.AD


def _contains(outer: Box, inner: Box) -> bool:
    return (
        inner.x0 >= outer.x0 - 1
        and inner.y0 >= outer.y0 - 1
        and inner.x1 <= outer.x1 + 1
        and inner.y1 <= outer.y1 + 1
    )


def _nearest_photo(page: Page, box: Box, em: float) -> Region | None:
    best: tuple[float, Region] | None = None
    for p in page.regions:
        if p.type is not RegionType.PHOTO:
            continue
        pb = p.box
        if box.x_overlap(pb) >= 0.3 * min(box.width, pb.width):
            d = box.y0 - pb.y1 if box.cy > pb.cy else pb.y0 - box.y1
        elif box.y_overlap(pb) >= 0.3 * min(box.height, pb.height):
            d = box.x0 - pb.x1 if box.cx > pb.cx else pb.x0 - box.x1
        else:
            continue
        d = max(d, 0.0)
        if d < 2.0 * em and (best is None or d < best[0]):
            best = (d, p)
    return best[1] if best is not None else None


def _masthead_bottom(page: Page) -> float:
    """The masthead rule (near-full-width, top fifth of the page), else the top 12 %."""
    rules = [
        r.box.y1
        for r in page.regions
        if r.type is RegionType.RULE
        and r.box.width >= 0.6 * page.width
        and r.box.height < 0.05 * page.height
        and r.box.cy < 0.2 * page.height
    ]
    return max(rules) if rules else 0.12 * page.height


def _body_sizes(page: Page) -> dict[bool, float]:
    """Median line size of the page's body text, horizontal (False) and vertical (True)."""
    out: dict[bool, float] = {}
    for vertical in (False, True):
        lines = [
            ln
            for r in page.regions
            if r.type is RegionType.BODY and r.vertical == vertical
            for ln in r.lines
            if ln.text.strip()
        ]
        if len(lines) >= 5:
            out[vertical] = line_size(lines)
    return out


def _reads_as_running_text(region: Region, text: str, body: dict[bool, float]) -> bool:
    """A "headline" in body size that reads as running text (sentences: ends on 。 with
    commas inside) is a column of text that stood apart from its module, such as the
    last column of a vertical module beside a picture. Headlines are set larger and end
    no sentence."""
    size = body.get(region.vertical)
    lines = [ln for ln in region.lines if ln.text.strip()]
    if size is None or not lines or len(text) < 12:
        return False
    ends = text.rstrip().endswith(("。", "！", "？"))
    return ends and len(_PAUSE.findall(text)) >= 2 and line_size(lines) <= 1.1 * size


def _retype(page: Page, em: float) -> None:
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE]
    mast_bottom = _masthead_bottom(page)
    body_sizes = _body_sizes(page)
    for region in page.regions:
        if not region.type.is_text or region.type is RegionType.LABEL:
            continue
        text = "".join(line_text(ln) for ln in region.lines)
        if not text:
            continue
        short = len(region.lines) <= 2 and len(text) <= 40
        if region.type is RegionType.MASTHEAD:
            continue
        if len(region.lines) == 1:  # a jump line set large is still a jump line
            marker = parse_jump(text)
            if marker is not None:
                region.type = RegionType.JUMP
                region.jump = marker
                continue
        if (
            short
            and region.box.cy < mast_bottom
            and (_DATE.search(text) or names_folio(text) or _ISSUE_NO.search(text))
        ):
            region.type = RegionType.MASTHEAD
            continue
        if region.type is RegionType.HEADLINE:
            if _reads_as_running_text(region, text, body_sizes):
                region.type = RegionType.BODY
                continue
            _retype_headline(region, heads, page, em)
            continue
        credited = _CAPTION_END.search(text) is not None
        captioned = region.type is RegionType.CAPTION or credited
        photo = _nearest_photo(page, region.box, em) if captioned else None
        if (
            region.type is RegionType.CAPTION
            or (short and credited)
            or (credited and photo is not None and len(text) <= _CAPTION_MAX)
        ):
            # A short text ending on a credit is a caption even where no picture was
            # detected beside it (a pale halftone, or a picture the cues missed); set
            # in a narrow measure beside its picture it runs to more lines.
            region.type = RegionType.CAPTION
            region.linked_to = photo.id if photo is not None else None
            continue
        if short and _is_byline(text):
            region.type = RegionType.BYLINE
            continue
        if short and _SUBTITLE_START.match(text):
            region.type = RegionType.SUBTITLE
            continue
        if short and _KICKER_END.search(text):
            below = [
                h
                for h in heads
                if 0 <= h.box.y0 - region.box.y1 < 2 * em and h.box.x_overlap(region.box) > 0
            ]
            if below or _over_subtitle(page, region, em):
                region.type = RegionType.KICKER
                continue


def _over_subtitle(page: Page, region: Region, em: float) -> bool:
    """A kicker and a subtitle frame one deck: words ending in —— right over a short
    line opening with —— are its kicker, wherever the headline stands (set vertically
    beside the module, no headline is under the kicker)."""
    if not _KICKER_END.sub("", "".join(line_text(ln) for ln in region.lines)).strip():
        return False  # a dash the detector boxed on its own
    b = region.box
    for r in page.regions:
        if r is region or not r.type.is_text or len(r.lines) > 2:
            continue
        text = "".join(line_text(ln) for ln in r.lines)
        if (
            _SUBTITLE_START.match(text)
            and len(text) <= 40
            and -em / 2 <= r.box.y0 - b.y1 < 2 * em
            and r.box.x_overlap(b) > 0
        ):
            return True
    return False


def _retype_headline(region: Region, heads: list[Region], page: Page, em: float) -> None:
    """A display line ending in —— right above a headline is its kicker; one starting
    with —— right below a headline is its subtitle. A section name (a few characters,
    no punctuation) set smaller at the top left of a larger headline, flush with the
    module's edge rather than over the headline, is the module's label: a reverse-video
    label that degradation left unreadable as one, or a plain one."""
    if region.vertical:
        return
    text = "".join(line_text(ln) for ln in region.lines)
    b = region.box
    lines = [ln for ln in region.lines if ln.text.strip()]
    if len(lines) == 1 and _SECTION.fullmatch(text.strip()):
        for h in heads:
            main = peel([ln for ln in h.lines if ln.text.strip()])[1]
            if (
                h is not region
                and not h.vertical
                and main
                and lines[0].font_size < SMALLER * line_size(main)
                and stands_over(region, h, page, em)
            ):
                region.type = RegionType.LABEL
                return
    for h in heads:
        if h is region or h.vertical or h.box.x_overlap(b) <= 0:
            continue
        # Detector boxes are padded: a deck set tight to its headline overlaps its box.
        if _KICKER_END.search(text) and -em / 2 <= h.box.y0 - b.y1 < 2 * em:
            region.type = RegionType.KICKER
            return
        if _SUBTITLE_START.match(text) and -em / 2 <= b.y0 - h.box.y1 < 2 * em:
            region.type = RegionType.SUBTITLE
            return


def _notices(page: Page, em: float) -> None:
    """Body text in a box frame titled like a notice (通知, 公告, 预告 …) is a notice."""
    frames = [
        r
        for r in page.regions
        if r.type is RegionType.RULE and r.box.width > 3 * em and r.box.height > 3 * em
    ]
    for f in frames:
        inside = [
            r for r in page.regions if r.type.is_text and f.box.contains_point(r.box.cx, r.box.cy)
        ]
        heads = [r for r in inside if r.type is RegionType.HEADLINE]
        if len(heads) != 1 or any(
            r.type in (RegionType.LABEL, RegionType.BYLINE, RegionType.KICKER) for r in inside
        ):
            continue
        title = "".join(line_text(ln) for ln in heads[0].lines)
        if _BRIEF_TITLE.match(title.replace(" ", "")) or not _NOTICE_TITLE.search(title):
            continue
        for r in inside:
            if r.type is RegionType.BODY:
                r.type = RegionType.NOTICE


def classify(page: Page) -> None:
    """Refine region types from text; see the stage contract in docs/ARCHITECTURE.md."""
    em = page_em(page)
    _split_at_markers(page)
    _split_edges(page, em)
    _split_shared_headlines(page, em)
    _body_decks(page, em)
    _split_headlines(page)
    _peel_subtitles(page, em)
    _peel_captions(page, em)
    _retype(page, em)
    _caption_rows(page, em)
    _name_bylines(page, em)
    _notices(page, em)
    _ads(page, em)
    _clean_dashes(page)
    vertical_lead_columns(page, em)
    if page.writing_mode is WritingMode.VERTICAL:
        vertical_kickers(page, em)
        vertical_ads(page, em)
    _module_roles(page, em)
    label = printed_number(page)
    if label is not None:
        page.printed_number = label


def _module_roles(page: Page, em: float) -> None:
    """Roles only a module shows: a one-line body region above its headline ending on a
    dash is a kicker, a lone name closing the module's last column is the sign-off byline
    (`layout.headings`). Modules are the order stage's own (`layout.grouping`), with the
    body in reading order, so the types written here are the ones articles are built on.
    """
    anchor = assign_modules(page, em)
    heads = []
    for h in page.regions:
        lines = [ln for ln in h.lines if ln.text.strip()]
        if h.type is RegionType.HEADLINE and lines:
            heads.append((h, peel(lines)[1]))
    for r in page.regions:
        # A kicker stands over its headline: grouped with it, or right above it (it
        # reads as body to the geometry, which only looks up and left for a headline).
        near = [
            (h, main)
            for h, main in heads
            if anchor.get(h.id) == anchor.get(r.id)
            or (-em / 2 <= h.box.y0 - r.box.y1 <= 2 * em and r.box.x_overlap(h.box) > 0)
            or stands_over(r, h, page, em)
        ]
        if is_body_kicker(r, near, _opens_column(page, r, em)):
            r.type = RegionType.KICKER
    anchor = assign_modules(page, em)  # kickers now follow their headline
    grouped: dict[str, list[Region]] = {}
    for r in page.regions:
        if (a := anchor.get(r.id)) is not None:
            grouped.setdefault(a, []).append(r)
    for regions in grouped.values():
        body = [r for r in regions if r.type in TEXT_TYPES]
        vertical = bool(body) and sum(r.vertical for r in body) * 2 >= len(body)
        closing = signoff(body_order(body, vertical, em))
        if closing is not None:
            closing.type = RegionType.BYLINE


def _opens_column(page: Page, region: Region, em: float) -> bool:
    """No text stands right above the region in its column, or a rule parts them."""
    b = region.box
    rules = [r.box for r in page.regions if r.type is RegionType.RULE]
    return not any(
        r is not region
        and r.type.is_text
        and r.type is not RegionType.MASTHEAD
        and r.box.x_overlap(b) > em / 2
        and -em / 2 <= b.y0 - r.box.y1 < 2 * em
        and not rule_between_v(r.box, b, rules)
        for r in page.regions
    )
