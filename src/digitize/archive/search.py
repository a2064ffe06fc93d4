"""Full-text search over article records: an SQLite FTS5 index, queries, and exports for
Elasticsearch/OpenSearch (bulk JSONL) and Solr (JSON docs).

Chinese is written without spaces, so word tokenizers see whole clauses as one token.
The index uses FTS5's trigram tokenizer, which matches any substring of three or more
characters. Shorter queries (very common in Chinese: 两会, 疫情) cannot be served by
trigrams; they are answered by a substring scan over the indexed text, which is linear
in the size of the archive but needs no second index.

Each article also keeps its ALTO blocks (page, block id, scan box, text) so a hit can
be highlighted on the page image by a viewer.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from digitize.serialize.alto_read import line_strings
from digitize.serialize.xmlsafe import XmlError, float_attr, local_name, parse_file, polygon_numbers
from digitize.text.script import to_simplified
from digitize.text.textutil import clean_line, join_pair

SCHEMA_VERSION = 3
_SPACE = re.compile(r"\s+")
RECORDS_NAME = "articles.jsonl"

# ---------------------------------------------------------------------------- ALTO layout


@dataclass(slots=True)
class AltoGlyph:
    content: str
    gc: float | None
    box: tuple[float, float, float, float] | None


@dataclass(slots=True)
class AltoString:
    id: str
    content: str
    wc: float | None
    box: tuple[float, float, float, float] | None  # x, y, w, h in scan pixels
    glyphs: list[AltoGlyph] = field(default_factory=list)


@dataclass(slots=True)
class AltoLine:
    id: str
    box: tuple[float, float, float, float] | None
    strings: list[AltoString] = field(default_factory=list)
    text: str = ""


@dataclass(slots=True)
class AltoBlock:
    id: str
    element: str  # TextBlock | Illustration | GraphicalElement
    type: str  # region type label (body, headline, ...)
    article: str | None
    box: tuple[float, float, float, float] | None
    polygon: list[tuple[float, float]] | None
    lines: list[AltoLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        out = ""
        for ln in self.lines:
            out = join_pair(out, ln.text)
        return out


@dataclass(slots=True)
class AltoLayout:
    """The geometry and text of one ALTO page as written (scan pixels), no page model.

    Viewers and the index need boxes exactly as in the file, not the deskewed page
    frame `read_alto` produces.
    """

    path: Path
    width: float
    height: float
    number: int | None
    printed: str | None
    image_file: str
    blocks: list[AltoBlock] = field(default_factory=list)
    reading_order: list[str] = field(default_factory=list)  # block ids

    def block(self, block_id: str) -> AltoBlock | None:
        for b in self.blocks:
            if b.id == block_id:
                return b
        return None


_BLOCK_ELEMENTS = {"TextBlock": "body", "Illustration": "photo", "GraphicalElement": "rule"}


def _box(el: etree._Element) -> tuple[float, float, float, float] | None:
    vals = [float_attr(el, k) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    if any(v is None for v in vals):
        return None
    x, y, w, h = (float(v) for v in vals if v is not None)
    return (x, y, w, h)


def _polygon(el: etree._Element) -> list[tuple[float, float]] | None:
    for shape in el:
        if local_name(shape) != "Shape":
            continue
        for poly in shape:
            if local_name(poly) != "Polygon":
                continue
            try:
                nums = polygon_numbers(poly)
            except ValueError:
                return None
            if len(nums) >= 6 and len(nums) % 2 == 0:
                return [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2)]
    return None


def read_layout(path: Path) -> AltoLayout:
    """Blocks, lines, Strings (with WC) and reading order of an ALTO file (parsed safely)."""
    root = parse_file(path).getroot()
    if local_name(root) != "alto":
        raise XmlError(f"root element is <{local_name(root)}>, not <alto>", path=path, line=1)
    tags: dict[str, tuple[str, str]] = {}
    page_el: etree._Element | None = None
    image_file = ""
    ro_el: etree._Element | None = None
    for el in root.iter():
        name = local_name(el)
        parent = el.getparent()
        if parent is not None and local_name(parent) == "Tags" and el.get("ID"):
            tags[el.get("ID", "")] = (el.get("TYPE", ""), el.get("LABEL", ""))
        elif name == "Page" and page_el is None:
            page_el = el
        elif name == "fileName" and not image_file:
            image_file = (el.text or "").strip()
        elif name == "ReadingOrder" and ro_el is None:
            ro_el = el
    if page_el is None:
        raise XmlError("no Layout/Page element", path=path)
    nr = float_attr(page_el, "PHYSICAL_IMG_NR")
    layout = AltoLayout(
        path=path,
        width=float_attr(page_el, "WIDTH") or 0.0,
        height=float_attr(page_el, "HEIGHT") or 0.0,
        number=int(nr) if nr is not None else None,
        printed=page_el.get("PRINTED_IMG_NR"),
        image_file=image_file,
    )
    owner: dict[str, str] = {}  # line/string id -> block id
    for el in page_el.iter():
        name = local_name(el)
        if name not in _BLOCK_ELEMENTS:
            continue
        rtype, article = _BLOCK_ELEMENTS[name], None
        for ref in (el.get("TAGREFS") or "").split():
            ttype, label = tags.get(ref, ("", ""))
            if ttype == "region-type" and label:
                rtype = label
            elif ttype == "article" and label:
                article = label
        block = AltoBlock(
            id=el.get("ID", ""),
            element=name,
            type=rtype,
            article=article,
            box=_box(el),
            polygon=_polygon(el),
        )
        for tl in el.iter():
            if local_name(tl) != "TextLine":
                continue
            line = AltoLine(id=tl.get("ID", ""), box=_box(tl))
            owner[line.id] = block.id
            parts: list[str] = []
            for child, spaced in line_strings(tl):
                content = child.get("CONTENT") or ""
                sid = child.get("ID", "")
                owner[sid] = block.id
                st = AltoString(sid, content, float_attr(child, "WC"), _box(child))
                st.glyphs = [
                    AltoGlyph(g.get("CONTENT") or "", float_attr(g, "GC"), _box(g))
                    for g in child
                    if local_name(g) == "Glyph"
                ]
                line.strings.append(st)
                if spaced and parts:
                    parts.append(" ")
                parts.append(content)
            line.text = clean_line("".join(parts))
            block.lines.append(line)
        layout.blocks.append(block)
        owner[block.id] = block.id
    if ro_el is not None:
        seen: set[str] = set()
        for el in ro_el.iter():
            if local_name(el) != "ElementRef":
                continue
            for ref in (el.get("REF") or "").split():
                bid = owner.get(ref)
                if bid is not None and bid not in seen:
                    seen.add(bid)
                    layout.reading_order.append(bid)
    else:
        layout.reading_order = [b.id for b in layout.blocks if b.element == "TextBlock"]
    return layout


# ---------------------------------------------------------------------------- documents


@dataclass(slots=True)
class IssueData:
    folder: Path
    records: list[dict[str, object]]
    layouts: dict[str, AltoLayout]  # page file stem -> layout
    problems: list[str] = field(default_factory=list)


def load_issue(folder: Path) -> IssueData:
    """Article records of an issue folder, plus the ALTO layouts they point into."""
    path = folder / RECORDS_NAME
    records: list[dict[str, object]] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                problems.append(f"{path}:{n}: not JSON: {exc}")
                continue
            if isinstance(rec, dict):
                records.append(rec)
    layouts: dict[str, AltoLayout] = {}
    stems = {
        str(part.get("file"))
        for rec in records
        for part in _parts(rec)
        if isinstance(part.get("file"), str)
    }
    for stem in sorted(stems):
        alto = folder / f"{stem}.xml"
        if not alto.is_file():
            problems.append(f"{alto}: missing; article boxes from this page are not indexed")
            continue
        try:
            layouts[stem] = read_layout(alto)
        except XmlError as exc:
            problems.append(str(exc))
    return IssueData(folder, records, layouts, problems)


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


def article_blocks(
    rec: dict[str, object], layouts: dict[str, AltoLayout]
) -> list[dict[str, object]]:
    """The article's ALTO blocks in article order with scan boxes and text."""
    out: list[dict[str, object]] = []
    for part in _parts(rec):
        stem = str(part.get("file", ""))
        layout = layouts.get(stem)
        for bid in _str_list(part.get("blocks")):
            block = layout.block(bid) if layout is not None else None
            box = block.box if block is not None else None
            out.append(
                {
                    "page": part.get("page"),
                    "printed_page": part.get("printed_page"),
                    "file": f"{stem}.xml",
                    "block": bid,
                    "type": block.type if block is not None else None,
                    "box": [round(v) for v in box] if box is not None else None,
                    "text": block.text if block is not None else "",
                }
            )
    return out


