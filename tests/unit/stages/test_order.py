"""order(): modules, articles and reading order on hand-built pages (segment + classify + order)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layout_pages import EM, GUTTER, PITCH, PageBuilder, grid, regions_page

from digitize.model import Box, Line, Page, Region, RegionType, Transform, WritingMode
from digitize.stages.classify import classify
from digitize.stages.order import order
from digitize.stages.segment import segment


def _front_page() -> PageBuilder:
    """Masthead; article A (kicker, headline, photo, caption, 3 columns, 下转 jump);
    a rule; article B (headline, 2 columns, sign-off byline) beside a boxed notice."""
    b = PageBuilder(height=2000)
    b.line(60, 30, 600, h=3 * EM, text="某某日报")
    b.line(60, 140, 420, text="2019年12月19日 星期四")
    b.line(1000, 140, 1300, text="第2087期 今日四版")
    b.hrule(40, 1360, 190)
    cols = grid(3)
    b.line(cols[0][0] + 40, 210, cols[0][0] + 500, text="某某会议强调——")
    b.line(cols[0][0] + 20, 250, cols[2][1] - 200, h=2 * EM, text="甲标题")
    b.column(*cols[0], 330, 24, "甲一")
    b.photo(cols[1][0], 330, cols[2][1], 700)
    b.line(cols[1][0], 712, cols[2][1] - 300, text="图为会议现场。 张三 摄")
    b.column(*cols[1], 770, 13, "甲二")
    b.column(*cols[2], 770, 12, "甲三")
    b.line(cols[2][1] - 220, 770 + 12 * PITCH, cols[2][1], text="（下转第四版）")
    y = 330 + 24 * PITCH + 20
    b.hrule(40, 1360, y)
    (l0, l1), (r0, r1) = grid(2)
    mid = (l0 + l1) // 2
    b.line(l0 + 60, y + 20, l1 - 60, h=2 * EM, text="乙标题")
    b.column(l0, mid - 15, y + 100, 12, "乙一")
    b.column(mid + 15, l1, y + 100, 11, "乙二")
    b.line(l1 - 100, y + 100 + 11 * PITCH, l1, text="李四")
    b.frame(r0, y + 40, r1 - 10, y + 600)
    b.line(r0 + 200, y + 60, r1 - 200, h=1.6 * EM, text="停水通知")
    b.column(r0 + 20, r1 - 30, y + 120, 10, "丙")
    return b


def _run(page: Page) -> None:
    segment(page)
    classify(page)
    order(page)


def _text_of(page: Page, rid: str) -> str:
    return "".join(ln.text for ln in page.region(rid).lines)


def test_front_page_reading_order_and_articles() -> None:
    page = _front_page().page()
    _run(page)
    seq = [(page.region(i).type, _text_of(page, i)[:3]) for i in page.reading_order]
    assert seq == [
        (RegionType.MASTHEAD, "某某日"),
        (RegionType.MASTHEAD, "201"),
        (RegionType.MASTHEAD, "第20"),
        (RegionType.KICKER, "某某会"),
        (RegionType.HEADLINE, "甲标题"),
        (RegionType.BODY, "甲一0"),
        (RegionType.BODY, "甲二0"),
        (RegionType.BODY, "甲三0"),
        (RegionType.JUMP, "（下转"),
        (RegionType.CAPTION, "图为会"),
        (RegionType.HEADLINE, "乙标题"),
        (RegionType.BODY, "乙一0"),
        (RegionType.BODY, "乙二0"),
        (RegionType.BYLINE, "李四"),
        (RegionType.HEADLINE, "停水通"),
        (RegionType.NOTICE, "丙00"),
    ]
    arts = [page.region(i).article_id for i in page.reading_order]
    assert arts[:3] == [None, None, None]
    assert len(set(arts[3:10])) == 1 and len(set(arts[10:14])) == 1 and len(set(arts[14:])) == 1
    assert len({arts[3], arts[10], arts[14]}) == 3
    assert all(a is not None and a.startswith("p1_a") for a in arts[3:])
    jump = next(r for r in page.regions if r.type is RegionType.JUMP)
    assert jump.jump is not None and jump.jump.direction == "out" and jump.jump.target_page == "4"
    cap = next(r for r in page.regions if r.type is RegionType.CAPTION)
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert cap.linked_to == photo.id and photo.article_id == arts[3]


def test_vertical_headline_owns_body_to_its_left() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 100, a1, h=2 * EM, text="左标题")
    b.column(a0, a1, 180, 20, "左")
    b.vrule(c0 - 15, 100, 900)
    b.vline(c1 - 2 * EM, 120, 600, w=2 * EM, text="竖标题")
    b.column(c0, c1 - 3 * EM, 120, 20, "右")
    page = b.page()
    _run(page)
    texts = [_text_of(page, i)[:3] for i in page.reading_order]
    assert texts == ["左标题", "左00", "竖标题", "右00"]
    right = [page.region(i).article_id for i in page.reading_order[2:]]
    assert right[0] == right[1] != page.region(page.reading_order[0]).article_id


def test_a_vertical_headline_right_of_its_horizontal_text_heads_kicker_and_deck() -> None:
    """A vertical headline set at the right of a module of horizontal text, its kicker
    and deck over the text at the left, the kicker ending flush with the headline's top:
    kicker, deck and text are the vertical headline's, whose words are the title."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    right = a1 - 3 * EM
    b.line(a0 + 40, 100, a0 + 40 + 9 * EM, text="与会代表普遍认为——")
    b.line(a0 + 80, 100 + EM + 8, right - 2 * EM, h=1.6 * EM, text="——青石镇累计投入资金")
    b.vline(
        right + EM // 2, 100 + EM, 100 + EM + 18 * EM, w=int(1.4 * EM), text="第一中学举办运动会"
    )
    b.column(a0, right - EM, 100 + 4 * EM, 14, "甲")
    b.vrule(c0 - 15, 90, 900)
    b.line(c0 + 40, 100, c1 - 40, h=2 * EM, text="乙标题")
    b.column(c0, c1, 180, 16, "乙")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["与会代"] == arts["——青"] == arts["第一中"] == arts["甲00"] is not None
    assert arts["乙标题"] != arts["甲00"]
    kinds = {_text_of(page, r.id)[:3]: r.type for r in page.regions if r.type.is_text}
    assert kinds["——青"] is RegionType.SUBTITLE and kinds["第一中"] is RegionType.HEADLINE


def test_vertical_article_reads_columns_right_to_left() -> None:
    b = PageBuilder()
    b.vline(1250, 100, 700, w=2 * EM, text="竖标题")
    for i in range(10):
        b.vline(1180 - i * PITCH, 100, 900, text=f"列{i}")
    page = b.page()
    _run(page)
    body = [page.region(i) for i in page.reading_order if page.region(i).type is RegionType.BODY]
    assert len(body) == 1 and body[0].vertical
    assert [ln.text for ln in body[0].lines] == [f"列{i}" for i in range(10)]


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_order_is_a_permutation_and_ignores_input_order(rnd: random.Random) -> None:
    base = _front_page()
    ref = base.page()
    _run(ref)
    shuffled = base.page()
    rnd.shuffle(shuffled.lines)
    segment(shuffled)
    classify(shuffled)
    rnd.shuffle(shuffled.regions)
    order(shuffled)
    text_ids = {r.id for r in shuffled.regions if r.type.is_text}
    assert sorted(shuffled.reading_order) == sorted(text_ids)
    assert len(set(shuffled.reading_order)) == len(shuffled.reading_order)

    def signature(page: Page) -> list[tuple[str, str, tuple[str, ...]]]:
        return [
            (
                page.region(i).type.value,
                page.region(i).article_id or "",
                tuple(ln.text for ln in page.region(i).lines),
            )
            for i in page.reading_order
        ]

    assert signature(shuffled) == signature(ref)


