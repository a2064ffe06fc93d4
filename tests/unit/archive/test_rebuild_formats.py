"""`digitize rebuild` with the new formats: PAGE-XML corrections flow back (to ALTO, text,
records and the search index), both-edited pages are refused, and `--formats all`
regenerates PAGE, PDF, IIIF and METS with MODS, every link resolving from its file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from archive_samples import ARTICLE_C, ISSUE_NAME, write_issue
from lxml import etree
from paths import SCHEMA_DIR

from digitize.archive.rebuild import rebuild_issue
from digitize.batch.store import Manifest, is_edited
from digitize.cli import main
from digitize.serialize.alto import ALTO_NS
from digitize.serialize.mets import METS_NS
from digitize.serialize.mods import MODS_NS
from digitize.serialize.page_xml import PAGE_NS

P = f"{{{PAGE_NS}}}"
A = f"{{{ALTO_NS}}}"
OLD, NEW = "田间管理", "田间养护"  # a word of article C (page 1, line b3_2)


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


def _edit_page_xml(path: Path, line_id: str, old: str, new: str) -> None:
    """What Transkribus does: the line's TextEquiv changes, words and glyphs stay stale."""
    tree = etree.parse(str(path))
    (line,) = tree.xpath("//p:TextLine[@id=$i]", namespaces={"p": PAGE_NS}, i=line_id)
    uni = line.find(f"{P}TextEquiv/{P}Unicode")
    assert old in uni.text
    uni.text = uni.text.replace(old, new)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def _edit_alto(path: Path, old: str, new: str) -> None:
    tree = etree.parse(str(path))
    for s in tree.iter(f"{A}String"):
        if old in s.get("CONTENT", ""):
            s.set("CONTENT", s.get("CONTENT").replace(old, new))
            for g in s.iter(f"{A}Glyph"):
                g.getparent().remove(g)
            break
    else:
        raise AssertionError(f"{old} not in {path}")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def _alto_text(path: Path) -> str:
    return "".join(s.get("CONTENT", "") for s in etree.parse(str(path)).iter(f"{A}String"))