def article_doc(rec: dict[str, object], layouts: dict[str, AltoLayout]) -> dict[str, object]:
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
            {k: v for k, v in b.items() if k != "text"} for b in article_blocks(rec, layouts)
        ],
    }


def _searchable(rec: dict[str, object]) -> tuple[str, str]:
    """(title, body) for the FTS columns; the body carries every other text field."""
    title = str(rec.get("title") or "")
    fields = [str(rec.get(k) or "") for k in ("kicker", "subtitle", "byline", "text")]
    fields += _str_list(rec.get("captions"))
    return title, "\n".join(f for f in fields if f)


# ---------------------------------------------------------------------------- SQLite index


def connect(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION):
        con.close()
        raise ValueError(f"{db}: index schema version {version}, expected {SCHEMA_VERSION}")
    con.executescript(
        """
        CREATE TABLE IF NOT EXISTS articles(
            rowid INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,
            article_id TEXT NOT NULL,
            folder TEXT NOT NULL,
            seq INTEGER NOT NULL,
            title TEXT NOT NULL,
            pages TEXT NOT NULL,
            doc TEXT NOT NULL,
            UNIQUE(issue, article_id)
        );
        CREATE TABLE IF NOT EXISTS blocks(
            article INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            page INTEGER,
            printed_page TEXT,
            file TEXT NOT NULL,
            block_id TEXT NOT NULL,
            type TEXT,
            x INTEGER, y INTEGER, w INTEGER, h INTEGER,
            text TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS blocks_article ON blocks(article);
        CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
            title, body, folded, tokenize = 'trigram'
        );
        """
    )
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return con


