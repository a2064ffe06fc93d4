"""The link stage on hand-built issues: no model, only regions, lines and text."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitize.model import (
    Article,
    Box,
    Issue,
    JumpMarker,
    Line,
    Page,
    Region,
    RegionType,
    Transform,
)
from digitize.stages.classify import _module_roles
from digitize.stages.link import _assign, link_articles
from digitize.text.folio import (
    normalize_page_label,
    page_label,
    parse_page_number,
    same_page_number,
)
from digitize.text.textutil import ends_sentence, title_similarity

EM = 40.0
T = RegionType


def _jump(raw: str, direction: str, target: str | None) -> JumpMarker:
    """The parsed marker: from the layout engineer's parser when it exists, else built here."""
    try:
        from digitize.text.jumps import parse_jump
    except ImportError:
        return JumpMarker(direction, target, raw)
    parsed: JumpMarker | None = parse_jump(raw)
    assert parsed is not None, raw
    assert parsed.direction == direction, raw
    assert normalize_page_label(parsed.target_page) == normalize_page_label(target), raw
    return parsed


class Builder:
    """Builds one page. Lines starting with two spaces are indented paragraph starts."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.regions: list[Region] = []
        self.y = 100.0

    def add(
        self,
        rtype: RegionType,
        lines: list[str],
        article: str | None,
        *,
        jump: JumpMarker | None = None,
        em: float = EM,
    ) -> Region:
        rid = f"p{self.n}r{len(self.regions) + 1:03d}"
        out: list[Line] = []
        for k, text in enumerate(lines):
            indented = text.startswith("  ")
            body = text.strip()
            x0 = 100.0 + (2 * em if indented else 0.0)
            box = Box(x0, self.y, x0 + em * max(1, len(body)), self.y + em)
            out.append(Line(f"{rid}l{k}", box, body, 0.9, paragraph_start=indented or k == 0))
            self.y += em * 1.5
        box = Box.hull(ln.box for ln in out) if out else Box(100, self.y, 900, self.y + 400)
        self.y += 50
        region = Region(rid, rtype, box, out, article_id=article, jump=jump)
        self.regions.append(region)
        return region

    def page(self, stem: str | None = None, printed: str | None = None) -> Page:
        order = [r.id for r in self.regions if r.type.is_text]
        return Page(
            number=self.n,
            file=Path(f"{stem or f'page-{self.n}'}.png"),
            stem=stem or f"page-{self.n}",
            transform=Transform.identity(2520, 3620),
            printed_number=printed,
            regions=self.regions,
            reading_order=order,
        )


def _folio(b: Builder, label: str) -> None:
    b.add(T.MASTHEAD, [f"第{label}版 综合"], None)


def _issue(*pages: Page) -> Issue:
    issue = Issue("tst", Path("."), list(pages))
    link_articles(issue)
    return issue


def _by_title(issue: Issue, title: str) -> Article:
    for a in issue.articles:
        if a.title.replace(" ", "") == title.replace(" ", ""):
            return a
    raise AssertionError(f"no article {title!r} in {[a.title for a in issue.articles]}")


# --------------------------------------------------------------------------- page numbers


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("第四版", "4"),
        ("4版", "4"),
        ("A4", "A4"),
        ("04", "4"),
        ("第4版", "4"),
        ("第 4 版  综合", "4"),
        ("第十二版", "12"),
        ("第廿三版", "23"),
        ("第一〇版", "10"),  # digit by digit, read as jump markers read it
        ("B03版 要闻", "B3"),
        ("第４版", "4"),  # full-width digit
        ("第2087期 今日四版", None),  # pages in the issue, not this page's number
        ("第5200期今日十二版", None),  # not "二版" from the middle of the count
        ("共16版", None),
        ("共8版", None),
        ("2019年12月19日 星期四", None),
        ("国内统一刊号 CN32-0062", None),
        ("金坛时报", None),
        ("", None),
    ],
)
def test_parse_page_number(text: str, label: str | None) -> None:
    assert parse_page_number(text) == label


def test_normalize_page_label_accepts_bare_numerals() -> None:
    assert normalize_page_label("四") == "4"
    assert normalize_page_label("04") == "4"
    assert normalize_page_label("a3") == "A3"
    assert normalize_page_label(None) is None


def test_printed_numbers_from_folio_then_file_name_then_sequence() -> None:
    b1 = Builder(1)
    b1.add(T.MASTHEAD, ["金坛时报"], None)
    b1.add(T.MASTHEAD, ["第2087期 今日四版"], None)  # must not make this page 4
    p1 = b1.page(stem="page-1")
    b2 = Builder(2)
    b2.add(T.MASTHEAD, ["金坛时报", "第四版 综合"], None)
    p2 = b2.page(stem="page-7")  # folio wins over the file name
    p3 = Builder(3).page(stem="scan-20191219")  # a date is not a page number
    p4 = Builder(4).page(stem="x", printed="第六版")  # set by classify: kept, normalised
    assert [page_label(p) for p in (p1, p2, p3, p4)] == ["1", "4", "3", "6"]
    issue = _issue(p1, p2, p3, Builder(5).page(stem="page-05"))
    assert [p.printed_number for p in issue.pages] == ["1", "4", "3", "5"]


# --------------------------------------------------------------------------- text rules


def test_title_similarity_handles_shortened_headlines() -> None:
    full = "突出重大项目引领 抢抓机遇接续奋斗 为常州高质量发展贡献金坛力量"
    assert title_similarity("为常州高质量发展贡献金坛力量", full) == 1.0
    assert title_similarity(full, "突出重大项目引领") == 1.0  # symmetric
    assert title_similarity("为常州高质量发晨贡献金坛力量", full) > 0.9  # one OCR slip
    assert title_similarity("长荡湖青虾喜获丰收", full) < 0.3
    # Two characters found somewhere are weak evidence.
    assert title_similarity("金坛", full) <= 0.5
    assert title_similarity("", full) == 0.0


def test_headlines_of_one_pattern_with_other_figures_are_other_stories() -> None:
    original = "松林村老旧小区改造提速 惠及居民848户"
    assert title_similarity("老旧小区改造提速 惠及居民848户", original) == 1.0
    assert title_similarity("老旧小区改造提速", original) == 1.0  # shortened, figure dropped
    assert title_similarity("桃源社区老旧小区改造提速 惠及居民692户", original) == 0.0
    assert (
        title_similarity("就业服务进社区 898个岗位等你来", "就业服务进社区 120个岗位等你来") == 0.0
    )


def test_ends_sentence_looks_through_closing_quotes() -> None:
    assert ends_sentence("他说：“很好。”")
    assert ends_sentence("真的吗？")
    assert not ends_sentence("罚款合计2.4")
    assert not ends_sentence("主要从事天线、射频前端器")
    assert not ends_sentence("罚款合计2.4万元），")


def test_article_fields_and_text_merge_rules() -> None:
    b1 = Builder(1)
    _folio(b1, "一")
    b1.add(T.KICKER, ["汪泉来坛督查重点项目时强调——"], "p1_a1")
    b1.add(T.HEADLINE, ["突出重大项目引领", "为常州高质量发展贡献金坛力量"], "p1_a1", em=80)
    b1.add(T.BYLINE, ["本报记者 周 颖"], "p1_a1")
    photo = b1.add(T.PHOTO, [], "p1_a1")
    b1.add(T.BODY, ["  本报讯 12月18日，推进会", "在我区举行。", "  汪泉一行先后实地"], "p1_a1")
    # Column break inside a paragraph: the next column's first line is flush.
    b1.add(T.BODY, ["督查了蜂巢能源项目。", "  今年10月9日开园的信维通信射", "频前端器"], "p1_a1")
    out = b1.add(T.JUMP, ["（下转第四版）"], "p1_a1", jump=_jump("（下转第四版）", "out", "4"))
    b1.add(T.CAPTION, ["汪泉督查项目 鲁婷 摄"], "p1_a1")
    b2 = Builder(2)
    _folio(b2, "四")
    b2.add(T.HEADLINE, ["为常州高质量发展贡献金坛力量"], "p2_a1", em=60)
    inn = b2.add(T.JUMP, ["（上接第一版）"], "p2_a1", jump=_jump("（上接第一版）", "in", "1"))
    b2.add(T.BODY, ["件及模组等业务。", "  督查中，汪泉强调。"], "p2_a1")
    # A column break that falls on a sentence end but starts an indented paragraph.
    b2.add(T.BODY, ["  区委主要负责人表示", "，为明年打下基础。"], "p2_a1")
    b2.add(T.BYLINE, ["臧风华"], "p2_a1")
    issue = _issue(b1.page(), b2.page())

    assert len(issue.articles) == 1
    art = issue.articles[0]
    assert art.id == "tst-p1-a1"
    # A line break between two Chinese characters is never a space in a title.
    assert art.title == "突出重大项目引领为常州高质量发展贡献金坛力量"
    assert art.kicker == "汪泉来坛督查重点项目时强调——"
    assert art.byline == "本报记者 周 颖 臧风华"
    assert art.captions == ["汪泉督查项目 鲁婷 摄"]
    assert art.text == "\n".join(
        [
            "本报讯12月18日，推进会在我区举行。",
            "汪泉一行先后实地督查了蜂巢能源项目。",
            "今年10月9日开园的信维通信射频前端器件及模组等业务。",
            "督查中，汪泉强调。",
            "区委主要负责人表示，为明年打下基础。",
        ]
    )
    for unwanted in ("下转", "上接", "鲁婷", "臧风华", "本报记者", "——"):
        assert unwanted not in art.text
    assert art.confidence == pytest.approx(0.9)
    # Every region of the article, the photo too (placed where it sits on the page).
    first = art.parts[0].region_ids
    assert first[:4] == ["p1r002", "p1r003", "p1r004", photo.id]
    assert out.id in first and first[-1] == "p1r009"
    assert art.parts[1].region_ids[:2] == ["p2r002", inn.id]
    assert {r.article_id for p in issue.pages for r in p.regions if r.type != T.MASTHEAD} == {
        art.id
    }
    (link,) = issue.jumps
    assert (link.from_region, link.to_region) == (out.id, inn.id)
    assert link.evidence["marker_match"] is True
    assert link.evidence["first_part_ends_mid_sentence"] is True
    assert link.evidence["headline_similarity"] == 1.0
    assert issue.unresolved_jumps == []


def test_page_break_after_a_full_stop_starts_a_new_paragraph() -> None:
    b1 = Builder(1)
    b1.add(T.HEADLINE, ["金坛重点项目规模大"], "a")
    b1.add(T.BODY, ["  项目建成投产。"], "a")
    b1.add(T.JUMP, ["下转4版"], "a", jump=_jump("下转4版", "out", "4"))
    b2 = Builder(2)
    _folio(b2, "4")
    b2.add(T.JUMP, ["上接1版"], "b", jump=_jump("上接1版", "in", "1"))
    b2.add(T.BODY, ["希望金坛更加关注。"], "b")
    issue = _issue(b1.page(), b2.page())
    (art,) = issue.articles
    assert art.text == "项目建成投产。\n希望金坛更加关注。"


# --------------------------------------------------------------------------- linking


_SHRIMP = ("长荡湖青虾喜获丰收", "本报讯 今年的虾个头大。")
_OTHER = ("其他新闻", "本报讯 其他内容。")


def _unrelated(b: Builder, aid: str, story: tuple[str, str] = _SHRIMP) -> None:
    """A short article of its own (headline, indented body) beside the one under test."""
    title, body = story
    b.add(T.HEADLINE, [title], aid)
    b.add(T.BODY, [f"  {body}"], aid)


def _first_part(b: Builder, aid: str, title: str, body: str, target: str) -> Region:
    b.add(T.HEADLINE, [title], aid, em=70)
    b.add(T.BODY, [f"  {body}"], aid)
    raw = f"（下转第{target}版）"
    return b.add(T.JUMP, [raw], aid, jump=_jump(raw, "out", target))


def _continuation(
    b: Builder, aid: str, title: str | None, body: str, source: str | None, raw: str | None = None
) -> Region | None:
    if title is not None:
        b.add(T.HEADLINE, [title], aid, em=60)
    marker = None
    if source is not None or raw is not None:
        raw = raw or f"（上接第{source}版）"
        marker = b.add(T.JUMP, [raw], aid, jump=_jump(raw, "in", source))
    b.add(T.BODY, [body], aid)
    return marker


def test_two_jumps_leaving_one_page() -> None:
    b1 = Builder(1)
    _folio(b1, "一")
    _first_part(
        b1, "p1_a1", "突出重大项目引领 为常州高质量发展贡献金坛力量", "信维通信射频前端器", "四"
    )
    b1.add(T.HEADLINE, ["与会者普遍认为"], "p1_a2")
    b1.add(T.BODY, ["  本报讯 项目规模大、质量高。"], "p1_a2")
    _first_part(b1, "p1_a3", "深化教育医疗改革 绘制幸福民生图", "我区积极持续改善", "四")
    b4 = Builder(2)
    _folio(b4, "四")
    # Printed in the other order, plus an unrelated article between them.
    _continuation(b4, "p2_a1", "深化教育医疗改革 绘制幸福民生图", "城乡就医环境。", "一")
    _unrelated(b4, "p2_a2")
    _continuation(b4, "p2_a3", "为常州高质量发展贡献金坛力量", "件及模组。", "一")
    issue = _issue(b1.page(), b4.page())

    assert len(issue.articles) == 4
    a1 = _by_title(issue, "突出重大项目引领 为常州高质量发展贡献金坛力量")
    a3 = _by_title(issue, "深化教育医疗改革 绘制幸福民生图")
    assert a1.text == "信维通信射频前端器件及模组。"
    assert a3.text == "我区积极持续改善城乡就医环境。"
    assert [p.page for p in a1.parts] == [1, 2]
    assert len(issue.jumps) == 2
    assert all(j.evidence["marker_match"] for j in issue.jumps)
    assert issue.unresolved_jumps == []
    # The unrelated article keeps its own id and first page.
    shrimp = _by_title(issue, "长荡湖青虾喜获丰收")
    assert shrimp.id == "tst-p2-a2"
    # Continuation regions carry the first part's id.
    assert b4.regions[1].article_id == a3.id


def test_identical_markers_without_headlines_pair_in_printed_order() -> None:
    b1 = Builder(1)
    _first_part(b1, "a", "第一篇文章的标题", "甲文开头", "2")
    _first_part(b1, "b", "第二篇文章的标题", "乙文开头", "2")
    b2 = Builder(2)
    _continuation(b2, "c", None, "甲文结尾。", "1")
    _continuation(b2, "d", None, "乙文结尾。", "1")
    issue = _issue(b1.page(), b2.page())
    assert _by_title(issue, "第一篇文章的标题").text == "甲文开头甲文结尾。"
    assert _by_title(issue, "第二篇文章的标题").text == "乙文开头乙文结尾。"


def test_a_repeated_headline_read_as_text_pairs_its_continuation() -> None:
    """Two jumps to one page, printed in the opposite order there; neither continuation
    has a headline, but one opens with the article's headline read as a line of text
    (set near body size in a narrow module): it pairs with that article, against the
    printed order."""
    b1 = Builder(1)
    _first_part(b1, "a", "雨雪天气来袭 区人社局提醒注意出行安全", "甲文开头", "2")
    _first_part(b1, "b", "河口镇打造十五分钟生活圈 家门口服务更贴心", "乙文开头", "2")
    b2 = Builder(2)
    b2.add(T.BODY, ["河口镇打造十五分钟生活圈", "家门口服务更贴心"], "c")
    raw = "（上接第1版）"
    b2.add(T.JUMP, [raw], "c", jump=_jump(raw, "in", "1"))
    b2.add(T.BODY, ["乙文结尾。"], "c")
    _continuation(b2, "d", None, "甲文结尾。", "1")
    issue = _issue(b1.page(), b2.page())
    assert _by_title(issue, "雨雪天气来袭 区人社局提醒注意出行安全").text == "甲文开头甲文结尾。"
    second = _by_title(issue, "河口镇打造十五分钟生活圈 家门口服务更贴心")
    assert [p.page for p in second.parts] == [1, 2]
    assert second.text.endswith("乙文结尾。")


def test_identical_markers_pair_where_the_word_cut_at_the_break_is_the_issues() -> None:
    """Two continuations with the same 上接 marker and no headline, printed in the other
    order: the words cut at the breaks ("细化措|施", "群|众") are words the issue uses
    elsewhere, and they decide against printed order."""
    b1 = Builder(1)
    _first_part(b1, "a", "第一篇文章的标题", "各部门要压实责任、细化措", "2")
    _first_part(b1, "b", "第二篇文章的标题", "持续改善公共服务，群", "2")
    b1.add(T.HEADLINE, ["其他新闻"], "c")
    b1.add(T.BODY, ["  本报讯 细化措施，群众满意。"], "c")
    b2 = Builder(2)
    _continuation(b2, "d", None, "众获得感不断增强。", "1")
    _continuation(b2, "e", None, "施，确保落到实处。", "1")
    issue = _issue(b1.page(), b2.page())
    first = _by_title(issue, "第一篇文章的标题")
    assert first.text == "各部门要压实责任、细化措施，确保落到实处。"
    assert _by_title(issue, "第二篇文章的标题").text == "持续改善公共服务，群众获得感不断增强。"
    assert issue.jumps[0].evidence["word_join"] == 1.0


def test_bare_continuations_are_not_guessed() -> None:
    """Body text on the target page with neither a 上接 marker nor a repeated headline is
    no evidence of which article it continues: precision first, the jumps are reported."""
    b1 = Builder(1)
    _first_part(b1, "a", "第一篇文章的标题", "甲文开头", "2")
    _first_part(b1, "b", "第二篇文章的标题", "乙文开头", "2")
    b2 = Builder(2)
    b2.add(T.BODY, ["甲文结尾。"], "c")  # no headline, no 上接 marker
    b2.add(T.BODY, ["乙文结尾。"], "d")
    issue = _issue(b1.page(), b2.page())
    assert _by_title(issue, "第一篇文章的标题").text == "甲文开头"
    assert _by_title(issue, "第二篇文章的标题").text == "乙文开头"
    assert issue.jumps == []
    assert [u["reason"] for u in issue.unresolved_jumps] == [
        "no 上接 marker or headline match on page 2"
    ] * 2


def test_chain_over_three_pages() -> None:
    b1 = Builder(1)
    _folio(b1, "1")
    _first_part(b1, "x", "重点项目建设提速", "第一段到此", "4")
    b4 = Builder(2)
    _folio(b4, "4")
    _continuation(b4, "y", "重点项目建设提速", "为止，第二段到此", "1")
    b4.add(T.JUMP, ["（下转第六版）"], "y", jump=_jump("（下转第六版）", "out", "6"))
    _unrelated(b4, "z", _OTHER)
    b6 = Builder(3)
    _folio(b6, "6")
    _continuation(b6, "w", "项目建设提速", "为止。", "4")
    issue = _issue(b1.page(), b4.page(), b6.page())

    art = _by_title(issue, "重点项目建设提速")
    assert [p.page for p in art.parts] == [1, 2, 3]
    assert art.text == "第一段到此为止，第二段到此为止。"
    assert [(j.from_page, j.to_page) for j in issue.jumps] == [(1, 2), (2, 3)]
    assert {j.article_id for j in issue.jumps} == {art.id}
    assert len(issue.articles) == 2


def test_a_part_continued_again_is_matched_by_its_articles_headline() -> None:
    """1 → 2 → 4 beside another jump 2 → 4: the part on page 2 has no headline of its own,
    so its continuation on page 4 is recognised by the headline of page 1 (printed order
    alone pairs them crosswise here)."""
    b1 = Builder(1)
    _folio(b1, "1")
    _first_part(b1, "a", "办好民生实事提升群众幸福感", "民生工程第一段", "2")
    b2 = Builder(2)
    _folio(b2, "2")
    _continuation(b2, "a2", None, "，民生工程第二段", "1")
    b2.add(T.JUMP, ["（下转第4版）"], "a2", jump=_jump("（下转第4版）", "out", "4"))
    b2.add(T.BODY, ["  本报讯 少年宫开学第一段"], "b")
    b2.add(T.JUMP, ["（下转第4版）"], "b", jump=_jump("（下转第4版）", "out", "4"))
    b4 = Builder(3)
    _folio(b4, "4")
    _continuation(b4, "bc", "区少年宫迎来新学期", "，少年宫开学第二段。", "2")
    _continuation(b4, "ac", "办好民生实事", "，民生工程第三段。", "2")
    issue = _issue(b1.page(), b2.page(), b4.page())

    art = _by_title(issue, "办好民生实事提升群众幸福感")
    assert [p.page for p in art.parts] == [1, 2, 3]
    assert art.text == "民生工程第一段，民生工程第二段，民生工程第三段。"
    other = next(a for a in issue.articles if a is not art and "少年宫" in a.text)
    assert other.text == "本报讯少年宫开学第一段，少年宫开学第二段。"


def test_a_continuation_repeating_another_headline_is_not_joined() -> None:
    """The marker pair matches, but the continuation repeats a headline unlike the
    article's: it continues another article (whose 下转 was missed), so no join."""
    b1 = Builder(1)
    _first_part(b1, "a", "云溪职业技术学院迎来新学期", "学院开学第一段", "2")
    b2 = Builder(2)
    _continuation(b2, "c", "西岭乡螃蟹喜获丰收", "，螃蟹丰收第二段。", "1")
    issue = _issue(b1.page(), b2.page())
    assert issue.jumps == []
    assert len(issue.articles) == 2
    (left,) = [u for u in issue.unresolved_jumps if u["direction"] == "out"]
    assert left["marker"] == "（下转第2版）"


