"""classify(): text-driven types on hand-built pages."""

from __future__ import annotations

import pytest
from layout_pages import EM, PITCH, PageBuilder, grid, regions_page

from digitize.model import Box, Glyph, Line, Page, Region, RegionType
from digitize.stages.classify import classify
from digitize.stages.segment import segment


def _kinds(page: Page) -> dict[str, RegionType]:
    """Segment and classify the page; each text region's text -> its type."""
    segment(page)
    classify(page)
    return _texts_and_types(page)


def _texts_and_types(page: Page) -> dict[str, RegionType]:
    return {"".join(ln.text for ln in r.lines): r.type for r in page.regions if r.type.is_text}


def test_folio_jump_in_and_bylines() -> None:
    b = PageBuilder()
    b.line(60, 40, 300, text="某某日报")
    b.line(600, 40, 800, text="第四版 综合")
    b.hrule(40, 1360, 90)
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 120, c1 - 300, h=2 * EM, text="续标题")
    b.line(a0 + 100, 200, a0 + 400, text="本报记者 王五")
    b.line(a0, 250, a0 + 220, text="（上接第一版）")
    b.column(a0, a1, 250 + PITCH, 15, "甲")
    b.column(c0, c1, 250, 16, "乙")
    b.line(c1 - 3 * EM, 250 + 16 * PITCH, c1, text="赵六")
    page = b.page()
    segment(page)
    classify(page)
    assert page.printed_number == "4"
    kinds = _texts_and_types(page)
    assert kinds["某某日报"] is RegionType.MASTHEAD
    assert kinds["第四版 综合"] is RegionType.MASTHEAD
    assert kinds["本报记者 王五"] is RegionType.BYLINE
    assert kinds["（上接第一版）"] is RegionType.JUMP
    assert kinds["赵六"] is RegionType.BYLINE
    jump = next(r for r in page.regions if r.type is RegionType.JUMP)
    assert jump.jump is not None and jump.jump.direction == "in" and jump.jump.target_page == "1"
    bodies = [r for r in page.regions if r.type is RegionType.BODY]
    assert sorted(len(r.lines) for r in bodies) == [15, 16]
    assert all(r.lines[0].paragraph_start for r in bodies)


def test_inline_dateline_stays_body() -> None:
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0, 100, a1, h=2 * EM, text="标题")
    lines = b.column(a0, a1, 180, 8, "甲")
    lines[0].text = "本报讯 12月18日，全区召开会议。"
    page = b.page()
    segment(page)
    classify(page)
    body = [r for r in page.regions if r.type is RegionType.BODY]
    assert len(body) == 1 and body[0].lines[0].text.startswith("本报讯")


def test_a_narrow_columns_dateline_line_stays_body() -> None:
    """In a column five characters wide the first line is "本报讯 2" (the date runs on
    into the next line): the opening of the body, not a credit line."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0, 100, a1, h=2 * EM, text="标题")
    lines = b.column(a0, a0 + 5 * EM, 180, 8, "甲")
    lines[0].text = "本报讯2"
    lines[1].text = "月16日，近年"
    page = b.page()
    segment(page)
    classify(page)
    assert not [r for r in page.regions if r.type is RegionType.BYLINE]
    body = [r for r in page.regions if r.type is RegionType.BODY]
    assert len(body) == 1 and body[0].lines[0].text == "本报讯2"


def test_dashed_kicker_and_subtitle_split_from_headline_block() -> None:
    """引题 ending in —— and 副题 starting with —— set in nearly headline size come out
    of segment as one display block; classify splits them by their dashes."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0 + 60, 100, a1 - 60, h=2 * EM, text="记者走访龙泉街道发现——")
    b.line(a0 + 20, 165, a1 - 20, h=2 * EM, text="老旧小区改造提速")
    b.line(a0 + 60, 230, a1 - 60, h=2 * EM, text="——惠及居民246户")
    b.column(a0, a1, 320, 8, "甲")
    page = b.page()
    segment(page)
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE]
    assert len(heads) == 1 and len(heads[0].lines) == 3
    classify(page)
    kinds = _texts_and_types(page)
    # Starts like a byline ("记者…") but leads into the headline: a kicker.
    assert kinds["记者走访龙泉街道发现——"] is RegionType.KICKER
    assert kinds["老旧小区改造提速"] is RegionType.HEADLINE
    assert kinds["——惠及居民246户"] is RegionType.SUBTITLE


