"""PAGE-XML 2019-07-15 writer: one page of the model as the correction tools read it.

Transkribus, eScriptorium and OCR-D read and write PAGE, so this is the file an archivist
corrects there; `page_read.read_page_xml` takes it back. Coordinates are scan pixels
(integer polygons through `Page.to_scan_polygon`, so a skewed page keeps exact quads).

Conventions (what PAGE itself cannot say goes into `@custom`, in the CSS-like syntax
Transkribus uses: `name {key:value;}`, values escaped as `\\uXXXX`):

- Region ids are the ALTO block ids (`alto.block_ids`), line ids the ALTO line ids, so a
  region named in METS or an article record is the same region here.
- Text regions: `@type` is the PAGE type of our `RegionType` (`PAGE_TYPE`); our own type
  is kept in `structure {type:...;}`. Photos are ImageRegions, rules SeparatorRegions.
- Articles: `article {id:...;}` on each region, and in the ReadingOrder one
  OrderedGroup per article (`@caption` and `article {id:...;}` name it) inside one
  UnorderedGroup, as in our ALTO; text outside articles is one more OrderedGroup.
  The page's flat reading order is `readingOrder {index:N;}` on each text region (the
  Transkribus convention). Text regions left out of the reading order (ads) carry
  `digitize {excluded:true;}`.
- Jump lines: `jump {direction:out;target:4;raw:...;}`; a caption's photo: a Relation of
  type "link" from the caption to the photo; reverse video: TextStyle/@reverseVideo;
  paragraph starts: `paragraph {start:true;}` on the line.
- Vertical text: `@readingDirection="top-to-bottom"` on region and lines and
  `@textLineOrder="right-to-left"` (columns are read right to left).
- Lines carry Coords, a Baseline (horizontal: the bottom of the line box; vertical: its
  centre axis, top to bottom), Words (split only between Latin words, like ALTO Strings)
  and Glyphs, each with `TextEquiv/@conf`; a glyph's runners-up follow as TextEquivs
  with `@index` 1, 2, ... (index 0 is the text). Text is consistent on every level.
- The deskew transform, page stem and number, printed page number and provenance are
  JSON in `Metadata/MetadataItem[@name="digitize-page/1"]/@value` (`SETTINGS_NAME`);
  a file that lost it falls back to `Page/@orientation` and the image size.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from lxml import etree

from digitize.model import Box, Line, Page, Point, Region, RegionType
from digitize.serialize.alto import (
    Processing,
    _model_dict,
    block_ids,
    block_order,
    line_tokens,
    transform_record,
    xml_id,
    xml_safe,
)
from digitize.serialize.text import page_text
from digitize.text.script import is_traditional_text

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PAGE_SCHEMA_LOCATION = f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd"
SETTINGS_NAME = "digitize-page/1"
SCRIPT_HANS = "Hans - Han (Simplified variant)"
SCRIPT_HANT = "Hant - Han (Traditional variant)"

# PAGE TextRegion/@type per region type (PAGE's TextTypeSimpleType vocabulary).
PAGE_TYPE: dict[RegionType, str] = {
    RegionType.MASTHEAD: "header",
    RegionType.HEADLINE: "heading",
    RegionType.KICKER: "heading",
    RegionType.SUBTITLE: "heading",
    RegionType.LABEL: "heading",
    RegionType.BYLINE: "credit",
    RegionType.BODY: "paragraph",
    RegionType.NOTICE: "paragraph",
    RegionType.CAPTION: "caption",
    RegionType.JUMP: "other",
    RegionType.AD: "other",
}

_ESCAPE = re.compile(r"[\\;:{}\s]")


def custom_value(value: str) -> str:
    """A value safe inside `name {key:value;}` (the characters of the syntax escaped)."""
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", value)


def custom_attr(entries: Sequence[tuple[str, dict[str, str]]]) -> str:
    """`@custom` text from (name, {key: value}) entries, in order."""
    return " ".join(
        f"{name} {{{''.join(f'{k}:{custom_value(v)};' for k, v in kv.items())}}}"
        for name, kv in entries
        if kv
    )


def _p(name: str) -> str:
    return f"{{{PAGE_NS}}}{name}"


def _conf(v: float) -> str:
    c = min(1.0, max(0.0, float(v))) if math.isfinite(v) else 0.0
    return f"{c:.3f}".rstrip("0").rstrip(".") if c not in (0.0, 1.0) else str(int(c))


def page_orientation(page: Page) -> float:
    """PAGE `@orientation`: the clockwise turn that corrects the skew, in (-180, 180]
    (our rotation is the counter-clockwise turn of the content, so the same number)."""
    r = page.transform.rotation_deg % 360.0
    if r > 180.0:
        r -= 360.0
    return round(r, 4) + 0.0


class _Writer:
    def __init__(self, page: Page, processing: Processing, image_file: str) -> None:
        self.page = page
        self.processing = processing
        self.image_file = image_file
        self.block_id = block_ids(page)
        self.used: set[str] = set(self.block_id.values())
        t = page.transform
        self.limit = (t.scan_width, t.scan_height)

    def take(self, wanted: str, prefix: str) -> str:
        base = xml_id(wanted, prefix)
        out, n = base, 1
        while out in self.used:
            n += 1
            out = f"{base}_{n}"
        self.used.add(out)
        return out

    def points(self, pts: Sequence[Point]) -> str:
        """PAGE points: non-negative integers inside the image."""
        w, h = self.limit
        return " ".join(f"{min(max(round(x), 0), w)},{min(max(round(y), 0), h)}" for x, y in pts)

    def coords(self, parent: etree._Element, box: Box, conf: float | None = None) -> None:
        pts = self.points(self.page.to_scan_polygon(box))
        el = etree.SubElement(parent, _p("Coords"), points=pts)
        if conf is not None:
            el.set("conf", _conf(conf))

    def build(self) -> etree._Element:
        page = self.page
        nsmap = cast(dict[str, str], {None: PAGE_NS, "xsi": XSI_NS})
        root = etree.Element(_p("PcGts"), nsmap=nsmap)
        root.set(f"{{{XSI_NS}}}schemaLocation", PAGE_SCHEMA_LOCATION)
        root.set("pcGtsId", self.take(f"pc_{page.stem}", "pc_"))
        self.metadata(root)
        t = page.transform
        pg = etree.SubElement(
            root,
            _p("Page"),
            imageFilename=self.image_file,
            imageWidth=str(t.scan_width),
            imageHeight=str(t.scan_height),
        )
        if page.dpi_estimate:
            pg.set("imageXResolution", f"{page.dpi_estimate:g}")
            pg.set("imageYResolution", f"{page.dpi_estimate:g}")
            pg.set("imageResolutionUnit", "PPI")
        orientation = page_orientation(page)
        if orientation:
            pg.set("orientation", f"{orientation:g}")
        pg.set("primaryLanguage", "Chinese")
        trad = is_traditional_text(page_text(page))
        pg.set("primaryScript", SCRIPT_HANT if trad else SCRIPT_HANS)

        ordered, rest, graphics = block_order(page)
        if ordered:
            self.reading_order(pg, ordered)
        links = [
            r
            for r in page.regions
            if r.linked_to is not None and r.linked_to in self.block_id and r.type.is_text
        ]
        if links:
            rel = etree.SubElement(pg, _p("Relations"))
            for r in links:
                target = self.block_id[cast(str, r.linked_to)]
                el = etree.SubElement(
                    rel, _p("Relation"), id=self.take(f"rel_{self.block_id[r.id]}", "rel_")
                )
                el.set("type", "link")
                el.set("custom", custom_attr([("structure", {"type": "caption-of"})]))
                etree.SubElement(el, _p("SourceRegionRef"), regionRef=self.block_id[r.id])
                etree.SubElement(el, _p("TargetRegionRef"), regionRef=target)
        index = {r.id: k for k, r in enumerate(ordered)}
        for r in ordered + rest:
            pg.append(self.text_region(r, index.get(r.id)))
        for r in graphics:
            pg.append(self.graphic_region(r))
        return root

    def metadata(self, root: etree._Element) -> None:
        p = self.processing
        t = self.page.transform
        md = etree.SubElement(root, _p("Metadata"))
        etree.SubElement(md, _p("Creator")).text = f"{p.software} {p.version}".strip()
        stamp = p.timestamp or datetime.now(UTC).replace(microsecond=0).isoformat()
        etree.SubElement(md, _p("Created")).text = stamp
        etree.SubElement(md, _p("LastChange")).text = stamp
        settings = {
            "format": SETTINGS_NAME,
            "engine": p.engine,
            "models": [_model_dict(m) for m in p.models],
            "settings": {str(k): str(v) for k, v in sorted(p.settings.items())},
            "page": {
                "number": self.page.number,
                "stem": self.page.stem,
                "printed_number": self.page.printed_number,
                "dpi_estimate": self.page.dpi_estimate,
                "text_height": self.page.text_height,
            },
            "transform": transform_record(t),
        }
        item = etree.SubElement(md, _p("MetadataItem"), type="processingStep", name=SETTINGS_NAME)
        item.set("value", json.dumps(settings, ensure_ascii=False, sort_keys=True))
        if p.timestamp:
            item.set("date", p.timestamp)

    def reading_order(self, pg: etree._Element, ordered: list[Region]) -> None:
        groups: dict[str | None, list[Region]] = {}
        for r in ordered:
            groups.setdefault(r.article_id, []).append(r)
        ro = etree.SubElement(pg, _p("ReadingOrder"))
        top = etree.SubElement(ro, _p("UnorderedGroup"), id=self.take("ro", "ro_"))
        for art, regions in groups.items():
            og = etree.SubElement(top, _p("OrderedGroup"))
            if art is None:
                og.set("id", self.take("ro_other", "ro_"))
            else:
                og.set("id", self.take(f"ro_{art}", "ro_"))
                og.set("caption", xml_safe(art))
                og.set("custom", custom_attr([("article", {"id": xml_safe(art)})]))
            for k, r in enumerate(regions):
                etree.SubElement(
                    og, _p("RegionRefIndexed"), index=str(k), regionRef=self.block_id[r.id]
                )

    def region_custom(self, r: Region, index: int | None) -> str:
        entries: list[tuple[str, dict[str, str]]] = []
        if index is not None:
            entries.append(("readingOrder", {"index": str(index)}))
        entries.append(("structure", {"type": r.type.value}))
        if r.article_id is not None:
            entries.append(("article", {"id": xml_safe(r.article_id)}))
        if r.jump is not None:
            jump = {"direction": r.jump.direction, "raw": xml_safe(r.jump.raw)}
            if r.jump.target_page:
                jump["target"] = xml_safe(r.jump.target_page)
            entries.append(("jump", jump))
        if index is None and r.type.is_text:
            entries.append(("digitize", {"excluded": "true"}))
        return custom_attr(entries)

    def text_region(self, r: Region, index: int | None) -> etree._Element:
        el = etree.Element(_p("TextRegion"), id=self.block_id[r.id])
        el.set("custom", self.region_custom(r, index))
        self.coords(el, r.box)
        for k, line in enumerate(r.lines):
            el.append(self.text_line(line, k, r.vertical))
        text = "\n".join(clean(ln) for ln in r.lines)
        if r.lines:
            te = etree.SubElement(el, _p("TextEquiv"))
            etree.SubElement(te, _p("Unicode")).text = text
        if r.inverted:
            etree.SubElement(el, _p("TextStyle"), reverseVideo="true")
        el.set("type", PAGE_TYPE.get(r.type, "other"))
        if r.vertical:
            el.set("readingDirection", "top-to-bottom")
            el.set("textLineOrder", "right-to-left")
        else:
            el.set("readingDirection", "left-to-right")
            el.set("textLineOrder", "top-to-bottom")
        return el

    def graphic_region(self, r: Region) -> etree._Element:
        name = "ImageRegion" if r.type is RegionType.PHOTO else "SeparatorRegion"
        el = etree.Element(_p(name), id=self.block_id[r.id])
        entries: list[tuple[str, dict[str, str]]] = [("structure", {"type": r.type.value})]
        if r.article_id is not None:
            entries.append(("article", {"id": xml_safe(r.article_id)}))
        el.set("custom", custom_attr(entries))
        self.coords(el, r.box)
        return el

    def baseline(self, line: Line) -> list[Point]:
        b = line.box
        ends = [(b.cx, b.y0), (b.cx, b.y1)] if line.vertical else [(b.x0, b.y1), (b.x1, b.y1)]
        return self.page.transform.to_scan(ends)

    def text_line(self, line: Line, index: int, block_vertical: bool) -> etree._Element:
        lid = self.take(line.id, "L_")
        tl = etree.Element(_p("TextLine"), id=lid)
        entries: list[tuple[str, dict[str, str]]] = [("readingOrder", {"index": str(index)})]
        if line.paragraph_start:
            entries.append(("paragraph", {"start": "true"}))
        tl.set("custom", custom_attr(entries))
        if line.vertical or block_vertical:
            tl.set("readingDirection", "top-to-bottom" if line.vertical else "left-to-right")
        self.coords(tl, line.box)
        etree.SubElement(tl, _p("Baseline"), points=self.points(self.baseline(line)))
        text = clean(line)
        tokens = line_tokens(line) if text else []
        for k, tok in enumerate(tokens):
            word = etree.SubElement(tl, _p("Word"), id=self.take(f"{lid}_w{k + 1}", "w_"))
            self.coords(word, tok.box)
            glyphs = zip(tok.text, tok.glyphs, strict=True) if tok.glyphs else ()
            for n, (ch, g) in enumerate(glyphs):
                gid = self.take(f"{lid}_w{k + 1}_g{n + 1}", "g_")
                ge = etree.SubElement(word, _p("Glyph"), id=gid)
                self.coords(ge, g.box)
                self.text_equiv(ge, ch, g.confidence)
                for i, (alt, p) in enumerate(g.alternatives, start=1):
                    self.text_equiv(ge, xml_safe(alt), p, index=i)
            confs = [g.confidence for g in tok.glyphs]
            wc = sum(confs) / len(confs) if confs and len(tokens) > 1 else line.confidence
            self.text_equiv(word, tok.text, wc)
        self.text_equiv(tl, text, line.confidence)
        return tl

    def text_equiv(
        self, parent: etree._Element, text: str, conf: float, index: int | None = None
    ) -> None:
        te = etree.SubElement(parent, _p("TextEquiv"), conf=_conf(conf))
        if index is not None:
            te.set("index", str(index))
        etree.SubElement(te, _p("Unicode")).text = text


def clean(line: Line) -> str:
    """The line's text as every serializer writes it (ALTO Strings joined by their SPs)."""
    return " ".join(t.text for t in line_tokens(line)) if line.text.strip() else ""