@pytest.mark.parametrize(
    ("out_raw", "out_target", "in_raw", "in_source"),
    [
        ("（下转第四版）", "4", "（上接第一版）", "1"),
        ("下转4版", "4", "上接1版", "1"),
        ("（转第4版）", "4", "（接第1版）", "1"),
        ("（下转第四版）", "4", "（续第一版）", "1"),
        ("（下转A4版）", "A4", "（上接A1版）", "A1"),
    ],
)
def test_marker_forms(out_raw: str, out_target: str, in_raw: str, in_source: str) -> None:
    b1 = Builder(1)
    b1.add(T.MASTHEAD, [f"第{in_source}版"] if in_source[0].isdigit() else [in_source], None)
    b1.add(T.HEADLINE, ["绘制幸福民生图"], "a")
    b1.add(T.BODY, ["  我区积极持续改善"], "a")
    out = b1.add(T.JUMP, [out_raw], "a", jump=_jump(out_raw, "out", out_target))
    b2 = Builder(2)
    b2.add(T.MASTHEAD, [f"{out_target}版"] if out_target[0].isdigit() else [out_target], None)
    inn = b2.add(T.JUMP, [in_raw], "b", jump=_jump(in_raw, "in", in_source))
    b2.add(T.BODY, ["城乡就医环境。"], "b")
    issue = _issue(b1.page(), b2.page())
    (art,) = issue.articles
    assert art.text == "我区积极持续改善城乡就医环境。"
    (link,) = issue.jumps
    assert (link.from_region, link.to_region) == (out.id, inn.id)
    assert link.evidence["out_marker"] == out_raw
    assert link.evidence["in_marker"] == in_raw