def test_decks_whose_boxes_overlap_the_headlines_are_kicker_and_subtitle() -> None:
    """Set tight to a big headline, the kicker's and the subtitle's detector boxes reach
    a few pixels into the headline's: still the headline's kicker and subtitle."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0 + 20, 100, a0 + 320, h=1.3 * EM, text="与会代表普遍认为——")
    b.line(a0 + 40, 100 + 1.3 * EM - 8, a1 - 40, h=3 * EM, text="区人民医院举办文艺汇演")
    b.line(a0 + 120, 100 + 4.3 * EM - 16, a1 - 120, h=1.4 * EM, text="——排查隐患874处")
    b.column(a0, a1, 320, 8, "甲")
    page = b.page()
    kinds = _kinds(page)
    assert kinds["与会代表普遍认为——"] is RegionType.KICKER
    assert kinds["区人民医院举办文艺汇演"] is RegionType.HEADLINE
    assert kinds["——排查隐患874处"] is RegionType.SUBTITLE


def test_a_deck_read_as_body_is_kicker_headline_and_subtitle() -> None:
    """Kicker, headline and subtitle set close to body size come out of segment as one
    body block; its first line ends with the kicker's dash and its last opens with the
    subtitle's: a headline deck, parted into its three roles."""
    deck = _region(
        "d",
        RegionType.BODY,
        (100, 100, 500, "与会代表普遍认为——"),
        (100, 140, 800, "花溪园区新建公园对外开放市民休闲有"),
        (100, 180, 300, "了好去处"),
        (100, 220, 700, "——北港开发区累计投入资金682万元"),
    )
    rows = [(100, y, 400, "区人社局表示，") for y in range(280, 520, 40)]
    col = _region("c", RegionType.BODY, *rows)
    page = regions_page(deck, col)
    classify(page)
    kinds = _texts_and_types(page)
    assert kinds["与会代表普遍认为——"] is RegionType.KICKER
    assert kinds["花溪园区新建公园对外开放市民休闲有了好去处"] is RegionType.HEADLINE
    assert kinds["——北港开发区累计投入资金682万元"] is RegionType.SUBTITLE
    assert col.type is RegionType.BODY


def test_a_headline_near_body_size_with_its_subtitle_is_not_body() -> None:
    """No kicker: a headline a little over body size, its short second line centred, and
    the subtitle opening with —— come out of segment as one body block."""
    deck = _region(
        "d",
        RegionType.BODY,
        (100, 100, 800, "石桥镇新建公园对外开放市民休闲有"),
        (390, 140, 510, "了好去处"),
        (120, 180, 780, "——排查隐患359处现场整改156处"),
    )
    rows = [(100, y, 400, "区人社局表示，") for y in range(240, 480, 40)]
    page = regions_page(deck, _region("c", RegionType.BODY, *rows))
    classify(page)
    kinds = _texts_and_types(page)
    assert kinds["石桥镇新建公园对外开放市民休闲有了好去处"] is RegionType.HEADLINE
    assert kinds["——排查隐患359处现场整改156处"] is RegionType.SUBTITLE


@pytest.mark.parametrize(
    "first", [(100, 100, 800, "他说，这是第一次来到这里"), (100, 100, 800, "大家都在等待那一天")]
)
def test_running_text_closing_on_a_dash_stays_body(first: tuple[float, float, float, str]) -> None:
    """A clause mark, or flush lines with nothing centred, is running text."""
    block = _region(
        "d",
        RegionType.BODY,
        first,
        (100, 140, 800, "的到来，心里想着未来的日子"),
        (100, 180, 600, "——一个更好的明天"),
    )
    page = regions_page(block)
    classify(page)
    assert block.type is RegionType.BODY


