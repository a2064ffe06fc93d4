"""Horizontal rows of a vertical page: which blocks are turned round (read right to left)."""

from __future__ import annotations

from digitize.model import Box, Line
from digitize.stages.recognize import _turn_rows


def _row(text: str, x0: float, y0: float, x1: float, h: float = 30) -> Line:
    return Line(f"l{x0}-{y0}", Box(x0, y0, x1, y0 + h), text=text)


def test_a_headline_without_marks_reads_like_the_text_it_heads() -> None:
    head = _row("新堤工程順利完成", 100, 100, 400, h=45)
    body = [
        _row("公路修築工程已完成大半，", 100, 150, 400),
        _row("預料年底可以全線通車。", 100, 185, 400),
    ]
    _turn_rows([[head], body])
    assert head.text == "新堤工程順利完成"
    assert body[0].text == "公路修築工程已完成大半，"


def test_a_row_without_marks_and_nothing_under_it_stays_right_to_left() -> None:
    plate = _row("報晶", 100, 100, 200, h=45)
    far = [_row("公路修築工程已完成大半，", 100, 400, 400)]  # far below: not its text
    _turn_rows([[plate], far])
    assert plate.text == "晶報"
    assert far[0].text == "公路修築工程已完成大半，"


def test_a_headline_over_rows_set_right_to_left_is_turned_with_them() -> None:
    head = _row("行銀子女", 100, 100, 400, h=45)
    body = [_row("。號五十路京南", 100, 150, 400)]
    _turn_rows([[head], body])
    assert (head.text, body[0].text) == ("女子銀行", "南京路十五號。")


def test_a_headline_centred_over_a_band_of_row_columns_reads_like_the_band() -> None:
    """A band of rows set in four columns, its headline centred over the band: over two
    columns, each for less than half its width. It reads the way the band does."""
    head = _row("推廣識字運動", 290, 100, 490, h=45)
    columns = [
        [
            _row("市政府決定撥款興建學校，", 100 + 300 * k, 150, 340 + 300 * k),
            _row("以解決兒童失學問題。", 100 + 300 * k, 185, 340 + 300 * k),
        ]
        for k in range(4)
    ]
    _turn_rows([[head], *columns])
    assert head.text == "推廣識字運動"


def test_a_row_over_a_headline_follows_the_text_under_both() -> None:
    """A section name over a headline over its text: neither of the upper two has marks,
    both read the way the text does."""
    section = _row("本市新聞", 100, 40, 220)
    head = _row("新堤工程順利完成", 100, 100, 400, h=45)
    body = [_row("公路修築工程已完成大半，", 100, 150, 400)]
    _turn_rows([[section], [head], body])
    assert (section.text, head.text) == ("本市新聞", "新堤工程順利完成")


def _paragraph_rows(rtl: bool) -> list[Line]:
    """Two paragraphs as the recognizer reads their rows (left to right): each opens on
    an indented row and the first ends on a short one, indents and short ends on the
    left or on the right by the direction the rows were set in."""
    rows = []
    for k, (text, shape) in enumerate(
        [
            ("據當局發表消息今年稻", "opens"),
            ("米收成較去年增加兩成農民", "full"),
            ("頗為欣慰本港物價", "ends"),
            ("氣象台預測明日天氣轉", "opens"),
            ("晴氣溫略有回升茶葉出口", "full"),
        ]
    ):
        x0, x1 = {"opens": (160, 400), "full": (100, 400), "ends": (100, 300)}[shape]
        if rtl:
            text, x0, x1 = text[::-1], 500 - x1, 500 - x0
        rows.append(_row(text, x0, 100 + 35 * k, x1))
    return rows


def test_rows_ending_between_characters_read_the_way_their_indents_say() -> None:
    """No row ends on a clause mark, but a paragraph ends on a short row and the next
    starts indented: on the left in rows set left to right, on the right in rows set
    right to left (the rows as the recognizer read them, left to right)."""
    ltr, rtl = _paragraph_rows(rtl=False), _paragraph_rows(rtl=True)
    _turn_rows([ltr])
    assert ltr[0].text == "據當局發表消息今年稻"
    _turn_rows([rtl])
    assert rtl[0].text == "據當局發表消息今年稻"
