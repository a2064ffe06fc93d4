"""PAGE-XML reader: a PAGE file (ours, or ours after Transkribus/eScriptorium) back to a Page.

The counterpart of `alto_read.read_alto`, with the same contract for `digitize rebuild`:
edits win over anything derived, lines and regions may be added or deleted, regions
moved in the ReadingOrder or in document order. Correction tools rewrite the file as
they like: they may drop our `@custom` entries and the MetadataItem, reorder elements,
or edit text on any level, so everything here degrades to what PAGE itself says
(`@type`, ReadingOrder groups, `@orientation`, the image size). Conventions:
`page_xml`'s docstring.

Text: a line's TextEquiv (the lowest `@index`) is its text, as PAGE defines. Tools that
edit at word level and leave the line stale are recognised: when the line still equals
its glyphs' text but the words say something else, the words were edited and win.
Glyph boxes are kept while their count still matches the line's characters.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from lxml import etree

from digitize.errors import XmlFileError
from digitize.model import Box, Glyph, JumpMarker, Line, Page, Point, Region, RegionType, Transform
from digitize.serialize.alto_read import _Geometry, rotation_transform
from digitize.serialize.page_xml import PAGE_TYPE, SETTINGS_NAME
from digitize.serialize.xmlsafe import (
    XmlError,
    float_attr,
    local_name,
    parse_bytes,
    parse_file,
    source_line,
)

_GRAPHIC = frozenset(
    (
        "ImageRegion",
        "GraphicRegion",
        "LineDrawingRegion",
        "ChartRegion",
        "MapRegion",
        "AdvertRegion",
    )
)
_REGION_TYPES = frozenset(t.value for t in RegionType)
# PAGE @type (and Transkribus structure types) -> our type, where `PAGE_TYPE` is ambiguous
# the most common of ours.
_FROM_PAGE: dict[str, RegionType] = {
    "heading": RegionType.HEADLINE,
    "paragraph": RegionType.BODY,
    "caption": RegionType.CAPTION,
    "header": RegionType.MASTHEAD,
    "page-number": RegionType.MASTHEAD,
    "credit": RegionType.BYLINE,
    "footer": RegionType.BODY,
    "other": RegionType.BODY,
}
_CUSTOM = re.compile(r"([\w-]+)\s*\{([^}]*)\}")
_UNESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class PageXmlError(XmlFileError):
    """Malformed or unusable PAGE-XML."""

    kind = "page-xml"
    file_kind = "PAGE"
    file_format = "PAGE-XML"


class NotPageXmlError(PageXmlError):
    """Well-formed XML whose root is not <PcGts>."""


def parse_custom(raw: str | None) -> dict[str, dict[str, str]]:
    """`name {key:value; ...} ...` (PAGE @custom as Transkribus writes it) as nested dicts."""
    out: dict[str, dict[str, str]] = {}
    for name, body in _CUSTOM.findall(raw or ""):
        entry = out.setdefault(name, {})
        for pair in body.split(";"):
            key, sep, value = pair.partition(":")
            if sep and key.strip():
                entry[key.strip()] = _UNESCAPE.sub(
                    lambda m: chr(int(m.group(1), 16)), value.strip()
                )
    return out


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local_name(c) == name]


def _index(el: etree._Element) -> int:
    raw = el.get("index")
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def text_equiv(el: etree._Element) -> tuple[str, float | None] | None:
    """The element's main TextEquiv (lowest @index): (Unicode text, conf)."""
    tes = sorted(_children(el, "TextEquiv"), key=_index)
    if not tes:
        return None
    return _unicode(tes[0]), float_attr(tes[0], "conf")


def _unicode(te: etree._Element) -> str:
    uni = _children(te, "Unicode")
    return (uni[0].text or "") if uni else ""