@pytest.mark.parametrize("centred", [False, True])
def test_a_body_size_subtitle_is_peeled_off_the_column_under_its_headline(centred: bool) -> None:
    """A narrow module: the two-line subtitle, set in body size, reads into the column
    under the headline; it ends on its short (or centred) line, where the body's
    paragraph opens."""
    b = PageBuilder()
    (a0, _a1), _ = grid(2)
    x1 = a0 + 7 * EM
    b.line(a0, 100, x1, h=2 * EM, text="松林村老旧小区改造提速")
    b.line(a0, 100 + 2 * EM + 10, x1, text="——全年目标任务")
    end = (a0 + EM, x1 - EM) if centred else (a0, a0 + 4 * EM)
    b.line(end[0], 100 + 2 * EM + 10 + PITCH, end[1], text="提前完成")
    lines = b.column(a0, x1, 100 + 2 * EM + 10 + 2 * PITCH, 8, "甲")
    lines[0].box = Box(a0 + 2 * EM, lines[0].box.y0, x1, lines[0].box.y1)
    lines[0].text = "本报讯 7月3日，"
    page = b.page()
    segment(page)
    classify(page)
    subs = [r for r in page.regions if r.type is RegionType.SUBTITLE]
    assert [[ln.text for ln in r.lines] for r in subs] == [["——全年目标任务", "提前完成"]]
    body = [r for r in page.regions if r.type is RegionType.BODY]
    assert len(body) == 1 and body[0].lines[0].text == "本报讯 7月3日，"


