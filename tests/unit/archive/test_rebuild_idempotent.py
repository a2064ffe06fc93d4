"""`digitize rebuild` on unedited output reproduces the run's files byte for byte, twice;
after a hand edit of String/@CONTENT the ALTO is made consistent again (editor's file
backed up) and every output agrees with the edit."""

from __future__ import annotations

import json
import random
from pathlib import Path

from archive_samples import page_one, page_two, write_issue
from lxml import etree
from paths import SCHEMA_DIR

from digitize.archive.rebuild import rebuild_issue
from digitize.batch.store import STATE_DIR, Manifest, is_edited
from digitize.cli import main
from digitize.model import Box, Glyph, Line, Page, RegionType
from digitize.serialize.alto import ALTO_NS
from digitize.serialize.mets import METS_NS

A = f"{{{ALTO_NS}}}"
LATIN_LINE = "球迷可登录 China Sports 官网购票。"


def _realistic(page: Page, rng: random.Random) -> None:
    """Recognizer-like confidences (float32 values, line confidence not the glyph mean)."""
    for line in page.iter_lines():
        for k, g in enumerate(line.glyphs):
            line.glyphs[k] = Glyph(g.box, g.text, float(1.0 - rng.random() ** 6 * 0.3))
        mean = sum(g.confidence for g in line.glyphs) / max(1, len(line.glyphs))
        line.confidence = mean * (0.97 + 0.03 * rng.random())


def _pages() -> list[Page]:
    """The archive sample with what made rebuilds drift: the photo listed among its
    article's blocks (not last), a line of several Strings, and unrounded confidences."""
    one, two = page_one(), page_two()
    regions = one.regions
    photo = next(r for r in regions if r.type is RegionType.PHOTO)
    regions.remove(photo)
    regions.insert(next(k for k, r in enumerate(regions) if r.id == "cap1"), photo)
    body5 = two.region("body5")
    last = body5.lines[-1].box
    chars = [c for c in LATIN_LINE if c != " "]
    box = Box(last.x0, last.y1 + 4, last.x0 + 16 * len(LATIN_LINE), last.y1 + 34)
    step = box.width / len(chars)
    glyphs = [
        Glyph(Box(box.x0 + k * step, box.y0, box.x0 + (k + 1) * step, box.y1), c, 0.9)
        for k, c in enumerate(chars)
    ]
    body5.lines.append(Line("b5_latin", box, LATIN_LINE, 0.9, glyphs))
    body5.box = Box.hull([body5.box, box])
    rng = random.Random(7)
    for page in (one, two):
        _realistic(page, rng)
    return [one, two]


