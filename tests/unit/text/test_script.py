"""Scripts: simplified search keys for traditional articles, printed text untouched; a
traditional page's OCR leans to the traditional forms the recognizer ranked next."""

from __future__ import annotations

from pathlib import Path

from digitize.model import (
    Article,
    ArticlePart,
    Box,
    Glyph,
    Issue,
    Line,
    Page,
    Region,
    RegionType,
    Transform,
)
from digitize.serialize.records import article_records
from digitize.text.correct import prefer_page_script
from digitize.text.script import (
    has_traditional,
    is_simplified_form,
    is_simplified_text,
    is_traditional_form,
    is_traditional_text,
    to_simplified,
)


def test_to_simplified_maps_traditional_and_variant_forms() -> None:
    assert to_simplified("新聞") == "新闻"
    assert to_simplified("蘇聯政府向英法提出建議") == "苏联政府向英法提出建议"
    # Old variants common in 1930s print.
    assert to_simplified("卽爲鎭") == "即为镇"
    # Simplified, Latin and punctuation pass unchanged; line breaks are kept.
    text = "新闻报道，COVID-19 检测\n第二段。"
    assert to_simplified(text) == text
    assert to_simplified("") == ""
    assert has_traditional("報") and not has_traditional("报")


def _issue() -> Issue:
    page = Page(1, Path("page-2.jpg"), "page-2", Transform.identity(1000, 1400))
    head = Region(
        "r1",
        RegionType.HEADLINE,
        Box(800, 100, 860, 600),
        lines=[Line("l1", Box(800, 100, 860, 600), text="蘇聯向英法提出建議", vertical=True)],
        vertical=True,
        article_id="p1_a1",
    )
    body_lines = [
        Line("l2", Box(740, 100, 770, 900), text="（巴黎廿二日海通電）據法外部", vertical=True),
        Line("l3", Box(700, 100, 730, 900), text="喉舌晨報載稱、新聞界關注", vertical=True),
    ]
    body_lines[0].paragraph_start = True
    body = Region(
        "r2",
        RegionType.BODY,
        Box(700, 100, 770, 900),
        lines=body_lines,
        vertical=True,
        article_id="p1_a1",
    )
    page.regions = [head, body]
    page.reading_order = ["r1", "r2"]
    art = Article(id="a1", parts=[ArticlePart(1, "page-2", ["r1", "r2"])])
    return Issue(name="jingbao", source=Path("."), pages=[page], articles=[art])


def test_records_carry_printed_and_simplified_text() -> None:
    (rec,) = article_records(_issue())
    assert rec["title"] == "蘇聯向英法提出建議"
    assert rec["title_simplified"] == "苏联向英法提出建议"
    text, simple = rec["text"], rec["text_simplified"]
    assert isinstance(text, str) and isinstance(simple, str)
    assert "新聞界" in text and "新闻界" not in text  # printed form kept
    assert "新闻界" in simple and "海通电" in simple
    assert len(simple) == len(text)


def test_simplified_query_finds_the_traditional_article() -> None:
    records = article_records(_issue())

    def search(query: str) -> list[object]:
        q = to_simplified(query)
        return [
            r["id"]
            for r in records
            if q in str(r["text_simplified"]) or q in str(r["title_simplified"])
        ]

    assert search("新闻") == ["a1"]  # simplified query
    assert search("新聞") == ["a1"]  # traditional query still matches
    assert search("英法提出建议") == ["a1"]
    assert search("东京") == []


def test_page_script_is_a_ratio_of_script_specific_forms() -> None:
    trad = "蘇聯政府向英法提出建議據外交界方面消息美日關係已有一大轉變" * 3
    assert is_traditional_text(trad + "内")  # a stray simplified form from OCR
    assert not is_traditional_text("苏联政府向英法提出建议据外交界方面消息美日关系已有")
    assert not is_traditional_text("報紙")  # too few to tell
    assert is_simplified_form("内") and not is_simplified_form("內")
    assert is_traditional_form("內") and not is_traditional_form("内")


def _glyph_line(text: str, alternatives: dict[int, tuple[tuple[str, float], ...]]) -> Line:
    line = Line("l", Box(0, 0, 20, 20 * len(text)), text=text, vertical=True)
    line.glyphs = [
        Glyph(Box(0, 20 * k, 20, 20 * k + 20), c, 0.9, alternatives.get(k, ()))
        for k, c in enumerate(text)
    ]
    return line


def test_traditional_pages_take_the_traditional_runner_up() -> None:
    """内 with 內 ranked next becomes 內 on a traditional page; 云 without a traditional
    runner-up stays (traditional print uses it too); a simplified page is left alone."""
    body = "蘇聯政府向英法提出建議據外交界方面消息美日關係已有一大轉變" * 3
    line = _glyph_line(body + "内云", {len(body): (("內", 0.3),), len(body) + 1: (("去", 0.2),)})
    prefer_page_script([line])
    assert line.text == body + "內云"
    assert line.glyphs[len(body)].text == "內" and line.glyphs[len(body)].confidence == 0.3
    simple = "苏联政府向英法提出建议据外交界方面消息美日关系已有一大转变" * 3
    kept = _glyph_line(simple + "内", {len(simple): (("內", 0.3),)})
    prefer_page_script([kept])
    assert kept.text == simple + "内"


def test_simplified_pages_take_the_simplified_runner_up() -> None:
    """來 and 鎮 read on a simplified page become 来 and 镇 where the recognizer ranked
    them next; 乾 without a simplified runner-up stays (a name may keep its form)."""
    simple = "苏联政府向英法提出建议据外交界方面消息美日关系已有一大转变" * 3
    n = len(simple)
    runners_up = {n: (("来", 0.4),), n + 1: (("填", 0.3), ("镇", 0.2)), n + 2: (("朝", 0.1),)}
    line = _glyph_line(simple + "來鎮乾", runners_up)
    prefer_page_script([line])
    assert line.text == simple + "来镇乾"
    assert [g.confidence for g in line.glyphs[n : n + 2]] == [0.4, 0.2]
    assert is_simplified_text(simple) and not is_simplified_text(simple[:5])