def test_dash_half_read_as_yi_still_splits_and_is_dropped() -> None:
    """The recognizer may read the second half of a two-em dash as 一 ("——一", "一——");
    the kicker and subtitle still split off, and the stray 一 leaves their text, while a
    一 that is part of a word ("统一") stays."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0 + 60, 100, a1 - 60, h=2 * EM, text="聚焦民生实事——一")
    b.line(a0 + 20, 165, a1 - 20, h=2 * EM, text="全民阅读点亮书香城市")
    b.line(a0 + 60, 230, a1 - 60, h=2 * EM, text="一——全区推进标准统一")
    b.column(a0, a1, 320, 8, "甲")
    page = b.page()
    kinds = _kinds(page)
    assert kinds["聚焦民生实事——"] is RegionType.KICKER
    assert kinds["全民阅读点亮书香城市"] is RegionType.HEADLINE
    assert kinds["——全区推进标准统一"] is RegionType.SUBTITLE


def test_caption_peeled_off_column_under_picture() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, c1, h=2 * EM, text="标题")
    b.column(a0, a1, 180, 20, "甲")
    b.photo(c0, 180, c1, 500)
    b.line(c0, 512, c1, text="图为志愿者在社区开展义诊活动，")
    b.line(c0, 512 + PITCH, c0 + 300, text="居民排队咨询。 张三 摄")
    col = b.column(c0, c1, 512 + 2 * PITCH, 10, "乙")
    page = b.page()
    segment(page)
    classify(page)
    caps = [r for r in page.regions if r.type is RegionType.CAPTION]
    assert len(caps) == 1 and [ln.text for ln in caps[0].lines][-1] == "居民排队咨询。 张三 摄"
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert caps[0].linked_to == photo.id
    body = next(r for r in page.regions if r.lines and r.lines[0].text == col[0].text)
    assert body.type is RegionType.BODY and len(body.lines) == 10


def test_a_kicker_over_the_subtitle_of_a_vertical_headline_is_its_kicker() -> None:
    """The headline stands vertically at the module's side; its kicker (read as body, a
    line of body size) stands over the subtitle, not over the headline: the dash that ends
    it over a line that opens with one makes it the deck's kicker. A dash the detector
    boxed on its own beside it stays what it is."""
    kicker = _region("k", RegionType.BODY, (100, 100, 500, "区消防救援大队召开专题会议指出——"))
    dash = _region("d", RegionType.BODY, (505, 100, 545, "—"))
    subtitle = _region("s", RegionType.BODY, (300, 140, 700, "——东湖镇累计投入资金259万元"))
    head = Region(
        "h",
        RegionType.HEADLINE,
        Box(1000, 140, 1060, 600),
        [Line("hl", Box(1000, 140, 1060, 600), "办好民生实事提升群众幸福感", vertical=True)],
        vertical=True,
    )
    rows = [(100, y, 900, "区人社局表示，各地各部门要压实责任。") for y in range(300, 560, 40)]
    col = _region("c", RegionType.BODY, *rows)
    page = regions_page(kicker, dash, subtitle, head, col)
    classify(page)
    assert kicker.type is RegionType.KICKER
    assert subtitle.type is RegionType.SUBTITLE
    assert dash.type is not RegionType.KICKER
    assert col.type is RegionType.BODY


def _region(rid: str, kind: RegionType, *lines: tuple[float, float, float, str]) -> Region:
    """A region of horizontal lines given as (x0, y0, x1, text), one em high."""
    out = [
        Line(f"{rid}l{k}", Box(x0, y0, x1, y0 + EM), t) for k, (x0, y0, x1, t) in enumerate(lines)
    ]
    box = Box.hull(ln.box for ln in out) if out else Box(700, 180, 1360, 500)
    return Region(rid, kind, box, out)


def test_caption_text_beside_its_bare_credit_is_caption() -> None:
    """The detector split the caption's row at the word space before the credit: the
    text piece (alone, or on top of the column under the picture) joins the credit."""
    for alone in (True, False):
        text = _region("t", RegionType.BODY, (700, 512, 1120, "志愿者在社区开展义诊活动。"))
        credit = _region("c", RegionType.BODY, (1140, 512, 1260, "张三 摄"))
        col = [(700, 512 + (1 + k) * PITCH, 1360, f"乙{k}。") for k in range(8)]
        if not alone:
            text.lines += _region("x", RegionType.BODY, *col).lines
            text.box = Box.hull(ln.box for ln in text.lines)
        page = regions_page(_region("p", RegionType.PHOTO), text, credit)
        if alone:
            page.regions.append(_region("b", RegionType.BODY, *col))
        classify(page)
        caps = [r for r in page.regions if r.type is RegionType.CAPTION]
        assert len(caps) == 1
        assert [ln.text for ln in caps[0].lines] == ["志愿者在社区开展义诊活动。", "张三 摄"]
        assert caps[0].linked_to == "p"
        body = [ln.text for r in page.regions if r.type is RegionType.BODY for ln in r.lines]
        assert body == [f"乙{k}。" for k in range(8)]


def test_a_caption_read_whole_takes_no_neighbouring_line() -> None:
    """Only a bare credit pulls text in: the next column's first line on the same row
    stays body."""
    cap = _region("c", RegionType.BODY, (100, 512, 560, "志愿者在社区开展义诊活动。 张三 摄"))
    col = _region(
        "b", RegionType.BODY, *[(580, 512 + k * PITCH, 1000, f"乙{k}。") for k in range(8)]
    )
    page = regions_page(_region("p", RegionType.PHOTO), cap, col)
    page.regions[0].box = Box(100, 180, 560, 500)
    classify(page)
    assert cap.type is RegionType.CAPTION and len(cap.lines) == 1
    assert col.type is RegionType.BODY and len(col.lines) == 8


def test_short_text_ending_on_a_credit_is_a_caption_without_a_picture() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, c1, h=2 * EM, text="标题")
    b.column(a0, a1, 180, 20, "甲")
    b.line(c0, 180, c0 + 500, text="志愿者在社区开展义诊活动。 张三 摄")
    b.column(c0, c1, 180 + 2 * PITCH, 10, "乙")
    page = b.page()
    segment(page)
    classify(page)
    caps = [r for r in page.regions if r.type is RegionType.CAPTION]
    assert [ln.text for r in caps for ln in r.lines] == ["志愿者在社区开展义诊活动。 张三 摄"]
    assert caps[0].linked_to is None


def test_a_caption_of_several_lines_beside_its_picture_is_a_caption() -> None:
    """Set in the narrow measure beside its picture a caption runs to four lines: it is
    still a caption (credited, short), linked to that picture, not body text."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, c1, h=2 * EM, text="标题")
    b.column(a0, a1, 180, 20, "甲")
    b.photo(c0, 180, c0 + 400, 500)
    for k, part in enumerate(["青石镇的学生", "正在参加读书", "节。", "冯欣 摄"]):
        b.line(c0 + 420, 180 + k * PITCH, c0 + 420 + 6 * EM, text=part)
    b.column(c0, c1, 540, 10, "乙")
    page = b.page()
    segment(page)
    classify(page)
    caps = [r for r in page.regions if r.type is RegionType.CAPTION]
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert len(caps) == 1 and caps[0].lines[0].text == "青石镇的学生"
    assert caps[0].linked_to == photo.id