@pytest.mark.parametrize("second", ["A3", "B3"])
def test_jumps_without_the_section_letter(second: str) -> None:
    """Pages A1 and A3 print 下转3版 / 接第1版: the bare numbers name them. With a second
    page 3 of another section (A3 beside B3) 下转3版 alone is ambiguous: without a 上接
    marker to settle it, nothing joins."""
    b1 = Builder(1)
    b1.add(T.MASTHEAD, ["A1"], None)
    _first_part(b1, "a", "绘制幸福民生图", "我区积极持续改善", "3")
    pages = [b1.page()]
    if second == "B3":
        other = Builder(2)
        other.add(T.MASTHEAD, ["B3"], None)
        _unrelated(other, "o")
        pages.append(other.page())
    b3 = Builder(len(pages) + 1)
    b3.add(T.MASTHEAD, ["A3"], None)
    if second == "A3":
        _continuation(b3, "b", None, "城乡就医环境。", "1", raw="（接第1版）")
    else:
        _continuation(b3, "b", None, "城乡就医环境。", None)
    issue = _issue(*pages, b3.page())
    if second == "A3":
        assert len(issue.jumps) == 1
        assert _by_title(issue, "绘制幸福民生图").text == "我区积极持续改善城乡就医环境。"
    else:
        assert issue.jumps == []
    assert same_page_number("A3", "3") and same_page_number("3", "A3")
    assert not same_page_number("A3", "B3") and not same_page_number("A3", "13")


