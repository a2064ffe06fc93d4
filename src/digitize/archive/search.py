"""Full-text search over article records: an SQLite FTS5 index and its queries.

Chinese is written without spaces, so word tokenizers see whole clauses as one token.
The index uses FTS5's trigram tokenizer, which matches any substring of three or more
characters. Shorter queries (very common in Chinese: 两会, 疫情) cannot be served by
trigrams; they are answered by a substring scan over the indexed text, which is linear
in the size of the archive but needs no second index.

An index file is recognised by its SQLite application id and schema version before
anything is written to it, so pointing `--db` at some other database never changes it;
a new index is built in a temporary file and renamed into place, so a failure (full
disk, read-only folder) never leaves half an index behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from digitize.archive.documents import article_blocks, article_doc, load_issue, searchable
from digitize.batch.store import output_error
from digitize.errors import OutputError, UsageError
from digitize.text.script import to_simplified

SCHEMA_VERSION = 4
_SPACE = re.compile(r"\s+")

# ---------------------------------------------------------------------------- SQLite index


APPLICATION_ID = 0x44474958  # "DGIX" in the SQLite header: this file is a digitize index
_TABLES = frozenset({"articles", "blocks", "articles_fts"})
_SCHEMA = """
CREATE TABLE articles(
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
CREATE TABLE blocks(
    article INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    page INTEGER,
    printed_page TEXT,
    file TEXT NOT NULL,
    block_id TEXT NOT NULL,
    type TEXT,
    x INTEGER, y INTEGER, w INTEGER, h INTEGER,
    text TEXT NOT NULL,
    glyphs TEXT NOT NULL  -- JSON: per character of text, its [x, y, w, h] or null
);
CREATE INDEX blocks_article ON blocks(article);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, folded, tokenize = 'trigram');
"""


class NotAnIndexError(UsageError):
    """--db names a file that is not a digitize search index; it is left untouched."""

    kind = "not-an-index"


def _verify(con: sqlite3.Connection, db: Path) -> None:
    """Raise NotAnIndexError unless the open database is a digitize index of this schema."""
    try:
        app = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise NotAnIndexError(
            f"not an SQLite database ({exc})", path=db, hint="make one with `digitize index`"
        ) from None
    # Indexes made before the application id was set carry only the schema version.
    if app not in (0, APPLICATION_ID) or not _TABLES.issubset(tables):
        raise NotAnIndexError(
            "an SQLite database, but not a digitize search index; it was not changed",
            path=db,
            hint="name a new file or one made by `digitize index`",
        )
    if version != SCHEMA_VERSION:
        raise NotAnIndexError(
            f"index schema version {version}, this digitize reads {SCHEMA_VERSION}",
            path=db,
            hint="index the output again into a new file",
        )


def _is_new(db: Path) -> bool:
    """No index there yet (an empty file counts: SQLite writes nothing until it commits)."""
    try:
        return db.stat().st_size == 0
    except FileNotFoundError:
        return True


def connect(db: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open an index, creating it when the file is new. An existing file is checked to be
    a digitize index before anything is written (NotAnIndexError otherwise); `readonly`
    never writes and never creates."""
    if db.is_dir():
        raise NotAnIndexError("is a folder, not an index file", path=db)
    new = _is_new(db)
    if readonly and new:
        raise NotAnIndexError("no such index", path=db, hint="make one with `digitize index`")
    if readonly:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    else:
        con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        if new:
            with con:
                con.executescript(_SCHEMA)
                con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        else:
            _verify(con, db)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def writing(db: Path) -> Iterator[sqlite3.Connection]:
    """An index open for writing. A new index is built in a temporary file beside `db`
    and renamed into place when the block ends without error, so a failure leaves no
    file; an existing index is changed in place, one transaction per issue (SQLite rolls
    back an unfinished one)."""
    tmp: Path | None = None
    try:
        if _is_new(db):
            fd, name = tempfile.mkstemp(prefix=f".{db.name}.", suffix=".tmp", dir=db.parent)
            os.close(fd)
            tmp = Path(name)
        con = connect(tmp or db)
        try:
            yield con
        finally:
            con.close()
        if tmp is not None:
            os.replace(tmp, db)
            tmp = None
    except OSError as exc:
        raise output_error(exc, db) from exc
    except sqlite3.Error as exc:
        raise OutputError(f"cannot write the index: {exc}", path=db) from exc
    finally:
        if tmp is not None:
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()


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
    seen: set[tuple[str, str]] = set()
    count = 0
    with con:
        for name in issues:
            _delete_issue(con, name)
        for seq, rec in enumerate(data.records):
            issue = str(rec.get("issue") or folder.name)
            key = (issue, str(rec.get("id", seq)))
            if key in seen:
                data.problems.append(
                    f"{folder}: article id {key[1]!r} occurs twice; the second is not indexed"
                )
                continue
            seen.add(key)
            count += 1
            doc = article_doc(rec, data.pages)
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
            title, body = searchable(rec)
            con.execute(
                "INSERT INTO articles_fts(rowid, title, body, folded) VALUES (?, ?, ?, ?)",
                (rowid, title, body, fold(f"{title}\n{body}")),
            )
            for k, b in enumerate(article_blocks(rec, data.pages)):
                box = b["box"] if isinstance(b["box"], list) else [None] * 4
                con.execute(
                    "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rowid, k, b["page"], b["printed_page"], b["file"], b["block"], b["type"],
                     *box, b["text"], json.dumps(b["glyphs"])),
                )  # fmt: skip
    return count, data.problems