def _delete_issue(con: sqlite3.Connection, issue: str) -> None:
    rows = [r[0] for r in con.execute("SELECT rowid FROM articles WHERE issue = ?", (issue,))]
    for rowid in rows:
        con.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
        con.execute("DELETE FROM blocks WHERE article = ?", (rowid,))
    con.execute("DELETE FROM articles WHERE issue = ?", (issue,))


def index_issue(con: sqlite3.Connection, folder: Path) -> tuple[int, list[str]]:
    """(Re)index one issue folder: its previous entries are replaced. Returns
    (articles indexed, problems)."""
    data = load_issue(folder)
    issues = {str(r.get("issue") or folder.name) for r in data.records} or {folder.name}
    with con:
        for name in issues:
            _delete_issue(con, name)
        for seq, rec in enumerate(data.records):
            issue = str(rec.get("issue") or folder.name)
            doc = article_doc(rec, data.layouts)
            cur = con.execute(
                "INSERT INTO articles(issue, article_id, folder, seq, title, pages, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    issue,
                    str(rec.get("id", seq)),
                    str(folder.resolve()),
                    seq,
                    str(rec.get("title") or ""),
                    json.dumps(doc["pages"], ensure_ascii=False),
                    json.dumps(doc, ensure_ascii=False),
                ),
            )
            rowid = cur.lastrowid
            title, body = _searchable(rec)
            con.execute(
                "INSERT INTO articles_fts(rowid, title, body, folded) VALUES (?, ?, ?, ?)",
                (rowid, title, body, fold(f"{title}\n{body}")),
            )
            for k, b in enumerate(article_blocks(rec, data.layouts)):
                box = b["box"] if isinstance(b["box"], list) else [None] * 4
                con.execute(
                    "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rowid, k, b["page"], b["printed_page"], b["file"], b["block"], b["type"],
                     *box, b["text"]),
                )  # fmt: skip
    return len(data.records), data.problems


def record_folders(paths: Sequence[Path]) -> list[Path]:
    """Issue folders (holding articles.jsonl) named directly or found below the paths."""
    out: list[Path] = []
    for p in paths:
        if (p / RECORDS_NAME).is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(f.parent for f in p.rglob(RECORDS_NAME)))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------- search


@dataclass(slots=True)
class BlockHit:
    file: str
    block_id: str
    page: int | None
    printed_page: str | None
    box: tuple[int, int, int, int] | None


@dataclass(slots=True)
class Hit:
    issue: str
    article_id: str
    title: str
    pages: list[str]
    snippet: str
    folder: str
    score: float
    blocks: list[BlockHit] = field(default_factory=list)


def query_terms(query: str) -> list[str]:
    """Whitespace-separated terms (all must occur); quotes are only grouping."""
    terms = [t.strip('"“”「」') for t in query.split()]
    return list(dict.fromkeys(t for t in terms if t))