def test_jie_shang_ban_means_the_previous_page() -> None:
    b1 = Builder(1)
    _first_part(b1, "a", "茅山脚下的共享菜园", "一块地、一把锄头", "2")
    b2 = Builder(2)
    b2.add(T.HEADLINE, ["冬季消防安全大检查"], "c")
    b2.add(T.BODY, ["  本报讯 进入冬季。"], "c")
    inn = _continuation(b2, "b", None, "、几袋种子。", None, raw="（接上版）")
    issue = _issue(b1.page(), b2.page())
    art = _by_title(issue, "茅山脚下的共享菜园")
    assert art.text == "一块地、一把锄头、几袋种子。"
    (link,) = issue.jumps
    assert inn is not None and link.to_region == inn.id
    assert issue.unresolved_jumps == []


def test_jie_shang_ban_on_first_page_is_reported() -> None:
    b1 = Builder(1)
    b1.add(T.JUMP, ["（接上版）"], "a", jump=_jump("（接上版）", "in", None))
    b1.add(T.BODY, ["正文。"], "a")
    issue = _issue(b1.page())
    (u,) = issue.unresolved_jumps
    assert u["reason"] == "接上版 on the first page of the issue"
    assert u["marker"] == "（接上版）"
    assert u["article_id"] == issue.articles[0].id


