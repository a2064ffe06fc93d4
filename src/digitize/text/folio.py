"""Printed page labels (版次): the one parser for folios, jump targets and page numbers.

A page's printed number decides where its jumps lead, so every stage that needs one asks
here: classify reads the folio from the masthead (`printed_number`, on
`parse_page_number`), the jump parser normalises a marker's target (`normalize_label`),
and the link stage names each page (`page_label`: folio, else the file name's number,
else the position in the issue; jumps that lead to a page name it first, in link)."""

from __future__ import annotations

import re
import unicodedata

from digitize.model import (
    Page,
    RegionType,
)
from digitize.text.numerals import NUMERAL_CHARS, chinese_number

# "第四版", "第A4版"; not "共第..." counts.
_FOLIO_ORDINAL = re.compile(rf"(?<![今共计])第([A-Z]?[0-9]{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})版")


# "A4", "B12": a section letter and a number standing alone (not part of "CN32-0062").
_FOLIO_LETTER = re.compile(r"(?<![A-Za-z0-9])([A-Z])0*([0-9]{1,2})(?![0-9A-Za-z])")


# "4版" but not "今日四版" / "共8版" / "本期12版", which count the pages of the issue; a match
# never starts inside a run of numerals ("今日十二版" is not page 2).
_FOLIO_PLAIN = re.compile(
    rf"(?<!今日)(?<!今天)(?<!本期)(?<![共计全每有第0-9{NUMERAL_CHARS}])([0-9]{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})版"
)


_FOLIO_BARE = re.compile(r"0*([0-9]{1,3})")


def _number_label(token: str) -> str | None:
    if token.isdigit():
        return str(int(token))
    value = chinese_number(token)
    return None if value is None else str(value)


def _folio_text(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def _ordinal(t: str) -> str | None:
    m = _FOLIO_ORDINAL.search(t)
    return normalize_label(m.group(1)) if m else None


def names_folio(text: str) -> bool:
    """Whether the text holds a 第X版 folio (it then belongs to the masthead)."""
    return _ordinal(_folio_text(text)) is not None


def parse_page_number(text: str) -> str | None:
    """The printed page label (版次) in a folio line, normalised: "第四版" -> "4", "A04" -> "A4".

    Issue-level counts such as "今日四版" (four pages today) are not page numbers.
    """
    t = _folio_text(text)
    if not t:
        return None
    if (label := _ordinal(t)) is not None:
        return label
    m = _FOLIO_LETTER.search(t)
    if m:
        return f"{m.group(1)}{int(m.group(2))}"
    m = _FOLIO_PLAIN.search(t)
    if m and (label := _number_label(m.group(1))) is not None:
        return label
    m = _FOLIO_BARE.fullmatch(t)
    if m:
        return str(int(m.group(1)))
    return None


def normalize_page_label(label: str | None) -> str | None:
    """A page label as a jump marker prints it ("四", "4", "第4版", "A3") in canonical form;
    text that names no page is kept, upper-cased, so that it still compares."""
    if label is None:
        return None
    t = _folio_text(label)
    if not t:
        return None
    return normalize_label(t) or parse_page_number(t) or t


_SECTION_PAGE = re.compile(r"([A-Z]{1,2})?(\d+)")


def same_page_number(a: str, b: str) -> bool:
    """Two canonical labels that name the same page once a section letter is left out:
    papers with lettered sections (A1, A3) often print jumps without it (下转3版, 接第1版).
    Two different letters (A3, B3) never match."""
    ma, mb = _SECTION_PAGE.fullmatch(a), _SECTION_PAGE.fullmatch(b)
    if ma is None or mb is None or ma.group(2) != mb.group(2):
        return False
    return ma.group(1) is None or mb.group(1) is None


def folio_label(page: Page) -> str | None:
    """The page number printed on the page (classify's folio, else one in the masthead),
    or None where none was read."""
    if page.printed_number and (label := normalize_page_label(page.printed_number)):
        return label
    return printed_number(page)


def page_label(page: Page) -> str:
    """The page's printed number: folio text, else the file name's number, else its position."""
    if (label := folio_label(page)) is not None:
        return label
    numbers = [n for n in re.findall(r"\d+", page.stem) if len(n) <= 3]
    if numbers:
        return str(int(numbers[-1]))
    return str(page.number)


def page_value(label: str) -> int | None:
    """The number in a canonical label ("A4" -> 4), for ordering pages."""
    m = _SECTION_PAGE.fullmatch(label)
    return int(m.group(2)) if m else None


def normalize_label(raw: str) -> str | None:
    """Normalise a printed page label: "四" -> "4", "04" -> "4", "a3" -> "A3"."""
    s = unicodedata.normalize("NFKC", raw).strip().upper().replace(" ", "")
    if not s:
        return None
    m = re.fullmatch(r"([A-Z]?)0*([0-9]+)", s)
    if m:
        return f"{m.group(1)}{int(m.group(2))}"
    if re.fullmatch(r"[A-Z]", s):
        return s
    n = chinese_number(s)
    return str(n) if n is not None else None


def printed_number(page: Page) -> str | None:
    """The folio: a "第X版" anywhere in the masthead first (a stray digit at the scan's
    edge must not win over the printed 第二版), else the first masthead line that
    `parse_page_number` reads (a bare "5", "A4 要闻")."""
    texts = [
        text
        for region in sorted(page.regions, key=lambda r: (r.box.y0, r.box.x0))
        if region.type is RegionType.MASTHEAD
        for text in [*(ln.text for ln in region.lines), region.text]
    ]
    for t in texts:
        if (label := _ordinal(_folio_text(t))) is not None:
            return label
    for t in texts:
        if (label := parse_page_number(t)) is not None:
            return label
    return None
