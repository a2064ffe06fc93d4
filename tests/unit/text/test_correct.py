"""Which way the horizontal rows of a vertical page were set (text/correct.py)."""

from __future__ import annotations

from digitize.model import Box, Line
from digitize.text.correct import left_to_right_evidence, right_to_left


def _rows(*texts: str) -> list[Line]:
    return [Line(f"l{k}", Box(0, 30 * k, 600, 30 * k + 24), text=t) for k, t in enumerate(texts)]


def test_modern_rows_ending_on_their_marks_are_left_to_right() -> None:
    """A block of horizontal running text among the columns: clauses end on their marks."""
    rows = _rows(
        "渡輪公司增開航班，往來兩岸更爲便捷。", "公路修築工程已完成大半", "預料年底可以全線通車。"
    )
    assert left_to_right_evidence(rows) > 0


def test_rows_set_right_to_left_start_on_their_marks() -> None:
    """Read left to right, a pre-1950 row puts its closing mark first."""
    rows = _rows("。號五十路京南", "行銀子女")
    assert left_to_right_evidence(rows) < 0
    right_to_left(rows[0])
    assert rows[0].text == "南京路十五號。"


def test_rows_without_marks_keep_the_historical_reading() -> None:
    """A nameplate or a one-line headline gives no evidence: it stays right to left."""
    assert left_to_right_evidence(_rows("報晶")) == 0
    assert left_to_right_evidence(_rows("")) == 0