def test_continuation_without_repeated_headline() -> None:
    b1 = Builder(1)
    _first_part(b1, "a", "奋斗的力量 崛起的金坛", "丰硕成果的取得", "2")
    b2 = Builder(2)
    _unrelated(b2, "s")
    _continuation(b2, "c", None, "，取决于优良的营商环境。", "1")
    issue = _issue(b1.page(), b2.page())
    art = _by_title(issue, "奋斗的力量 崛起的金坛")
    assert art.text == "丰硕成果的取得，取决于优良的营商环境。"
    (link,) = issue.jumps
    assert link.evidence["headline_similarity"] == 0.0
    assert link.evidence["marker_match"] is True


def test_continuation_without_headline_or_marker_is_not_joined() -> None:
    """Text that runs on is not enough: on the corpus every such join was wrong (the
    continuation had a marker or headline the detector split off, and another module took
    its place)."""
    b1 = Builder(1)
    _first_part(b1, "a", "奋斗的力量 崛起的金坛", "丰硕成果的取得", "2")
    b2 = Builder(2)
    _unrelated(b2, "s")
    b2.add(T.BODY, ["取决于优良的营商环境。"], "c")
    issue = _issue(b1.page(), b2.page())
    art = _by_title(issue, "奋斗的力量 崛起的金坛")
    assert [p.page for p in art.parts] == [1]
    assert issue.jumps == []
    (u,) = issue.unresolved_jumps
    assert u["marker"] == "（下转第2版）"


