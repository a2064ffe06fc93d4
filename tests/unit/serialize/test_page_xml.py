"""PAGE-XML 2019: schema validity, the round trip through `read_page_xml`, and files as
correction tools hand them back (edited text, dropped custom attributes, new order)."""

from __future__ import annotations

import copy

import pytest
from lxml import etree
from serialize_samples import PROCESSING, issue, page_one, page_two, small_page, xml_schema

from digitize.model import Page, RegionType
from digitize.serialize.alto import to_alto
from digitize.serialize.alto_read import read_alto, rotation_transform
from digitize.serialize.page_read import (
    NotPageXmlError,
    PageXmlError,
    parse_custom,
    read_page_xml,
)
from digitize.serialize.page_xml import PAGE_NS, custom_attr, page_xml

P = f"{{{PAGE_NS}}}"


def _doc(page: Page) -> etree._Element:
    return etree.fromstring(page_xml(page, PROCESSING))


def _bytes(doc: etree._Element) -> bytes:
    return bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8"))


def _by_id(doc: etree._Element, ident: str) -> etree._Element:
    found = doc.xpath("//*[@id=$i]", i=ident)
    assert isinstance(found, list) and found, ident
    el = found[0]
    assert isinstance(el, etree._Element)
    return el


def _set_text(el: etree._Element, text: str) -> None:
    uni = el.find(f"{P}TextEquiv/{P}Unicode")
    assert uni is not None
    uni.text = text


def _summary(page: Page) -> object:
    return (
        [
            (
                r.id,
                r.type,
                r.article_id,
                r.linked_to,
                r.jump,
                r.vertical,
                r.inverted,
                [
                    (ln.id, ln.text, ln.paragraph_start, ln.vertical, len(ln.glyphs))
                    for ln in r.lines
                ],
            )
            # Sorted: the ALTO reader restores the run's region list order (stored in
            # processingStepSettings); PAGE gives the document order.
            for r in sorted(page.regions, key=lambda r: r.id)
        ],
        page.reading_order,
        page.number,
        page.stem,
        page.printed_number,
    )


def _pages() -> list[Page]:
    turned = small_page()
    turned.transform = rotation_transform(300, 400, 90.0)
    return [page_one(), page_two(), small_page(), turned]


def test_pages_are_schema_valid() -> None:
    schema = xml_schema("pagecontent-2019-07-15.xsd")
    pages = [*_pages(), *issue().pages]
    empty = small_page()
    empty.regions, empty.reading_order = [], []
    for page in [*pages, empty]:
        doc = _doc(page)
        assert schema.validate(doc), (page.stem, schema.error_log)


def test_round_trip_reads_what_alto_reads() -> None:
    """The PAGE reader yields the same model as the ALTO reader on the same page:
    text, regions, types, order, articles, links, jumps, direction, glyph counts."""
    for page in _pages():
        via_page = read_page_xml(page_xml(page, PROCESSING))
        via_alto = read_alto(to_alto(page, processing=PROCESSING, image_file="x.png"))
        assert _summary(via_page) == _summary(via_alto)
        assert via_page.transform == page.transform
        for a in page.regions:
            b = via_page.region(a.id)
            for u, v in zip(
                (a.box.x0, a.box.y0, a.box.x1, a.box.y1),
                (b.box.x0, b.box.y0, b.box.x1, b.box.y1),
                strict=True,
            ):
                assert abs(u - v) <= 1.5, (a.id, a.box, b.box)
            for la, lb in zip(a.lines, b.lines, strict=True):
                assert lb.confidence == pytest.approx(la.confidence, abs=1e-3)
                for ga, gb in zip(la.glyphs, lb.glyphs, strict=False):
                    assert abs(ga.box.cx - gb.box.cx) <= 1.5
                    assert gb.confidence == pytest.approx(ga.confidence, abs=1e-3)


def test_vertical_and_reading_order_markup() -> None:
    doc = _doc(page_one())
    v1 = _by_id(doc, "v1")
    assert v1.get("readingDirection") == "top-to-bottom"
    assert v1.get("textLineOrder") == "right-to-left"
    assert _by_id(doc, "l9").get("readingDirection") == "top-to-bottom"
    assert _by_id(doc, "h1").get("type") == "heading"
    assert _by_id(doc, "b1").get("type") == "credit"
    assert _by_id(doc, "m1").get("type") == "header"
    assert _by_id(doc, "ph1").tag == f"{P}ImageRegion"
    assert _by_id(doc, "rule1").tag == f"{P}SeparatorRegion"
    groups = doc.findall(f".//{P}ReadingOrder/{P}UnorderedGroup/{P}OrderedGroup")
    assert [g.get("caption") for g in groups] == [None, "p1-a1", "p1-a2"]
    refs = [r.get("regionRef") for r in groups[1].findall(f"{P}RegionRefIndexed")]
    assert refs == ["h1", "b1", "body1", "j1"]
    # the ad is outside the reading order and says so
    assert "ad1" not in {r.get("regionRef") for r in doc.iter(f"{P}RegionRefIndexed")}
    assert parse_custom(_by_id(doc, "ad1").get("custom"))["digitize"] == {"excluded": "true"}
    glyph = doc.find(f".//{P}Glyph/{P}TextEquiv")
    assert glyph is not None and glyph.get("conf") is not None


