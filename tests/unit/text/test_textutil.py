"""Chinese text rules shared by the stages (no pixels)."""

from __future__ import annotations

import pytest

from digitize.text.textutil import ends_sentence, opens_dateline


@pytest.mark.parametrize(
    ("text", "opens"),
    [
        ("本报讯 12月18日，全区召开会议。", True),
        ("本報訊2", True),
        ("（新华社北京12月3日电）", True),
        ("　本报讯", True),  # an ideographic space before it
        ("本报记者 王五", False),  # a credit line, not a dateline
        ("据本报讯，", False),
        ("记者从区气象局获悉", False),
    ],
)
def test_a_news_dateline_opens_an_article(text: str, opens: bool) -> None:
    assert opens_dateline(text) is opens


def test_sentence_end_looks_through_closing_quotes() -> None:
    assert ends_sentence("他说：“好。”")
    assert not ends_sentence("幸福感不")
