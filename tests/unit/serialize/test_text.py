"""Plain-text rules: reading order, paragraphs, Chinese spacing, article separation and
jumped-article merging."""

from __future__ import annotations

import re
from pathlib import Path

from serialize_samples import issue, line, page_one, page_two, region

from digitize.model import Box, Page, RegionType, Transform
from digitize.serialize.text import issue_text, page_text
from digitize.text.textutil import is_cjk


def _no_space_between_cjk(text: str) -> bool:
    return not any(is_cjk(a) and is_cjk(b) for a, b in re.findall(r"(\S)[ \t]+(\S)", text))


def test_page_text_layout() -> None:
    text = page_text(page_one())
    assert text == (
        "金坛日报\n"
        "\n"
        "我市召开经济工作会议\n"
        "本报记者张三\n"
        "会议总结了全年工作，部署明年任务。\n"
        "会议指出New Year plan顺利推进。\n"
        "（下转第4版）\n"
        "\n"
        "春节前夕走访慰问\n"
        "市领导看望困难群众，送去节日祝福。\n"
        "图为慰问现场\n"
    )
    assert _no_space_between_cjk(text)
    assert "广告热线" not in text  # outside the reading order


def test_regions_without_article_stand_alone() -> None:
    page = Page(
        1,
        Path("x.png"),
        "x",
        Transform.identity(100, 100),
        regions=[
            region("a", RegionType.MASTHEAD, [line("1", "日报", Box(0, 0, 20, 10), para=True)]),
            region("b", RegionType.MASTHEAD, [line("2", "第1版", Box(0, 20, 20, 30), para=True)]),
            region(
                "c",
                RegionType.BODY,
                [line("3", "正文一", Box(0, 40, 20, 50), para=True)],
                article_id="x1",
            ),
            region("d", RegionType.BODY, [line("4", "接续", Box(0, 60, 20, 70))], article_id="x1"),
        ],
        reading_order=["a", "b", "c", "d"],
    )
    # d's first line does not start a paragraph: it continues c's last paragraph
    assert page_text(page) == "日报\n\n第1版\n\n正文一接续\n"


def test_paragraph_breaks_only_at_paragraph_starts() -> None:
    text = page_text(page_two())
    # body3's lines carry no paragraph start: one paragraph, joined without a space
    assert text == (
        "综合新闻\n\n（上接第1版）\n各部门要狠抓落实，确保完成目标。\n会议现场\n\n"
        "文化活动丰富多彩\n各地举办迎新活动。\n"
    )


def test_issue_text_merges_jumped_article() -> None:
    text = issue_text(issue())
    first = text.index("会议指出New Year plan顺利推进。")
    cont = text.index("各部门要狠抓落实，确保完成目标。")
    second_article = text.index("春节前夕走访慰问")
    assert first < cont < second_article
    assert text.count("各部门要狠抓落实") == 1
    assert "下转" not in text and "上接" not in text
    # the continuation flows on in the same article block: no blank line before it
    between = text[first:cont]
    assert "\n\n" not in between
    # the jumped article's caption stays on its own page, separate from the article text
    assert text.index("会议现场") > text.index("综合新闻")
    assert "\n\n会议现场\n\n" in text
    assert _no_space_between_cjk(text)


def test_issue_text_blank_line_between_articles() -> None:
    text = issue_text(issue())
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0] == "金坛日报"
    assert blocks[1].startswith("我市召开经济工作会议\n") and blocks[1].endswith("确保完成目标。")
    assert blocks[2].startswith("春节前夕走访慰问")
    assert "图为慰问现场" in blocks[2]  # a non-jumped article keeps its caption in place
    assert blocks[-1] == "文化活动丰富多彩\n各地举办迎新活动。"
    assert all(b and "\n\n" not in b for b in blocks)


def test_page_text_empty_page() -> None:
    page = page_two()
    page.reading_order = []
    assert page_text(page) == ""