def test_custom_values_round_trip() -> None:
    raw = "a;b:c{d} e\\f（下转第4版）"
    assert parse_custom(custom_attr([("jump", {"raw": raw, "x": "1"})])) == {
        "jump": {"raw": raw, "x": "1"}
    }


def test_line_edit_wins_over_stale_words() -> None:
    """Transkribus edits the line's TextEquiv and leaves words and glyphs as they were."""
    doc = _doc(page_one())
    _set_text(_by_id(doc, "l2"), "我市召开经济工作大会")
    read = read_page_xml(_bytes(doc))
    line = read.region("h1").lines[0]
    assert line.text == "我市召开经济工作大会"
    assert [g.text for g in line.glyphs] == list("我市召开经济工作大会")  # boxes kept


def test_word_edit_with_stale_line_is_taken() -> None:
    """A word edited alone (line and glyphs still agree with each other) is the edit."""
    doc = _doc(page_one())
    word = _by_id(doc, "l6_w2")
    _set_text(word, "Yeah")
    read = read_page_xml(_bytes(doc))
    assert read.region("body1").lines[2].text == "会议指出New Yeah plan顺利"
    # and the ALTO written from it carries the edit
    alto = to_alto(read, processing=PROCESSING, image_file="x.png").decode()
    assert 'CONTENT="Yeah"' in alto


def test_tool_rewrite_without_our_custom_data() -> None:
    """What a tool may hand back: no @custom, no MetadataItem, its own flat order, a line
    deleted and one added. PAGE's own attributes carry types, order and the skew."""
    doc = _doc(page_one())
    for el in doc.iter():
        el.attrib.pop("custom", None)
    md_item = doc.find(f"{P}Metadata/{P}MetadataItem")
    assert md_item is not None
    md_item.getparent().remove(md_item)  # type: ignore[union-attr]
    ro = doc.find(f".//{P}ReadingOrder")
    assert ro is not None
    for child in list(ro):
        ro.remove(child)
    og = etree.SubElement(ro, f"{P}OrderedGroup", id="ro_tool", caption="Regions reading order")
    order = ["m1", "v1", "body2", "cap1", "h1", "b1", "body1", "j1"]
    for k, rid in enumerate(order):
        etree.SubElement(og, f"{P}RegionRefIndexed", index=str(k), regionRef=rid)
    l5 = _by_id(doc, "l5")
    l5.getparent().remove(l5)  # type: ignore[union-attr]
    added = copy.deepcopy(_by_id(doc, "l7"))
    added.set("id", "l7b")
    for sub in added.iter():
        if sub is not added and sub.get("id"):
            sub.set("id", sub.get("id", "") + "b")
    _set_text(added, "新增一行")
    _by_id(doc, "l7").addnext(added)
    schema = xml_schema("pagecontent-2019-07-15.xsd")
    assert schema.validate(doc), schema.error_log

    read = read_page_xml(_bytes(doc), number=1)
    # The ad lost its "excluded" mark; outside the ReadingOrder it counts as a region an
    # editor added (PAGE leaves such regions unordered), so it follows in document order.
    assert read.reading_order == [*order, "ad1"]
    assert read.region("h1").type is RegionType.HEADLINE
    assert read.region("b1").type is RegionType.BYLINE
    assert read.region("m1").type is RegionType.MASTHEAD
    assert read.region("cap1").type is RegionType.CAPTION
    assert read.region("cap1").linked_to == "ph1"  # Relations survive
    assert [ln.text for ln in read.region("body1").lines] == [
        "会议总结了全年工作，",
        "会议指出New Year plan顺利",
        "推进。",
        "新增一行",
    ]
    assert read.region("body1").lines[3].glyphs == []  # stale glyphs dropped
    assert read.transform == page_one().transform  # from @orientation and the image size
    assert read.region("v1").vertical


def test_changed_type_wins_over_our_custom_type() -> None:
    doc = _doc(page_one())
    _by_id(doc, "b1").set("type", "caption")
    assert read_page_xml(_bytes(doc)).region("b1").type is RegionType.CAPTION


def test_unsafe_and_foreign_files_are_refused() -> None:
    evil = b"""<?xml version="1.0"?>
<!DOCTYPE PcGts [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">&x;</PcGts>"""
    with pytest.raises(PageXmlError):
        read_page_xml(evil)
    with pytest.raises(NotPageXmlError):
        read_page_xml(b"<alto/>")
    with pytest.raises(PageXmlError, match="page number"):
        read_page_xml(
            b'<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">'
            b'<Page imageFilename="a.png" imageWidth="10" imageHeight="10"/></PcGts>'
        )
