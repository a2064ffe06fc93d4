"""Corrections applied to recognized text by rules of Chinese print (no pixels): the page's
script (traditional forms), right-to-left rows of vertical pages, the 句讀 style of a region,
and full-width punctuation."""

from __future__ import annotations

from collections.abc import Sequence

from digitize.model import Box, Glyph, Line, Page
from digitize.text.script import (
    is_simplified_form,
    is_simplified_text,
    is_traditional_form,
    is_traditional_text,
    to_simplified,
)
from digitize.text.textutil import clean_line, is_cjk


def prefer_page_script(lines: Sequence[Line]) -> None:
    """A character read in the other script than the page's becomes the form of the
    page's script that the recognizer ranked next: on a traditional page 内 → 內, 鲜 → 鮮;
    on a simplified page 來 → 来, 鎮 → 镇.

    PP-OCR is trained on both scripts, mostly simplified, so where the print has one form
    its look-alike in the other script sometimes wins narrowly. Only a runner-up that is
    the other-script form of the very character read is taken: the visual evidence and
    the page's script then agree, while a form with no such runner-up (云, which
    traditional print also uses; a name kept in traditional on a simplified page) stays.
    """
    text = "".join(ln.text for ln in lines)
    if is_traditional_text(text):
        wrong, same = is_simplified_form, _traditional_of
    elif is_simplified_text(text):
        wrong, same = is_traditional_form, _simplified_of
    else:
        return
    for line in lines:
        changed = False
        for g in line.glyphs:
            if len(g.text) != 1 or not wrong(g.text):
                continue
            forms = [(a, p) for a, p in g.alternatives if a != g.text and same(a, g.text)]
            if forms:
                g.text, g.confidence = forms[0][0], min(g.confidence, forms[0][1])
                changed = True
        if changed:
            line.text = clean_line(with_spaces(line.text, line.glyphs))


def _traditional_of(alt: str, ch: str) -> bool:
    return to_simplified(alt) == ch


def _simplified_of(alt: str, ch: str) -> bool:
    return to_simplified(ch) == alt


# Brackets seen mirrored when a right-to-left row is read left to right.
_MIRROR = dict(zip("（）「」『』《》〈〉【】()", "）（」「』『》《〉〈】【)(", strict=True))


# Marks that close a clause: they follow it, so in a row read left to right they stand at
# its end, and at its start when the row was set right to left.
_CLOSING_MARKS = frozenset("，。、；：！？…")


def left_to_right_evidence(rows: Sequence[Line]) -> int:
    """How strongly the horizontal rows of one block of a vertical page say they were set
    left to right (modern horizontal text placed among the columns, > 0) rather than right
    to left (the pre-1950 rows `right_to_left` turns round, < 0); 0 is no evidence.

    The evidence is the punctuation as the recognizer read the rows (left to right): a
    clause mark ends a row set left to right and starts one set right to left. Rows
    without marks (a nameplate, a one-line headline) give none.
    """
    ends = starts = 0
    for row in rows:
        text = row.text.strip()
        if not text:
            continue
        ends += text[-1] in _CLOSING_MARKS
        starts += text[0] in _CLOSING_MARKS
    return ends - starts


def right_to_left(line: Line) -> None:
    """Read a horizontal line of a vertical page right to left.

    Before the 1950s a row of Chinese above vertical columns (a nameplate, date line,
    headline, an advertiser's address) was set right to left: it is vertical text one
    character to the column. The recognizer reads rows left to right, so 女子銀行 comes
    out 行銀子女. The row's characters are reversed (runs of Latin letters and digits,
    which were set left to right even then, stay as they are) and brackets mirrored.
    Rows with fewer than two Chinese characters are left alone.
    """
    chars = [c for c in line.text if not c.isspace()]
    if sum(is_cjk(c) for c in chars) < max(2, len(chars) / 2):
        return
    if len(line.glyphs) == len(chars):
        units = _rtl_units([g.text for g in line.glyphs])
        glyphs = [line.glyphs[i] for unit in reversed(units) for i in unit]
        line.glyphs = [Glyph(g.box, _MIRROR.get(g.text, g.text), g.confidence) for g in glyphs]
        line.text = clean_line("".join(g.text for g in line.glyphs))
        return
    units = _rtl_units(chars)
    line.text = clean_line(
        "".join(_MIRROR.get(chars[i], chars[i]) for u in reversed(units) for i in u)
    )


