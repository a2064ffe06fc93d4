"""ALTO writer and reader: schema validity, references, scan coordinates, round trip,
archivist edits, safe parsing and a golden file."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from lxml import etree
from paths import DATA
from serialize_samples import PROCESSING, page_one, page_two, small_page, xml_schema

from digitize.model import Box, Page, Region, RegionType
from digitize.serialize.alto import ALTO_NS, block_ids, to_alto
from digitize.serialize.alto_read import (
    AltoError,
    NotAltoError,
    read_alto,
    region_list_order,
    rotation_transform,
)
from digitize.serialize.text import page_text
from digitize.serialize.xmlsafe import MAX_BYTES_ENV
from digitize.text.textutil import clean_line, is_cjk

GOLDEN = DATA / "golden" / "alto_small.xml"
A = f"{{{ALTO_NS}}}"


@pytest.fixture(scope="module")
def alto_schema() -> etree.XMLSchema:
    return xml_schema("alto-4-4.xsd")


def _alto(page: Page) -> bytes:
    return to_alto(page, processing=PROCESSING, image_file=page.file.name)


def _doc(page: Page) -> etree._Element:
    return etree.fromstring(_alto(page))


def _max_err(a: Box, b: Box) -> float:
    return max(abs(a.x0 - b.x0), abs(a.y0 - b.y0), abs(a.x1 - b.x1), abs(a.y1 - b.y1))


@pytest.mark.parametrize("make", [page_one, page_two, small_page])
def test_valid_against_xsd(make: object, alto_schema: etree.XMLSchema) -> None:
    doc = _doc(make())  # type: ignore[operator]
    assert alto_schema.validate(doc), alto_schema.error_log


def test_ids_unique_and_references_resolve() -> None:
    doc = _doc(page_one())
    ids = [el.get("ID") for el in doc.iter() if el.get("ID") is not None]
    assert len(ids) == len(set(ids))
    known = set(ids)
    refs = 0
    for el in doc.iter():
        for attr in ("TAGREFS", "IDNEXT", "REF", "PROCESSING", "STYLEREFS"):
            for target in (el.get(attr) or "").split():
                assert target in known, f"{attr}={target} on {el.tag}"
                refs += 1
    assert refs > 20


def test_header_and_page_attributes() -> None:
    page = page_one()
    doc = _doc(page)
    assert doc.findtext(f"{A}Description/{A}MeasurementUnit") == "pixel"
    assert doc.findtext(f"{A}Description/{A}sourceImageInformation/{A}fileName") == "page-1.png"
    step = doc.find(f"{A}Description/{A}OCRProcessing/{A}ocrProcessingStep")
    assert step is not None
    assert step.findtext(f"{A}processingDateTime") == "2024-05-01T12:00:00Z"
    assert step.findtext(f"{A}processingSoftware/{A}softwareName") == "digitize"
    settings = step.findtext(f"{A}processingStepSettings") or ""
    for needle in ("rapidocr", "PP-OCRv6_small_rec", "ab" * 32, "rapidocr==3.10.0", "det_scale"):
        assert needle in settings
    pg = doc.find(f"{A}Layout/{A}Page")
    assert pg is not None
    assert (pg.get("WIDTH"), pg.get("HEIGHT")) == ("1000", "1400")
    assert pg.get("PHYSICAL_IMG_NR") == "1" and pg.get("PRINTED_IMG_NR") == "1"
    assert float(pg.get("ROTATION", "0")) == pytest.approx(1.5)
    assert pg.find(f"{A}PrintSpace") is not None


def test_block_order_types_and_tags() -> None:
    page = page_one()
    doc = _doc(page)
    blocks = doc.find(f"{A}Layout/{A}Page/{A}PrintSpace")
    assert blocks is not None
    names = [(etree.QName(b).localname, b.get("ID")) for b in blocks]
    # reading order first, then text outside it, then photos, then rules
    assert [i for _, i in names] == [*page.reading_order, "ad1", "ph1", "rule1"]
    assert names[-2][0] == "Illustration" and names[-1][0] == "GraphicalElement"
    tags = {t.get("ID"): t for t in doc.iter(f"{A}OtherTag", f"{A}LayoutTag", f"{A}StructureTag")}

    def labels(block_id: str) -> dict[str, str]:
        el = next(e for e in doc.iter() if e.get("ID") == block_id)
        return {
            tags[t].get("TYPE", ""): tags[t].get("LABEL", "") for t in el.get("TAGREFS", "").split()
        }

    assert labels("h1")["region-type"] == "headline"
    assert labels("h1")["article"] == "p1-a1"
    assert labels("cap1")["linked-to"] == "ph1"
    assert labels("j1")["jump"] == "out:4"
    assert labels("v1")["layout"] == "vertical"
    assert labels("ad1")["reading-order"] == "excluded"
    assert labels("ph1")["region-type"] == "photo"
    # IDNEXT chains article p1-a1's blocks in reading order
    nxt = {e.get("ID"): e.get("IDNEXT") for e in blocks if e.get("IDNEXT")}
    assert nxt["h1"] == "b1" and nxt["b1"] == "body1" and nxt["body1"] == "j1"
    assert "j1" not in nxt and nxt["v1"] == "body2" and nxt["body2"] == "cap1"


def test_vertical_and_reading_order_structure() -> None:
    doc = _doc(page_one())
    v1 = next(e for e in doc.iter(f"{A}TextBlock") if e.get("ID") == "v1")
    assert v1.get("BASEDIRECTION") == "ttb"
    tl = v1.find(f"{A}TextLine")
    assert tl is not None and tl.get("BASEDIRECTION") == "ttb"
    ro = doc.find(f"{A}ReadingOrder/{A}UnorderedGroup")
    assert ro is not None
    groups = [[r.get("REF") for r in g] for g in ro.findall(f"{A}OrderedGroup")]
    assert groups == [["m1"], ["h1", "b1", "body1", "j1"], ["v1", "body2", "cap1"]]


def test_strings_no_space_inside_chinese() -> None:
    doc = _doc(page_one())
    for tl in doc.iter(f"{A}TextLine"):
        strings = tl.findall(f"{A}String")
        contents = [s.get("CONTENT", "") for s in strings]
        assert all(" " not in c for c in contents)
        if all(is_cjk(ch) for c in contents for ch in c):
            assert len(strings) == 1 and tl.find(f"{A}SP") is None
        # every SP sits between two Latin word ends
        kids = list(tl)
        for k, el in enumerate(kids):
            if etree.QName(el).localname == "SP":
                left = kids[k - 1].get("CONTENT", "")
                right = kids[k + 1].get("CONTENT", "")
                assert left[-1].isascii() and right[0].isascii()
        for s in strings:
            glyphs = s.findall(f"{A}Glyph")
            if glyphs:
                assert "".join(g.get("CONTENT", "") for g in glyphs) == s.get("CONTENT")
                assert len((s.get("CC") or "").split()) == len(glyphs)
    latin = [s.get("CONTENT") for s in doc.iter(f"{A}String") if "Year" in s.get("CONTENT", "")]
    assert latin == ["Year"]


def test_coordinates_are_scan_coordinates_when_skewed() -> None:
    page = page_one(skew=3.0)
    doc = _doc(page)
    boxes = {ln.id: ln.box for ln in page.iter_lines()}
    checked = 0
    for tl in doc.iter(f"{A}TextLine"):
        box = boxes[tl.get("ID", "")]
        scan = page.to_scan_box(box)
        got = [float(tl.get(k, "nan")) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
        assert got == pytest.approx([scan.x0, scan.y0, scan.width, scan.height], abs=1.0)
        poly = tl.find(f"{A}Shape/{A}Polygon")
        assert poly is not None
        pts = [tuple(map(float, p.split(","))) for p in poly.get("POINTS", "").split()]
        for (x, y), (ex, ey) in zip(pts, page.to_scan_polygon(box), strict=True):
            assert (x, y) == pytest.approx((ex, ey), abs=0.06)
        checked += 1
    assert checked == sum(1 for _ in page.iter_lines())
    # The far-right vertical column moves by several pixels between frames at 3°.
    v = next(e for e in doc.iter(f"{A}TextBlock") if e.get("ID") == "v1")
    assert abs(float(v.get("VPOS", "0")) - page.region("v1").box.y0) > 5


def test_no_polygons_without_skew() -> None:
    assert _doc(page_two()).find(f".//{A}Shape") is None


@pytest.mark.parametrize("make", [page_one, page_two, small_page])
def test_round_trip(make: object) -> None:
    page: Page = make()  # type: ignore[operator]
    back = read_alto(_alto(page))
    assert back.number == page.number and back.printed_number == page.printed_number
    assert back.stem == page.stem
    assert back.transform == page.transform
    assert back.reading_order == page.reading_order
    # The page's region list comes back in its own order (the linker places photos by
    # it), not in the document order (reading order, then photos and rules).
    assert [r.id for r in back.regions] == [r.id for r in page.regions]
    assert back.text_height == page.text_height
    for r in page.regions:
        got = back.region(r.id)
        assert (got.type, got.article_id, got.linked_to, got.jump, got.vertical, got.inverted) == (
            r.type,
            r.article_id,
            r.linked_to,
            r.jump,
            r.vertical,
            r.inverted,
        )
        assert _max_err(got.box, r.box) <= 1.0
        assert len(got.lines) == len(r.lines)
        for ln, gl in zip(r.lines, got.lines, strict=True):
            assert gl.id == ln.id and gl.text == clean_line(ln.text)
            assert (gl.vertical, gl.paragraph_start) == (ln.vertical, ln.paragraph_start)
            assert _max_err(gl.box, ln.box) <= 1.0
            # Confidences come back as the very same floats (lines of several Strings too).
            assert gl.confidence == ln.confidence
            assert [g.text for g in gl.glyphs] == [g.text for g in ln.glyphs]
            for g0, g1 in zip(ln.glyphs, gl.glyphs, strict=True):
                assert _max_err(g0.box, g1.box) <= 1.0
                assert (g1.confidence, g1.alternatives) == (g0.confidence, g0.alternatives)
    assert page_text(back) == page_text(page)


def test_read_from_path_uses_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "page-9.xml"
    path.write_bytes(_alto(page_two()))
    page = read_alto(path)
    assert page.stem == "page-9" and page.file == Path("page-4.png")


def test_transform_rebuilt_from_rotation_without_settings() -> None:
    page = page_one()
    doc = _doc(page)
    settings = doc.find(f".//{A}processingStepSettings")
    assert settings is not None
    settings.text = "engine: some other tool"
    back = read_alto(etree.tostring(doc))
    assert back.transform.matrix == pytest.approx(page.transform.matrix)
    assert back.transform.skew_deg == pytest.approx(1.5)
    for r in page.regions:
        assert _max_err(back.region(r.id).box, r.box) <= 1.0


def test_rotation_transform_sense() -> None:
    """Content rotated counter-clockwise in the scan: a page-frame horizontal edge rises to
    the right in the scan (ALTO ROTATION sense)."""
    t = rotation_transform(1000, 1000, 2.0)
    (x0, y0), (x1, y1) = t.to_scan([(100.0, 500.0), (900.0, 500.0)])
    assert y1 < y0 and x1 > x0


def _find(doc: etree._Element, xml_id: str) -> etree._Element:
    return next(e for e in doc.iter() if e.get("ID") == xml_id)


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def test_archivist_edits_are_honoured() -> None:
    page = page_one()
    doc = _doc(page)
    # 1. corrected text, glyphs left stale with a different length
    s = _find(doc, "l2_S1")
    s.set("CONTENT", "我市召开经济工作大会议")
    # 2. a String split in two (no SP: Chinese), 3. a line deleted
    s4 = _find(doc, "l10_S1")
    s4b = copy.deepcopy(s4)
    s4.set("CONTENT", "市领导看望")
    s4b.set("CONTENT", "困难群众，")
    s4b.set("ID", "l10_S1b")
    for st in (s4, s4b):
        for g in st.findall(f"{A}Glyph"):
            st.remove(g)
    s4.addnext(s4b)
    _remove(_find(doc, "l11"))
    # 4. body1 moved before b1 inside its article's OrderedGroup
    ref_b1, ref_body1 = _find(doc, "RO_b1"), _find(doc, "RO_body1")
    ref_b1.addprevious(ref_body1)
    # 5. article p1-a2 moved before p1-a1 in document order
    ps = _find(doc, "PAGE_page-1").find(f"{A}PrintSpace")
    assert ps is not None
    for bid in ("v1", "body2", "cap1"):
        ps.insert(1 + ("v1", "body2", "cap1").index(bid), _find(doc, bid))
    # 6. a block added by hand, outside the ReadingOrder
    new = etree.SubElement(
        ps, f"{A}TextBlock", ID="added", HPOS="10", VPOS="1300", WIDTH="200", HEIGHT="30"
    )
    new_line = etree.SubElement(
        new, f"{A}TextLine", ID="added_l", HPOS="10", VPOS="1300", WIDTH="200", HEIGHT="30"
    )
    etree.SubElement(new_line, f"{A}String", CONTENT="补充说明")
    # 7. a block deleted, its ElementRef left behind
    _remove(_find(doc, "m1"))

    back = read_alto(etree.tostring(doc))
    assert back.region("h1").lines[0].text == "我市召开经济工作大会议"
    assert back.region("h1").lines[0].glyphs == []
    assert back.region("body2").lines[0].text == "市领导看望困难群众，"
    assert len(back.region("body2").lines) == 1
    assert back.reading_order == ["v1", "body2", "cap1", "h1", "body1", "b1", "j1", "added"]
    assert back.region("added").type is RegionType.BODY
    assert back.region("added").box.width > 190
    text = page_text(back)
    assert text.index("春节前夕") < text.index("我市召开")
    assert "补充说明" in text and "金坛日报" not in text


def test_article_membership_follows_reading_order_group() -> None:
    doc = _doc(page_one())
    # move cap1's ElementRef into article p1-a1's group
    ref = _find(doc, "RO_cap1")
    _find(doc, "RO_j1").addnext(ref)
    back = read_alto(etree.tostring(doc))
    assert back.region("cap1").article_id == "p1-a1"
    # it keeps its place in document order, which is the last slot of the new group
    assert back.reading_order[-1] == "cap1"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"<?xml version='1.0'?>\n<alto>\n<Layout>\n</alto>", 4),
        (b"", None),
        (b"<?xml version='1.0'?>\n<notalto/>", 2),
        (b"<alto xmlns='http://www.loc.gov/standards/alto/ns-v4#'>\n<Layout/>\n</alto>", 2),
    ],
)
def test_malformed_input_raises_typed_error(data: bytes, line: int | None) -> None:
    with pytest.raises(AltoError) as info:
        read_alto(data)
    if line is not None:
        assert info.value.line == line
        assert f"line {line}" in str(info.value)


def test_bad_number_reports_line(tmp_path: Path) -> None:
    text = _alto(page_two()).decode().replace('HPOS="520"', 'HPOS="abc"', 1)
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AltoError) as info:
        read_alto(path)
    assert info.value.path == str(path)
    assert info.value.line is not None and "abc" in text.splitlines()[info.value.line - 1]


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    base = _alto(page_two()).decode().split("\n", 1)[1]
    evil = (
        f'<?xml version="1.0"?>\n<!DOCTYPE alto [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        + base.replace("综合新闻", "&x;", 1)
    ).encode()
    try:
        page = read_alto(evil)
    except AltoError:
        return
    assert all("TOPSECRET" not in ln.text for ln in page.iter_lines())


def test_entity_doctype_and_oversized_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _alto(page_two())
    head, body = data.split(b"\n", 1)
    evil = head + b'\n<!DOCTYPE alto [<!ENTITY a "aaaaaaaaaa">]>\n' + body
    with pytest.raises(AltoError, match="DOCTYPE declares entities") as info:
        read_alto(evil)
    assert info.value.line == 2
    path = tmp_path / "page.xml"
    path.write_bytes(data)
    assert read_alto(path).regions  # under the limit
    monkeypatch.setenv(MAX_BYTES_ENV, str(len(data) - 1))
    for source in (path, data):
        with pytest.raises(AltoError, match="over the"):
            read_alto(source)


def test_other_xml_is_not_alto_error() -> None:
    with pytest.raises(NotAltoError):
        read_alto(b"<?xml version='1.0'?>\n<mets/>")


def test_missing_file_is_typed_error(tmp_path: Path) -> None:
    with pytest.raises(AltoError):
        read_alto(tmp_path / "nope.xml")


def test_block_ids_are_valid_and_unique() -> None:
    page = page_two()
    page.regions[0].id = "1:bad id"
    page.regions[1].id = "B_1_bad_id"
    ids = block_ids(page)
    assert ids["1:bad id"] != ids["B_1_bad_id"]
    assert all(i[0].isalpha() for i in ids.values())
    page.reading_order = [r.id for r in page.regions if r.type.is_text]
    back = read_alto(_alto(page))
    assert [r.id for r in back.regions][:2] == [ids["1:bad id"], ids["B_1_bad_id"]]


def test_golden_file() -> None:
    got = _alto(small_page())
    if os.environ.get("DIGITIZE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(got)
    assert GOLDEN.is_file(), "run with DIGITIZE_UPDATE_GOLDEN=1 to create the golden file"
    assert got.decode() == GOLDEN.read_text(encoding="utf-8")


def test_empty_page_and_control_characters(alto_schema: etree.XMLSchema) -> None:
    empty = page_two()
    empty.regions, empty.reading_order = [], []
    doc = _doc(empty)
    assert alto_schema.validate(doc), alto_schema.error_log
    assert read_alto(etree.tostring(doc)).regions == []

    page = page_two()
    page.regions[0].lines[0].text = "综合\x0b新\x00闻"
    page.regions[1].jump = None
    page.regions[1].article_id = "p2\x01a1"
    doc = _doc(page)
    assert alto_schema.validate(doc), alto_schema.error_log
    back = read_alto(etree.tostring(doc))
    assert back.regions[0].lines[0].text == "综合新闻"


def test_glyph_variants_carry_the_runners_up(alto_schema: etree.XMLSchema) -> None:
    """A glyph's runners-up are written as ALTO Variants (an editor offers them as
    corrections), valid against the schema, and read back with their confidences."""
    page = page_one()
    line = next(ln for r in page.regions for ln in r.lines if ln.glyphs)
    line.glyphs[0].alternatives = (("內", 0.38), ("肉", 0.02))
    doc = _doc(page)
    assert alto_schema.validate(doc), alto_schema.error_log
    variants = doc.findall(f".//{A}Glyph/{A}Variant")
    assert [(v.get("CONTENT"), v.get("VC")) for v in variants] == [("內", "0.38"), ("肉", "0.02")]
    back = read_alto(_alto(page))
    got = next(ln for r in back.regions for ln in r.lines if ln.id == line.id)
    assert got.glyphs[0].alternatives == (("內", 0.38), ("肉", 0.02))
    assert all(g.alternatives == () for g in got.glyphs[1:])


def test_region_list_order_places_added_blocks_after_their_neighbour() -> None:
    regions = [Region(i, RegionType.BODY, Box(0, 0, 1, 1)) for i in ("a", "new", "c", "b", "x")]
    listed = ["b", "a", "gone", "c"]  # "gone" was deleted; "new" and "x" were added
    assert [r.id for r in region_list_order(regions, listed)] == ["b", "x", "a", "new", "c"]


def test_stored_page_data_from_an_edited_file_is_checked() -> None:
    """processingStepSettings may be edited like the rest of the file: values of the wrong
    kind are ignored (the confidence then comes from the Strings' WC), never trusted."""
    import json

    page = page_one()
    doc = _doc(page)
    el = doc.find(f".//{A}processingStepSettings")
    assert el is not None and el.text is not None
    settings = json.loads(el.text)
    assert settings["page"]["line_confidence"] == {"l6": page.region("body1").lines[2].confidence}
    settings["page"]["line_confidence"] = {"l6": 7.0, "l4": "high"}
    settings["page"]["regions"] = [3, None, "ph1"]
    settings["page"]["writing_mode"] = "diagonal"
    settings["page"]["text_height"] = "big"
    el.text = json.dumps(settings)
    back = read_alto(etree.tostring(doc))
    line6 = back.region("body1").lines[2]
    strings = doc.findall(f".//{A}TextLine[@ID='l6']/{A}String")
    assert len(strings) == 3
    wcs = [(float(s.get("WC", "")), len(s.get("CONTENT", ""))) for s in strings]
    assert line6.confidence == pytest.approx(sum(w * n for w, n in wcs) / sum(n for _, n in wcs))
    assert back.region("body1").lines[0].confidence == page.region("body1").lines[0].confidence
    doc_order = [el.get("ID") for el in doc.iter(f"{A}TextBlock", f"{A}Illustration",
                                                 f"{A}GraphicalElement")]  # fmt: skip
    assert [r.id for r in back.regions] == doc_order and back.writing_mode is None
    assert back.text_height == pytest.approx(20.0, abs=1.0)  # the median body line again
