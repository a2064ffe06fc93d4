"""Simplified-Chinese forms of text, for search only.

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
