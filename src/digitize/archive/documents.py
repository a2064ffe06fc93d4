"""Article records read back from an issue folder, checked, and made into search
documents: for the SQLite index (`search`) and for exports to Elasticsearch/OpenSearch
(bulk JSONL) and Solr (JSON docs).

Everything here is read from output folders that people copy, edit and mail around,
so nothing in them is trusted: each record's fields are type-checked (a bad record is
skipped with a message), and a page file named by a record must stay inside the issue
folder. Each document keeps its ALTO blocks (page, block id, scan box, text) so a hit
can be highlighted on the page image by a viewer; the index also keeps each character's
glyph box, so a hit is boxed character by character.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from digitize.errors import InputError
from digitize.model import Box, Line, Region
from digitize.serialize.alto_read import AltoPage, read_alto_page
from digitize.serialize.xmlsafe import UnsafePathError, inside
from digitize.text.textutil import clean_line, join_pair

RECORDS_NAME = "articles.jsonl"

# Record fields and the JSON types they must have; records are read from output folders
# that people copy and edit, so every field is checked before it is used.
_TEXT_FIELDS = ("id", "issue", "title", "kicker", "subtitle", "byline", "text")
_LIST_FIELDS = ("pages", "printed_pages", "physical_pages", "captions")


@dataclass(slots=True)
class IssueData:
    folder: Path
    records: list[dict[str, object]]
    pages: dict[str, AltoPage]  # page file stem -> its ALTO, read back
    problems: list[str] = field(default_factory=list)


def _short(value: object) -> str:
    """A value for a message: repr (so control characters cannot reach the terminal),
    cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def record_problem(rec: object) -> str | None:
    """Why an article record cannot be used, or None when its fields have the right types."""
    if not isinstance(rec, dict):
        return f"not a JSON object but {_short(rec)}"
    for key in _TEXT_FIELDS:
        value = rec.get(key)
        if value is not None and not isinstance(value, str):
            return f"field {key!r} is {_short(value)}, not text"
    conf = rec.get("confidence")
    if conf is not None and (
        isinstance(conf, bool) or not isinstance(conf, int | float) or not math.isfinite(conf)
    ):
        return f"field 'confidence' is {_short(conf)}, not a number"
    for key in _LIST_FIELDS:
        value = rec.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(_is_scalar(v) for v in value)
        ):
            return f"field {key!r} is {_short(value)}, not a list of labels"
    parts = rec.get("parts")
    if parts is None:
        return None
    if not isinstance(parts, list):
        return f"field 'parts' is {_short(parts)}, not a list"
    for k, part in enumerate(parts):
        if not isinstance(part, dict):
            return f"parts[{k}] is {_short(part)}, not an object"
        stem, blocks, page = part.get("file"), part.get("blocks"), part.get("page")
        if not isinstance(stem, str) or not stem:
            return f"parts[{k}].file is {_short(stem)}, not a page file name"
        if not isinstance(blocks, list) or not all(isinstance(b, str) for b in blocks):
            return f"parts[{k}].blocks is {_short(blocks)}, not a list of block ids"
        if page is not None and (isinstance(page, bool) or not isinstance(page, int)):
            return f"parts[{k}].page is {_short(page)}, not a page number"
        printed = part.get("printed_page")
        if printed is not None and not isinstance(printed, str):
            return f"parts[{k}].printed_page is {_short(printed)}, not a label"
    return None


def read_records(folder: Path) -> tuple[list[dict[str, object]], list[str]]:
    """The usable article records of an issue folder and one message per line skipped.

    Raises InputError when articles.jsonl cannot be read at all.
    """
    path = inside(folder, RECORDS_NAME)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {RECORDS_NAME}: {exc.strerror or exc}", path=path) from None
    records: list[dict[str, object]] = []
    problems: list[str] = []
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{path}:{n}: not UTF-8 text; line skipped")
            continue
        except ValueError as exc:
            problems.append(f"{path}:{n}: not JSON ({exc}); line skipped")
            continue
        why = record_problem(rec)
        if why is not None:
            problems.append(f"{path}:{n}: {why}; record skipped")
            continue
        records.append(rec)
    return records, problems


