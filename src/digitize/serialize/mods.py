"""MODS descriptive metadata of an issue, for METS `dmdSec/mdWrap[@MDTYPE="MODS"]`.

Library ingest (LoC, Europeana-style aggregators) and OCR-D's METS validator identify an
issue by its MODS: title, date issued, issue number, extent and language. The masthead
prints the first three and digitize reads it (the classify stage types those lines
`RegionType.MASTHEAD`): the nameplate is the largest masthead line that is neither a
date nor an issue line, the date is `YYYY年M月D日` in Arabic or Chinese numerals
(ISO 8601 when it parses), the issue number `第N期`. A batch can override any of them
(`OVERRIDE_KEYS`), e.g. when a masthead is damaged or the paper's catalogue title differs.

Language is Chinese with the script of the issue's text (`text.script`): `zh-Hans` or
`zh-Hant` (RFC 5646), also given as ISO 639-2 `chi` and ISO 15924 `Hans`/`Hant`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from lxml import etree

from digitize.model import Issue, Line, RegionType
from digitize.serialize.alto import xml_safe
from digitize.text.numerals import NUMERAL_CHARS, chinese_number
from digitize.text.script import is_traditional_text
from digitize.text.textutil import clean_line, is_cjk

MODS_NS = "http://www.loc.gov/mods/v3"
MODS_VERSION = "3.7"
OVERRIDE_KEYS = frozenset({"title", "date", "issue_number", "edition", "script"})

_NUM = rf"[0-9{NUMERAL_CHARS}]"
_DATE = re.compile(rf"({_NUM}{{4}})\s*年\s*({_NUM}{{1,3}})\s*月\s*({_NUM}{{1,3}})\s*日")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISSUE = re.compile(rf"第\s*({_NUM}+)\s*期")


@dataclass(frozen=True, slots=True)
class IssueMetadata:
    """What MODS says about an issue; None where neither masthead nor batch tells."""

    title: str | None = None
    date: str | None = None  # ISO 8601 when parsed, else as printed
    issue_number: str | None = None
    edition: str | None = None
    pages: int = 0
    script: str = "Hans"  # ISO 15924


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else chinese_number(raw)


def parse_date(text: str) -> str | None:
    """`2019年12月19日` or `二〇一九年十二月十九日` as `2019-12-19`; None if there is
    no such date or it is not a real day."""
    m = _DATE.search(unicodedata.normalize("NFKC", text))
    if m is None:
        return None
    y, mo, d = (_number(g) for g in m.groups())
    if y is None or mo is None or d is None:
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def _masthead_lines(issue: Issue) -> list[Line]:
    """The front page's masthead lines (inside pages' page heads name sections)."""
    if not issue.pages:
        return []
    front = min(issue.pages, key=lambda p: p.number)
    return [
        ln
        for r in front.regions
        if r.type is RegionType.MASTHEAD
        for ln in r.lines
        if ln.text.strip()
    ]


def masthead_metadata(issue: Issue) -> IssueMetadata:
    """Title, date and issue number as read from the front page's masthead."""
    title = issued = number = None
    names: list[Line] = []
    for ln in _masthead_lines(issue):
        text = unicodedata.normalize("NFKC", clean_line(ln.text))
        found_date = _DATE.search(text)
        found_issue = _ISSUE.search(text)
        if found_date and issued is None:
            issued = parse_date(text) or found_date.group(0)
        if found_issue and number is None:
            value = _number(found_issue.group(1))
            number = str(value) if value is not None else found_issue.group(1)
        if not found_date and not found_issue and sum(map(is_cjk, text)) >= 2:
            names.append(ln)
    if names:
        title = clean_line(max(names, key=lambda ln: ln.font_size).text)
    text = "".join(ln.text for p in issue.pages for ln in p.iter_lines())
    return IssueMetadata(
        title=title,
        date=issued,
        issue_number=number,
        pages=len(issue.pages),
        script="Hant" if is_traditional_text(text) else "Hans",
    )


def issue_metadata(issue: Issue, overrides: Mapping[str, str] | None = None) -> IssueMetadata:
    """The masthead's metadata with the batch's `overrides` applied (keys:
    `OVERRIDE_KEYS`; a date override may be ISO or as printed). ValueError for an
    unknown key, so a misspelt setting is not silently ignored."""
    meta = masthead_metadata(issue)
    if not overrides:
        return meta
    unknown = set(overrides) - OVERRIDE_KEYS
    if unknown:
        raise ValueError(f"unknown metadata keys {sorted(unknown)}; known: {sorted(OVERRIDE_KEYS)}")
    values = dict(overrides)
    if "date" in values and not _ISO.match(values["date"]):
        values["date"] = parse_date(values["date"]) or values["date"]
    if "script" in values and values["script"] not in ("Hans", "Hant"):
        raise ValueError(f"script must be Hans or Hant, not {values['script']!r}")
    return replace(meta, **values)  # type: ignore[arg-type]  # keys checked above


def _m(name: str) -> str:
    return f"{{{MODS_NS}}}{name}"


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, _m(name), attrs)
    if text is not None:
        el.text = xml_safe(text)
    return el


def mods(issue: Issue, overrides: Mapping[str, str] | None = None) -> etree._Element:
    """`<mods:mods>` for the issue, to go into a METS dmdSec's `mdWrap/xmlData`."""
    meta = issue_metadata(issue, overrides)
    root = etree.Element(_m("mods"), nsmap={"mods": MODS_NS})
    root.set("version", MODS_VERSION)
    title_info = _sub(root, "titleInfo")
    _sub(title_info, "title", meta.title or issue.name)
    if meta.issue_number:
        _sub(title_info, "partNumber", f"第{meta.issue_number}期")
    _sub(root, "typeOfResource", "text")
    _sub(root, "genre", "newspaper", authority="marcgt")
    origin = _sub(root, "originInfo", eventType="publication")
    if meta.date:
        if _ISO.match(meta.date):
            _sub(origin, "dateIssued", meta.date, encoding="iso8601", keyDate="yes")
        else:
            _sub(origin, "dateIssued", meta.date)
    if meta.edition:
        _sub(origin, "edition", meta.edition)
    _sub(origin, "issuance", "serial")
    lang = _sub(root, "language")
    _sub(lang, "languageTerm", f"zh-{meta.script}", type="code", authority="rfc5646")
    _sub(lang, "languageTerm", "chi", type="code", authority="iso639-2b")
    _sub(lang, "scriptTerm", meta.script, type="code", authority="iso15924")
    phys = _sub(root, "physicalDescription")
    _sub(phys, "extent", str(meta.pages), unit="pages")
    if meta.issue_number:
        part = _sub(root, "part")
        detail = _sub(part, "detail", type="issue")
        _sub(detail, "number", meta.issue_number)
    _sub(root, "identifier", issue.name, type="local")
    return root