def fold(text: str) -> str:
    """The form text is matched in: simplified characters, lower case.

    Both the index and the query are folded, so 新闻 finds an article printed as 新聞 and
    the other way round, while the stored text keeps the characters as printed. White space
    is dropped: Chinese has none between words, so a phrase must match across the line and
    paragraph breaks that layout put into the text.
    """
    return _SPACE.sub("", to_simplified(text).lower())


def _folded_positions(text: str) -> tuple[str, list[int]]:
    """`fold(text)` and, for each of its characters, the index it came from in `text`."""
    simple = to_simplified(text).lower()
    keep = [i for i, ch in enumerate(simple) if not ch.isspace()]
    return "".join(simple[i] for i in keep), keep


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _find_all(text: str, term: str) -> Iterator[tuple[int, int]]:
    """Spans of `text` (start, end) whose folded form matches the folded `term`."""
    folded, where = _folded_positions(text)
    t = fold(term)
    if not t:
        return
    start = folded.find(t)
    while start >= 0:
        yield where[start], where[start + len(t) - 1] + 1
        start = folded.find(t, start + len(t))


def snippet(
    text: str, terms: Sequence[str], *, mark: tuple[str, str] = ("【", "】"), width: int = 60
) -> str:
    """A window of `text` around the first hit with every hit marked."""
    flat = text.replace("\n", " ")
    if len(to_simplified(flat)) != len(flat):  # rare many-to-one mapping: show the folded form
        flat = to_simplified(flat)
    hits = sorted(span for t in terms for span in _find_all(flat, t))
    if not hits:
        return flat[:width] + ("…" if len(flat) > width else "")
    first = hits[0][0]
    start = max(0, first - width // 3)
    end = min(len(flat), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for a, b in hits:
        if a < pos or a >= end:
            continue
        b = min(b, end)
        out += [flat[pos:a], mark[0], flat[a:b], mark[1]]
        pos = b
    out.append(flat[pos:end])
    out.append("…" if end < len(flat) else "")
    return "".join(out)


def search(
    con: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    mark: tuple[str, str] = ("【", "】"),
) -> list[Hit]:
    """Articles containing every term of the query, best first."""
    terms = query_terms(query)
    if not terms:
        return []
    folded = [fold(t) for t in terms]
    long_terms = [t for t in folded if len(t) >= 3]
    short_terms = [t for t in folded if len(t) < 3]
    where: list[str] = []
    params: list[object] = []
    if long_terms:
        where.append("articles_fts MATCH ?")
        params.append(" AND ".join(f"folded : {_fts_phrase(t)}" for t in long_terms))
    for t in short_terms:
        # Trigrams cannot match under three characters: scan the folded text instead.
        where.append("instr(folded, ?) > 0")
        params.append(t)
    score = "bm25(articles_fts, 5.0, 1.0)" if long_terms else "0.0"
    sql = (
        f"SELECT rowid, title, body, {score} AS score FROM articles_fts "
        f"WHERE {' AND '.join(where)} ORDER BY score, rowid LIMIT ?"
    )
    params.append(limit)
    hits: list[Hit] = []
    for row in con.execute(sql, params).fetchall():
        art = con.execute("SELECT * FROM articles WHERE rowid = ?", (row["rowid"],)).fetchone()
        if art is None:
            continue
        body = str(row["body"])
        text = body if any(True for t in terms for _ in _find_all(body, t)) else str(row["title"])
        hit = Hit(
            issue=art["issue"],
            article_id=art["article_id"],
            title=art["title"],
            pages=json.loads(art["pages"]),
            snippet=snippet(text, terms, mark=mark),
            folder=art["folder"],
            score=float(row["score"]),
        )
        for b in con.execute(
            "SELECT * FROM blocks WHERE article = ? ORDER BY seq", (row["rowid"],)
        ):
            if any(True for t in terms for _ in _find_all(str(b["text"]), t)):
                box = (b["x"], b["y"], b["w"], b["h"]) if b["x"] is not None else None
                hit.blocks.append(
                    BlockHit(b["file"], b["block_id"], b["page"], b["printed_page"], box)
                )
        hits.append(hit)
    return hits


# ---------------------------------------------------------------------------- export


def export_docs(folders: Iterable[Path]) -> Iterator[tuple[dict[str, object], list[str]]]:
    for folder in folders:
        data = load_issue(folder)
        for rec in data.records:
            yield article_doc(rec, data.layouts), []
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
