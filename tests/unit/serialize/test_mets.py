"""METS: schema validity and that every article area points at a block of the right ALTO."""

from __future__ import annotations

import pytest
from lxml import etree
from serialize_samples import PROCESSING, issue, xml_schema

from digitize.model import Issue
from digitize.serialize.alto import to_alto
from digitize.serialize.mets import METS_NS, XLINK_NS, to_mets

M = f"{{{METS_NS}}}"
HREF = f"{{{XLINK_NS}}}href"
IMAGES = {1: "images/page-1.png", 2: "images/page-4.png"}
ALTOS = {1: "alto/page-1.xml", 2: "alto/page-4.xml"}


@pytest.fixture(scope="module")
def mets_schema() -> etree.XMLSchema:
    return xml_schema("mets-1-12-1.xsd")


def _mets(iss: Issue) -> etree._Element:
    data = to_mets(iss, image_files=IMAGES, alto_files=ALTOS, created="2024-05-01T12:00:00Z")
    return etree.fromstring(data)


def test_valid_against_xsd(mets_schema: etree.XMLSchema) -> None:
    doc = _mets(issue())
    assert mets_schema.validate(doc), mets_schema.error_log


def test_file_groups_and_physical_map() -> None:
    doc = _mets(issue())
    groups = {g.get("USE"): g for g in doc.iter(f"{M}fileGrp")}
    assert set(groups) == {"IMAGE", "ALTO"}
    hrefs = [f.find(f"{M}FLocat").get(HREF) for f in groups["ALTO"]]  # type: ignore[union-attr]
    assert hrefs == ["alto/page-1.xml", "alto/page-4.xml"]
    assert [f.get("MIMETYPE") for f in groups["IMAGE"]] == ["image/png", "image/png"]
    phys = next(s for s in doc.iter(f"{M}structMap") if s.get("TYPE") == "PHYSICAL")
    pages = phys.findall(f"{M}div/{M}div")
    assert [p.get("ORDERLABEL") for p in pages] == ["1", "4"]
    assert all(len(p.findall(f"{M}fptr")) == 2 for p in pages)


def test_article_areas_point_at_alto_blocks() -> None:
    iss = issue()
    doc = _mets(iss)
    file_href = {f.get("ID"): f.find(f"{M}FLocat").get(HREF) for f in doc.iter(f"{M}file")}  # type: ignore[union-attr]
    alto_ids: dict[str, set[str]] = {}
    for page in iss.pages:
        alto = etree.fromstring(
            to_alto(page, processing=PROCESSING, image_file=IMAGES[page.number])
        )
        alto_ids[ALTOS[page.number]] = {e.get("ID", "") for e in alto.iter() if e.get("ID")}
    log = next(s for s in doc.iter(f"{M}structMap") if s.get("TYPE") == "LOGICAL")
    arts = log.findall(f"{M}div/{M}div")
    assert [a.get("TYPE") for a in arts] == ["ARTICLE"] * 3
    assert arts[0].get("LABEL") == "我市召开经济工作会议"
    for art_div, art in zip(arts, iss.articles, strict=True):
        areas = list(art_div.iter(f"{M}area"))
        expected = [(p.page, rid) for p in art.parts for rid in p.region_ids]
        assert len(areas) == len(expected)
        for area in areas:
            assert area.get("BETYPE") == "IDREF"
            href = file_href[area.get("FILEID")]
            assert href in alto_ids and area.get("BEGIN") in alto_ids[href]
    # the jumped article spans both ALTO files, in part order, typed per block
    a1 = arts[0]
    files = [file_href[a.get("FILEID")] for a in a1.iter(f"{M}area")]
    assert files[0] == "alto/page-1.xml" and files[-1] == "alto/page-4.xml"
    types = [d.get("TYPE") for d in a1.findall(f"{M}div")]
    assert types == ["HEADING", "AUTHOR", "BODY", "JUMP", "JUMP", "BODY", "CAPTION", "ILLUSTRATION"]


def test_struct_link_targets_exist() -> None:
    doc = _mets(issue())
    ids = {e.get("ID") for e in doc.iter() if e.get("ID")}
    links = list(doc.iter(f"{M}smLink"))
    assert len(links) == 4  # a1 -> 2 pages, a2 -> 1, a3 -> 1
    for sm in links:
        assert sm.get(f"{{{XLINK_NS}}}from") in ids and sm.get(f"{{{XLINK_NS}}}to") in ids
    ids_list = [e.get("ID") for e in doc.iter() if e.get("ID")]
    assert len(ids_list) == len(set(ids_list))


def test_no_articles_still_valid(mets_schema: etree.XMLSchema) -> None:
    iss = issue()
    iss.articles = []
    doc = _mets(iss)
    assert mets_schema.validate(doc), mets_schema.error_log