@pytest.mark.parametrize("smaller", [True, False])
def test_an_uncredited_caption_read_into_the_column_under_its_picture(smaller: bool) -> None:
    """A worn credit does not read (闫超晓摄 as 同超晓 / 指): the caption's smaller type
    (its characters 16 px apart against the body's 21) still ends it. Lines of body type
    under a picture stay body."""
    pitch = 16 if smaller else 21
    text = "柳湾村的志愿者正在参加读书节。同超晓"
    cap = [(700, 500, 700 + pitch * len(text), text), (700, 530, 716, "指")]
    body = [(700, 560 + 30 * k, 700 + 21 * 14, "村振兴》主题开展阅读分享，") for k in range(6)]
    col = _region("c", RegionType.BODY, *cap, *body)
    photo = Region("p", RegionType.PHOTO, Box(700, 200, 1000, 495), [])
    page = regions_page(photo, col)
    classify(page)
    caps = [r for r in page.regions if r.type is RegionType.CAPTION]
    if smaller:
        assert [[ln.text for ln in r.lines] for r in caps] == [[text, "指"]]
        assert caps[0].linked_to == "p" and len(col.lines) == 6
    else:
        assert not caps and len(col.lines) == 8


def test_boxed_advertisement_is_ad_and_boxed_notice_is_not() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.frame(a0, 100, a1, 500)
    b.line(a0 + 150, 150, a1 - 150, h=2.4 * EM, text="东湖汽车城")
    b.line(a0 + 100, 260, a1 - 100, h=1.5 * EM, text="新店开业 好礼相送")
    b.line(a0 + 120, 360, a1 - 120, text="咨询电话：81234567")
    b.frame(c0, 100, c1, 700)
    b.line(c0 + 200, 120, c1 - 200, h=1.6 * EM, text="停水通知")
    b.column(c0 + 20, c1 - 20, 190, 12, "丙")
    page = b.page()
    kinds = _kinds(page)
    assert kinds["东湖汽车城"] is RegionType.AD
    assert kinds["新店开业 好礼相送"] is RegionType.AD
    assert kinds["咨询电话：81234567"] is RegionType.AD
    assert kinds["停水通知"] is RegionType.HEADLINE
    assert all(
        r.type is RegionType.NOTICE for r in page.regions if r.lines and r.lines[0].text[0] == "丙"
    )