def test_shortened_headline_links_without_in_marker() -> None:
    b1 = Builder(1)
    b1.add(T.KICKER, ["汪泉来坛督查重点项目时强调——"], "a")
    _first_part(
        b1, "a", "突出重大项目引领 抢抓机遇接续奋斗 为常州高质量发展贡献金坛力量", "射频前端器", "2"
    )
    b2 = Builder(2)
    _unrelated(b2, "s")
    _continuation(b2, "c", "为常州高质量发展贡献金坛力量", "件及模组。", None)
    issue = _issue(b1.page(), b2.page())
    art = issue.articles[0]
    assert art.title.startswith("突出重大项目引领")
    assert art.text == "射频前端器件及模组。"
    (link,) = issue.jumps
    assert link.evidence["marker_match"] is False
    assert link.evidence["headline_similarity"] == 1.0


def test_missing_target_page_is_reported_not_dropped() -> None:
    b1 = Builder(1)
    _folio(b1, "一")
    out = _first_part(b1, "a", "深化教育医疗改革", "我区积极持续改善", "六")
    b4 = Builder(2)
    _folio(b4, "四")
    _unrelated(b4, "s")
    issue = _issue(b1.page(), b4.page())
    art = _by_title(issue, "深化教育医疗改革")
    assert [p.page for p in art.parts] == [1]
    assert art.text == "我区积极持续改善"
    assert issue.jumps == []
    (u,) = issue.unresolved_jumps
    assert u["reason"] == "target page 6 not in issue"
    assert u["marker"] == "（下转第六版）"
    assert (u["region"], u["page"], u["article_id"]) == (out.id, 1, art.id)


def _unread_folio_issue(back: str, stem: str = "scan-003") -> Issue:
    """Pages 1 and 2 print their folio; the third page's folio was not read and its file
    name says 3, but it is page 4, which page 2's jump leads to."""
    b1 = Builder(1)
    _folio(b1, "一")
    _unrelated(b1, "s")
    b2 = Builder(2)
    _folio(b2, "二")
    _first_part(b2, "a", "深化教育医疗改革", "我区积极持续改善", "4")
    b3 = Builder(3)
    _unrelated(b3, "t", _OTHER)
    _continuation(b3, "c", None, "城乡就医环境。", back)
    return _issue(b1.page(), b2.page(), b3.page(stem=stem))


def test_a_page_without_a_read_folio_is_named_by_the_jump_that_leads_there() -> None:
    issue = _unread_folio_issue("2")
    assert [p.printed_number for p in issue.pages] == ["1", "2", "4"]
    art = _by_title(issue, "深化教育医疗改革")
    assert [p.page for p in art.parts] == [2, 3]
    assert art.text == "我区积极持续改善城乡就医环境。"
    assert issue.unresolved_jumps == []


def test_a_jump_names_an_unread_page_only_where_its_continuation_points_back() -> None:
    issue = _unread_folio_issue("1")  # the 上接 marker names another page
    assert [p.printed_number for p in issue.pages] == ["1", "2", "3"]
    assert issue.jumps == []


def test_a_jump_does_not_name_an_unread_page_out_of_printed_order() -> None:
    b1 = Builder(1)
    _folio(b1, "一")
    _first_part(b1, "a", "深化教育医疗改革", "我区积极持续改善", "6")
    b2 = Builder(2)
    _continuation(b2, "c", None, "城乡就医环境。", "1")
    b3 = Builder(3)
    _folio(b3, "四")
    _unrelated(b3, "s")
    issue = _issue(b1.page(stem="x"), b2.page(stem="y"), b3.page(stem="z"))
    assert [p.printed_number for p in issue.pages] == ["1", "2", "4"]  # 6 would follow 4


def test_no_continuation_on_target_page_is_reported() -> None:
    b1 = Builder(1)
    _first_part(b1, "a", "深化教育医疗改革", "我区积极持续改善", "2")
    b2 = Builder(2)
    _unrelated(b2, "s")
    b2.add(T.JUMP, ["（上接第三版）"], "s", jump=_jump("（上接第三版）", "in", "3"))
    issue = _issue(b1.page(), b2.page())
    reasons = {u["marker"]: u["reason"] for u in issue.unresolved_jumps}
    assert reasons == {
        "（下转第2版）": "no 上接 marker or headline match on page 2",
        "（上接第三版）": "source page 3 not in issue",
    }
    assert issue.jumps == []


def test_missed_out_marker_is_found_from_the_in_marker() -> None:
    b1 = Builder(1)
    b1.add(T.HEADLINE, ["深化教育医疗改革 绘制幸福民生图"], "a")
    b1.add(T.BODY, ["  我区积极持续改善"], "a")  # its 下转 line was not recognised
    _unrelated(b1, "o", _OTHER)
    b2 = Builder(2)
    inn = _continuation(b2, "c", "绘制幸福民生图", "城乡就医环境。", "1")
    issue = _issue(b1.page(), b2.page())
    art = _by_title(issue, "深化教育医疗改革 绘制幸福民生图")
    assert art.text == "我区积极持续改善城乡就医环境。"
    (link,) = issue.jumps
    assert link.from_region is None and inn is not None and link.to_region == inn.id
    assert issue.unresolved_jumps == []


