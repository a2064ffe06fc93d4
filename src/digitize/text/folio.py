"""Printed page labels (版次): the one parser for folios, jump targets and page numbers.

A page's printed number decides where its jumps lead, so every stage that needs one asks
here: classify reads the folio from the masthead (`printed_number`), the jump parser
normalises a marker's target (`normalize_label`), and the link stage names each page
(`page_label`: folio, else the file name's number, else the position in the issue)."""

from __future__ import annotations

import re
import unicodedata

from digitize.model import (
    Page,
    RegionType,
)
from digitize.text.numerals import NUMERAL_CHARS, chinese_number

_FOLIO_ORDINAL = re.compile(rf"第([0-9]{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})版")


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


def parse_page_number(text: str) -> str | None:
    """The printed page label (版次) in a folio line, normalised: "第四版" -> "4", "A04" -> "A4".

    Issue-level counts such as "今日四版" (four pages today) are not page numbers.
    """
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not t:
        return None
    m = _FOLIO_ORDINAL.search(t)
    if m and (label := _number_label(m.group(1))) is not None:
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
    """A page label as a jump marker prints it ("四", "4", "第4版", "A3") in canonical form."""
    if label is None:
        return None
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    if not t:
        return None
    plain = _number_label(t)
    if plain is not None:
        return plain
    return parse_page_number(t) or t.upper()


_SECTION_PAGE = re.compile(r"([A-Z]{1,2})?(\d+)")


def same_page_number(a: str, b: str) -> bool:
    """Two canonical labels that name the same page once a section letter is left out:
    papers with lettered sections (A1, A3) often print jumps without it (下转3版, 接第1版).
    Two different letters (A3, B3) never match."""
    ma, mb = _SECTION_PAGE.fullmatch(a), _SECTION_PAGE.fullmatch(b)
    if ma is None or mb is None or ma.group(2) != mb.group(2):
        return False
    return ma.group(1) is None or mb.group(1) is None


def page_label(page: Page) -> str:
    """The page's printed number: folio text, else the file name's number, else its position."""
    if page.printed_number and (label := normalize_page_label(page.printed_number)):
        return label
    ordered = page.ordered_regions()
    seen = {r.id for r in ordered}
    for region in [*ordered, *(r for r in page.regions if r.id not in seen)]:
        if region.type != RegionType.MASTHEAD:
            continue
        for text in [*(line.text for line in region.lines), region.text]:
            label = parse_page_number(text)
            if label is not None:
                return label
    numbers = [n for n in re.findall(r"\d+", page.stem) if len(n) <= 3]
    if numbers:
        return str(int(numbers[-1]))
    return str(page.number)


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


FOLIO = re.compile(
    r"(?<![今共计])第\s*([A-Za-z]?\s*[0-9０-９]{1,3}|[〇零一二三四五六七八九十]{1,3})\s*[版版]"
)


def printed_number(page: Page) -> str | None:
    """The folio: a "第X版" anywhere in the masthead first, else a bare page number (a
    stray digit at the scan's edge must not win over the printed 第二版)."""
    lines = [
        unicodedata.normalize("NFKC", ln.text).strip()
        for region in sorted(page.regions, key=lambda r: (r.box.y0, r.box.x0))
        if region.type is RegionType.MASTHEAD
        for ln in region.lines
    ]
    for t in lines:
        m = FOLIO.search(t)
        label = normalize_label(m.group(1)) if m else None
        if label:
            return label
    for t in lines:
        token = t.replace(" ", "")
        if re.fullmatch(r"[A-Z]?[0-9]{1,2}", token):
            return normalize_label(token)
    return None