def _outputs(folder: Path) -> dict[str, bytes]:
    """Every output file of the issue (not the state in .digitize/)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and STATE_DIR not in p.relative_to(folder).parts
    }


def _state(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted((folder / STATE_DIR).rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _records(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _blocks(folder: Path, title: str) -> list[str]:
    rec = next(r for r in _records(folder) if r["title"] == title)
    parts = rec["parts"]
    assert isinstance(parts, list)
    return [b for part in parts for b in part["blocks"]]


def _header(folder: Path) -> dict[str, str]:
    hdr = etree.parse(str(folder / "mets.xml")).find(f"{{{METS_NS}}}metsHdr")
    assert hdr is not None
    return dict(hdr.attrib)


def test_rebuild_twice_reproduces_the_run_byte_for_byte(tmp_path: Path) -> None:
    folder = write_issue(tmp_path, _pages())
    run = _outputs(folder)
    # The sample exercises what used to drift: a photo inside its article's block list, a
    # line of several Strings, and confidences that 3 decimals would round.
    assert _blocks(folder, "老城区改造惠及万户居民")[-2:] == ["ph1", "cap1"]
    assert b'"line_confidence": {"b5_latin": ' in run["page-2.xml"]
    wcs = etree.fromstring(run["page-1.xml"]).xpath("//@WC")
    assert wcs and all(len(wc.partition(".")[2]) > 3 for wc in wcs)

    first = rebuild_issue(folder)
    assert first.ok and first.written == [] and first.repaired == []
    after_first, state_first = _outputs(folder), _state(folder)
    second = rebuild_issue(folder)
    assert second.ok and second.written == [] and second.backed_up == []
    assert _outputs(folder) == after_first == run  # METS keeps its CREATEDATE too
    assert _state(folder) == state_first  # page caches as well
    assert "LASTMODDATE" not in _header(folder)


def _string(tree: etree._ElementTree, line_id: str) -> etree._Element:
    (st,) = tree.xpath("//a:TextLine[@ID=$i]/a:String", i=line_id, namespaces={"a": ALTO_NS})
    return st


def test_edited_content_is_made_consistent_and_the_editors_file_kept(
    tmp_path: Path, capsys: object
) -> None:
    folder = write_issue(tmp_path, _pages())
    page1 = folder / "page-1.xml"
    tree = etree.parse(str(page1))
    same_length = _string(tree, "b2_1")  # 八十条 -> 九十条: one character corrected
    old_cc = same_length.get("CC", "").split()
    assert same_length.get("CONTENT") == "老城区改造工程涉及街巷八十条，"
    same_length.set("CONTENT", "老城区改造工程涉及街巷九十条，")
    longer = _string(tree, "b3_1")  # two characters typed in
    longer_cc = longer.get("CC", "").split()
    assert longer.get("CONTENT") == "各镇积极组织农户开展冬季"
    longer.set("CONTENT", "各镇积极组织广大农户开展冬季")
    tree.write(str(page1), xml_declaration=True, encoding="UTF-8")
    edited = page1.read_bytes()
    schemas = ["--schemas", str(SCHEMA_DIR)]
    assert main(["validate", str(page1), *schemas]) == 1  # stale glyphs and CC

    assert main(["rebuild", str(folder)]) == 0
    # The rebuilt ALTO validates, holds the edit as typed and no stale glyph.
    assert main(["validate", str(folder), *schemas]) == 0
    tree = etree.parse(str(page1))
    st = _string(tree, "b2_1")
    assert st.get("CONTENT") == "老城区改造工程涉及街巷九十条，" and st.get("CS") == "true"
    glyphs = st.findall(f"{A}Glyph")
    assert "".join(g.get("CONTENT", "") for g in glyphs) == st.get("CONTENT")
    k = st.get("CONTENT", "").index("九")
    assert glyphs[k].get("GC") == "1" and st.get("CC", "").split() == [
        "0" if i == k else d for i, d in enumerate(old_cc)
    ]
    st = _string(tree, "b3_1")
    assert st.get("CONTENT") == "各镇积极组织广大农户开展冬季" and st.get("CS") == "true"
    assert st.findall(f"{A}Glyph") == []
    assert st.get("CC", "").split() == [*longer_cc[:6], "0", "0", *longer_cc[6:]]
    # The editor's file is kept, byte for byte; the rest of the file is untouched.
    (backup,) = (folder / STATE_DIR / "backup").glob("page-1.xml.*")
    assert backup.read_bytes() == edited
    assert edited.count(b"<Glyph") - page1.read_bytes().count(b"<Glyph") == 12
    # The edit is in the text and the records; a later `run` still keeps the ALTO.
    text = " ".join(str(r["text"]) for r in _records(folder))
    assert "九十条" in text and "八十条" not in text and "广大农户" in text
    assert "九十条" in (folder / "issue.txt").read_text(encoding="utf-8")
    assert is_edited(Manifest.load(folder), "page-1.xml")

    # A second rebuild finds nothing to repair and changes nothing.
    outputs = _outputs(folder)
    res = rebuild_issue(folder)
    assert res.ok and res.repaired == [] and res.written == [] and res.backed_up == []
    assert _outputs(folder) == outputs
    assert len(list((folder / STATE_DIR / "backup").glob("page-1.xml.*"))) == 1


def test_mets_keeps_its_creation_date_and_records_the_change(tmp_path: Path) -> None:
    folder = write_issue(tmp_path, _pages())
    created = _header(folder)["CREATEDATE"]
    page2 = folder / "page-2.xml"
    tree = etree.parse(str(page2))
    title = _string(tree, "h5_1")
    title.set("CONTENT", "市图书馆延长开放时间")  # a corrected headline: a METS LABEL
    tree.write(str(page2), xml_declaration=True, encoding="UTF-8")

    res = rebuild_issue(folder)
    assert res.ok and "mets.xml" in res.written and res.repaired == ["page-2.xml"]
    header = _header(folder)
    assert header["CREATEDATE"] == created and header["LASTMODDATE"] >= created
    mets = (folder / "mets.xml").read_bytes()
    assert "市图书馆延长开放时间".encode() in mets
    assert main(["validate", str(folder), "--schemas", str(SCHEMA_DIR)]) == 0
    assert rebuild_issue(folder).written == []
    assert (folder / "mets.xml").read_bytes() == mets  # LASTMODDATE moves only on change