def test_jump_line_left_outside_articles_joins_its_neighbour() -> None:
    b1 = Builder(1)
    b1.add(T.HEADLINE, ["深化教育医疗改革"], "a")
    b1.add(T.BODY, ["  我区积极持续改善"], "a")
    out = b1.add(T.JUMP, ["（下转第二版）"], None, jump=_jump("（下转第二版）", "out", "2"))
    b2 = Builder(2)
    inn = b2.add(T.JUMP, ["（上接第一版）"], None, jump=_jump("（上接第一版）", "in", "1"))
    b2.add(T.BODY, ["城乡就医环境。"], "c")
    issue = _issue(b1.page(), b2.page())
    (art,) = issue.articles
    assert out.article_id == inn.article_id == art.id
    assert art.text == "我区积极持续改善城乡就医环境。"


def test_jump_line_inside_body_text_is_used_and_removed() -> None:
    pytest.importorskip("digitize.text.jumps")
    b1 = Builder(1)
    b1.add(T.HEADLINE, ["深化教育医疗改革"], "a")
    b1.add(T.BODY, ["  我区积极持续改善", "（下转第二版）"], "a")
    b2 = Builder(2)
    b2.add(T.BODY, ["（上接第一版）", "城乡就医环境。"], "c")
    issue = _issue(b1.page(), b2.page())
    (art,) = issue.articles
    assert art.text == "我区积极持续改善城乡就医环境。"
    (link,) = issue.jumps
    assert link.evidence["marker_in_body_text"] is True


def test_linking_twice_gives_the_same_result() -> None:
    b1 = Builder(1)
    _first_part(b1, "p1_a1", "重点项目建设提速", "第一段到此", "2")
    b2 = Builder(2)
    _unrelated(b2, "p2_a1", _OTHER)
    _continuation(b2, "p2_a2", "重点项目建设提速", "为止。", "1")
    issue = _issue(b1.page(), b2.page())
    first = [(a.id, a.text, [p.region_ids for p in a.parts]) for a in issue.articles]
    link_articles(issue)
    assert [(a.id, a.text, [p.region_ids for p in a.parts]) for a in issue.articles] == first
    assert [a.id for a in issue.articles] == ["tst-p1-a1", "tst-p2-a1"]


# --------------------------------------------------------------------------- assignment


def test_assignment_is_global_not_greedy() -> None:
    # Greedy would give row 0 its best column 0 and leave row 1 with nothing.
    big = 1e6
    cost = [[-0.9, -0.85, 0.0, big], [-0.8, big, big, 0.0]]
    assert _assign(cost) == [1, 0]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(-1, 1, allow_nan=False), min_size=n + 2, max_size=n + 2),
            min_size=n,
            max_size=n,
        )
    )
)
def test_assignment_is_optimal(cost: list[list[float]]) -> None:
    cols = _assign(cost)
    assert len(set(cols)) == len(cols)
    got = sum(cost[i][j] for i, j in enumerate(cols))
    best = min(
        sum(cost[i][j] for i, j in enumerate(perm))
        for perm in itertools.permutations(range(len(cost[0])), len(cost))
    )
    assert got == pytest.approx(best)


# --------------------------------------------------------------------------- headings


def _resize(region: Region, sizes: list[float]) -> None:
    """Give each line of a region its own em size (display lines differ in size)."""
    y = region.box.y0
    for ln, em in zip(region.lines, sizes, strict=True):
        ln.box = Box(ln.box.x0, y, ln.box.x0 + em * len(ln.text), y + em)
        y += em * 1.2
    region.box = Box.hull(ln.box for ln in region.lines)


def test_kicker_line_inside_a_headline_region_is_not_part_of_the_title() -> None:
    b = Builder(1)
    head = b.add(T.HEADLINE, ["与会者普遍认为——", "金坛重点项目规模大、质量高"], "a")
    _resize(head, [52, 61])
    b.add(T.BODY, ["  本报讯 项目规模大。"], "a")
    (art,) = _issue(b.page()).articles
    assert art.title == "金坛重点项目规模大、质量高"
    assert art.kicker == "与会者普遍认为——"


def test_a_single_character_typed_headline_takes_no_part_in_the_title() -> None:
    """A paragraph's last cell ("慰") boxed apart and typed headline by its size, however
    large its box, neither is nor joins the module's title."""
    b = Builder(1)
    _resize(b.add(T.HEADLINE, ["商會請求減輕稅捐"], "a"), [50])
    _resize(b.add(T.HEADLINE, ["慰"], "a"), [64])
    b.add(T.BODY, ["  各校運動會將於下週舉行。"], "a")
    (art,) = _issue(b.page()).articles
    assert art.title == "商會請求減輕稅捐"


def test_subtitle_line_inside_a_headline_region_is_split_off() -> None:
    b = Builder(1)
    head = b.add(T.HEADLINE, ["我区开展冬季消防安全大检查", "——排查隐患136处 现场整改98处"], "a")
    _resize(head, [77, 55])
    b.add(T.BODY, ["  本报讯 进入冬季。"], "a")
    (art,) = _issue(b.page()).articles
    assert art.title == "我区开展冬季消防安全大检查"
    assert art.subtitle == "——排查隐患136处 现场整改98处"


