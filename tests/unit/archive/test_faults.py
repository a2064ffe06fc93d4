"""Faults and attacks on the archive commands (export, index, search, review, rebuild,
validate): hostile names and markup from edited files, garbage inputs, places that
cannot be written. Each case must end in one clear message and a non-zero exit code,
never a traceback, a file read from outside the issue folder or a partial file."""

from __future__ import annotations

import json
import resource
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from archive_samples import write_issue
from lxml import etree
from paths import SCHEMA_DIR

from digitize.archive.review import build_review
from digitize.archive.validate import Schemas, validate_paths
from digitize.cli import main
from digitize.model import Box, Line, Page, Region, RegionType
from digitize.serialize.alto import ALTO_NS, Processing, to_alto
from digitize.serialize.alto_read import rotation_transform

NS = {"a": ALTO_NS, "m": "http://www.loc.gov/METS/"}
EVIL = "x</title><img src=x onerror=alert(1)><script>alert(2)</script>\"'>"
SECRET = "机密文件内容不得外泄"
UNREADABLE = Path("/sys/digitize-no-such-dir")  # not writable, even for root


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


def _records(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(ln) for ln in lines]


def _write_records(folder: Path, records: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (folder / "articles.jsonl").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- script injection


class _Tags(HTMLParser):
    """Every start tag and attribute name a browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def test_hostile_strings_never_reach_review_html_unescaped(issue_dir: Path) -> None:
    p1 = issue_dir / "page-1.xml"
    tree = etree.parse(str(p1))
    for tag in tree.xpath("//a:OtherTag", namespaces=NS):
        if tag.get("TYPE") in ("region-type", "article"):
            tag.set("LABEL", EVIL)  # lxml escapes it in the XML, as an editor would
    (block,) = tree.xpath("//a:TextBlock[@ID='body1']", namespaces=NS)
    block.set("ID", "b" + EVIL)
    (st,) = tree.xpath("//a:TextLine[@ID='b2_1']/a:String", namespaces=NS)
    st.set("CONTENT", EVIL)
    st.set("WC", "0.1")  # low confidence: the text also lands in a <mark> and a <title>
    for g in st.findall(f"{{{ALTO_NS}}}Glyph"):
        st.remove(g)
    tree.write(str(p1), xml_declaration=True, encoding="UTF-8")
    records = _records(issue_dir)
    records[0].update(title=EVIL, id=EVIL, text=EVIL, pages=[EVIL])
    _write_records(issue_dir, records)
    shutil.copy(p1, issue_dir / "page-9<img src=x onerror=alert(3)>.xml")

    html, _problems = build_review(issue_dir)
    assert "<img" not in html and "<script>alert" not in html
    parser = _Tags()
    parser.feed(html)
    assert parser.tags.count("script") == 1  # ours only
    assert "img" not in parser.tags
    assert not [a for a in parser.attrs if a.startswith("on")]
    assert "x&lt;/title&gt;&lt;img" in html  # shown, as text


# ---------------------------------------------------------------- reading outside the issue


def _secret_alto(tmp_path: Path) -> Path:
    """A valid ALTO file outside the output folder, holding a secret."""
    t = rotation_transform(1200, 1600, 0.0)
    line = Line("s1", Box(10, 10, 300, 40), SECRET, 0.9)
    page = Page(1, Path("x.png"), "secret-alto", t)
    page.regions = [Region("sec", RegionType.BODY, Box(5, 5, 310, 45), [line])]
    page.reading_order = ["sec"]
    path = tmp_path / "secret-alto.xml"
    path.write_bytes(to_alto(page, processing=Processing("x", "1", "x"), image_file="x.png"))
    return path


def test_index_refuses_a_page_name_leading_outside(
    issue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _secret_alto(tmp_path)
    records = _records(issue_dir)
    parts = records[0]["parts"]
    assert isinstance(parts, list)
    parts[0]["file"] = "../../secret-alto"  # issue_dir is tmp_path/out/<issue>
    parts[0]["blocks"] = ["sec"]
    records[0]["id"] = "planted"
    _write_records(issue_dir, records)
    db = tmp_path / "s.db"
    assert main(["index", str(issue_dir), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "points outside the issue folder" in err and "planted" in err
    con = sqlite3.connect(db)
    try:
        texts = [r[0] for r in con.execute("SELECT text FROM blocks")]
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles")]
    finally:
        con.close()
    assert SECRET not in "".join(texts) and "planted" not in ids and len(ids) == 4
    # The same record in an export is refused too.
    out = tmp_path / "x.jsonl"
    assert main(["export", str(issue_dir), "-o", str(out)]) == 1
    assert SECRET not in out.read_text(encoding="utf-8")


def test_symbolic_links_out_of_the_issue_are_not_followed(issue_dir: Path, tmp_path: Path) -> None:
    secret = _secret_alto(tmp_path)
    (issue_dir / "page-3.xml").symlink_to(secret)
    html, problems = build_review(issue_dir)
    assert SECRET not in html
    assert any("outside the issue folder" in p for p in problems)
    outside = tmp_path / "elsewhere.jsonl"
    shutil.move(issue_dir / "articles.jsonl", outside)
    (issue_dir / "articles.jsonl").symlink_to(outside)
    assert main(["export", str(issue_dir), "-o", str(tmp_path / "x.jsonl")]) != 0
    assert not (tmp_path / "x.jsonl").exists()


# ---------------------------------------------------------------- garbage inputs per command


@dataclass(frozen=True)
class Case:
    command: str
    name: str
    make: Callable[[Path, Path], list[str]]  # (issue folder, scratch folder) -> argv
    watch: str = ""  # file (in scratch) that must not be left partial or changed


def _junk_alto(issue: Path, data: bytes) -> Path:
    for p in issue.glob("page-*.xml"):
        p.write_bytes(data)
    return issue


def _empty(scratch: Path) -> Path:
    (scratch / "empty").mkdir(exist_ok=True)
    return scratch / "empty"


def _afile(scratch: Path) -> Path:
    (scratch / "afile.txt").write_text("not a folder", encoding="utf-8")
    return scratch / "afile.txt"


def _junk_records(issue: Path, data: bytes) -> Path:
    (issue / "articles.jsonl").write_bytes(data)
    return issue


def _foreign_db(scratch: Path) -> Path:
    path = scratch / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers(name TEXT)")
    con.execute("INSERT INTO customers VALUES ('a')")
    con.commit()
    con.close()
    return path


def _bad_confidence(issue: Path) -> Path:
    records = _records(issue)
    records[1]["confidence"] = "high"
    _write_records(issue, records)
    return issue


def _bad_types(issue: Path) -> Path:
    records = _records(issue)
    records[0]["parts"] = "page-1"
    records[1]["title"] = ["a", "list"]
    records[2]["parts"] = [{"file": 7, "blocks": ["x"]}]
    _write_records(issue, records)
    return issue


TRUNCATED = (
    b'<?xml version="1.0"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout>'
)
JUNK = bytes(range(256)) * 8
FOLDER_CASES: list[tuple[str, Callable[[Path, Path], Path]]] = [
    ("missing folder", lambda i, s: s / "no-such-folder"),
    ("file instead of folder", lambda i, s: _afile(s)),
    ("empty folder", lambda i, s: _empty(s)),
]
CASES: list[Case] = []
for _cmd in ("export", "index", "review", "rebuild", "validate"):
    for _name, _where in FOLDER_CASES:
        if _cmd == "validate" and _name == "file instead of folder":
            continue  # validate takes files too: covered by the junk cases
        CASES.append(
            Case(
                _cmd,
                _name,
                lambda i, s, c=_cmd, w=_where: [c, str(w(i, s)), *(
                    ["--db", str(s / "s.db")] if c == "index" else [])],
                "s.db" if _cmd == "index" else "",
            )
        )  # fmt: skip
CASES += [
    Case("export", "records are binary junk",
         lambda i, s: ["export", str(_junk_records(i, JUNK)), "-o", str(s / "x.jsonl")], "x.jsonl"),
    Case("export", "records with wrong JSON types",
         lambda i, s: ["export", str(_bad_types(i)), "-o", str(s / "x.jsonl")]),
    Case("export", "read-only place",
         lambda i, s: ["export", str(i), "-o", str(UNREADABLE / "x.jsonl")]),
    Case("export", "output is a folder", lambda i, s: ["export", str(i), "-o", str(s)]),
    Case("export", "truncated ALTO",
         lambda i, s: ["export", str(_junk_alto(i, TRUNCATED)), "-o", str(s / "x.jsonl")]),
    Case("index", "records are binary junk",
         lambda i, s: ["index", str(_junk_records(i, JUNK)), "--db", str(s / "s.db")]),
    Case("index", "records with wrong JSON types",
         lambda i, s: ["index", str(_bad_types(i)), "--db", str(s / "s.db")]),
    Case("index", "read-only place",
         lambda i, s: ["index", str(i), "--db", str(UNREADABLE / "s.db")]),
    Case("index", "db is an unrelated SQLite file",
         lambda i, s: ["index", str(i), "--db", str(_foreign_db(s))], "other.db"),
    Case("index", "db is binary junk",
         lambda i, s: ["index", str(i), "--db", str(_write(s / "junk.db", JUNK))], "junk.db"),
    Case("index", "db is a folder", lambda i, s: ["index", str(i), "--db", str(_empty(s))]),
    Case("search", "db missing", lambda i, s: ["search", "新能源", "--db", str(s / "none.db")]),
    Case("search", "db is binary junk",
         lambda i, s: ["search", "新能源", "--db", str(_write(s / "junk.db", JUNK))], "junk.db"),
    Case("search", "db is an unrelated SQLite file",
         lambda i, s: ["search", "新能源", "--db", str(_foreign_db(s))], "other.db"),
    Case("search", "db is empty",
         lambda i, s: ["search", "新能源", "--db", str(_write(s / "e.db", b""))], "e.db"),
    Case("search", "db is a folder", lambda i, s: ["search", "x", "--db", str(_empty(s))]),
    Case("review", "confidence 'high' in a record",
         lambda i, s: ["review", str(_bad_confidence(i))]),
    Case("review", "truncated ALTO", lambda i, s: ["review", str(_junk_alto(i, TRUNCATED))]),
    Case("review", "ALTO is binary junk", lambda i, s: ["review", str(_junk_alto(i, JUNK))]),
    Case("rebuild", "truncated ALTO", lambda i, s: ["rebuild", str(_junk_alto(i, TRUNCATED))]),
    Case("rebuild", "ALTO is binary junk", lambda i, s: ["rebuild", str(_junk_alto(i, JUNK))]),
    Case("validate", "truncated ALTO",
         lambda i, s: ["validate", str(_junk_alto(i, TRUNCATED)), "--schemas", str(SCHEMA_DIR)]),
    Case("validate", "binary junk", lambda i, s: ["validate", str(_write(s / "j.xml", JUNK))]),
    Case("validate", "schema folder without schemas",
         lambda i, s: ["validate", str(i), "--schemas", str(_empty(s))]),
    Case("validate", "schema folder missing",
         lambda i, s: ["validate", str(i), "--schemas", str(s / "nope")]),
]  # fmt: skip


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def _leftovers(*folders: Path) -> list[Path]:
    """Temporary or empty files a failed write left behind."""
    out: list[Path] = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and (p.name.endswith((".tmp", "-journal")) or p.stat().st_size == 0):
                out.append(p)
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{c.command}: {c.name}" for c in CASES])
def test_garbage_gives_one_message_and_a_failing_exit_code(
    case: Case, issue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    argv = case.make(issue_dir, scratch)
    watched = scratch / case.watch if case.watch else None
    before = watched.read_bytes() if watched is not None and watched.exists() else None
    empty_before = set(_leftovers(scratch, issue_dir))
    rc = main(argv)  # an exception here is the traceback a user would have seen
    err = capsys.readouterr().err
    assert rc != 0, argv
    assert err.strip() and "Traceback" not in err, err
    assert set(_leftovers(scratch, issue_dir)) <= empty_before
    if watched is not None:
        after = watched.read_bytes() if watched.exists() else None
        assert after == before, f"{watched} changed or left behind"


@contextmanager
def _disk_full_after(limit: int) -> Iterator[None]:
    """Files cannot grow past `limit` bytes (what a full disk looks like to a writer)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@pytest.mark.parametrize("command", ["export", "index", "review"])
def test_full_disk_leaves_no_partial_file(
    command: str, issue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = {"export": tmp_path / "x.jsonl", "index": tmp_path / "s.db"}.get(
        command, issue_dir / "review.html"
    )
    argv = {
        "export": ["export", str(issue_dir), "-o", str(target)],
        "index": ["index", str(issue_dir), "--db", str(target)],
        "review": ["review", str(issue_dir)],
    }[command]
    before = _snapshot(tmp_path)
    with _disk_full_after(2048):
        rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 3 and "digitize: error:" in err and "Traceback" not in err, err
    assert not target.exists()
    assert _snapshot(tmp_path) == before  # nothing new, nothing changed


def test_search_never_alters_a_foreign_database(tmp_path: Path) -> None:
    db = _foreign_db(tmp_path)
    before = db.read_bytes()
    for argv in (["search", "x", "--db", str(db)], ["index", str(tmp_path), "--db", str(db)]):
        assert main(argv) != 0
    assert db.read_bytes() == before


# ---------------------------------------------------------------- validate


def test_validate_reports_stale_glyphs_and_cc(issue_dir: Path) -> None:
    p1 = issue_dir / "page-1.xml"
    tree = etree.parse(str(p1))
    (st,) = tree.xpath("//a:TextLine[@ID='b2_1']/a:String", namespaces=NS)
    st.set("CONTENT", "老城区改造工程涉及街巷一百二十条，")  # 2 characters more
    (st2,) = tree.xpath("//a:TextLine[@ID='b2_2']/a:String", namespaces=NS)
    st2.set("CONTENT", "改善了市民的出行条件。")  # same length, one character changed
    tree.write(str(p1), xml_declaration=True, encoding="UTF-8")
    report = validate_paths([p1], Schemas(None))
    msgs = [str(p) for p in report.errors]
    assert any("'b2_1_S1' has 15 Glyph(s) for the 17 character(s)" in m for m in msgs), msgs
    assert any("'b2_1_S1' CC has 15 value(s)" in m for m in msgs), msgs
    assert any("'b2_2_S1' CONTENT '改善了市民的出行条件。' does not match" in m for m in msgs)


def test_validate_checks_mets_file_locations(issue_dir: Path) -> None:
    mets = issue_dir / "mets.xml"
    tree = etree.parse(str(mets))
    locs = tree.xpath("//m:FLocat", namespaces=NS)
    locs[0].set("{http://www.w3.org/1999/xlink}href", "gone/page-9.png")  # a page image
    tree.write(str(mets), xml_declaration=True, encoding="UTF-8")
    msgs = [str(p) for p in validate_paths([mets], Schemas(None)).errors]
    assert any("gone/page-9.png does not exist" in m for m in msgs), msgs


def test_alto_of_a_skewed_crop_with_text_at_the_edge_is_valid(tmp_path: Path) -> None:
    t = rotation_transform(1000, 1400, 1.5)
    line = Line("l1", Box(-4, 660, 300, 700), "边缘文字", 0.9)
    page = Page(1, Path("p.png"), "page-1", t)
    page.regions = [Region("r1", RegionType.BODY, Box(-6, 655, 305, 705), [line])]
    page.reading_order = ["r1"]
    path = tmp_path / "page-1.xml"
    path.write_bytes(to_alto(page, processing=Processing("d", "1", "t"), image_file="p.png"))
    schemas = Schemas(SCHEMA_DIR if (SCHEMA_DIR / "alto-4-4.xsd").is_file() else None)
    assert validate_paths([path], schemas).errors == []
    from digitize.serialize.alto import clip_polygon

    assert clip_polygon([(1.0, 1.0), (5.0, 1.0), (5.0, 5.0)], 10, 10) == [
        (1.0, 1.0), (5.0, 1.0), (5.0, 5.0)
    ]  # fmt: skip
