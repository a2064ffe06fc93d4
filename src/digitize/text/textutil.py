"""Text joining rules for Chinese: no spaces between CJK characters, breaks between paragraphs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digitize.model import Line

# Chinese characters (ideographs): ext A, unified, compatibility, ext B-H.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0x3100, 0x312F),  # bopomofo
    (0x3190, 0x31FF),
    *_HAN_RANGES,
    (0xFE30, 0xFE4F),  # vertical forms
    (0xFF00, 0xFFEF),  # full-width forms
)


def is_cjk(ch: str) -> bool:
    """True for Han characters, kana and full-width punctuation: text written without spaces."""
    if not ch:
        return False
    cp = ord(ch)
    if cp in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7):  # “”‘’—…·
        return True
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def is_han(ch: str) -> bool:
    """True for a Chinese character (ideograph), not punctuation, kana or a radical."""
    return len(ch) == 1 and any(lo <= ord(ch) <= hi for lo, hi in _HAN_RANGES)


def is_wide(ch: str) -> bool:
    """Occupies a full em (used to spread glyph boxes across a line)."""
    return is_cjk(ch) or unicodedata.east_asian_width(ch) in ("W", "F")


_SPACE_RUN = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")


def clean_line(text: str) -> str:
    """Drop spaces next to CJK characters; collapse other runs of white space to one space."""
    text = _SPACE_RUN.sub(" ", text.strip())
    if " " not in text:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            prev = text[i - 1] if i > 0 else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if is_cjk(prev) or is_cjk(nxt):
                continue
        out.append(ch)
    return "".join(out)


# A gap between two glyph boxes of a display line this wide (in em) is a printed space.
# Glyph boxes are each character's ink widened towards its cell, so they nearly abut in
# running text (measured on the sample issue: neighbours <= 0.12 em apart) while a printed
# gap of about one em ("本报通讯员 钱 凯") still shows as 0.27-0.44 em between the boxes.
DISPLAY_GAP_EM = 0.25


def display_text(line: Line, *, heading: bool = False) -> str:
    """A display line (headline, byline, caption) with its printed word gaps as spaces.

    Body text never carries spaces between Chinese characters (`clean_line`), but in
    display lines a gap separates words: "卢勇梅 摄", "本报记者 周 颖". A space is kept
    where the line's text has one (a corrected ALTO with SP) and put where two letters or
    characters have glyph boxes at least `DISPLAY_GAP_EM` apart; never next to punctuation,
    which carries its own space. In a heading (title, kicker, subtitle) a gap between two
    Chinese characters is typography, a phrase break or letter-spacing ("通  知"), and the
    title a reader searches for is written without it; only gaps beside Latin letters or
    digits ("COVID 19") stay.
    """
    text = _SPACE_RUN.sub(" ", line.text.strip())
    chars = [c for c in text if c != " "]
    glyphs = [g for g in line.glyphs if g.text.strip()]
    em = line.font_size
    if not chars or len(glyphs) != len(chars) or em <= 0:
        return text
    spaced: set[int] = set()  # a space goes before chars[i]
    k = 0
    for ch in text:
        if ch == " ":
            spaced.add(k)
        else:
            k += 1
    wide: set[int] = set()
    for i in range(1, len(chars)):
        if not (chars[i - 1].isalnum() and chars[i].isalnum()):
            continue
        a, b = glyphs[i - 1].box, glyphs[i].box
        gap = b.y0 - a.y1 if line.vertical else b.x0 - a.x1
        if gap >= DISPLAY_GAP_EM * em:
            wide.add(i)
    spaced |= wide
    if heading:
        spaced = {i for i in spaced if not (is_cjk(chars[i - 1]) and is_cjk(chars[i]))}
    return "".join((" " if i in spaced else "") + c for i, c in enumerate(chars))


def join_display(left: str, right: str) -> str:
    """Join two display lines: no space where a line break falls between two Chinese
    characters (a headline wrapped mid-word: "实行交|通管制"), else one space."""
    if not left or not right:
        return left or right
    if is_cjk(left[-1]) and is_cjk(right[0]):
        return left + right
    return left + " " + right


def join_pair(left: str, right: str) -> str:
    """Join two pieces of one paragraph: a space only between two Latin words."""
    if not left:
        return right
    if not right:
        return left
    a, b = left[-1], right[0]
    if is_cjk(a) or is_cjk(b) or a == "-" or not a.isalnum() or not b.isalnum():
        return left + right
    return left + " " + right


def join_texts(texts: Iterable[str]) -> str:
    out = ""
    for t in texts:
        out = join_pair(out, clean_line(t))
    return out


def join_lines(lines: Iterable[Line]) -> str:
    """Lines to paragraphs: a new paragraph at each `paragraph_start`, lines joined inside."""
    paragraphs: list[str] = []
    for line in lines:
        text = clean_line(line.text)
        if not text:
            continue
        if line.paragraph_start or not paragraphs:
            paragraphs.append(text)
        else:
            paragraphs[-1] = join_pair(paragraphs[-1], text)
    return "\n".join(paragraphs)


_SENTENCE_END = set("。！？!?…．.")  # OCR often reads 。 as a full-width or ASCII stop


_CLOSERS = set("”’」』）)》〉】\"'")


def ends_sentence(text: str) -> bool:
    """True when the text ends on sentence-final punctuation (closing quotes looked through)."""
    t = text.rstrip()
    while t and t[-1] in _CLOSERS:
        t = t[:-1].rstrip()
    return bool(t) and t[-1] in _SENTENCE_END


# The dateline that opens a news article's body: the paper's own (本报讯), an agency's.
_DATELINE_OPENING = re.compile(r"^\s*(?:本报讯|本報訊|[（(]?新华社)")


def opens_dateline(text: str) -> bool:
    """True when the text opens with a news dateline (本报讯 12月3日, 新华社北京电)."""
    return bool(_DATELINE_OPENING.match(unicodedata.normalize("NFKC", text)))


def norm_title(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in t if ch.isalnum())


def _semiglobal_distance(short: str, long: str) -> int:
    """Edit distance of `short` against its best-matching substring of `long`."""
    prev = [0] * (len(long) + 1)
    for i, a in enumerate(short, 1):
        cur = [i] + [0] * len(long)
        for j, b in enumerate(long, 1):
            cur[j] = min(prev[j - 1] + (a != b), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return min(prev)


def title_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] that tolerates containment and OCR slips.

    A continuation often repeats only part of a headline (one line of it, or without the
    kicker), so the shorter title is aligned against its best substring of the longer
    one (a "partial ratio"). Very short titles are damped: two or three characters
    match somewhere by chance. A shortened headline keeps its figures: one with a number
    the other lacks ("惠及居民692户" against "惠及居民848户") is another story, however
    alike the words around it (a paper runs many headlines of one pattern).
    """
    x, y = norm_title(a), norm_title(b)
    if not x or not y:
        return 0.0
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if any(figure not in long for figure in _DIGITS.findall(short)):
        return 0.0
    sim = 1.0 - _semiglobal_distance(short, long) / len(short)
    return max(0.0, sim) * min(1.0, len(short) / 4)
