"""Script of Chinese text: simplified forms for search, and which script a page is set in.

Text, ALTO and records keep every character as printed (新聞, 卽, 爲); a reader searching a
traditional-script paper types simplified forms (新闻, 即, 为). Records therefore carry a
second, simplified copy of the title and text that the search index matches against.
The conversion is OpenCC's ``t2s`` (phrase-aware traditional -> simplified), whose wheel
ships its dictionaries, so nothing is fetched at run time.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> _Converter:
    import opencc

    conv: _Converter = opencc.OpenCC("t2s")
    return conv


def to_simplified(text: str) -> str:
    """`text` with traditional and variant characters in their simplified forms.

    Length and line breaks are kept where OpenCC maps one character to one (the common
    case); already simplified text comes back unchanged.
    """
    if not text or text.isascii():
        return text
    conv = _converter()
    with _lock:  # the C++ converter object is not documented as thread-safe
        return conv.convert(text)


def has_traditional(text: str) -> bool:
    """True when simplifying would change the text (the article is set in traditional)."""
    return to_simplified(text) != text


@lru_cache(maxsize=1)
def _traditional_converter() -> _Converter:
    import opencc

    conv: _Converter = opencc.OpenCC("s2t")
    return conv


@lru_cache(maxsize=8192)
def is_simplified_form(char: str) -> bool:
    """A character that traditional print writes differently (国, 内, 为)."""
    with _lock:
        return _traditional_converter().convert(char) != char


@lru_cache(maxsize=8192)
def is_traditional_form(char: str) -> bool:
    """A character that simplified print writes differently (國, 內, 爲)."""
    return to_simplified(char) != char


# A page is set in traditional characters when traditional forms outnumber simplified
# ones by this factor (and there are enough of them to tell).
TRADITIONAL_RATIO = 3.0
TRADITIONAL_MIN = 20


def is_traditional_text(text: str) -> bool:
    """Most script-specific characters of `text` are traditional forms. OCR of a
    traditional page still yields some simplified forms (the recognizer's training text is
    mostly simplified), so the test is a ratio, not "no simplified form at all"."""
    trad, simp = _script_counts(text)
    return trad >= TRADITIONAL_MIN and trad >= TRADITIONAL_RATIO * simp


def is_simplified_text(text: str) -> bool:
    """Most script-specific characters of `text` are simplified forms (the mirror of
    `is_traditional_text`: the recognizer, trained on both, reads a few traditional forms
    on a simplified page too: 來 for 来, 鎮 for 镇)."""
    trad, simp = _script_counts(text)
    return simp >= TRADITIONAL_MIN and simp >= TRADITIONAL_RATIO * trad


def _script_counts(text: str) -> tuple[int, int]:
    """How many characters of `text` are traditional forms, and how many simplified."""
    return (
        sum(1 for c in text if is_traditional_form(c)),
        sum(1 for c in text if is_simplified_form(c)),
    )
