"""Article records: one JSON-ready dict per article, for JSONL output and search indexing."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import PurePath

from digitize.model import Article, Issue, JumpLink, RegionType
from digitize.serialize.alto import block_ids
from digitize.serialize.text import article_body, article_regions
from digitize.text.script import to_simplified
from digitize.text.textutil import clean_line


def _jsonable(value: object) -> object:
    """Plain JSON types only (evidence dicts may hold tuples, paths, numpy scalars)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        return _jsonable(item())
    return str(value)


_DIGITS = re.compile(r"\d+")
_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMERAL = re.compile(r"[〇零一二两三四五六七八九十百]+")


def page_number(label: str | None) -> int | None:
    """The number in a printed page label: "4", "第４版", "A3" -> 3, "第十二版" -> 12."""
    if not label:
        return None
    m = _DIGITS.search(label)
    if m:
        return int(m.group())
    m = _CN_NUMERAL.search(label)
    if not m:
        return None
    total, current = 0, 0
    for ch in m.group():
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[ch]
    return total + current


def _jump_record(j: JumpLink) -> dict[str, object]:
    return {
        "from_page": j.from_page,
        "to_page": j.to_page,
        "from_block": j.from_region,
        "to_block": j.to_region,
        "score": round(j.score, 4),
        "evidence": _jsonable(j.evidence),
    }


def _first_text(issue: Issue, article: Article, rtype: RegionType) -> str:
    for _page, r in article_regions(issue, article):
        if r.type is rtype:
            text = clean_line(r.text.replace("\n", " "))
            if text:
                return text
    return ""


def article_records(issue: Issue) -> list[dict[str, object]]:
    """One record per article, in issue order. Fields the linker left empty (title, text,
    captions) are filled from the article's regions so every record is searchable.

    `pages` are printed page numbers as integers (the physical number where the folio was
    not read or holds no number); `printed_pages` keeps the labels as printed."""
    pages = {p.number: p for p in issue.pages}
    bids = {p.number: block_ids(p) for p in issue.pages}
    records: list[dict[str, object]] = []
    for art in issue.articles:
        body, captions = article_body(issue, art)
        region_keys = {(part.page, rid) for part in art.parts for rid in part.region_ids}
        parts: list[dict[str, object]] = []
        labels: list[str] = []
        numbers: list[int] = []
        physical: list[int] = []
        for part in art.parts:
            page = pages.get(part.page)
            printed = page.printed_number if page is not None else None
            if part.page not in physical:
                physical.append(part.page)
                labels.append(printed or str(part.page))
                number = page_number(printed)
                numbers.append(number if number is not None else part.page)
            ids = bids.get(part.page, {})
            parts.append(
                {
                    "page": part.page,
                    "printed_page": printed,
                    "file": part.file,
                    "blocks": [ids.get(rid, rid) for rid in part.region_ids],
                }
            )
        unresolved = [
            _jsonable(u)
            for u in issue.unresolved_jumps
            if u.get("article_id") == art.id
            or (u.get("page"), u.get("region_id")) in region_keys
            or (u.get("page"), u.get("region")) in region_keys
        ]
        title = art.title or _first_text(issue, art, RegionType.HEADLINE)
        text = art.text or body
        records.append(
            {
                "id": art.id,
                "issue": issue.name,
                "title": title,
                "kicker": art.kicker or _first_text(issue, art, RegionType.KICKER),
                "subtitle": art.subtitle or _first_text(issue, art, RegionType.SUBTITLE),
                "byline": art.byline or _first_text(issue, art, RegionType.BYLINE),
                "pages": numbers,
                "printed_pages": labels,
                "physical_pages": physical,
                "parts": parts,
                "text": text,
                # Search keys: printed text stays as is, a simplified copy finds 新聞 by 新闻.
                "title_simplified": to_simplified(title),
                "text_simplified": to_simplified(text),
                "captions": list(art.captions) or captions,
                "confidence": round(art.confidence, 4),
                "jumps": [_jump_record(j) for j in issue.jumps if j.article_id == art.id],
                "unresolved_jumps": unresolved,
            }
        )
    return records
