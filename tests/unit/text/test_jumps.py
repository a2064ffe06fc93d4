"""parse_jump over every printed marker form, numeral style and common OCR noise."""

from __future__ import annotations

import pytest

from digitize.text.folio import normalize_label
from digitize.text.jumps import parse_jump
from digitize.text.numerals import chinese_number

OUT = "out"
IN = "in"


@pytest.mark.parametrize(
    ("text", "direction", "target"),
    [
        ("（下转第四版）", OUT, "4"),
        ("(下转第4版)", OUT, "4"),
        ("下转第四版", OUT, "4"),
        ("下转4版", OUT, "4"),
        ("下转四版", OUT, "4"),
        ("转第二版", OUT, "2"),
        ("转2版", OUT, "2"),
        ("转A3版", OUT, "A3"),
        ("（转A3版）", OUT, "A3"),
        ("下转第１２版", OUT, "12"),
        ("下转第十二版", OUT, "12"),
        ("下转第二十版", OUT, "20"),
        ("下转第十版", OUT, "10"),
        ("下转第一〇版", OUT, "10"),
        ("下转第04版", OUT, "4"),
        ("下轉第四版", OUT, "4"),
        ("轉第三版", OUT, "3"),
        ("（下转第四版〕", OUT, "4"),
        ("〔下转第四版）", OUT, "4"),
        ("下转笫四版", OUT, "4"),
        ("( 下转 第 4 版 )", OUT, "4"),
        ("【下转B2版】", OUT, "B2"),
        ("（上接第一版）", IN, "1"),
        ("上接第一版", IN, "1"),
        ("(上接第1版)", IN, "1"),
        ("上接1版", IN, "1"),
        ("上接一版", IN, "1"),
        ("接第三版", IN, "3"),
        ("紧接第2版", IN, "2"),
        ("上接A1版", IN, "A1"),
        ("上接第十五版", IN, "15"),
        ("上接第１版", IN, "1"),
        ("續第一版", IN, "1"),
        ("续第一版", IN, "1"),
        ("（續第二版）", IN, "2"),
        ("上接笫一版", IN, "1"),
    ],
)
def test_markers(text: str, direction: str, target: str) -> None:
    m = parse_jump(text)
    assert m is not None, text
    assert m.direction == direction
    assert m.target_page == target
    assert m.raw == text.strip()


@pytest.mark.parametrize("text", ["接上版", "（接上版）", "紧接上版", "续前版"])
def test_previous_page_without_number(text: str) -> None:
    m = parse_jump(text)
    assert m is not None
    assert m.direction == IN
    assert m.target_page is None


def test_next_page_without_number() -> None:
    m = parse_jump("（转下版）")
    assert m is not None and m.direction == OUT and m.target_page is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "本报讯",
        "第四版",
        "今日四版",
        "他说下转第四版的稿子还没来",  # a sentence mentioning a marker is no jump line
        "转型升级版图",
        "下转第版",
        "上接",
        "接待第一批游客",
        "第—版要闻",  # a dash read as 一 only inside a whole marker line
        "下转第——版",
        "下转第lI版",
    ],
)
def test_not_markers(text: str) -> None:
    assert parse_jump(text) is None


@pytest.mark.parametrize(
    ("cn", "value"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("十九", 19),
        ("二十", 20),
        ("〇", 0),
        ("一〇", 10),
        ("廿三", 23),
    ],
)
def test_chinese_number(cn: str, value: int) -> None:
    assert chinese_number(cn) == value


def test_chinese_number_rejects_other_text() -> None:
    assert chinese_number("版") is None
    assert chinese_number("十十") is None


@pytest.mark.parametrize(
    ("raw", "label"),
    [("四", "4"), ("04", "4"), ("a3", "A3"), ("Ａ３", "A3"), ("１２", "12"), ("B", "B")],
)
def test_page_label(raw: str, label: str) -> None:
    assert normalize_label(raw) == label


@pytest.mark.parametrize(
    ("text", "target"),
    [("下转第l版", "1"), ("下转第1l版", "11"), ("上接第1O版", "10"), ("上接第I0版", "10"),
     ("下转第ー版", "1"), ("（上接第—版）", "1"), ("转B1O版", "B10"), ("下转第A版", "A")],
)  # fmt: skip
def test_numeral_look_alikes(text: str, target: str) -> None:
    m = parse_jump(text)
    assert m is not None and m.target_page == target