def _rtl_units(chars: Sequence[str]) -> list[list[int]]:
    """Indices grouped into units that keep their order: runs of ASCII letters/digits."""
    units: list[list[int]] = []
    for i, c in enumerate(chars):
        latin = c.isascii() and c.isalnum()
        if latin and units and chars[units[-1][-1]].isascii() and chars[units[-1][-1]].isalnum():
            units[-1].append(i)
        else:
            units.append([i])
    return units


def mark_style(page: Page, added: dict[int, list[Glyph]]) -> None:
    """Which pause mark a region of vertical text is set with, from its own lines.

    Vertical print of the 1930s uses 句讀 only (、 and 。 beside the characters), but a
    serial or essay on the same page may use modern ，. The recognizer reads a clear ，
    well and drops worn 、 (or reads it as ，), so a region where the commas it read
    outnumber all the other pause marks (read, or added from the image) is set with
    commas: the added marks become ，. In any other region with a few 、 the commas read
    are worn 、 (the two are not mixed in one text), and become 、.
    """
    groups = [r.lines for r in page.regions] if page.regions else [page.lines]
    for lines in groups:
        vertical = [ln for ln in lines if ln.vertical]
        extra = [g for ln in vertical for g in added.get(id(ln), [])]
        extra_ids = {id(g) for g in extra}
        read = [g.text for ln in vertical for g in ln.glyphs if id(g) not in extra_ids]
        dun, commas = read.count(DUN) + len(extra), read.count("，")
        if commas > dun:
            old, new, only = DUN, "，", extra_ids
        elif dun >= MIN_DUN and commas:
            old, new, only = "，", DUN, None
        else:
            continue
        for ln in vertical:
            hits = [g for g in ln.glyphs if g.text == old and (only is None or id(g) in only)]
            for g in hits:
                g.text = new
            if hits:
                ln.text = ln.text.replace(old, new) if only is None else _glyph_text(ln)


def _glyph_text(line: Line) -> str:
    return clean_line("".join(g.text for g in line.glyphs))


# Marks 、 (read or added) that make a region a 、 region when it has fewer commas.
MIN_DUN = 3


DUN = "、"


_FULL_WIDTH = {"(": "（", ")": "）", ":": "：", ";": "；", "!": "！", "?": "？", ",": "，"}


def normalize_punctuation(glyphs: list[Glyph], *, vertical: bool = False) -> list[Glyph]:
    """Chinese print conventions the recognizer does not keep.

    The PP-OCR dictionary maps full-width brackets and colons onto ASCII ones; next to a
    Han character they are full-width in print. A 破折号 is two em dashes, but CTC cannot
    emit the same label twice without a blank between, so a lone "—" next to Han text is
    doubled (its box split in two). Digit contexts (10:30, 1,000, 2016—2020) are kept.
    """
    out: list[Glyph] = []
    for k, g in enumerate(glyphs):
        prev = out[-1].text if out else ""  # already normalised: "):" is "）："
        nxt = glyphs[k + 1].text if k + 1 < len(glyphs) else ""
        han = is_cjk(prev) or is_cjk(nxt)
        digits = prev.isdigit() and nxt.isdigit()
        if g.text in _FULL_WIDTH and han and not digits:
            out.append(Glyph(g.box, _FULL_WIDTH[g.text], g.confidence))
        elif g.text == "—" and han and not digits and prev != "—" and nxt != "—":
            b = g.box
            if vertical:
                mid = b.cy
                halves = [Box(b.x0, b.y0, b.x1, mid), Box(b.x0, mid, b.x1, b.y1)]
            else:
                mid = b.cx
                halves = [Box(b.x0, b.y0, mid, b.y1), Box(mid, b.y0, b.x1, b.y1)]
            out += [Glyph(h, "—", g.confidence) for h in halves]
        else:
            out.append(g)
    return out


def with_spaces(raw: str, glyphs: Sequence[Glyph]) -> str:
    """The glyph texts joined, with the recognizer's spaces kept where Latin words need them."""
    words = raw.split()
    if len(words) <= 1:
        return "".join(g.text for g in glyphs)
    # Re-insert a space after each raw word's glyph count (normalisation may add glyphs
    # only for dashes, which never sit in Latin words).
    out: list[str] = []
    k = 0
    texts = [g.text for g in glyphs]
    for w in words:
        n = len(w) + sum(1 for i, c in enumerate(w) if c == "—" and _doubled(w, i))
        out.append("".join(texts[k : k + n]))
        k += n
    out[-1] += "".join(texts[k:])
    return " ".join(out)


def _doubled(word: str, i: int) -> bool:
    prev = word[i - 1] if i > 0 else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    han = is_cjk(prev) or is_cjk(nxt)
    return han and not (prev.isdigit() and nxt.isdigit()) and prev != "—" and nxt != "—"