def test_page_xml_correction_reaches_alto_text_records_and_index(
    issue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "".join(ARTICLE_C).count(OLD) == 1
    _edit_page_xml(issue_dir / "page" / "page-1.xml", "b3_2", OLD, NEW)
    edited = (issue_dir / "page" / "page-1.xml").read_bytes()
    assert main(["rebuild", str(issue_dir)]) == 0
    assert "corrected PAGE-XML: page/page-1.xml" in capsys.readouterr().out
    # The PAGE file is the archivist's copy: never rewritten. Everything else follows it.
    assert (issue_dir / "page" / "page-1.xml").read_bytes() == edited
    alto = _alto_text(issue_dir / "page-1.xml")
    assert NEW in alto and OLD not in alto
    assert NEW in (issue_dir / "page-1.txt").read_text(encoding="utf-8")
    assert NEW in (issue_dir / "issue.txt").read_text(encoding="utf-8")
    records = (issue_dir / "articles.jsonl").read_text(encoding="utf-8")
    assert NEW in records and OLD not in records
    # The regenerated ALTO is ours again; the corrected PAGE stays "edited" for `run`.
    manifest = Manifest.load(issue_dir)
    assert not is_edited(manifest, "page-1.xml") and is_edited(manifest, "page/page-1.xml")

    db = tmp_path / "search.db"
    assert main(["index", str(issue_dir), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["search", NEW, "--db", str(db), "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["title"] for h in hits] == ["冬季农业生产有序推进"]
    assert main(["search", OLD, "--db", str(db), "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_alto_and_page_xml_both_corrected_is_refused(
    issue_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (issue_dir / "articles.jsonl").read_bytes()
    _edit_page_xml(issue_dir / "page" / "page-1.xml", "b3_2", OLD, NEW)
    _edit_alto(issue_dir / "page-1.xml", OLD, "田间作业")
    assert main(["rebuild", str(issue_dir)]) == 1
    err = capsys.readouterr().err
    assert "page-1.xml" in err and "page/page-1.xml" in err and "both" in err
    assert (issue_dir / "articles.jsonl").read_bytes() == before  # issue files untouched


def test_alto_correction_taken_in_then_page_xml_correction_is_no_conflict(
    issue_dir: Path,
) -> None:
    """An ALTO corrected and rebuilt stays 'edited' (a run keeps it), but the PAGE-XML
    rebuilt from it is newer: correcting that one next is not a conflict."""
    _edit_alto(issue_dir / "page-1.xml", OLD, "田间作业")
    assert rebuild_issue(issue_dir).ok
    page_xml = (issue_dir / "page" / "page-1.xml").read_text(encoding="utf-8")
    assert "田间作业" in page_xml
    _edit_page_xml(issue_dir / "page" / "page-1.xml", "b3_2", "田间作业", NEW)
    res = rebuild_issue(issue_dir)
    assert res.ok, res.errors
    assert res.from_page_xml == ["page/page-1.xml"]
    assert NEW in _alto_text(issue_dir / "page-1.xml")
    assert any("page-1.xml" in b for b in res.backed_up)  # the earlier ALTO edit is kept


def _resolves(base: Path, href: str) -> Path:
    return (base / unquote(href)).resolve()


def test_rebuild_formats_all_writes_valid_linked_files(issue_dir: Path) -> None:
    for name in ("manifest.json",):
        assert not (issue_dir / name).exists()  # not a default format
    assert main(["rebuild", str(issue_dir), "--formats", "all", "--title", "金坛日报"]) == 0
    page_schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "pagecontent-2019-07-15.xsd")))
    mets_schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "mets-1-12-1.xsd")))
    for stem in ("page-1", "page-2"):
        doc = etree.parse(str(issue_dir / "page" / f"{stem}.xml"))
        assert page_schema.validate(doc), page_schema.error_log
        image = doc.getroot().find(f"{P}Page").get("imageFilename")
        scan = issue_dir.parents[1] / "scans" / f"{stem}.png"
        assert _resolves(issue_dir / "page", image) == scan  # relative to the PAGE file

    mets = etree.parse(str(issue_dir / "mets.xml"))
    assert mets_schema.validate(mets), mets_schema.error_log
    ns = {"m": METS_NS, "mods": MODS_NS, "x": "http://www.w3.org/1999/xlink"}
    assert mets.xpath("string(//mods:title)", namespaces=ns) == "金坛日报"
    (issue_div,) = mets.xpath("//m:structMap[@TYPE='LOGICAL']/m:div", namespaces=ns)
    (dmd,) = mets.xpath("//m:dmdSec", namespaces=ns)
    assert issue_div.get("DMDID") == dmd.get("ID")
    hrefs = mets.xpath("//m:FLocat/@x:href", namespaces=ns)
    assert len(hrefs) == 6  # 2 images, 2 ALTO, 2 PAGE
    for href in hrefs:
        assert _resolves(issue_dir, href).is_file(), href

    manifest = json.loads((issue_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["items"]) == 2
    for canvas in manifest["items"]:
        body = canvas["items"][0]["items"][0]["body"]
        assert Path(unquote(urlsplit(body["id"]).path)).is_file(), body["id"]
        assert Path(unquote(urlsplit(canvas["seeAlso"][0]["id"]).path)).is_file()
    assert Path(unquote(urlsplit(manifest["rendering"][0]["id"]).path)).is_file()

    pdf = issue_dir / f"{ISSUE_NAME}.pdf"
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "图书馆延长开放时间" in text


def test_iiif_base_url_names_the_issue_folder(issue_dir: Path) -> None:
    url = "https://example.org/news"
    assert main(["rebuild", str(issue_dir), "--formats", "iiif", "--iiif-base-url", url]) == 0
    manifest = json.loads((issue_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["id"] == f"{url}/{ISSUE_NAME}/manifest.json"
    # The rebuild remembers its options for the next one.
    assert Manifest.load(issue_dir).info["output_options"]["iiif_base_url"] == url
    assert main(["rebuild", str(issue_dir), "--formats", "nonsense"]) == 2


def test_rebuild_of_dot_names_files_after_the_issue(
    issue_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`digitize rebuild .` inside the issue folder wrote ".pdf" (the name of ".")."""
    monkeypatch.chdir(issue_dir)
    assert main(["rebuild", ".", "--formats", "pdf,iiif"]) == 0
    assert (issue_dir / f"{ISSUE_NAME}.pdf").is_file()
    assert not (issue_dir / ".pdf").exists()
    manifest = json.loads((issue_dir / "manifest.json").read_text(encoding="utf-8"))
    assert f"/{ISSUE_NAME}/" in manifest["id"]
