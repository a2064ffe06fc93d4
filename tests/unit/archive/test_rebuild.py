"""`digitize rebuild`: archivists' ALTO edits flow into text, records, METS and search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_samples import ISSUE_NAME, write_issue
from lxml import etree

from digitize.archive.rebuild import rebuild_issue
from digitize.archive.search import connect, search
from digitize.batch.store import Manifest, is_edited, load_page_cache
from digitize.cli import main
from digitize.serialize.alto import ALTO_NS
from digitize.serialize.text import page_text

A = f"{{{ALTO_NS}}}"


def _records(folder: Path) -> dict[str, dict[str, object]]:
    lines = (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def _by_title(folder: Path, title: str) -> dict[str, object]:
    return next(r for r in _records(folder).values() if r["title"] == title)


def _edit(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _save(tree: etree._ElementTree, path: Path) -> None:
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def _by_id(tree: etree._ElementTree, eid: str) -> etree._Element:
    (el,) = tree.xpath("//*[@ID=$i]", i=eid)
    return el


def _string_of_line(tree: etree._ElementTree, line_id: str) -> etree._Element:
    return _by_id(tree, line_id).find(f"{A}String")


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


def test_unedited_rebuild_reproduces_the_outputs(issue_dir: Path) -> None:
    names = ("articles.jsonl", "issue.txt", "page-1.txt")
    before = {n: (issue_dir / n).read_bytes() for n in names}
    alto = (issue_dir / "page-1.xml").read_bytes()
    res = rebuild_issue(issue_dir)
    assert res.ok and res.pages == 2 and res.articles == 5 and res.jumps == 1
    for name, data in before.items():
        assert (issue_dir / name).read_bytes() == data, name
    assert (issue_dir / "page-1.xml").read_bytes() == alto  # ALTO is never rewritten


def test_edits_flow_into_every_output(issue_dir: Path, tmp_path: Path) -> None:
    ids_before = sorted(_records(issue_dir))
    db = tmp_path / "search.db"
    assert main(["index", str(issue_dir), "--db", str(db)]) == 0

    p1 = issue_dir / "page-1.xml"
    tree = _edit(p1)
    # 1. a corrected character
    st = _string_of_line(tree, "b2_1")
    assert st.get("CONTENT") == "老城区改造工程涉及街巷八十条，"
    st.set("CONTENT", "老城区改造工程涉及街巷九十条，")
    # 2. a deleted line
    line = _by_id(tree, "b3_2")
    line.getparent().remove(line)
    # 3. two blocks swapped in the reading order
    ref2 = tree.xpath("//a:ElementRef[@REF='body2']", namespaces={"a": ALTO_NS})[0]
    ref2b = tree.xpath("//a:ElementRef[@REF='body2b']", namespaces={"a": ALTO_NS})[0]
    ref2.set("REF", "body2b")
    ref2b.set("REF", "body2")
    # 4. a block type changed: the caption is really body text
    body_tag = tree.xpath("//a:OtherTag[@LABEL='body']", namespaces={"a": ALTO_NS})[0].get("ID")
    cap = _by_id(tree, "cap1")
    cap.set("TAGREFS", " ".join(body_tag if t == "TYPE_caption" else t
                                for t in cap.get("TAGREFS", "").split()))  # fmt: skip
    _save(tree, p1)

    p2 = issue_dir / "page-2.xml"
    tree = _edit(p2)
    # 5. a String split in two (an editor re-segmenting), text unchanged
    st = _string_of_line(tree, "b6_1")
    st2 = etree.Element(f"{A}String", ID="b6_1_S1b", CONTENT="三十六支球队参")
    for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"):
        st2.set(k, st.get(k, "0"))
    st.set("CONTENT", "本届联赛共有")
    for g in list(st):
        st.remove(g)
    st.addnext(st2)
    # 6. an added line
    body5 = _by_id(tree, "body5")
    new = etree.SubElement(body5, f"{A}TextLine", ID="b5_new", HPOS="620", VPOS="260",
                           WIDTH="300", HEIGHT="30")  # fmt: skip
    etree.SubElement(new, f"{A}String", ID="b5_new_S1", CONTENT="周末另有亲子阅读活动。",
                     HPOS="620", VPOS="260", WIDTH="300", HEIGHT="30")  # fmt: skip
    _save(tree, p2)

    assert main(["rebuild", str(issue_dir), "--db", str(db)]) == 0

    recs = _records(issue_dir)
    assert sorted(recs) == ids_before  # ids stay stable
    b = _by_title(issue_dir, "老城区改造惠及万户居民")
    text = str(b["text"])
    assert "九十条" in text and "八十条" not in text
    assert text.index("下一步将继续推进") < text.index("老城区改造工程")
    assert "图为改造后的老街" in text and b["captions"] == []
    c = _by_title(issue_dir, "冬季农业生产有序推进")
    assert "确保小麦安全越冬" not in str(c["text"])
    assert "各镇积极组织农户开展冬季" in str(c["text"])
    e = _by_title(issue_dir, "青少年足球联赛开幕")
    assert "本届联赛共有三十六支球队参加" in str(e["text"])
    d = _by_title(issue_dir, "图书馆延长开放时间")
    assert str(d["text"]).endswith("周末另有亲子阅读活动。")
    # The jump across pages is still resolved.
    a = _by_title(issue_dir, "新能源汽车产业加快发展")
    assert a["physical_pages"] == [1, 2]

    issue_txt = (issue_dir / "issue.txt").read_text(encoding="utf-8")
    assert "九十条" in issue_txt and "八十条" not in issue_txt
    assert "确保小麦安全越冬" not in issue_txt and "周末另有亲子阅读活动" in issue_txt
    assert issue_txt.index("下一步将继续推进") < issue_txt.index("老城区改造工程")
    page1 = (issue_dir / "page-1.txt").read_text(encoding="utf-8")
    assert "九十条" in page1

    mets = etree.parse(str(issue_dir / "mets.xml"))
    begins = set(mets.xpath("//m:area/@BEGIN", namespaces={"m": "http://www.loc.gov/METS/"}))
    assert {"body2", "body2b", "cap1", "body6"} <= begins
    cap_div = mets.xpath(
        "//m:area[@BEGIN='cap1']/../..", namespaces={"m": "http://www.loc.gov/METS/"}
    )[0]
    assert cap_div.get("TYPE") == "BODY"

    # The edited ALTO is unknown to the manifest (a later `run` keeps it); our outputs are known.
    manifest = Manifest.load(issue_dir)
    assert is_edited(manifest, "page-1.xml") and is_edited(manifest, "page-2.xml")
    for name in ("articles.jsonl", "issue.txt", "page-1.txt", "mets.xml"):
        assert not is_edited(manifest, name), name
    # The page cache a later `run` starts from now agrees with the corrected ALTO.
    cached = load_page_cache(issue_dir, "page-1", manifest.pages["page-1"])
    assert cached is not None and "九十条" in page_text(cached)
    assert cached.file == issue_dir.parent.parent / "scans" / "page-1.png"

    con = connect(db)
    try:
        assert [h.title for h in search(con, "九十条")] == ["老城区改造惠及万户居民"]
        assert search(con, "八十条") == []
        assert search(con, "确保小麦") == []
        hits = search(con, "亲子阅读")
        assert len(hits) == 1 and hits[0].blocks[0].block_id == "body5"
    finally:
        con.close()


def test_malformed_alto_is_reported_and_others_still_processed(
    issue_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p1 = issue_dir / "page-1.xml"
    tree = _edit(p1)
    _string_of_line(tree, "b2_1").set("CONTENT", "老城区改造工程涉及街巷七十条，")
    _save(tree, p1)
    p2 = issue_dir / "page-2.xml"
    lines = p2.read_text(encoding="utf-8").splitlines()
    bad = next(k for k, ln in enumerate(lines) if "</TextBlock>" in ln)
    lines[bad] = lines[bad].replace("</TextBlock>", "</TextBlok>")
    p2.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue_before = (issue_dir / "issue.txt").read_bytes()

    assert main(["rebuild", str(issue_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{p2}:{bad + 1}:" in err and "not well-formed" in err
    # The readable page is rebuilt; issue-wide files wait for the broken page.
    assert "七十条" in (issue_dir / "page-1.txt").read_text(encoding="utf-8")
    assert (issue_dir / "issue.txt").read_bytes() == issue_before


def test_unsafe_alto_is_refused_and_other_xml_skipped(
    issue_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p2 = issue_dir / "page-2.xml"
    head, body = p2.read_text(encoding="utf-8").split("\n", 1)
    p2.write_text(
        f'{head}\n<!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n{body}',
        encoding="utf-8",
    )
    (issue_dir / "notes.xml").write_text("<notes>kept by the archivist</notes>\n", encoding="utf-8")

    assert main(["rebuild", str(issue_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{p2}:2: DOCTYPE declares entities" in err
    assert "notes.xml" not in err


def test_hand_edited_text_output_is_backed_up(issue_dir: Path) -> None:
    (issue_dir / "issue.txt").write_text("hand notes\n", encoding="utf-8")
    res = rebuild_issue(issue_dir)
    assert res.ok and "issue.txt" in res.written
    assert any(b.startswith(".digitize/backup/issue.txt") for b in res.backed_up)
    assert "新能源汽车" in (issue_dir / "issue.txt").read_text(encoding="utf-8")


def test_rebuild_finds_issues_below_an_output_folder(issue_dir: Path) -> None:
    assert main(["rebuild", str(issue_dir.parent)]) == 0
    assert (issue_dir.parent / ISSUE_NAME / "articles.jsonl").is_file()
    assert main(["rebuild", str(issue_dir / "missing")]) == 2
