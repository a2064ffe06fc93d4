"""Printed gaps in display lines (bylines, captions, headlines) are kept as spaces; body
text and line breaks inside a title never gain one."""

from __future__ import annotations

from pathlib import Path

from digitize.model import Box, Glyph, Issue, Line, Page, Region, RegionType, Transform
from digitize.stages.link import link_articles
from digitize.text.textutil import DISPLAY_GAP_EM, display_text, join_display

EM = 40.0


def _line(
    pattern: str, *, y: float = 100.0, vertical: bool = False, lid: str = "l", para: bool = True
) -> Line:
    """A line from a pattern: each "_" is a printed gap of one em, each "." a gap of 0.1 em
    (ordinary spacing of widened glyph boxes); other characters are one em wide each."""
    glyphs: list[Glyph] = []
    pos = 100.0
    for ch in pattern:
        if ch == "_":
            pos += EM
            continue
        if ch == ".":
            pos += 0.1 * EM
            continue
        box = Box(1000.0, pos, 1000.0 + EM, pos + EM) if vertical else Box(pos, y, pos + EM, y + EM)
        glyphs.append(Glyph(box, ch, 0.95))
        pos += EM
    box = Box.hull(g.box for g in glyphs)
    text = "".join(g.text for g in glyphs)  # the recognizer's text, spaces dropped
    return Line(lid, box, text, 0.95, glyphs, vertical, [], para)


def test_a_printed_gap_in_a_byline_or_caption_is_kept() -> None:
    assert display_text(_line("卢勇梅_摄")) == "卢勇梅 摄"
    assert display_text(_line("本报记者_周_颖")) == "本报记者 周 颖"
    assert display_text(_line("本报通讯员_谢东刚")) == "本报通讯员 谢东刚"
    assert display_text(_line("袁_蕾_摄", vertical=True)) == "袁 蕾 摄"
    # A space the text already has (an archivist's SP in corrected ALTO) stays.
    corrected = _line("卢勇梅摄")
    corrected.text = "卢勇梅 摄"
    assert display_text(corrected) == "卢勇梅 摄"


def test_no_space_without_a_gap_or_beside_punctuation() -> None:
    assert display_text(_line("新城街道的家长正在参加消防演练")) == "新城街道的家长正在参加消防演练"
    assert display_text(_line("区.教.育.局")) == "区教育局"  # ordinary spacing
    # Just under the threshold is no gap; the punctuation mark carries its own space.
    near = _line("卢勇梅摄")
    shift = (DISPLAY_GAP_EM - 0.05) * EM
    near.glyphs[3].box = Box(near.glyphs[3].box.x0 + shift, 100, near.glyphs[3].box.x1 + shift, 140)
    assert display_text(near) == "卢勇梅摄"
    assert display_text(_line("演练。_卢勇梅")) == "演练。卢勇梅"
    # Glyphs that do not match the text are no evidence: the text is kept as it is.
    odd = _line("卢勇梅_摄")
    odd.glyphs.pop()
    assert display_text(odd) == "卢勇梅摄"


def test_headlines_drop_gaps_between_chinese_characters() -> None:
    # A phrase break in a title is typography; the searchable title has no space in it.
    assert display_text(_line("区教育局开展专项整治_守护群众"), heading=True) == (
        "区教育局开展专项整治守护群众"
    )
    spaced = _line("专项整治守护群众")
    spaced.text = "专项整治 守护群众"  # an archivist's SP in corrected ALTO
    assert display_text(spaced, heading=True) == "专项整治守护群众"
    # Beside Latin letters or digits a gap is a word break and stays.
    assert display_text(_line("迎接_G20_峰会"), heading=True) == "迎接 G20 峰会"
    # A short headline spread over its column ("通  知") is one word.
    assert display_text(_line("通_知"), heading=True) == "通知"
    assert display_text(_line("停_电_通_知"), heading=True) == "停电通知"


def test_line_breaks_between_chinese_characters_never_become_spaces() -> None:
    out = ""
    for part in ("关于端午节期间", "部分路段实行交", "通管制的通告"):
        out = join_display(out, part)
    assert out == "关于端午节期间部分路段实行交通管制的通告"
    assert join_display("代表委员热议：", "高质量发展") == "代表委员热议：高质量发展"
    assert join_display("COVID", "19 疫情") == "COVID 19 疫情"
    assert join_display("", "标题") == "标题"


def _region(rid: str, rtype: RegionType, lines: list[Line]) -> Region:
    return Region(rid, rtype, Box.hull(ln.box for ln in lines), lines, article_id="a")


def test_article_fields_keep_printed_gaps_and_body_text_gains_none() -> None:
    """Through the link stage: the title has no space from its line break, the byline and
    caption keep their gaps, the body (with the same wide gaps) has no spaces."""
    head = [_line("关于端午节期间", y=100, lid="h1"), _line("部分路段实行交", y=150, lid="h2"),
            _line("通管制的通告", y=200, lid="h3")]  # fmt: skip
    body = [_line("本报讯_端午节期间_部分", y=400, lid="b1"),
            _line("路段实行交通管制。", y=450, lid="b2", para=False)]  # fmt: skip
    regions = [
        _region("r1", RegionType.HEADLINE, head),
        _region("r2", RegionType.BYLINE, [_line("本报记者_周_颖", y=300, lid="y1")]),
        _region("r3", RegionType.BODY, body),
        _region("r4", RegionType.CAPTION, [_line("交警在路口执勤。卢勇梅_摄", y=600, lid="c1")]),
    ]
    page = Page(
        number=1, file=Path("p.png"), stem="p", transform=Transform.identity(2000, 3000),
        printed_number="1", regions=regions, reading_order=["r1", "r2", "r3", "r4"],
    )  # fmt: skip
    issue = Issue("gaps", Path("."), [page])
    link_articles(issue)
    (art,) = issue.articles
    assert art.title == "关于端午节期间部分路段实行交通管制的通告"
    assert art.byline == "本报记者 周 颖"
    assert art.captions == ["交警在路口执勤。卢勇梅 摄"]
    assert art.text == "本报讯端午节期间部分路段实行交通管制。"
    assert " " not in art.text