def load_issue(folder: Path) -> IssueData:
    """Article records of an issue folder, plus the ALTO pages they point into.

    A record naming a page file outside the folder is refused (skipped, with a message),
    so a planted record can never make the index read or store another file.
    """
    records, problems = read_records(folder)
    pages: dict[str, AltoPage] = {}
    kept: list[dict[str, object]] = []
    for rec in records:
        try:
            for stem in {str(part["file"]) for part in _parts(rec)}:
                inside(folder, f"{stem}.xml", what="page file name")
        except UnsafePathError as exc:
            problems.append(f"{folder / RECORDS_NAME}: article {_short(rec.get('id'))}: "
                            f"{exc.message}; record skipped")  # fmt: skip
            continue
        kept.append(rec)
    stems = {str(part["file"]) for rec in kept for part in _parts(rec)}
    for stem in sorted(stems):
        alto = inside(folder, f"{stem}.xml", what="page file name")
        if not alto.is_file():
            problems.append(f"{alto}: missing; article boxes from this page are not indexed")
            continue
        try:
            pages[stem] = read_alto_page(alto)
        except InputError as exc:
            problems.append(str(exc))
    return IssueData(folder, kept, pages, problems)


def _parts(rec: dict[str, object]) -> list[dict[str, object]]:
    parts = rec.get("parts")
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def _str_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def issue_date(name: str) -> str | None:
    """ISO date from an issue name such as 'jintan-20191219', if it holds a valid one."""
    for m in re.finditer(r"(?<!\d)(1[89]\d{2}|20\d{2})[-_]?(\d{2})[-_]?(\d{2})(?!\d)", name):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


CharBox = list[int]  # [x, y, w, h] in scan pixels


def _xywh(alto: AltoPage, box: Box) -> CharBox:
    b = alto.page.to_scan_box(box)
    x, y = round(b.x0), round(b.y0)
    return [x, y, max(0, round(b.x1) - x), max(0, round(b.y1) - y)]


def _line_char_boxes(alto: AltoPage, line: Line, text: str) -> list[CharBox | None]:
    """Per character of the line's cleaned text: its glyph's scan box (the line's own box
    when the glyphs do not match the characters one to one); None for a space."""
    chars = [c for c in text if c != " "]
    glyphs = [g for g in line.glyphs if g.text.strip()]
    if len(glyphs) == len(chars):
        boxes = iter([_xywh(alto, g.box) for g in glyphs])
    else:
        whole = _xywh(alto, line.box)
        boxes = iter([whole] * len(chars))
    return [None if c == " " else next(boxes) for c in text]


def block_chars(alto: AltoPage, region: Region) -> tuple[str, list[CharBox | None]]:
    """The block's text as one paragraph (lines joined without layout breaks) and, per
    character, where it is printed (scan pixels), so a search hit can be boxed glyph by
    glyph; a space put between two lines (Latin words) has no box."""
    text = ""
    boxes: list[CharBox | None] = []
    for ln in region.lines:
        piece = clean_line(ln.text)
        if not piece:
            continue
        joined = join_pair(text, piece)
        if len(joined) > len(text) + len(piece):
            boxes.append(None)
        text = joined
        boxes += _line_char_boxes(alto, ln, piece)
    return text, boxes


def scan_box(alto: AltoPage, region: Region) -> list[int]:
    """The block's box in scan pixels, [x, y, w, h], as the ALTO file gives it (else
    mapped from the page frame)."""
    written = alto.boxes.get(region.id)
    if written is not None:
        return [round(v) for v in written]
    return _xywh(alto, region.box)