def _articles(page: Page) -> dict[str, str | None]:
    """First characters of each text region -> its article id."""
    return {_text_of(page, r.id)[:3]: r.article_id for r in page.regions if r.type.is_text}


def test_continuation_without_headline_is_one_module() -> None:
    """A 上接 line over body columns, with no headline, bounded by rules: one article
    part headed by the jump line, apart from the article beside it."""
    b = PageBuilder()
    (l0, l1), (r0, r1) = grid(2)
    lmid, rmid = (l0 + l1) // 2, (r0 + r1) // 2
    b.line(l0 + 40, 100, l1 - 40, h=2 * EM, text="左标题")
    b.column(l0, lmid - 15, 180, 18, "左一")
    b.column(lmid + 15, l1, 180, 17, "左二")
    b.vrule(r0 - 15, 90, 850)
    b.line(r0, 100, r0 + 7 * EM, text="（上接第一版）")
    b.column(r0, rmid - 15, 100 + PITCH, 20, "右一")
    b.column(rmid + 15, r1, 100 + PITCH, 12, "右二")
    b.hrule(40, 1360, 870)
    b.line(l0 + 40, 900, r1 - 40, h=2 * EM, text="下标题")
    b.column(l0, l1, 980, 10, "下一")
    b.column(r0, r1, 980, 10, "下二")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["（上接"] == arts["右一0"] == arts["右二0"] is not None
    assert arts["左标题"] == arts["左一0"] == arts["左二0"] != arts["右一0"]
    assert arts["下标题"] == arts["下一0"] == arts["下二0"] not in (arts["左一0"], arts["右一0"])
    texts = [_text_of(page, i)[:3] for i in page.reading_order]
    assert texts.index("（上接") + 1 == texts.index("右一0") == texts.index("右二0") - 1


def test_headline_centred_over_module_owns_columns_on_both_sides() -> None:
    """A short repeated headline centred over a four-column module overlaps only the
    middle columns; the outer ones, between the module's rules, are still its own."""
    b = PageBuilder()
    cols = grid(4)
    b.hrule(40, 1360, 80)
    centre = (cols[0][0] + cols[3][1]) // 2
    b.line(centre - 260, 100, centre + 260, h=2 * EM, text="续标题")
    b.line(cols[0][0], 170, cols[0][0] + 7 * EM, text="（上接第一版）")
    for k, (x0, x1) in enumerate(cols):
        top = 170 + PITCH if k == 0 else 170
        b.column(x0, x1, top, 15, f"列{k}")
    b.hrule(40, 1360, 800)
    b.line(cols[0][0], 830, cols[1][1], h=2 * EM, text="另标题")
    b.column(*cols[0], 910, 8, "另0")
    b.column(*cols[1], 910, 8, "另1")
    page = b.page()
    _run(page)
    arts = _articles(page)
    module = {arts[k] for k in ("续标题", "（上接", "列00", "列10", "列20", "列30")}
    assert len(module) == 1 and None not in module
    assert arts["另标题"] == arts["另00"] == arts["另10"] not in module
    texts = [_text_of(page, i)[:3] for i in page.reading_order]
    assert texts[:6] == ["续标题", "（上接", "列00", "列10", "列20", "列30"]


