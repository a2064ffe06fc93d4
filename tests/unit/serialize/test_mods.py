"""MODS from the masthead (title, date, issue number), batch overrides, and the METS that
carries it in a dmdSec validating against the METS schema."""

from __future__ import annotations

import pytest
from lxml import etree
from serialize_samples import issue, line, xml_schema

from digitize.model import Box, Issue, RegionType
from digitize.serialize.mets import METS_NS, to_mets
from digitize.serialize.mods import MODS_NS, masthead_metadata, mods, parse_date

M = f"{{{MODS_NS}}}"


def _issue_with_masthead() -> Issue:
    iss = issue()
    masthead = iss.pages[0].region("m1")
    masthead.lines += [
        line("l1b", "2019年12月19日 星期四", Box(100, 60, 300, 80)),
        line("l1c", "第８１２３期 今日8版", Box(700, 60, 900, 80)),
        line("l1d", "中共金坛市委机关报", Box(400, 100, 600, 115)),  # smaller than the name
    ]
    return iss


def test_parse_date() -> None:
    assert parse_date("2019年12月19日 星期四") == "2019-12-19"
    assert parse_date("中华民国 一九三九年五月廿三日") == "1939-05-23"
    assert parse_date("二〇一九年十二月十九日") == "2019-12-19"
    assert parse_date("2019年2月30日") is None
    assert parse_date("星期四") is None


def test_masthead_metadata() -> None:
    meta = masthead_metadata(_issue_with_masthead())
    assert meta.title == "金坛日报"
    assert meta.date == "2019-12-19"
    assert meta.issue_number == "8123"
    assert meta.pages == 2
    assert meta.script == "Hans"


def test_mods_fields_and_overrides() -> None:
    el = mods(_issue_with_masthead())
    assert el.findtext(f"{M}titleInfo/{M}title") == "金坛日报"
    issued = el.find(f"{M}originInfo/{M}dateIssued")
    assert issued is not None and issued.text == "2019-12-19"
    assert issued.get("encoding") == "iso8601"
    assert el.findtext(f"{M}part/{M}detail[@type='issue']/{M}number") == "8123"
    assert el.findtext(f"{M}physicalDescription/{M}extent") == "2"
    assert [t.text for t in el.iter(f"{M}languageTerm")] == ["zh-Hans", "chi"]
    assert el.findtext(f"{M}language/{M}scriptTerm") == "Hans"

    over = mods(
        _issue_with_masthead(),
        {"title": "金坛日报（电子版）", "date": "2019年12月20日", "edition": "A", "script": "Hant"},
    )
    assert over.findtext(f"{M}titleInfo/{M}title") == "金坛日报（电子版）"
    assert over.findtext(f"{M}originInfo/{M}dateIssued") == "2019-12-20"
    assert over.findtext(f"{M}originInfo/{M}edition") == "A"
    assert over.findtext(f"{M}language/{M}scriptTerm") == "Hant"
    with pytest.raises(ValueError, match="unknown"):
        mods(issue(), {"titel": "x"})


def test_traditional_issue_is_hant() -> None:
    iss = issue()
    for page in iss.pages:
        for ln in page.iter_lines():
            ln.text = "國內經濟會議討論發展與變遷問題，"
    assert masthead_metadata(iss).script == "Hant"
    assert masthead_metadata(issue()).title == "金坛日报"  # no date or number printed
    assert masthead_metadata(issue()).date is None
    iss.pages[0].regions = [r for r in iss.pages[0].regions if r.type is not RegionType.MASTHEAD]
    assert masthead_metadata(iss).title is None


def test_mods_in_mets_dmdsec_validates() -> None:
    iss = _issue_with_masthead()
    doc = etree.fromstring(
        to_mets(
            iss,
            image_files={1: "page-1.png", 2: "page-4.png"},
            alto_files={1: "page-1.xml", 2: "page-4.xml"},
            created="2024-05-01T12:00:00Z",
        )
    )
    dmd = etree.Element(f"{{{METS_NS}}}dmdSec", ID="DMD_ISSUE")
    wrap = etree.SubElement(dmd, f"{{{METS_NS}}}mdWrap", MDTYPE="MODS")
    etree.SubElement(wrap, f"{{{METS_NS}}}xmlData").append(mods(iss))
    hdr = doc.find(f"{{{METS_NS}}}metsHdr")
    assert hdr is not None
    hdr.addnext(dmd)
    issue_div = doc.find(f".//{{{METS_NS}}}div[@TYPE='ISSUE']")
    assert issue_div is not None
    issue_div.set("DMDID", "DMD_ISSUE")
    schema = xml_schema("mets-1-12-1.xsd")
    assert schema.validate(doc), schema.error_log
    assert doc.findtext(f".//{M}title") == "金坛日报"