def article_blocks(rec: dict[str, object], pages: dict[str, AltoPage]) -> list[dict[str, object]]:
    """The article's ALTO blocks in article order with scan boxes, text and a scan box
    per character of the text (`block_chars`)."""
    out: list[dict[str, object]] = []
    for part in _parts(rec):
        stem = str(part.get("file", ""))
        page = pages.get(stem)
        by_id = {r.id: r for r in page.page.regions} if page is not None else {}
        for bid in _str_list(part.get("blocks")):
            region = by_id.get(bid)
            text, glyphs = "", list[CharBox | None]()
            if page is not None and region is not None:
                text, glyphs = block_chars(page, region)
            out.append(
                {
                    "page": part.get("page"),
                    "printed_page": part.get("printed_page"),
                    "file": f"{stem}.xml",
                    "block": bid,
                    "type": region.type.value if region is not None else None,
                    "box": scan_box(page, region)
                    if page is not None and region is not None
                    else None,
                    "text": text,
                    "glyphs": glyphs,
                }
            )
    return out


def article_doc(rec: dict[str, object], pages: dict[str, AltoPage]) -> dict[str, object]:
    """One search document: the record's fields plus date and block boxes."""
    issue = str(rec.get("issue", ""))
    art = str(rec.get("id", ""))
    return {
        # Article ids normally embed the issue name already; keep ids globally unique.
        "id": art if issue and art.startswith(issue) else f"{issue}/{art}",
        "issue": issue,
        "article_id": rec.get("id"),
        "date": issue_date(issue),
        "title": rec.get("title", ""),
        "kicker": rec.get("kicker", ""),
        "subtitle": rec.get("subtitle", ""),
        "byline": rec.get("byline", ""),
        "pages": _str_list(rec.get("pages")),
        "physical_pages": rec.get("physical_pages", []),
        "text": rec.get("text", ""),
        "captions": _str_list(rec.get("captions")),
        "confidence": rec.get("confidence"),
        "blocks": [
            {k: v for k, v in b.items() if k not in ("text", "glyphs")}
            for b in article_blocks(rec, pages)
        ],
    }


def searchable(rec: dict[str, object]) -> tuple[str, str]:
    """(title, body) for the FTS columns; the body carries every other text field."""
    title = str(rec.get("title") or "")
    fields = [str(rec.get(k) or "") for k in ("kicker", "subtitle", "byline", "text")]
    fields += _str_list(rec.get("captions"))
    return title, "\n".join(f for f in fields if f)


def record_folders(paths: Sequence[Path]) -> list[Path]:
    """Issue folders (holding articles.jsonl) named directly or found below the paths."""
    out: list[Path] = []
    for p in paths:
        if (p / RECORDS_NAME).is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(f.parent for f in p.rglob(RECORDS_NAME)))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------- export


def export_docs(folders: Iterable[Path]) -> Iterator[tuple[dict[str, object], list[str]]]:
    for folder in folders:
        data = load_issue(folder)
        for rec in data.records:
            yield article_doc(rec, data.pages), []
        if data.problems:
            yield {}, data.problems


def bulk_lines(docs: Iterable[dict[str, object]], index: str) -> Iterator[str]:
    """Elasticsearch/OpenSearch `_bulk` body: an action line, then the document."""
    for doc in docs:
        action = {"index": {"_index": index, "_id": doc["id"]}}
        yield json.dumps(action, ensure_ascii=False)
        yield json.dumps(doc, ensure_ascii=False)


def solr_doc(doc: dict[str, object]) -> dict[str, object]:
    """Flat Solr document using the dynamic-field suffixes of Solr's `_default` configset
    (`*_txt_cjk` is analysed with CJK bigrams there)."""
    blocks = doc.get("blocks")
    block_list = blocks if isinstance(blocks, list) else []
    out: dict[str, object] = {
        "id": doc["id"],
        "issue_s": doc["issue"],
        "article_id_s": doc["article_id"],
        "title_txt_cjk": doc["title"],
        "kicker_txt_cjk": doc["kicker"],
        "subtitle_txt_cjk": doc["subtitle"],
        "byline_s": doc["byline"],
        "text_txt_cjk": doc["text"],
        "captions_txt_cjk": "\n".join(_str_list(doc.get("captions"))),
        "pages_ss": doc["pages"],
        "physical_pages_is": doc["physical_pages"],
        "confidence_f": doc["confidence"],
        "blocks_s": json.dumps(block_list, ensure_ascii=False),
    }
    if doc.get("date"):
        out["date_dt"] = f"{doc['date']}T00:00:00Z"
    return out