@pytest.mark.parametrize(
    ("lines", "sizes"),
    [
        (["代表委员热议：", "高质量发展开新局"], [60, 60]),  # same size: a two-line title
        (["高质量发展开新局"], [60]),
        (["春风十里——", "不如你"], [60, 45]),  # the smaller line is below, not a kicker
    ],
)
def test_headline_lines_of_one_size_stay_in_the_title(lines: list[str], sizes: list[float]) -> None:
    b = Builder(1)
    _resize(b.add(T.HEADLINE, lines, "a"), sizes)
    b.add(T.BODY, ["  正文。"], "a")
    (art,) = _issue(b.page()).articles
    assert art.title == "".join(lines)
    assert art.kicker == ""


def test_one_line_body_region_ending_in_a_dash_above_the_headline_is_a_kicker() -> None:
    """The region typer (classify) retypes it; the article takes it as its kicker."""
    b = Builder(1)
    kicker = b.add(T.BODY, ["与会代表普遍认为——"], "a", em=32)
    b.add(T.HEADLINE, ["桃源社区建成智慧停车场"], "a", em=58)
    b.add(T.BODY, ["  本报讯 停车场建成。"], "a")
    page = b.page()
    _module_roles(page, EM)
    assert kicker.type is T.KICKER
    issue = _issue(page)
    (art,) = issue.articles
    assert art.kicker == "与会代表普遍认为——"
    assert art.title == "桃源社区建成智慧停车场"
    assert art.text == "本报讯停车场建成。"
    assert kicker.type is T.KICKER


def test_sign_off_name_left_as_body_becomes_the_byline() -> None:
    b = Builder(1)
    b.add(T.HEADLINE, ["雨雪天气来袭"], "a", em=60)
    body = b.add(T.BODY, ["  据区气象局预报，未来三天", "以阴天为主。"], "a")
    name = b.add(T.BODY, ["贾颖杨"], "a")
    name.lines[0].box = Box(body.box.x1 - 3 * EM, name.box.y0, body.box.x1, name.box.y1)
    name.box = name.lines[0].box
    page = b.page()
    _module_roles(page, EM)  # the region typer (classify)
    assert name.type is T.BYLINE
    (art,) = _issue(page).articles
    assert art.byline == "贾颖杨"
    assert art.text == "据区气象局预报，未来三天以阴天为主。"
    assert name.type is T.BYLINE


def test_short_last_paragraph_flush_left_stays_body() -> None:
    b = Builder(1)
    b.add(T.HEADLINE, ["雨雪天气来袭"], "a", em=60)
    b.add(T.BODY, ["  据区气象局预报，未来三天", "以阴天为主。"], "a")
    b.add(T.BODY, ["  好天气"], "a")
    (art,) = _issue(b.page()).articles
    assert art.byline == ""
    assert art.text.endswith("好天气")


# --------------------------------------------------------------------------- jump markers

# Every marker form of the issue, as printed and as OCR returns it.
_MARKER_FORMS = [
    ("下转第四版", "out", "4"), ("下转4版", "out", "4"), ("转第七版", "out", "7"),
    ("转7版", "out", "7"), ("转A3版", "out", "A3"), ("上接第一版", "in", "1"),
    ("上接1版", "in", "1"), ("接第二版", "in", "2"), ("接上版", "in", None),
    ("紧接第二版", "in", "2"), ("下轉第七版", "out", "7"), ("上接第二版", "in", "2"),
    ("續第二版", "in", "2"), ("轉第七版", "out", "7"),
    # numerals: Chinese up to 二十 and with 〇, Arabic, full-width, section letters
    ("下转第十九版", "out", "19"), ("下转第二十版", "out", "20"), ("下转第一〇版", "out", "10"),
    ("下转第０７版", "out", "7"), ("上接第Ｂ２版", "in", "B2"), ("转B12版", "out", "B12"),
    # OCR noise: brackets mixed or lost, 笫/弟 for 第, 板 for 版, spaces, O for 〇
    ("（下转第七版〕", "out", "7"), ("[下转第七版]", "out", "7"), ("(上接第二版〉", "in", "2"),
    ("（下转第2版", "out", "2"), ("下转第七版)", "out", "7"), ("下转笫七版", "out", "7"),
    ("上接弟二版", "in", "2"), ("下转第7板", "out", "7"), ("下转 第 7 版", "out", "7"),
    ("下转第十O版", "out", "10"),
]  # fmt: skip

# OCR confusions inside the numeral, folded by parse_jump.
_NUMERAL_CONFUSIONS = [
    ("下转第l版", "out", "1"),  # Latin l for 1
    ("下转第I版", "out", "1"),  # Latin I for 1
    ("上接第1O版", "in", "10"),  # letter O for 0 after a digit
    ("下转第ー版", "out", "1"),  # katakana ー for 一
    ("上接第—版", "in", "1"),  # dash for 一
]


@pytest.mark.parametrize(("text", "direction", "target"), _MARKER_FORMS)
def test_every_marker_form_parses(text: str, direction: str, target: str | None) -> None:
    from digitize.text.jumps import parse_jump

    marker = parse_jump(text)
    assert marker is not None, text
    assert (marker.direction, normalize_page_label(marker.target_page)) == (direction, target)


@pytest.mark.parametrize(("text", "direction", "target"), _NUMERAL_CONFUSIONS)
def test_ocr_numeral_confusions_parse(text: str, direction: str, target: str) -> None:
    from digitize.text.jumps import parse_jump

    marker = parse_jump(text)
    assert marker is not None, text
    assert (marker.direction, normalize_page_label(marker.target_page)) == (direction, target)