@pytest.mark.parametrize("own_opening", [False, True])
def test_a_continuation_opened_at_its_left_and_closed_at_its_right_is_one_part(
    own_opening: bool,
) -> None:
    """A continuation printed without its headline: a 上接 line over the first column,
    which ends a sentence; a picture over the next two columns, whose text starts under
    it and begins a sentence; a 下转 line under the last. No text runs on, but the part
    opens once and closes once: one article. Where the columns under the picture have a
    上接 line of their own over it, they are a part of their own. Column rules stand
    between the columns, so no cell holds more than one column."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[0][0] + 7 * EM, text="（上接第一版）")
    b.column(*cols[0], 100 + PITCH, 20, "续0")
    if own_opening:
        b.line(cols[1][0], 100, cols[1][0] + 7 * EM, text="（上接第二版）")
    b.photo(cols[1][0], 100 + PITCH, cols[2][1], 100 + 7 * PITCH)
    under = 100 + 8 * PITCH
    b.column(*cols[1], under, 13, "续1")
    b.column(*cols[2], under, 12, "续2")
    b.line(cols[2][1] - 7 * EM, under + 12 * PITCH, cols[2][1], text="（下转第四版）")
    for x0, _x1 in cols[1:]:  # column rules: a cell per column
        b.vrule(x0 - 15, 90, under + 14 * PITCH)
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["续10"] == arts["续20"] == arts["（下转"] is not None
    assert (arts["（上接"] == arts["续00"] == arts["续10"]) is not own_opening
    if own_opening:
        assert arts["（上接"] == arts["续00"] is not None


def _headless_columns(
    first_ends: str, second_opens_paragraph: bool = False, marker: bool = True
) -> Page:
    """A 上接 line (or none) over three columns split by column rules (one cell each), no
    headline; the first column's last line ends with `first_ends`, the second's
    mid-sentence."""
    b = PageBuilder()
    cols = grid(3)
    if marker:
        b.line(cols[0][0], 100, cols[0][0] + 7 * EM, text="（上接第一版）")
    for k, (x0, x1) in enumerate(cols):
        opens = k == 1 and second_opens_paragraph
        lines = b.column(x0, x1, 100 + PITCH, 20, f"续{k}", opens_paragraph=opens)
        if k < 2:
            lines[-1].text = f"续{k}末行" + ("的" if k == 1 else first_ends)
        if k:
            b.vrule(x0 - 15, 90, 100 + 21 * PITCH)
    page = b.page()
    _run(page)
    return page


def test_headless_columns_whose_text_runs_on_are_one_article() -> None:
    """Column rules make one cell per column, but each column stops mid-sentence and the
    next takes up the sentence: one continuation, headed by its 上接 line."""
    page = _headless_columns(first_ends="在")
    arts = _articles(page)
    assert arts["（上接"] == arts["续00"] == arts["续10"] == arts["续20"] is not None
    texts = [_text_of(page, i)[:4] for i in page.reading_order]
    assert (
        texts.index("（上接第") < texts.index("续000") < texts.index("续100") < texts.index("续200")
    )


def test_headless_column_ending_its_sentence_is_not_chained() -> None:
    """No 上接 line: the first column ends its sentence and the next opens a paragraph
    (indented); without the text running on there is no evidence that the columns are
    one article."""
    page = _headless_columns(first_ends="。", second_opens_paragraph=True, marker=False)
    arts = _articles(page)
    assert arts["续00"] != arts["续10"]


def test_columns_beside_a_part_that_open_nothing_are_the_parts() -> None:
    """Under a 上接 line the first column ends its sentence and the next opens a
    paragraph: the part opened there runs on across its tier, for the columns beside it
    open nothing of their own (no headline, 上接 line or dateline); alone they were an
    article with no title. A column that opens with a dateline is another article."""
    page = _headless_columns(first_ends="。", second_opens_paragraph=True)
    arts = _articles(page)
    assert arts["（上接"] == arts["续00"] == arts["续10"] == arts["续20"] is not None
    b = PageBuilder()
    cols = grid(2)
    b.line(cols[0][0], 100, cols[0][0] + 7 * EM, text="（上接第一版）")
    b.column(*cols[0], 100 + PITCH, 20, "续0")[-1].text = "续0末行。"
    b.vrule(cols[1][0] - 15, 90, 100 + 21 * PITCH)
    b.column(*cols[1], 100 + PITCH, 20, "乙", opens_paragraph=True)[0].text = "本报讯 5月3日，"
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["续00"] != arts["本报讯"]


def test_headless_column_starting_mid_paragraph_is_chained() -> None:
    """The first column ends a sentence ("…办好。”"), but the next starts full out and
    with no dateline: it runs on the paragraph (”家住…说。"), so it is the same part."""
    page = _headless_columns(first_ends="。”")
    arts = _articles(page)
    assert arts["（上接"] == arts["续00"] == arts["续10"] == arts["续20"] is not None


def test_column_past_a_rule_whose_text_runs_on_joins_the_headed_module() -> None:
    """A headline over the left column only, a column rule, and a headless column beside
    it on the same line: where the left column stops mid-sentence, the text runs on in
    the next column, whatever the rule; where it ends its sentence and the next opens a
    paragraph, nothing says so."""
    for ends, joined in (("在", True), ("。", False)):
        b = PageBuilder()
        cols = grid(2)
        b.line(cols[0][0], 100, cols[0][1], h=2 * EM, text="甲标题")
        first = b.column(*cols[0], 180, 15, "甲")
        first[-1].text = "甲末行" + ends
        b.vrule(cols[1][0] - 15, 90, 180 + 16 * PITCH)
        b.column(*cols[1], 180, 15, "续", opens_paragraph=not joined)
        page = b.page()
        _run(page)
        arts = _articles(page)
        assert (arts["续00"] == arts["甲00"]) is joined


def _article_ending_halfway(
    rows: int, marker: str
) -> tuple[PageBuilder, list[tuple[int, int]], int]:
    """An article over three columns of `rows` lines, and a 上接 line over the left
    column under it, at the returned height."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0] + 40, 100, cols[2][1] - 40, h=2 * EM, text="甲标题")
    for k in range(3):
        b.column(*cols[k], 180, rows, f"甲{k}")
    y = 180 + rows * PITCH + 40
    b.line(cols[0][0], y, cols[0][0] + 6 * EM, text=marker)
    return b, cols, y


def test_continuation_under_an_article_is_not_its() -> None:
    """An article over three columns ends halfway down; under it a 上接 line over the
    left column opens a continuation whose columns share its first line and run on from
    one to the next: the columns right of the 上接 line are the continuation's, not the
    headline's far above."""
    b, cols, y = _article_ending_halfway(rows=10, marker="（上接一版）")
    for k in range(3):
        lines = b.column(*cols[k], y + PITCH, 12, f"续{k}")
        if k < 2:
            lines[-1].text = f"续{k}末行的"
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["（上接"] == arts["续00"] == arts["续10"] == arts["续20"] is not None
    assert arts["续10"] != arts["甲标题"] == arts["甲20"]


def test_a_continuation_under_an_article_takes_the_picture_and_columns_beside_it() -> None:
    """As above, but the continuation's first column runs down beside a picture (its
    caption over it) set across the next two columns, which start under the picture:
    picture, caption and those columns are the continuation's, not the headline's far
    above, and its text runs on from the first column into them."""
    b, cols, y = _article_ending_halfway(rows=8, marker="（上接三版）")
    first = b.column(*cols[0], y + PITCH, 16, "续0")
    first[-1].text = "续0末行的"
    b.line(cols[1][0], y + PITCH, cols[2][1] - 200, text="图为活动现场。 张三 摄")
    b.photo(cols[1][0], y + 2 * PITCH, cols[2][1], y + 6 * PITCH)
    second = b.column(*cols[1], y + 7 * PITCH, 10, "续1")
    second[-1].text = "续1末行的"
    b.column(*cols[2], y + 7 * PITCH, 10, "续2")
    page = b.page()
    _run(page)
    arts = _articles(page)
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert arts["（上接"] == arts["续00"] == arts["续10"] == arts["续20"] is not None
    assert arts["图为活"] == photo.article_id == arts["续00"]
    assert arts["甲标题"] == arts["甲20"] != arts["续00"]
    texts = [_text_of(page, i)[:3] for i in page.reading_order]
    assert texts.index("续00") < texts.index("续10") < texts.index("续20")


def test_lone_jump_line_joins_the_text_under_it() -> None:
    """A 上接 line beside a repeated headline (not under it) stands over the continuation's
    first column: it belongs to that article, not to a module of its own."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[0][0] + 7 * EM, text="（上接第一版）")
    b.line(cols[1][0], 96, cols[2][1] - 100, h=2 * EM, text="续标题")
    for k, (x0, x1) in enumerate(cols):
        b.column(x0, x1, 100 + 2 * EM + 20, 15, f"续{k}")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["（上接"] == arts["续00"] is not None


def test_lone_out_jump_joins_the_text_above_it() -> None:
    """A vertical headline at the right of its columns, as tall as they are, ends just
    above the last column's 下转 line: the line closes that article."""
    b = PageBuilder()
    cols = grid(3, width=1200)
    x = cols[2][1] + 40
    b.vline(x, 100, 100 + 16 * PITCH - 6, w=2 * EM, text="竖排标题文字")
    for k, (x0, x1) in enumerate(cols):
        b.column(x0, x1, 100, 16, f"甲{k}")
    y = 100 + 16 * PITCH
    b.line(cols[2][1] - 7 * EM, y, cols[2][1], text="（下转第四版）")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["（下转"] == arts["甲20"] == arts["竖排标"] is not None


def test_continuation_beside_a_headline_over_its_own_column() -> None:
    """A headline over the left column only, its text under it; beside it a 上接 line,
    a picture with its caption, and two columns under the picture: that is another
    article's continuation, not text to the right of the headline."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[0][1], h=2 * EM, text="甲标题")
    b.column(*cols[0], 180, 20, "甲")
    b.line(cols[1][0], 110, cols[1][0] + 5 * EM, text="（上接一版）")
    b.photo(cols[1][0], 160, cols[2][1], 420)
    b.line(cols[1][0], 430, cols[2][1] - 200, text="图为活动现场。 张三 摄")
    for k in (1, 2):
        lines = b.column(*cols[k], 480, 14, f"续{k}")
        lines[-1].text = "未完的句子在"
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"]
    assert arts["（上接"] == arts["续10"] == arts["续20"] is not None
    assert arts["续10"] != arts["甲00"]
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert photo.article_id == arts["续10"]


def test_text_under_another_headline_is_not_the_upper_ones() -> None:
    """A headline over two columns; lower down a vertical headline stands in the right
    column with its text to its left; a column under that module is not the upper
    headline's, however far down it reaches."""
    b = PageBuilder()
    (l0, l1), (r0, r1) = grid(2)
    b.line(l0, 100, r1, h=2 * EM, text="甲标题")
    b.column(l0, l1, 180, 8, "甲左")
    b.column(r0, r1, 180, 8, "甲右")
    y = 180 + 8 * PITCH + 40
    b.vline(r1 - 2 * EM, y, y + 12 * PITCH, w=2 * EM, text="竖排乙标题")
    b.column(r0, r1 - 3 * EM, y, 12, "乙")
    b.column(l0, l1, y, 12, "乙左")
    b.column(r0, r1, y + 12 * PITCH + 60, 6, "丙")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲左0"] == arts["甲右0"] == arts["甲标题"]
    assert arts["丙00"] != arts["甲标题"]


def test_text_under_a_jump_line_is_not_the_headlines_above() -> None:
    """One column: an article ends on its 下转 line; under it a 上接 line opens a
    continuation. The continuation's text does not join the headline above the jump."""
    b = PageBuilder()
    cols = grid(2)
    b.line(cols[0][0] + 20, 100, cols[1][1] - 20, h=2 * EM, text="甲标题")
    b.column(*cols[0], 180, 10, "甲一")
    b.column(*cols[1], 180, 12, "甲二")
    y = 180 + 12 * PITCH
    b.line(cols[1][1] - 7 * EM, y, cols[1][1], text="（下转第四版）")
    b.line(cols[1][0], y + 2 * PITCH, cols[1][0] + 7 * EM, text="（上接第一版）")
    b.column(*cols[1], y + 3 * PITCH, 10, "续一")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲二0"] == arts["甲一0"] == arts["（下转"] is not None
    assert arts["续一0"] == arts["（上接"] != arts["甲一0"]


def test_a_jump_line_right_under_a_repeated_headline_heads_its_text() -> None:
    b = PageBuilder()
    cols = grid(2)
    b.line(cols[0][0] + 20, 100, cols[1][1] - 20, h=2 * EM, text="续标题")
    b.line(cols[0][0], 100 + 2 * EM + 10, cols[0][0] + 7 * EM, text="（上接第一版）")
    b.column(*cols[0], 100 + 2 * EM + 10 + PITCH, 10, "续一")
    b.column(*cols[1], 100 + 2 * EM + 10 + PITCH, 10, "续二")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["续标题"] == arts["（上接"] == arts["续一0"] == arts["续二0"] is not None


def test_a_jump_line_claims_the_headless_column_under_it() -> None:
    """A continuation with a repeated headline centred over a picture and the columns
    under it; its 上接 line stands over the first column, which runs down beside the
    picture, parted from the other columns by a column rule: that column is the
    continuation's, not an article of its own."""
    b = PageBuilder()
    cols = grid(4)
    b.line(cols[0][0] + 360, 100, cols[3][1] - 360, h=2 * EM, text="续标题")
    b.line(cols[0][0], 100 + 2 * EM + 10, cols[0][0] + 7 * EM, text="（上接第一版）")
    top = 100 + 2 * EM + 10 + PITCH
    first = b.column(*cols[0], top, 24, "续一")
    first[-1].text = "续一末行完了。"
    b.photo(cols[1][0], top, cols[3][1], top + 10 * PITCH)
    low = top + 11 * PITCH
    for k, tag in ((1, "续二"), (2, "续三"), (3, "续四")):
        b.column(*cols[k], low, 13, tag)
    b.vrule(cols[1][0] - 15, low, low + 13 * PITCH)
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["续标题"] == arts["（上接"] == arts["续一0"] == arts["续二0"] is not None


def test_a_kicker_flush_left_over_a_centred_headline_is_its_kicker() -> None:
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[0][0] + 9 * EM, text="记者走访河口镇发现——")
    b.line(cols[1][0], 100 + PITCH, cols[2][0], h=2 * EM, text="办好民生实事提升群众幸福感")
    top = 100 + PITCH + 2 * EM + 20
    for k, (x0, x1) in enumerate(cols):
        b.column(x0, x1, top, 12, f"甲{k}")
    page = b.page()
    _run(page)
    kicker = next(r for r in page.regions if r.text.startswith("记者走访"))
    assert kicker.type is RegionType.KICKER
    arts = _articles(page)
    assert arts["记者走"] == arts["办好民"] == arts["甲00"] is not None