class _Reader:
    def __init__(self, root: etree._Element, path: str | None, stem: str | None) -> None:
        self.root = root
        self.path = path
        self.stem_hint = stem
        self.geo: _Geometry

    def err(self, msg: str, el: etree._Element | None = None) -> PageXmlError:
        return PageXmlError(msg, path=self.path, line=source_line(el) if el is not None else None)

    def settings(self) -> dict[str, object]:
        for md in _children(self.root, "Metadata"):
            for item in _children(md, "MetadataItem"):
                if item.get("name") != SETTINGS_NAME:
                    continue
                try:
                    data = json.loads(item.get("value") or "")
                except ValueError:
                    continue
                if isinstance(data, dict):
                    return data
        return {}

    def transform(self, pg: etree._Element, settings: dict[str, object]) -> Transform:
        width, height = float_attr(pg, "imageWidth"), float_attr(pg, "imageHeight")
        stored = settings.get("transform")
        if isinstance(stored, dict):
            try:
                m = [float(v) for v in stored["matrix"]]
                if len(m) != 6:
                    raise ValueError("matrix needs 6 numbers")
                t = Transform(
                    int(stored["scan_width"]),
                    int(stored["scan_height"]),
                    int(stored["page_width"]),
                    int(stored["page_height"]),
                    float(stored.get("skew_deg", 0.0)),
                    int(stored.get("quarter_turns", 0)),
                    (m[0], m[1], m[2], m[3], m[4], m[5]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise self.err(f"bad stored transform in MetadataItem: {exc}") from None
            # Trust the stored frame only while it still describes this image.
            size = (t.scan_width, t.scan_height)
            same = width is None or height is None or (round(width), round(height)) == size
            if same:
                return t
        if width is None or height is None or width <= 0 or height <= 0:
            raise self.err("Page needs imageWidth and imageHeight", pg)
        return rotation_transform(round(width), round(height), float_attr(pg, "orientation") or 0.0)

    def box(self, el: etree._Element) -> Box | None:
        coords = _children(el, "Coords")
        if not coords:
            return None
        try:
            nums = polygon_numbers_page(coords[0])
        except ValueError:
            raise self.err("Coords/@points is not a list of x,y pairs", coords[0]) from None
        if len(nums) < 2:
            return None
        return self.geo.from_polygon(nums)

    def page(self, number: int | None) -> Page:
        pages = _children(self.root, "Page")
        if not pages:
            raise self.err("no Page element", self.root)
        pg = pages[0]
        settings = self.settings()
        transform = self.transform(pg, settings)
        try:
            self.geo = _Geometry(transform)
        except ValueError as exc:
            raise self.err(str(exc), pg) from None
        raw_info = settings.get("page")
        info = raw_info if isinstance(raw_info, dict) else {}
        nr = info.get("number", number)
        if not isinstance(nr, int):
            if number is None:
                raise self.err("no page number: pass it, the file does not say it", pg)
            nr = number
        image_file = pg.get("imageFilename") or ""
        stem = self.stem_hint or str(info.get("stem") or "") or Path(image_file).stem
        printed = info.get("printed_number")
        page = Page(
            number=nr,
            file=Path(image_file),
            stem=stem or f"page-{nr}",
            transform=transform,
            printed_number=str(printed) if printed else None,
        )
        dpi = info.get("dpi_estimate") or float_attr(pg, "imageXResolution")
        page.dpi_estimate = float(dpi) if isinstance(dpi, int | float) else None

        used: set[str] = set()
        doc_text: list[str] = []
        excluded: set[str] = set()
        flat_index: dict[str, int] = {}
        ids: dict[str, str] = {}  # PAGE id -> region id
        for el in pg.iter():
            name = local_name(el)
            if name != "TextRegion" and name not in _GRAPHIC and name != "SeparatorRegion":
                continue
            region, custom = self.region(el, used)
            ids[el.get("id") or region.id] = region.id
            page.regions.append(region)
            if name == "TextRegion":
                doc_text.append(region.id)
                if custom.get("digitize", {}).get("excluded") == "true":
                    excluded.add(region.id)
                idx = custom.get("readingOrder", {}).get("index", "")
                if idx.lstrip("-").isdigit():
                    flat_index[region.id] = int(idx)
        self.relations(pg, page, ids)
        if len(flat_index) == len(doc_text):  # every region still says its place
            doc_text.sort(key=lambda rid: flat_index[rid])
        page.reading_order = self.reading_order(pg, page, doc_text, excluded, ids)
        sizes = [ln.font_size for r in page.regions if r.type is RegionType.BODY for ln in r.lines]
        page.text_height = statistics.median(sizes) if sizes else None
        return page

    def region(
        self, el: etree._Element, used: set[str]
    ) -> tuple[Region, dict[str, dict[str, str]]]:
        name = local_name(el)
        rid = _unique(el.get("id") or f"region{len(used) + 1}", used)
        custom = parse_custom(el.get("custom"))
        ours = custom.get("structure", {}).get("type", "")
        article = custom.get("article", {}).get("id") or None
        if name == "TextRegion":
            rtype = _text_type(el.get("type"), ours)
        elif name == "SeparatorRegion":
            rtype = RegionType.RULE
        else:
            rtype = RegionType.PHOTO
        jump = None
        if "jump" in custom:
            j = custom["jump"]
            jump = JumpMarker(j.get("direction", ""), j.get("target") or None, j.get("raw", ""))
        vertical = el.get("readingDirection") in ("top-to-bottom", "bottom-to-top")
        inverted = any(s.get("reverseVideo") == "true" for s in _children(el, "TextStyle"))
        lines = [self.line(tl, vertical, used) for tl in _children(el, "TextLine")]
        box = self.box(el)
        if box is None:
            box = Box.hull(ln.box for ln in lines) if lines else Box(0, 0, 0, 0)
        region = Region(
            id=rid,
            type=rtype,
            box=box,
            lines=lines,
            vertical=vertical,
            article_id=article,
            jump=jump,
            inverted=inverted,
        )
        return region, custom

    def line(self, tl: etree._Element, block_vertical: bool, used: set[str]) -> Line:
        lid = _unique(tl.get("id") or f"line{len(used) + 1}", used)
        direction = tl.get("readingDirection")
        vertical = direction in ("top-to-bottom", "bottom-to-top") if direction else block_vertical
        custom = parse_custom(tl.get("custom"))
        para = custom.get("paragraph", {}).get("start") == "true"
        words = _children(tl, "Word")
        word_texts: list[str] = []
        glyph_sets: list[list[tuple[etree._Element, str]]] = []
        for w in words:
            te = text_equiv(w)
            gls = [(g, (text_equiv(g) or ("", None))[0]) for g in _children(w, "Glyph")]
            glyph_sets.append(gls)
            word_texts.append(te[0] if te is not None else "".join(t for _, t in gls))
        from_words = " ".join(t for t in word_texts if t)
        glyph_text = "".join(t for gls in glyph_sets for _, t in gls)
        own = text_equiv(tl)
        conf = own[1] if own is not None else None
        if own is None:
            text = from_words
        elif words and _bare(own[0]) == _bare(glyph_text) and _bare(from_words) != _bare(own[0]):
            text = from_words  # edited at word level; the line and glyphs are stale
        else:
            text = own[0]
        glyphs = self.glyphs([g for gls in glyph_sets for g, _ in gls], text)
        box = self.box(tl)
        if box is None:
            boxes = [b for w in words if (b := self.box(w)) is not None]
            box = Box.hull(boxes) if boxes else Box(0, 0, 0, 0)
        if conf is None:
            confs = [g.confidence for g in glyphs]
            conf = sum(confs) / len(confs) if confs else 0.0
        return Line(
            id=lid,
            box=box,
            text=text,
            confidence=conf,
            glyphs=glyphs,
            vertical=vertical,
            paragraph_start=para,
        )

    def glyphs(self, gels: list[etree._Element], text: str) -> list[Glyph]:
        """Glyph boxes with the line's characters, while the count still matches."""
        chars = [c for c in text if not c.isspace()]
        if not chars or len(gels) != len(chars):
            return []
        out: list[Glyph] = []
        for ch, g in zip(chars, gels, strict=True):
            box = self.box(g)
            if box is None:
                return []
            tes = sorted(_children(g, "TextEquiv"), key=_index)
            conf = float_attr(tes[0], "conf") if tes else None
            alts = tuple(
                (_unicode(te), float_attr(te, "conf") or 0.0) for te in tes[1:] if _unicode(te)
            )
            out.append(Glyph(box, ch, conf if conf is not None else 0.0, alts))
        return out

    def relations(self, pg: etree._Element, page: Page, ids: dict[str, str]) -> None:
        by_id = {r.id: r for r in page.regions}
        for rels in _children(pg, "Relations"):
            for rel in _children(rels, "Relation"):
                if rel.get("type") != "link":
                    continue
                src = _children(rel, "SourceRegionRef")
                dst = _children(rel, "TargetRegionRef")
                if not src or not dst:
                    continue
                a = ids.get(src[0].get("regionRef") or "")
                b = ids.get(dst[0].get("regionRef") or "")
                if a in by_id and b in by_id:
                    by_id[a].linked_to = b

    def reading_order(
        self,
        pg: etree._Element,
        page: Page,
        doc_text: list[str],
        excluded: set[str],
        ids: dict[str, str],
    ) -> list[str]:
        """Flat order (the regions' own indices, else document order) with each group's
        order applied to the slots its regions hold, as `alto_read` does; an article is
        taken from its group where the region lost its own `article` entry."""
        text_ids = set(doc_text)
        ro = _children(pg, "ReadingOrder")
        if not ro:
            return [i for i in doc_text if i not in excluded]
        groups: list[tuple[list[str], str | None]] = []
        grouped: set[str] = set()

        def walk(el: etree._Element, article: str | None, ordered: bool) -> None:
            kids = [c for c in el if local_name(c) != ""]
            if ordered:
                kids.sort(key=_index)
            refs: list[str] = []
            for child in kids:
                name = local_name(child)
                if name in ("RegionRef", "RegionRefIndexed"):
                    rid = ids.get(child.get("regionRef") or "")
                    if rid in text_ids and rid not in grouped:
                        grouped.add(rid)
                        refs.append(rid)
                elif "Group" in name:
                    inner = _group_article(child) or article
                    if ordered and refs:  # keep the order around a nested group
                        groups.append((refs, article))
                        refs = []
                    walk(child, inner, name.startswith("OrderedGroup"))
            if ordered and refs:
                groups.append((refs, article))
            elif refs:
                groups.extend(([r], article) for r in refs)

        for top in ro[0]:
            name = local_name(top)
            if "Group" in name:  # the top group's caption names the order, not an article
                art = parse_custom(top.get("custom")).get("article", {}).get("id")
                walk(top, art, name.startswith("OrderedGroup"))
        by_id = {r.id: r for r in page.regions}
        for refs, art in groups:
            for rid in refs:
                if art is not None and by_id[rid].article_id is None:
                    by_id[rid].article_id = art
        flat = [i for i in doc_text if i in grouped or i not in excluded]
        pos = {rid: k for k, rid in enumerate(flat)}
        out = list(flat)
        for refs, _ in groups:
            slots = sorted(pos[r] for r in refs)
            for slot, rid in zip(slots, refs, strict=True):
                out[slot] = rid
        return out


def _group_article(group: etree._Element) -> str | None:
    """The article a ReadingOrder group stands for: its `article` entry, else its
    caption (which tools keep when they drop `@custom`)."""
    art = parse_custom(group.get("custom")).get("article", {}).get("id")
    return art or group.get("caption") or None


def _text_type(page_type: str | None, ours: str) -> RegionType:
    """Our type when the file still has it and the editor did not change `@type`;
    otherwise `@type` (or a Transkribus structure type) mapped to ours."""
    if ours in _REGION_TYPES:
        rt = RegionType(ours)
        if rt.is_text and (page_type is None or PAGE_TYPE.get(rt) == page_type):
            return rt
    for name in (page_type, ours):
        if name in _FROM_PAGE:
            return _FROM_PAGE[name]
    return RegionType.BODY


def polygon_numbers_page(el: etree._Element) -> list[Point]:
    """PAGE `@points` ("x,y x,y ...") as points."""
    raw = (el.get("points") or "").split()
    out: list[Point] = []
    for pair in raw:
        x, sep, y = pair.partition(",")
        if not sep:
            raise ValueError(pair)
        out.append((float(x), float(y)))
    return out


def _bare(text: str) -> str:
    return "".join(text.split())


def _unique(wanted: str, used: set[str]) -> str:
    out, n = wanted, 1
    while out in used:
        n += 1
        out = f"{wanted}_{n}"
    used.add(out)
    return out


def read_page_xml(data: bytes | Path, *, number: int | None = None) -> Page:
    """Parse PAGE-XML (any 2010-2019 namespace) into a Page in the page frame.

    `number` is the page's place in the issue, used when the file does not carry ours.
    Untrusted input is parsed by `xmlsafe` (size limit, no entities, no network).
    Raises PageXmlError (an InputError) with file and line, NotPageXmlError for XML
    whose root is not PcGts.
    """
    path = str(data) if isinstance(data, Path) else None
    stem = data.name.removesuffix(".xml").removesuffix(".page") if isinstance(data, Path) else None
    try:
        tree = (
            parse_file(data, strip=True)
            if isinstance(data, Path)
            else parse_bytes(data, strip=True)
        )
    except XmlError as exc:
        raise PageXmlError(exc.message, path=path, line=exc.line) from None
    root = tree.getroot()
    if local_name(root) != "PcGts":
        raise NotPageXmlError(
            f"root element is <{local_name(root)}>, not <PcGts>", path=path, line=source_line(root)
        )
    return _Reader(root, path, stem).page(number)