def test_body_line_opening_with_reporter_stays_body() -> None:
    """记者 opens body sentences too ("记者从……获悉，"); only a short line of names
    standing alone is a byline."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, c1, h=2 * EM, text="标题")
    b.line(a0 + 60, 180, a0 + 300, text="记者 王五 通讯员 李四")
    left = b.column(a0, a1, 180 + PITCH, 10, "甲")
    right = b.column(c0, c1, 180 + PITCH, 10, "乙")
    right[0].text = "记者从区气象局获悉，全区"
    left[4].text = "记者近日走访了解到"
    # The paper's own credit opening a sentence that runs the full column (cut mid-word),
    # the paragraph's first line, indented two ems.
    left[0].text = "本報記者昨往鄉間採"
    first = left[0].box
    left[0].box = Box(first.x0 + 2.2 * EM, first.y0, first.x1, first.y1)
    page = b.page()
    kinds = _kinds(page)
    assert kinds["记者 王五 通讯员 李四"] is RegionType.BYLINE
    bodies = [r for r in page.regions if r.type is RegionType.BODY]
    assert sorted(len(r.lines) for r in bodies) == [10, 10]
    assert any(r.lines[0].text.startswith("记者从") for r in bodies)
    assert any(r.lines[0].text.startswith("本報記者昨往") for r in bodies)


def test_a_credit_at_the_indent_of_a_narrow_column_is_a_byline() -> None:
    """A credit of a few characters over a narrow column starts at the paragraph indent
    and stops an em or so short of the right edge: a byline, though it is neither two
    ems short nor set further in than an indent."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    a1 = a0 + 8 * EM
    b.line(a0, 100, a1, h=2 * EM, text="标题")
    credit = b.line(a0 + 2.1 * EM, 180, a1 - 1.3 * EM, text="记者郑波")
    b.column(a0, a1, 180 + PITCH, 10, "甲")
    page = b.page()
    kinds = _kinds(page)
    assert kinds["记者郑波"] is RegionType.BYLINE, credit


def test_bare_name_under_last_column_is_a_byline() -> None:
    """A reporter's name (2-4 characters) flush right under the module's last column is
    its sign-off, also where the next module's headline follows closely below."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, c1, h=2 * EM, text="标题")
    b.column(a0, a1, 180, 12, "甲")
    b.column(c0, c1, 180, 8, "乙")
    name_y = 180 + 8 * PITCH + 4
    b.line(c1 - 3 * EM, name_y, c1, text="欧阳明")
    b.line(c0, name_y + EM + 20, c1, h=2 * EM, text="下一篇标题")
    b.column(c0, c1, name_y + 3 * EM + 30, 6, "丙")
    page = b.page()
    kinds = _kinds(page)
    assert kinds["欧阳明"] is RegionType.BYLINE


def test_printed_folio_wins_over_a_stray_digit() -> None:
    """A "第X版" in the masthead names the page even when a stray digit (scanner edge,
    ruler) was read higher up as a masthead line of its own."""
    from pathlib import Path

    from digitize.model import Box, Line, Page, Region, Transform
    from digitize.text.folio import printed_number

    page = Page(1, Path("p.png"), "p", Transform.identity(800, 600))
    page.regions = [
        Region(
            "m0", RegionType.MASTHEAD, Box(400, 0, 420, 20), [Line("l0", Box(400, 0, 420, 20), "5")]
        ),
        Region(
            "m1",
            RegionType.MASTHEAD,
            Box(300, 40, 400, 70),
            [Line("l1", Box(300, 40, 400, 70), "第二版")],
        ),
    ]
    assert printed_number(page) == "2"
    page.regions = page.regions[:1]
    assert printed_number(page) == "5"


def test_jump_line_set_as_large_as_a_headline_is_a_jump() -> None:
    """A 上接 line the size test took for a headline would become the article's title."""
    head = _region("h", RegionType.HEADLINE, (100, 100, 400, "（上接1版）"))
    real = _region("t", RegionType.HEADLINE, (100, 300, 900, "就业服务进社区 岗位等你来"))
    page = regions_page(head, real)
    classify(page)
    assert head.type is RegionType.JUMP
    assert head.jump is not None and head.jump.direction == "in" and head.jump.target_page == "1"
    assert real.type is RegionType.HEADLINE


