"""METS 1.12.1 for an issue: files, pages, and articles pointing into the ALTO blocks.

The logical map is the issue with one ARTICLE div per article and, inside it, one div per
run of same-typed blocks of a part; every block is an `area` with BETYPE="IDREF" and BEGIN
= the ALTO block id from `alto.block_ids`, so a jumped article simply has areas in two
ALTO files.

Descriptive metadata: the issue's MODS (title, date issued, issue number, language,
extent) in one `dmdSec`, named by the logical ISSUE div's DMDID.

The physical map lists every page of the issue, read or not: a page that failed has
LABEL "not read: <reason>" and no ALTO. Pages of one multi-page image file (a PDF, a
multi-page TIFF) share that file's single `file` entry and point into it with an `area`
whose ORDER is the page number inside the file: an `#page=N` fragment is not part of any
image format's URI syntax, so METS consumers could not resolve it, and extracting page
images would store every scan twice.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

from lxml import etree

from digitize.model import Issue, Page, Region, RegionType
from digitize.serialize.alto import block_ids, xml_id, xml_safe
from digitize.serialize.text import article_regions
from digitize.serialize.xmlsafe import XmlError, local_name, parse_bytes

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
METS_SCHEMA_LOCATION = f"{METS_NS} http://www.loc.gov/standards/mets/mets.xsd"
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?\Z")
DMD_ID = "DMD_ISSUE"  # the issue's MODS

# Logical div TYPE per region type (the vocabulary used by newspaper METS/ALTO profiles).
DIV_TYPE = {
    RegionType.HEADLINE: "HEADING",
    RegionType.KICKER: "KICKER",
    RegionType.SUBTITLE: "SUBHEADING",
    RegionType.BYLINE: "AUTHOR",
    RegionType.LABEL: "LABEL",
    RegionType.BODY: "BODY",
    RegionType.NOTICE: "BODY",
    RegionType.CAPTION: "CAPTION",
    RegionType.JUMP: "JUMP",
    RegionType.MASTHEAD: "MASTHEAD",
    RegionType.AD: "ADVERTISEMENT",
    RegionType.PHOTO: "ILLUSTRATION",
    RegionType.RULE: "GRAPHIC",
}


def _m(name: str) -> str:
    return f"{{{METS_NS}}}{name}"


def _sub(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    """A METS child element with its attributes, in the order given."""
    return etree.SubElement(parent, _m(name), attrs)


def _mimetype(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in (".xml", ".alto"):
        return "text/xml"
    guessed, _ = mimetypes.guess_type("x" + suffix)
    return guessed or "application/octet-stream"


def to_mets(
    issue: Issue,
    *,
    image_files: dict[int, str],
    alto_files: dict[int, str],
    image_pages: dict[int, int] | None = None,
    unread: dict[int, str] | None = None,
    created: str | None = None,
    page_files: dict[int, str] | None = None,
    mods: etree._Element | None = None,
) -> bytes:
    """METS for the issue. `image_files` / `alto_files` / `page_files` (PAGE-XML) map
    physical page number to the URI written in FLocat (relative to the METS file).
    `image_pages` gives, for pages of a multi-page image file, the 1-based page inside it;
    `unread` the pages that failed, with the reason. `mods` (serialize.mods) becomes the
    issue's descriptive metadata: a dmdSec the logical ISSUE div names in DMDID.
    `created` (xsd:dateTime) defaults to now; pass it for reproducible output."""
    pages = sorted(issue.pages, key=lambda p: p.number)
    unread = unread or {}
    image_pages = image_pages or {}
    printed = {p.number: p.printed_number for p in pages}
    numbers = sorted({*printed, *unread})
    root = etree.Element(_m("mets"), nsmap={"mets": METS_NS, "xlink": XLINK_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", METS_SCHEMA_LOCATION)
    root.set("OBJID", issue.name)
    root.set("LABEL", issue.name)
    root.set("TYPE", "newspaper-issue")

    hdr = _sub(
        root, "metsHdr", CREATEDATE=created or datetime.now(UTC).replace(microsecond=0).isoformat()
    )
    agent = _sub(hdr, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(agent, "name").text = "digitize"
    if mods is not None:
        wrap = _sub(_sub(root, "dmdSec", ID=DMD_ID), "mdWrap", MDTYPE="MODS")
        _sub(wrap, "xmlData").append(mods)

    file_sec = _sub(root, "fileSec")
    img_ids: dict[int, str] = {}
    alto_ids: dict[int, str] = {}
    page_ids: dict[int, str] = {}
    for use, files, ids, prefix in (
        ("IMAGE", image_files, img_ids, "IMG"),
        ("ALTO", alto_files, alto_ids, "ALTO"),
        ("PAGE", page_files or {}, page_ids, "PAGEXML"),
    ):
        grp = _sub(file_sec, "fileGrp", USE=use)
        by_href: dict[str, str] = {}
        for n in numbers:
            name = files.get(n)
            if name is None or (use != "IMAGE" and n in unread):
                continue
            if name in by_href:  # another page of the same multi-page file
                ids[n] = by_href[name]
                continue
            fid = by_href[name] = ids[n] = f"{prefix}_{n:04d}"
            f = _sub(grp, "file", ID=fid, MIMETYPE=_mimetype(name))
            loc = _sub(f, "FLocat", LOCTYPE="URL")
            loc.set(f"{{{XLINK_NS}}}href", name)
        if not len(grp):
            file_sec.remove(grp)
    if not len(file_sec):
        root.remove(file_sec)

    # Physical map: the issue's pages in order.
    phys = _sub(root, "structMap", TYPE="PHYSICAL")
    seq = _sub(phys, "div", ID="PHYS_0000", TYPE="physSequence", LABEL=issue.name)
    phys_ids: dict[int, str] = {}
    for n in numbers:
        pid = f"PHYS_{n:04d}"
        phys_ids[n] = pid
        div = _sub(seq, "div", ID=pid, TYPE="page", ORDER=str(n))
        if printed.get(n):
            div.set("ORDERLABEL", xml_safe(printed[n] or ""))
        if n in unread:
            div.set("LABEL", xml_safe(f"not read: {unread[n]}"))
        if n in img_ids:
            if n in image_pages:
                _sub(
                    _sub(div, "fptr"),
                    "area",
                    FILEID=img_ids[n],
                    ORDER=str(image_pages[n]),
                    LABEL=f"page {image_pages[n]}",
                )
            else:
                _sub(div, "fptr", FILEID=img_ids[n])
        if n in alto_ids:
            _sub(div, "fptr", FILEID=alto_ids[n])
        if n in page_ids:
            _sub(div, "fptr", FILEID=page_ids[n])

    # Logical map: the issue's articles, each pointing at its ALTO blocks.
    log = _sub(root, "structMap", TYPE="LOGICAL")
    issue_div = _sub(log, "div", ID="LOG_0000", TYPE="ISSUE", LABEL=issue.name)
    if mods is not None:
        issue_div.set("DMDID", DMD_ID)
    bids = {p.number: block_ids(p) for p in pages}
    links: list[tuple[str, str]] = []
    used_ids: set[str] = set()
    for k, art in enumerate(issue.articles, start=1):
        aid = xml_id(f"LOG_{art.id}", "LOG_")
        if aid in used_ids:
            aid = f"{aid}_{k}"
        used_ids.add(aid)
        art_div = _sub(
            issue_div,
            "div",
            ID=aid,
            TYPE="ARTICLE",
            ORDER=str(k),
            LABEL=xml_safe(art.title) or art.id,
        )
        runs = _runs(article_regions(issue, art))
        for n, (page, run) in enumerate(runs, start=1):
            if page.number not in alto_ids:
                continue
            div = _sub(
                art_div,
                "div",
                ID=f"{aid}_{n}",
                TYPE=DIV_TYPE.get(run[0].type, "TEXT"),
                ORDER=str(n),
            )
            for r in run:
                _sub(
                    _sub(div, "fptr"),
                    "area",
                    FILEID=alto_ids[page.number],
                    BEGIN=bids[page.number][r.id],
                    BETYPE="IDREF",
                )
        for pn in dict.fromkeys(p.page for p in art.parts):
            if pn in phys_ids:
                links.append((aid, phys_ids[pn]))
    if links:
        sl = _sub(root, "structLink")
        for frm, to in links:
            sm = _sub(sl, "smLink")
            sm.set(f"{{{XLINK_NS}}}from", frm)
            sm.set(f"{{{XLINK_NS}}}to", to)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def header_dates(data: bytes) -> tuple[str | None, str | None]:
    """(CREATEDATE, LASTMODDATE) of a METS file already in an output folder (possibly
    edited, so parsed safely); a value that is not an ISO date-time counts as absent."""
    try:
        root = parse_bytes(data).getroot()
    except XmlError:
        return None, None
    hdr = next((el for el in root if local_name(el) == "metsHdr"), None)
    if local_name(root) != "mets" or hdr is None:
        return None, None
    return _date_time(hdr.get("CREATEDATE")), _date_time(hdr.get("LASTMODDATE"))


def with_header_dates(data: bytes, created: str, modified: str | None) -> bytes:
    """`to_mets` output with the given CREATEDATE and LASTMODDATE (none when None): a
    rebuild keeps the issue's creation date and records when its content last changed."""
    root = parse_bytes(data).getroot()
    hdr = root.find(_m("metsHdr"))
    if hdr is None:
        return data
    hdr.set("CREATEDATE", created)
    if modified is None:
        if "LASTMODDATE" in hdr.attrib:
            del hdr.attrib["LASTMODDATE"]
    else:
        hdr.set("LASTMODDATE", modified)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _date_time(raw: str | None) -> str | None:
    """`raw` if it is an xsd:dateTime naming a real time, else None."""
    if raw is None or not _DATE_TIME.match(raw):
        return None
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        return None
    return raw


def _runs(regions: list[tuple[Page, Region]]) -> list[tuple[Page, list[Region]]]:
    """Group consecutive blocks of the same page and div type."""
    out: list[tuple[Page, list[Region]]] = []
    for page, r in regions:
        if out and out[-1][0] is page and DIV_TYPE.get(out[-1][1][-1].type) == DIV_TYPE.get(r.type):
            out[-1][1].append(r)
        else:
            out.append((page, [r]))
    return out
