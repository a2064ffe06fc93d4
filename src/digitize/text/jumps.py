"""Parse jump lines: the "continued on / from page X" markers of a newspaper article.

Forms seen in print: （下转第四版）, 下转4版, 转A3版, （上接第一版）, 接上版, 紧接第2版,
traditional 下轉第四版 / 續第一版 / 轉第三版. OCR adds noise (笫 for 第, mixed or missing
brackets, full-width digits), so the text is folded first and then matched as a whole
line: a body sentence that merely mentions 下转 is not a jump line.
"""

from __future__ import annotations

import re
import unicodedata

from digitize.model import JumpMarker
from digitize.text.folio import normalize_label

# OCR confusions and traditional forms folded to one spelling.
_FOLD = str.maketrans(
    {
        "笫": "第",
        "弟": "第",
        "苐": "第",
        "轉": "转",
        "転": "转",
        "續": "续",
        "緊": "紧",
        "板": "版",
        "扳": "版",
        "拾": "十",
        "O": "〇",
        "o": "〇",
    }
)

_BRACKETS = "()（）〔〕【】［］[]{}｛｝〈〉《》<>「」『』"
_NUM = r"(?P<num>[A-Za-z]?\s*[0-9]{1,3}|[〇零一二两三四五六七八九十]{1,3}|[A-Za-z])"

_OUT = re.compile(rf"^(?:下|见)?转(?:至|到|见)?(?:第)?{_NUM}(?:版|面)$")
_OUT_NEXT = re.compile(r"^(?:下)?转(?:下|次)(?:版|页|面)$")
_IN = re.compile(rf"^(?:上接|紧接|接|续|承|上承|续接)(?:第)?{_NUM}(?:版|面)$")
_IN_PREV = re.compile(r"^(?:紧)?(?:接|续|承)(?:上|前)(?:版|页|面)$")


# Recognisers read the page number's strokes as look-alikes: l / I / | for 1, O for 0
# beside other digits, and a dash or the katakana ー for 一 (a single horizontal stroke).
_LOOKS_ONE = "lI|"
_LOOKS_ZERO = "〇Oo"
_DASHES = "ー—―－-─一"
_NUMERAL_SLOT = re.compile(
    r"(?<=第)[^第版面]{1,4}(?=[版面])|(?<=[转接])[A-Z]?[0-9lI〇|]{1,3}(?=[版面])"
)


def _fold_numeral(slot: str) -> str:
    """The page number between 第 and 版 with look-alike characters read as numerals."""
    if len(slot) == 1 and slot in _DASHES:
        return "一"
    # A section letter ("B1O") stays; only the number after it is folded. I and l read
    # as 1 (sections skip I for that reason).
    lead = slot[0]
    section = lead if len(slot) > 1 and lead.isascii() and lead.isupper() else ""
    section = "" if section in _LOOKS_ONE else section
    number = slot[len(section) :]
    digits = sum(ch.isdigit() for ch in number)
    if digits or (len(number) == 1 and number in _LOOKS_ONE):
        folded = "".join(
            "1" if ch in _LOOKS_ONE else "0" if ch in _LOOKS_ZERO and digits else ch
            for ch in number
        )
        if folded.isdigit():
            return section + folded
    return slot


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = s.translate(_FOLD)
    s = "".join(ch for ch in s if ch not in _BRACKETS and not ch.isspace())
    s = s.strip("，,。.：:;；·-—_~")
    return _NUMERAL_SLOT.sub(lambda m: _fold_numeral(m.group(0)), s)


def parse_jump(text: str) -> JumpMarker | None:
    """A jump line's direction and target page, or None when the text is not a jump line."""
    s = _fold(text)
    if not s or len(s) > 12:
        return None
    raw = text.strip()
    for pattern, direction in ((_OUT, "out"), (_IN, "in")):
        m = pattern.match(s)
        if m:
            label = normalize_label(m.group("num"))
            if label is None:
                return None
            return JumpMarker(direction=direction, target_page=label, raw=raw)
    if _OUT_NEXT.match(s):
        return JumpMarker(direction="out", target_page=None, raw=raw)
    if _IN_PREV.match(s):
        return JumpMarker(direction="in", target_page=None, raw=raw)
    return None