@pytest.mark.parametrize(("marker", "ends_above"), [("上接三版", False), ("下转九版", True)])
def test_a_jump_line_inside_a_column_cuts_it_into_two_parts(marker: str, ends_above: bool) -> None:
    """A continuation set in the column under the end of another article: the 上接 line
    opens the text below it, a 下转 line closes the text above it."""
    text = "区文化馆负责人介绍今年共接待市民人次比去年增加"
    rows = [(100, 100 + k * PITCH, 700, text) for k in range(4)]
    rows.append((100, 100 + 4 * PITCH, 220, marker))
    rows += [(100, 100 + k * PITCH, 700, text) for k in range(5, 9)]
    column = _region("c", RegionType.BODY, *rows)
    page = regions_page(column)
    classify(page)
    jumps = [r for r in page.regions if r.type is RegionType.JUMP]
    bodies = sorted((r for r in page.regions if r.type is RegionType.BODY), key=lambda r: r.box.y0)
    assert [j.text for j in jumps] == [marker]
    assert [len(b.lines) for b in bodies] == [4, 4]
    above, below = bodies
    assert above.box.y1 <= jumps[0].box.y0 + 1 and jumps[0].box.y1 <= below.box.y0 + 1
    assert (jumps[0].jump is not None) and (jumps[0].jump.direction == "out") is ends_above


def test_display_lines_opening_or_closing_with_a_dash_are_no_titles() -> None:
    """A deck (副题, opens with ——) or kicker (引题, ends with ——) set as large as a
    headline, in a block of its own or left alone once the kicker above it is split off."""
    pair = _region(
        "p",
        RegionType.HEADLINE,
        (100, 100, 500, "与会代表普遍认为——"),
        (100, 140, 600, "——青石镇累计投入资金"),
    )
    kicker = _region("k", RegionType.HEADLINE, (100, 400, 500, "记者走访河口镇发现——"))
    title = _region("t", RegionType.HEADLINE, (100, 440, 900, "冬季安全生产大检查启动"))
    page = regions_page(pair, kicker, title)
    classify(page)
    kinds = _texts_and_types(page)
    assert kinds["与会代表普遍认为——"] is RegionType.KICKER
    assert kinds["——青石镇累计投入资金"] is RegionType.SUBTITLE
    assert kinds["记者走访河口镇发现——"] is RegionType.KICKER
    assert kinds["冬季安全生产大检查启动"] is RegionType.HEADLINE


def _glyph_line(lid: str, x0: float, y0: float, text: str, pitch: float = 40) -> Line:
    glyphs = [
        Glyph(Box(x0 + k * pitch, y0, x0 + (k + 1) * pitch, y0 + pitch), ch, 0.99)
        for k, ch in enumerate(text)
    ]
    box = Box(x0, y0, x0 + len(text) * pitch, y0 + pitch)
    return Line(lid, box, text, 0.99, glyphs)


def test_headlines_of_two_modules_read_as_one_line_are_cut_where_the_second_opens() -> None:
    """Two modules' headlines set on one row a word space apart, read as one line: the
    text under it opens twice (a dateline at its left, another further right), so the
    line is cut at the glyph boundary over the second opening's column edge."""
    line = _glyph_line("l", 100, 100, "优化营商环境激发活力区档案馆举办推进会")
    head = Region("h", RegionType.HEADLINE, line.box, [line])
    left = _region("a", RegionType.BODY, (100, 160, 380, "本报讯 6月14日，在南山"))
    left_too = _region("b", RegionType.BODY, (400, 160, 480, "务，群众获得感"))
    right = _region("c", RegionType.BODY, (502, 160, 880, "本报讯 5月20日，北港"))
    page = regions_page(head, left, left_too, right)
    classify(page)
    heads = sorted(
        (r for r in page.regions if r.type is RegionType.HEADLINE), key=lambda r: r.box.x0
    )
    assert [r.text for r in heads] == ["优化营商环境激发活力", "区档案馆举办推进会"]
    assert heads[0].box.x1 <= 500 <= heads[1].box.x0