# ---------------------------------------------------------------------------- search


XYWH = tuple[int, int, int, int]


@dataclass(slots=True)
class BlockHit:
    """A block holding (part of) a hit: its box, and the scan box of each character of
    the hits in it, in reading order (`chars` are those characters as printed)."""

    file: str
    block_id: str
    page: int | None
    printed_page: str | None
    box: XYWH | None
    chars: str = ""
    glyphs: list[XYWH] = field(default_factory=list)


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
    """`fold(text)` and, for each of its characters, the index it came from in `text`.

    Where folding changes the length (a rare many-to-one conversion), each character is
    folded on its own so that every folded character still points at its source."""
    simple = to_simplified(text).lower()
    if len(simple) == len(text):
        pairs = list(enumerate(simple))
    else:
        pairs = [(i, f) for i, ch in enumerate(text) for f in to_simplified(ch).lower()]
    keep = [(i, f) for i, f in pairs if not f.isspace()]
    return "".join(f for _, f in keep), [i for i, _ in keep]


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
        blocks = con.execute(
            "SELECT * FROM blocks WHERE article = ? ORDER BY seq", (row["rowid"],)
        ).fetchall()
        hit.blocks = _block_hits(blocks, terms)
        hits.append(hit)
    return hits


def _char_boxes(raw: object, n: int) -> list[XYWH | None]:
    """The stored per-character boxes of a block, checked (the index is a file that can
    be damaged): anything but n boxes or nulls gives no boxes."""
    try:
        boxes = json.loads(str(raw))
    except ValueError:
        return [None] * n
    if not isinstance(boxes, list) or len(boxes) != n:
        return [None] * n
    out: list[XYWH | None] = []
    for b in boxes:
        ok = isinstance(b, list) and len(b) == 4 and all(type(v) is int for v in b)
        out.append((b[0], b[1], b[2], b[3]) if ok else None)
    return out


def _block_hits(blocks: Sequence[sqlite3.Row], terms: Sequence[str]) -> list[BlockHit]:
    """The blocks a hit lies in, with a box per matched character.

    The article's blocks are matched as one text in article order, the way the index folds
    it, so a phrase that runs on from one line or column (or page) into the next is found
    and boxed in both."""
    folded: list[str] = []
    where: list[tuple[int, int]] = []  # (block, character) of each folded character
    for k, b in enumerate(blocks):
        f, pos = _folded_positions(str(b["text"]))
        folded.append(f)
        where += [(k, i) for i in pos]
    text = "".join(folded)
    matched: dict[int, set[int]] = {}
    for term in terms:
        t = fold(term)
        start = text.find(t) if t else -1
        while start >= 0:
            for k, i in where[start : start + len(t)]:
                matched.setdefault(k, set()).add(i)
            start = text.find(t, start + len(t))
    out: list[BlockHit] = []
    for k in sorted(matched):
        b = blocks[k]
        chars = str(b["text"])
        boxes = _char_boxes(b["glyphs"], len(chars))
        box = (b["x"], b["y"], b["w"], b["h"]) if b["x"] is not None else None
        picked = sorted(matched[k])
        out.append(
            BlockHit(
                b["file"], b["block_id"], b["page"], b["printed_page"], box,
                chars="".join(chars[i] for i in picked),
                glyphs=[g for i in picked if (g := boxes[i]) is not None],
            )
        )  # fmt: skip
    return out