def test_a_headline_centred_over_ruled_columns_heads_them_all() -> None:
    """Four columns parted by column rules under a headline centred over all four (it
    reaches only the middle two): the outer columns, though each ends a sentence and
    stands in a cell of its own, are the headline's."""
    b = PageBuilder()
    cols = grid(4)
    b.line(cols[1][0] + 100, 100, cols[2][1] - 100, h=2 * EM, text="甲标题")
    for k, (x0, x1) in enumerate(cols):
        lines = b.column(x0, x1, 180, 12, f"甲{k}")
        lines[-1].text = "句子完了。"
        if k:
            b.vrule(x0 - 15, 180, 180 + 12 * PITCH)
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"] == arts["甲10"] == arts["甲30"] is not None


def test_a_short_headline_in_the_middle_of_an_unruled_page_heads_only_its_columns() -> None:
    """No rules: the page is one cell. A continuation (上接 over the left columns) and,
    beside it, a short repeated headline that happens to stand in the middle of the
    page, over its own column: it is no headline centred over a module, and the
    continuation at its left stays apart."""
    b = PageBuilder()
    cols = grid(5)
    b.line(cols[0][0], 100, cols[0][0] + 7 * EM, text="（上接第二版）")
    b.column(*cols[0], 100 + PITCH, 14, "续0")
    b.column(*cols[1], 100 + PITCH, 14, "续1")
    b.line(cols[2][0] + 20, 100, cols[2][1] - 20, h=1.4 * EM, text="甲标题")
    b.column(*cols[2], 100 + 1.4 * EM + 20, 14, "甲", opens_paragraph=True)
    b.column(*cols[3], 100, 15, "乙", opens_paragraph=True)
    b.column(*cols[4], 100, 15, "丙", opens_paragraph=True)
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"] is not None
    assert arts["（上接"] == arts["续00"] != arts["甲00"]


def test_a_column_beside_a_narrow_headline_goes_to_the_headline_centred_over_it() -> None:
    """A one-column article at the left (its text starts lower, under a byline); beside
    it five columns under a headline centred over all five, which reaches from the
    second to the fourth: the first of the five stands beside the narrow headline, but
    it is the centred headline's."""
    b = PageBuilder(width=1900)
    cols = grid(6, width=1800)
    b.line(cols[0][0], 100, cols[0][1], h=2 * EM, text="乙标题")
    b.column(*cols[0], 100 + 2 * EM + 60, 12, "乙")
    hull_cx = (cols[1][0] + cols[5][1]) / 2
    b.line(hull_cx - 300, 100, hull_cx + 300, h=2 * EM, text="甲标题")
    for k in range(1, 6):
        b.column(*cols[k], 100 + 2 * EM + 10, 12, f"甲{k}")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲10"] == arts["甲50"] is not None
    assert arts["乙标题"] == arts["乙00"] != arts["甲10"]