def page_xml(page: Page, processing: Processing, *, image_file: str | None = None) -> bytes:
    """Serialize one page as PAGE-XML 2019-07-15 (UTF-8 bytes with XML declaration).

    `image_file` is written to `Page/@imageFilename` (relative to the PAGE file); it
    defaults to the name of the page's source file."""
    name = image_file if image_file is not None else page.file.name
    root = _Writer(page, processing, name).build()
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


_DATES = re.compile(
    rb"<(?:pc:)?(Created|LastChange)>[^<]*</(?:pc:)?(?:Created|LastChange)>"
    rb'|&quot;timestamp&quot;: *&quot;[^&]*&quot;|\bdate="[^"]*"'
)


def without_dates(data: bytes) -> bytes:
    """A PAGE file with its creation and change times removed: two files equal after this
    differ only in when they were written (a rebuild keeps the older one)."""
    return _DATES.sub(b"", data)


PAGE_DIR = "page"
"""PAGE-XML files go in this subfolder of the issue folder, one `<stem>.xml` per page: the
layout Transkribus exports and imports, and it keeps the issue folder's own `*.xml` ALTO."""


def file_name(stem: str) -> str:
    """The PAGE-XML file of a page, relative to the issue folder."""
    return f"{PAGE_DIR}/{stem}.xml"


def stem_of(name: str) -> str | None:
    """The page stem of a PAGE-XML file name (`file_name`'s inverse), else None."""
    folder, _, base = name.partition("/")
    if folder != PAGE_DIR or "/" in base or not base.endswith(".xml"):
        return None
    return base.removesuffix(".xml") or None
