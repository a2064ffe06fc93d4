"""Chinese numerals as newspapers print page numbers (第四版, 第十二版, 第廿三版, 一〇).

One parser for folios (articles.py) and jump markers (jumps.py), so a page number means
the same in both and a jump can be matched to the page it names.
"""

from __future__ import annotations

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
# Every character `chinese_number` reads (for regex character classes).
NUMERAL_CHARS = "零〇一二三四五六七八九十廿两"


def chinese_number(text: str) -> int | None:
    """一..九十九 (十二, 二十, 廿三 = 23) and digit-by-digit strings ("一〇" = 10) to int;
    None if `text` is not such a numeral ("十十", or any other character)."""
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        return None
    text = text.replace("廿", "二十")
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    head, _, tail = text.partition("十")
    if "十" in tail or len(head) > 1 or len(tail) > 1:
        return None
    tens = _DIGITS[head] if head else 1
    ones = _DIGITS[tail] if tail else 0
    return tens * 10 + ones