def test_a_kicker_of_three_short_lines_over_a_narrow_headline_is_its_kicker() -> None:
    """In a module one column wide the kicker runs to three short lines ending in ——;
    its box reaches a few pixels into the headline's."""
    b = PageBuilder()
    cols = grid(4)
    x0, x1 = cols[0]
    for k, part in enumerate(["区教育局召开", "专题会议", "指出——"]):
        b.line(x0 + 40, 100 + k * PITCH, x1 - 40, text=part)
    b.line(x0, 100 + 3 * PITCH - 6, x1, h=2 * EM, text="松林村老旧小区改造")
    b.column(x0, x1, 100 + 3 * PITCH + 2 * EM + 20, 10, "甲")
    b.column(*cols[1], 100, 16, "乙")
    page = b.page()
    _run(page)
    kicker = next(r for r in page.regions if r.text.startswith("区教育局"))
    assert kicker.type is RegionType.KICKER
    arts = _articles(page)
    body = next(r for r in page.regions if r.type is RegionType.BODY and r.box.x0 < cols[0][1])
    assert arts["区教育"] == arts["松林村"] == body.article_id is not None


@pytest.mark.parametrize("ruled", [True, False])
def test_a_narrow_kicker_whose_dash_read_as_yi_is_its_kicker_where_it_opens_the_column(
    ruled: bool,
) -> None:
    """The same kicker with its closing dash read as 一 ("指出一"), under a rule that
    parts it from the column of the module above: it opens its column, so it is the
    kicker. Without the rule it reads as the tail of the column above it, which may end
    on 一 mid-word: it stays running text."""
    b = PageBuilder()
    cols = grid(4)
    x0, x1 = cols[0]
    b.column(x0, x1, 100, 8, "丙")
    top = 100 + 8 * PITCH + (30 if ruled else 6)
    if ruled:
        b.hrule(int(x0), int(x1), int(top - 18))
    for k, part in enumerate(["区教育局召开", "专题会议", "指出一"]):
        b.line(x0 + 40, top + k * PITCH, x1 - 40, text=part)
    b.line(x0, top + 3 * PITCH - 6, x1, h=2 * EM, text="松林村老旧小区改造")
    b.column(x0, x1, top + 3 * PITCH + 2 * EM + 20, 10, "甲")
    b.column(*cols[1], 100, 24, "乙")
    page = b.page()
    _run(page)
    kicker = next(r for r in page.regions if any(ln.text == "区教育局召开" for ln in r.lines))
    assert kicker.type is (RegionType.KICKER if ruled else RegionType.BODY)
    arts = _articles(page)
    if ruled:
        assert arts["区教育"] == arts["松林村"] != arts["丙00"]


def _heads_over_two_columns(
    b: PageBuilder, cols: list[tuple[int, int]], top: float, rows: int
) -> tuple[dict[str, RegionType], dict[str, str | None]]:
    """Columns 甲0 and 甲1 from `top` under the display lines already on `b`, and a
    column 乙 of another article beside them; run the stages: text -> type, articles."""
    for k in (0, 1):
        b.column(*cols[k], top, rows, f"甲{k}")
    b.column(*cols[2], 100, 16, "乙")
    page = b.page()
    _run(page)
    return {r.text: r.type for r in page.regions}, _articles(page)


def test_display_line_stacked_smaller_on_a_headline_is_its_kicker_without_a_dash() -> None:
    """A kicker whose dash degradation took ("聚焦民生实事"), set in display type over
    a larger headline and so tight that their boxes overlap: it leads into that
    headline's article instead of making an article of no text; the title is the
    headline alone."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0] + 80, 100, cols[1][1] - 80, h=1.3 * EM, text="聚焦民生实事")
    # Set tight: the detector's boxes of the two lines overlap by a few pixels.
    b.line(cols[0][0] + 20, 100 + 1.3 * EM - 4, cols[1][1] - 20, h=2.2 * EM,
           text="老旧小区改造提速惠及居民")
    kinds, arts = _heads_over_two_columns(b, cols, 100 + 3.5 * EM + 40, 12)
    assert kinds["聚焦民生实事"] is RegionType.KICKER
    assert kinds["老旧小区改造提速惠及居民"] is RegionType.HEADLINE
    assert arts["聚焦民"] == arts["老旧小"] == arts["甲00"] is not None


def test_a_section_label_at_the_top_left_of_a_boxed_module_is_its_label() -> None:
    """A boxed module: the section name "本地新闻" (a reverse-video label the scan left
    unreadable as one) at its top left, set smaller than the centred headline whose
    top is level with the label's foot, left of it. Not a headline of its own: no
    article of a title and no text; the box's frame is around both, not between them."""
    b = PageBuilder()
    cols = grid(3)
    b.frame(cols[0][0] - 10, 90, cols[1][1] + 10, 100 + 16 * PITCH)
    b.line(cols[0][0], 100, cols[0][0] + 4 * 1.4 * EM, h=1.4 * EM, text="本地新闻")
    head_x0 = cols[0][0] + 4 * 1.4 * EM + 10
    b.line(head_x0, 100 + 1.4 * EM + 2, cols[1][1] - 40, h=2 * EM, text="让城市更有温度")
    kinds, arts = _heads_over_two_columns(b, cols, 100 + 3.4 * EM + 30, 10)
    assert kinds["本地新闻"] is RegionType.LABEL
    assert arts["本地新"] == arts["让城市"] == arts["甲00"] is not None


def test_an_article_opens_once() -> None:
    """A one-column article at the left; beside it the first column of an article whose
    headline is set vertically at the right of its three columns. The narrow headline
    is nearer to that column, but its own column already opens with 本报讯: the second
    opening is the vertical headline's."""
    b = PageBuilder()
    cols = grid(4, width=1200)
    b.line(cols[0][0], 100, cols[0][1], h=2 * EM, text="乙标题")
    narrow = b.column(*cols[0], 100 + 2 * EM + 20, 12, "乙")
    narrow[0].text = "本报讯 2月16日，"
    b.vline(cols[3][1] + 40, 100, 100 + 14 * PITCH, w=2 * EM, text="竖排甲标题文字")
    for k in (1, 2, 3):
        lines = b.column(*cols[k], 100 + 2 * EM + 60, 12, f"甲{k}")
        lines[-1].text = "未完的句子在"
        if k == 1:
            lines[0].text = "本报讯 2月9日，在区"
    page = b.page()
    _run(page)
    arts = _articles(page)
    first = next(r for r in page.regions if r.lines[0].text.startswith("本报讯 2月9日"))
    own = next(r for r in page.regions if r.lines[0].text.startswith("本报讯 2月16日"))
    assert first.article_id == arts["竖排甲"] == arts["甲20"] is not None
    assert own.article_id == arts["乙标题"] != first.article_id


def test_a_picture_no_headline_claims_joins_the_column_under_it() -> None:
    """A picture set at the head of a column, parted from the headline beside it by a
    column rule and a rule over it: no headline claims it, so it joins the text that
    runs on right under it instead of becoming an article of nothing."""
    b = PageBuilder()
    cols = grid(2)
    b.line(cols[0][0], 100, cols[0][1], h=2 * EM, text="甲标题")
    b.column(*cols[0], 180, 24, "甲一")
    b.hrule(cols[1][0], cols[1][1], 170)
    b.vrule(cols[1][0] - 15, 100, 480 + 14 * PITCH)  # a column rule: no claim across it
    b.photo(cols[1][0], 180, cols[1][1], 420)
    b.line(cols[1][0], 428, cols[1][1] - 200, text="图为活动现场。 张三 摄")
    b.column(*cols[1], 480, 14, "甲二")
    page = b.page()
    _run(page)
    arts = _articles(page)
    photo = next(r for r in page.regions if r.type is RegionType.PHOTO)
    assert photo.article_id == arts["甲二0"] is not None
    assert arts["图为活"] == arts["甲二0"]