@pytest.mark.parametrize(("photos", "credit"), [(True, False), (True, True), (False, False)])
def test_modules_opening_under_lead_photos_cut_the_headline_row_over_them(
    photos: bool, credit: bool
) -> None:
    """The same row over two modules that each open with a photo: the datelines stand
    under the pictures, far below the line, and still count as the two openings, also
    past a byline set between a headline and its picture (typed a subtitle so far).
    Without the pictures, text that far down belongs to no headline of this row."""
    line = _glyph_line("l", 100, 100, "优化营商环境激发活力区档案馆举办推进会")
    head = Region("h", RegionType.HEADLINE, line.box, [line])
    regions = [
        head,
        _region("a", RegionType.BODY, (100, 620, 380, "本报讯 6月14日，在南山")),
        _region("c", RegionType.BODY, (502, 620, 880, "本报讯 5月20日，北港")),
    ]
    if photos:
        top = 200 if credit else 170
        regions += [
            Region("p1", RegionType.PHOTO, Box(100, top, 480, 560), []),
            Region("p2", RegionType.PHOTO, Box(502, top, 880, 560), []),
        ]
    if credit:
        regions.append(_region("s", RegionType.SUBTITLE, (560, 160, 760, "本报通讯员 李浩")))
    page = regions_page(*regions)
    classify(page)
    heads = sorted(
        (r.text for r in page.regions if r.type is RegionType.HEADLINE), key=line.text.index
    )
    expected = ["优化营商环境激发活力", "区档案馆举办推进会"] if photos else [line.text]
    assert heads == expected


_SENTENCES = "投入资金四千万元，新建、改建道路，群众出行更便捷。"


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        (_SENTENCES, EM, RegionType.BODY),
        # Set large, the same words stay a headline; in body size, a headline's words too.
        (_SENTENCES, 2 * EM, RegionType.HEADLINE),
        ("松林村老旧小区改造提速惠及居民", EM, RegionType.HEADLINE),
    ],
)
def test_a_headline_in_body_size_reading_as_sentences_is_body(
    text: str, size: float, expected: RegionType
) -> None:
    """A column that stood apart from its module (the last of a vertical module beside a
    picture) was typed a headline by its isolation; its sentences give it away."""
    cols = [
        Region(
            f"c{k}",
            RegionType.BODY,
            Box(100 + 300 * k, 300, 380 + 300 * k, 300 + 6 * PITCH),
            [
                Line(f"c{k}l{j}", Box(100 + 300 * k, y, 380 + 300 * k, y + EM), "相关负责人表示，")
                for j, y in enumerate(range(300, 300 + 6 * PITCH, PITCH))
            ],
        )
        for k in range(2)
    ]
    line = Line("hl", Box(100, 100, 100 + len(text) * size / 2, 100 + size), text)
    head = Region("h", RegionType.HEADLINE, line.box, [line])
    page = regions_page(head, *cols)
    classify(page)
    assert head.type is expected


def test_a_headline_over_one_article_is_not_cut() -> None:
    """One opening under the line (the other columns continue it): nothing to cut."""
    line = _glyph_line("l", 100, 100, "优化营商环境激发活力区档案馆举办推进会")
    head = Region("h", RegionType.HEADLINE, line.box, [line])
    cols = [
        _region("a", RegionType.BODY, (100, 160, 380, "本报讯 6月14日，在南山")),
        _region("c", RegionType.BODY, (502, 160, 880, "务，群众获得感、幸福感")),
    ]
    page = regions_page(head, *cols)
    classify(page)
    assert [r.text for r in page.regions if r.type is RegionType.HEADLINE] == [line.text]


def test_a_jump_line_boxed_with_the_caption_under_it_is_split_off() -> None:
    """A continuation's 上接 line set over its picture's caption, boxed with it."""
    cap = _region(
        "c",
        RegionType.CAPTION,
        (100, 100, 300, "（上接A2版）"),
        (100, 140, 600, "河口镇的家长正在参加招聘会。 向东 摄"),
    )
    page = regions_page(cap)
    classify(page)
    kinds = _texts_and_types(page)
    assert kinds["（上接A2版）"] is RegionType.JUMP
    assert kinds["河口镇的家长正在参加招聘会。 向东 摄"] is RegionType.CAPTION