def test_a_section_label_on_its_own_is_no_article() -> None:
    """A section label ("本地新闻") that no headline claims is page furniture, like an
    advert: in the reading order, in no article."""

    def region(rid: str, kind: RegionType, box: Box, text: str) -> Region:
        return Region(rid, kind, box, [Line(f"{rid}l", box, text)])

    page = Page(1, Path("page-1.png"), "page-1", Transform.identity(1400, 1800))
    page.regions = [
        region("label", RegionType.LABEL, Box(60, 200, 240, 240), "本地新闻"),
        region("head", RegionType.HEADLINE, Box(700, 200, 1300, 260), "乙标题"),
        region("body", RegionType.BODY, Box(700, 280, 1300, 900), "正文。"),
    ]
    order(page)
    assert "label" in page.reading_order
    assert page.region("label").article_id is None
    assert page.region("head").article_id == page.region("body").article_id is not None


def _dispatch_with_subhead(head_w: float) -> Page:
    """A vertical article as segment and classify leave it: headline of width `head_w` at
    the right, a block of five body columns, a four-character heading column at 1.5 body
    ems, a block of five more body columns."""

    def column(x: float, y0: float, y1: float, text: str, w: float = EM) -> Line:
        return Line(id=f"l{x}", box=Box(x, y0, x + w, y1), text=text, vertical=True)

    def block(rid: str, kind: RegionType, lines: list[Line]) -> Region:
        box = Box.hull(ln.box for ln in lines)
        return Region(rid, kind, box, lines=lines, vertical=True)

    x = 1250 - 2 * EM
    first = [column(x - i * PITCH, 100, 900, f"甲{i}" + "文" * 18) for i in range(5)]
    x -= 5 * PITCH + 14
    sub = column(x, 160, 160 + 6 * EM, "各方意見", w=1.5 * EM)
    x -= 1.5 * EM + 20
    second = [column(x - i * PITCH, 100, 900, f"乙{i}" + "文" * 18) for i in range(5)]
    page = regions_page(
        block(
            "r1", RegionType.HEADLINE, [column(1250, 100, 100 + 6 * head_w, "竖排大标题新", head_w)]
        ),
        block("r2", RegionType.BODY, first),
        block("r3", RegionType.HEADLINE, [sub]),
        block("r4", RegionType.BODY, second),
    )
    page.writing_mode = WritingMode.VERTICAL
    page.text_height = EM
    order(page)
    return page


def test_a_subhead_under_a_large_headline_stays_in_its_article() -> None:
    """A short heading column in display type far smaller than the article's headline,
    read straight after its body columns, is a subhead (小標): the heading and the
    columns after it stay in the article, which is read as one."""
    page = _dispatch_with_subhead(3 * EM)
    arts = _articles(page)
    assert arts["竖排大"] == arts["甲0文"] == arts["各方意"] == arts["乙0文"] is not None


def test_a_heading_near_the_size_of_the_headline_before_opens_an_article() -> None:
    page = _dispatch_with_subhead(1.6 * EM)
    arts = _articles(page)
    assert arts["竖排大"] == arts["甲0文"] is not None
    assert arts["各方意"] == arts["乙0文"] != arts["甲0文"]


def test_a_subhead_is_a_paragraph_of_its_articles_text_not_part_of_its_title() -> None:
    from digitize.stages.modules import page_modules

    page = _dispatch_with_subhead(3 * EM)
    (module,) = page_modules(page, 0, "1", [])
    assert module.headline == "竖排大标题新"
    subhead = [k for k, p in enumerate(module.paragraphs) if p == "各方意見"]
    assert subhead and 0 < subhead[0] < len(module.paragraphs) - 1
    assert module.paragraphs[subhead[0] + 1].startswith("乙0")


def _headline_group(deck: str) -> Page:
    """A vertical article whose headline is set in three columns, as 1930s papers set
    them: a lead column (引題) at 1.8 body ems against the headline's right side, the
    headline at 3 ems, a deck column (`deck`) at 1.8 ems, then five body columns. The lead
    column is typed HEADLINE by its size, as classify's size rules leave it."""

    def column(x: float, y0: float, text: str, w: float) -> Line:
        return Line(id=f"l{x}", box=Box(x, y0, x + w, y0 + len(text) * w), text=text,
                    vertical=True)

    def block(rid: str, kind: RegionType, lines: list[Line]) -> Region:
        return Region(rid, kind, Box.hull(ln.box for ln in lines), lines=lines, vertical=True)

    lead = column(1250, 100, "省府派員視察", 1.8 * EM)
    head = column(1250 - 3 * EM - 8, 100, "南北通車旅客日增", 3 * EM)
    deck_col = column(head.box.x0 - 1.8 * EM - 8, 100 + EM, deck, 1.8 * EM)
    x = deck_col.box.x0 - EM - 12
    body = [
        Line(id=f"b{i}", box=Box(x - i * PITCH, 100, x - i * PITCH + EM, 900),
             text=f"甲{i}" + "文" * 16 + "、", vertical=True)
        for i in range(5)
    ]
    page = regions_page(
        block("r1", RegionType.HEADLINE, [lead]),
        block("r2", RegionType.HEADLINE, [head]),
        block("r3", RegionType.HEADLINE, [deck_col]),
        block("r4", RegionType.BODY, body),
    )
    page.writing_mode = WritingMode.VERTICAL
    page.text_height = EM
    return page


def test_a_vertical_headline_set_in_several_columns_is_one_title() -> None:
    """Lead column, headline and deck read as one title (as transcriptions of 1930s
    pages record it); the lead column is the headline's kicker, not an article of its own."""
    from digitize.stages.modules import page_modules
    from digitize.stages.vertical_types import vertical_lead_columns

    page = _headline_group("當局已籌撥專款辦理")
    vertical_lead_columns(page, EM)
    assert page.region("r1").type is RegionType.KICKER
    assert page.region("r2").type is page.region("r3").type is RegionType.HEADLINE
    order(page)
    assert len({r.article_id for r in page.regions}) == 1
    (module,) = page_modules(page, 0, "1", [])
    assert module.headline == "省府派員視察南北通車旅客日增當局已籌撥專款辦理"
    assert module.kicker == module.subtitle == ""
    assert module.paragraphs[0].startswith("甲0")


def test_a_body_column_typed_as_heading_stays_out_of_the_title() -> None:
    """A column that runs on like text (a sentence ends inside it) is no deck, whatever
    size typing gave it."""
    from digitize.stages.modules import page_modules

    page = _headline_group("暇助縫人製衣。明珠年十六，嫡絡")
    order(page)
    (module,) = page_modules(page, 0, "1", [])
    assert module.headline == "省府派員視察南北通車旅客日增"


def test_a_column_as_large_as_the_headline_beside_it_is_no_lead() -> None:
    from digitize.stages.vertical_types import vertical_lead_columns

    page = _headline_group("當局已籌撥專款辦理")
    r1 = page.region("r1")
    r1.lines[0].box = Box(r1.box.x0, r1.box.y0, r1.box.x0 + 3 * EM, r1.box.y0 + 6 * 3 * EM)
    r1.box = r1.lines[0].box
    vertical_lead_columns(page, EM)
    assert r1.type is RegionType.HEADLINE


def test_a_column_touching_the_next_headline_by_its_padding_is_not_under_it() -> None:
    """Two modules side by side, parted by a column rule. The right module's headline is
    centred over its columns but not over its first one, whose padded box reaches a pixel
    past the rule into the left module's headline: that column is the right article's,
    not the left's (a synthetic page lost an article's opening this way)."""

    def lines(x0: float, x1: float, y0: float, n: int, tag: str) -> list[Line]:
        return [
            Line(id=f"{tag}{i}", box=Box(x0, y0 + i * PITCH, x1, y0 + i * PITCH + EM),
                 text=f"{tag}{i}" + "文" * 8 + ("。" if i == n - 1 else ""))
            for i in range(n)
        ]

    def block(rid: str, kind: RegionType, lns: list[Line]) -> Region:
        return Region(rid, kind, Box.hull(ln.box for ln in lns), lines=lns)

    rule = Region("rule", RegionType.RULE, Box(396, 100, 402, 800))
    left_head = block("lh", RegionType.HEADLINE, [Line(id="lh0", box=Box(40, 100, 400, 160),
                                                       text="左边文章的标题")])
    left_body = block("lb", RegionType.BODY, lines(40, 390, 180, 14, "左"))
    right_head = block("rh", RegionType.HEADLINE, [Line(id="rh0", box=Box(720, 100, 1120, 160),
                                                        text="右边文章的标题")])
    cols = [(398, 640), (660, 900), (920, 1160), (1180, 1360)]
    right = [block(f"c{k}", RegionType.BODY, lines(x0, x1, 180, 14, f"右{k}"))
             for k, (x0, x1) in enumerate(cols)]
    page = regions_page(rule, left_head, left_body, right_head, *right)
    page.text_height = EM
    order(page)
    assert page.region("c0").article_id == page.region("c1").article_id
    assert page.region("c0").article_id == page.region("rh").article_id
    assert page.region("c0").article_id != page.region("lh").article_id


def test_a_continuation_opening_beside_a_picture_keeps_the_text_under_it() -> None:
    """A 上接 line opens a continuation in the first column of a lower tier; the picture
    (caption above it) in the next column starts on the same row, and the column under
    the picture is the continuation's, not the article's whose headline stands far above
    the tier over that column."""
    from digitize.model import JumpMarker

    def col(rid: str, x0: float, x1: float, y0: float, y1: float, text: str) -> Region:
        n = int((y1 - y0) // PITCH)
        lns = [
            Line(id=f"{rid}{i}", box=Box(x0, y0 + i * PITCH, x1, y0 + i * PITCH + EM),
                 text=f"{text}{i}" + "文" * 8 + ("。" if i == n - 1 and text != "续" else ""))
            for i in range(n)
        ]
        return Region(rid, RegionType.BODY, Box.hull(ln.box for ln in lns), lines=lns)

    def head(rid: str, x0: float, x1: float, text: str) -> Region:
        ln = Line(id=f"{rid}0", box=Box(x0, 100, x1, 160), text=text)
        return Region(rid, RegionType.HEADLINE, ln.box, lines=[ln])

    jump_line = Line(id="j0", box=Box(40, 760, 160, 790), text="上接二版")
    jump = Region("jump", RegionType.JUMP, jump_line.box, lines=[jump_line],
                  jump=JumpMarker("in", "2", "上接二版"))
    caption_line = Line(id="cap0", box=Box(420, 768, 800, 798), text="志愿者正在参加读书节。")
    page = regions_page(
        head("hb", 40, 380, "左边文章"),
        col("b", 40, 380, 180, 700, "左"),
        head("ha", 420, 1300, "上面文章的标题"),
        col("a1", 420, 800, 180, 700, "上"),
        col("a2", 840, 1300, 180, 700, "右"),
        jump,
        col("c0", 40, 380, 800, 1500, "续"),
        Region("cap", RegionType.CAPTION, caption_line.box, lines=[caption_line]),
        Region("photo", RegionType.PHOTO, Box(420, 805, 800, 1100)),
        col("c1", 420, 800, 1110, 1500, "图"),
    )
    page.text_height = EM
    order(page)
    assert page.region("c1").article_id == page.region("jump").article_id
    assert page.region("c1").article_id != page.region("ha").article_id
    assert page.region("a1").article_id == page.region("ha").article_id


def test_a_column_whose_padded_box_touches_the_headline_beside_it_is_its_article() -> None:
    """A headline over the first columns of its module; the next column's padded box
    reaches a pixel into the headline's: it stands beside the headline, so it is claimed
    as a column right of it, not lost between "under" and "beside"."""

    def col(rid: str, x0: float, x1: float) -> Region:
        lns = [
            Line(id=f"{rid}{i}", box=Box(x0, 200 + i * PITCH, x1, 200 + i * PITCH + EM),
                 text=f"{rid}{i}" + "文" * 7 + "。")
            for i in range(12)
        ]
        return Region(rid, RegionType.BODY, Box.hull(ln.box for ln in lns), lines=lns)

    head_line = Line(id="h0", box=Box(40, 100, 601, 170), text="评论文章的标题")
    page = regions_page(
        Region("h", RegionType.HEADLINE, head_line.box, lines=[head_line]),
        col("c0", 40, 300),
        col("c1", 330, 590),
        col("c2", 600, 860),
    )
    page.text_height = EM
    order(page)
    assert page.region("c2").article_id == page.region("h").article_id is not None


def test_a_scrap_of_one_character_is_no_article() -> None:
    """A stray mark or digit the detector boxed apart, which no headline claims, is read
    in place but makes no article record; a one-character module of a real word does not
    exist, so nothing a reader wants is lost (the page text keeps it)."""

    def region(rid: str, x0: float, y0: float, text: str, kind: RegionType) -> Region:
        ln = Line(id=f"{rid}0", box=Box(x0, y0, x0 + max(EM, EM * len(text)), y0 + EM),
                  text=text)
        return Region(rid, kind, ln.box, lines=[ln])

    page = regions_page(
        region("h", 40, 300, "标题文字", RegionType.HEADLINE),
        region("b", 40, 350, "正文第一行写了很多的字。", RegionType.BODY),
        region("star", 900, 100, "★", RegionType.BODY),  # above the headline: unclaimed
        region("digit", 1100, 100, "4", RegionType.BODY),
    )
    page.text_height = EM
    order(page)
    assert page.region("b").article_id is not None
    assert page.region("star").article_id is None and page.region("digit").article_id is None
    assert {"star", "digit"} <= set(page.reading_order)


def _headline_halves(second_opens: str, indented: bool) -> Page:
    """A headline printed on one row in two halves parted by a wide word space, over four
    columns; the second column ends mid-sentence and the third opens with `second_opens`
    (indented as a new paragraph when `indented`)."""
    b = PageBuilder()
    cols = grid(4)
    h = 2 * EM
    b.line(cols[0][0] + 20, 100, cols[1][1] + 40, h=h, text="某区打造十五分钟生活圈")
    b.line(cols[1][1] + 40 + 1.3 * h, 98, cols[3][1] - 20, h=h, text="家门口服务更贴心")
    for k, (x0, x1) in enumerate(cols):
        lines = b.column(x0, x1, 100 + h + 20, 16, f"文{k}")
        if k == 1:
            lines[-1].text = "文1末行近年来桃源社区坚持以人民为中"
        if k == 2:
            lines[0].text = second_opens
            if indented:
                lines[0].box = Box(x0 + 2 * EM, lines[0].box.y0, x1, lines[0].box.y1)
    page = b.page()
    _run(page)
    return page


def test_the_halves_of_a_headline_row_over_running_text_are_one_article() -> None:
    """The detector parts a headline row at its word space, and each half would claim the
    columns under it; the text running on from the second column into the third says the
    halves are one headline, read left to right."""
    page = _headline_halves("心的发展思想持续改善公共服务", indented=False)
    arts = _articles(page)
    assert arts["某区打"] == arts["家门口"] == arts["文00"] == arts["心的发"] == arts["文30"]
    texts = [_text_of(page, i) for i in page.reading_order]
    assert texts.index("某区打造十五分钟生活圈") < texts.index("家门口服务更贴心")


def test_two_headlines_side_by_side_stay_two_articles() -> None:
    """The same row of two headlines where the third column opens a dateline, or an
    indented paragraph: two articles side by side."""
    cases = (("本报讯十二月三日记者从区里获悉", False), ("心的发展思想持续改善", True))
    for opens, indented in cases:
        arts = _articles(_headline_halves(opens, indented))
        assert arts["某区打"] == arts["文00"] != arts["家门口"] == arts[opens[:3]], opens


def test_a_credit_line_over_a_headline_leads_into_its_article() -> None:
    """A kicker opening with 记者 whose dash was not read is typed a byline; with no
    headline above it, it belongs to the headline under it, not to an article of its own."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0] + 60, 100, cols[0][0] + 60 + 10 * EM, text="记者走访南山街道发现")
    b.line(cols[0][0] + 20, 100 + PITCH, cols[2][1] - 20, h=2 * EM, text="区教育局开展专项整治")
    for x0, x1 in cols:
        b.column(x0, x1, 100 + PITCH + 2 * EM + 20, 12, "文")
    page = b.page()
    _run(page)
    credit = next(r for r in page.regions if r.text.startswith("记者"))
    head = next(r for r in page.regions if r.text.startswith("区教育局"))
    assert credit.type is RegionType.BYLINE
    assert credit.article_id == head.article_id is not None


def test_a_continuation_beyond_another_headline_is_not_the_far_headlines() -> None:
    """Left, a headline under its kicker (so its top is lower); beside it a headline over
    the middle columns; at the right, level with the kicker, a 上接 line over a picture,
    two columns and their sign-off. The right-hand text lies beyond the middle headline:
    it is the continuation's, with its sign-off, not the left headline's."""
    b = PageBuilder()
    cols = grid(4)
    b.line(cols[0][0] + EM, 100, cols[0][1], text="区领导督查时强调——")
    b.line(cols[0][0], 100 + PITCH, cols[0][1], h=2 * EM, text="甲标题")
    b.column(*cols[0], 200, 16, "甲")
    b.line(cols[1][0], 100, cols[2][1], h=2 * EM, text="乙标题在中间")
    b.column(*cols[1], 200, 16, "乙左")
    b.column(*cols[2], 200, 16, "乙右")
    b.line(cols[3][0], 100, cols[3][0] + 5 * EM, text="（上接1版）")
    b.photo(cols[3][0], 100 + PITCH + 10, cols[3][1], 330)
    lines = b.column(*cols[3], 340, 12, "续")
    lines[-1].text = "未完的句子在"
    b.line(cols[3][1] - 3 * EM, 340 + 12 * PITCH + 4, cols[3][1], text="谢桂海")
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"] != arts["续00"]
    assert arts["（上接"] == arts["续00"] == arts["谢桂海"] is not None


def test_the_first_column_of_a_tier_under_a_centred_headline_is_that_headlines() -> None:
    """A headline over the first column only, its text ending halfway down; lower, a
    headline centred over four columns but set over the middle two, its text in all
    four; a fifth column holds another article. The first column of that tier stands
    right beside the lower headline's foot: it is the lower article's, not the end of the
    column under the headline far above."""
    b = PageBuilder()
    cols = grid(5)
    b.line(cols[4][0], 100, cols[4][1], h=2 * EM, text="丁标题")  # the page's last column
    b.column(*cols[4], 180, 22, "丁")
    b.line(cols[0][0], 100, cols[0][0] + 6 * EM, h=2 * EM, text="甲标题")
    b.column(*cols[0], 180, 8, "甲")
    b.line(cols[1][0] + 2 * EM, 100, cols[3][1] - 2 * EM, h=2 * EM, text="乙标题")
    for k in (1, 2, 3):
        b.column(*cols[k], 180, 8, f"乙{k}")
    y = 180 + 8 * PITCH + 40
    b.line(cols[1][0], y, cols[2][1], h=2 * EM, text="丙标题居中")
    for k in range(4):
        lines = b.column(*cols[k], y + 2 * EM + 20, 10, f"丙{k}")
        lines[-1].text = "未完的句子在" if k < 3 else "完。"
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"]
    assert arts["丙标题"] == arts["丙00"] == arts["丙10"] == arts["丙30"] != arts["甲00"]


def test_a_lower_tier_on_its_own_grid_is_its_vertical_headlines() -> None:
    """Three articles over three columns; a rule under them, broken where the column
    rules meet it; under it a tier on a grid of its own: two wider columns, a column rule
    between them, and a vertical headline at their right. The left column reaches under
    the upper middle headline but lies past the rule; both columns are the vertical
    headline's, though the column rule stands between it and the farther one."""
    b = PageBuilder()
    cols = grid(3)
    for k, name in enumerate(("甲", "乙", "丙")):
        b.line(cols[k][0] + EM, 100, cols[k][1] - EM, h=2 * EM, text=f"{name}标题")
        b.column(*cols[k], 180, 10, name)
    y = 180 + 10 * PITCH + 20
    for k in range(3):
        if k:
            b.vrule((cols[k - 1][1] + cols[k][0]) // 2, 90, y - 8)
        lo = cols[k][0] - (0 if k == 0 else GUTTER // 2 - 4)
        hi = cols[k][1] + (0 if k == 2 else GUTTER // 2 - 4)
        b.hrule(lo, hi, y)
    low = (cols[0][0], 620), (650, 1230)
    b.vline(1270, y + 20, y + 20 + 8 * EM, w=2 * EM, text="丁竖排标题在右")
    b.column(*low[0], y + 20, 12, "丁左")
    b.column(*low[1], y + 20, 12, "丁右")
    b.vrule(635, y + 15, y + 20 + 12 * PITCH)
    page = b.page()
    _run(page)
    arts = _articles(page)
    assert arts["甲标题"] == arts["甲00"] != arts["丁左0"]
    assert arts["丁竖排"] == arts["丁左0"] == arts["丁右0"] is not None
