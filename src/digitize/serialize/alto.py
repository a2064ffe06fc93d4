"""ALTO 4.4 writer: one page of the model to one ALTO file, in scan coordinates.

The conventions (tags, reading order, paragraph starts, the stored deskew transform)
are documented in docs/ARCHITECTURE.md, "ALTO conventions"; `alto_read.read_alto`
reads exactly what is written here, so change both together.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import cast

import numpy as np
from lxml import etree

from digitize.engines.base import ModelInfo
from digitize.model import Box, Glyph, Line, Page, Point, Region, RegionType, Transform
from digitize.text.textutil import clean_line, is_wide

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ALTO_SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/alto/v4/alto-4-4.xsd"

# Tag TYPE values and fixed tag ids; alto_read matches tags by TYPE/LABEL, not by id.
TAG_TYPE_REGION = "region-type"
TAG_TYPE_ARTICLE = "article"
TAG_TYPE_JUMP = "jump"
TAG_TYPE_LINK = "linked-to"
TAG_TYPE_PARAGRAPH = "paragraph"
TAG_TYPE_READING = "reading-order"
TAG_TYPE_LAYOUT = "layout"
LABEL_PARAGRAPH_START = "paragraph-start"
LABEL_EXCLUDED = "excluded"
LABEL_VERTICAL = "vertical"
LABEL_INVERTED = "inverted"
SETTINGS_FORMAT = "digitize-alto/1"

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.\-]")


def transform_record(t: Transform) -> dict[str, object]:
    """The deskew transform as JSON-ready data, as the ALTO and PAGE provenance store it
    (the readers rebuild `Transform` from it)."""
    return {
        "scan_width": t.scan_width,
        "scan_height": t.scan_height,
        "page_width": t.page_width,
        "page_height": t.page_height,
        "skew_deg": t.skew_deg,
        "quarter_turns": t.quarter_turns,
        "matrix": list(t.matrix),
    }


@dataclass(frozen=True, slots=True)
class Processing:
    """Provenance written to ALTO OCRProcessing: enough to tell which run made a file."""

    software: str
    version: str
    engine: str
    models: Sequence[ModelInfo | Mapping[str, str]] = ()
    settings: Mapping[str, str] = field(default_factory=dict)
    timestamp: str = ""  # ISO 8601 (xsd:dateTime); empty leaves processingDateTime out


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control codes from a confused recognizer)."""
    return _XML_INVALID.sub("", text)


def xml_id(raw: str, prefix: str = "ID_") -> str:
    """A valid xsd:ID from any string (ids must start with a letter and avoid ':' and spaces)."""
    if _NCNAME.match(raw):
        return raw
    return prefix + _BAD_CHARS.sub("_", raw)


class _Ids:
    """Hands out unique xsd:IDs, keeping the wanted id when it is free."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str, prefix: str = "ID_") -> str:
        base = xml_id(wanted, prefix)
        out, n = base, 1
        while out in self.used:
            n += 1
            out = f"{base}_{n}"
        self.used.add(out)
        return out


def page_id(page: Page) -> str:
    """`Page/@ID` unique across an issue's files: search highlighting (Solr's OCR plugin)
    tells pages apart by it. `PAGE_<stem>`; a stem that needs changing to be an xsd:ID also
    gets the page number, so two stems sanitized alike stay apart."""
    clean = _BAD_CHARS.sub("_", page.stem)
    return f"PAGE_{clean}" if clean == page.stem else f"PAGE_{clean}_{page.number}"


def block_ids(page: Page) -> dict[str, str]:
    """ALTO block id per region id. METS and article records use this same mapping,
    so `mets:area/@BEGIN` always names a block that alto.py wrote."""
    ids = _Ids()
    return {r.id: ids.take(r.id, "B_") for r in page.regions}


def block_order(page: Page) -> tuple[list[Region], list[Region], list[Region]]:
    """(text regions in reading order, other text regions, non-text regions) as written."""
    seen: set[str] = set()
    ordered: list[Region] = []
    for r in page.ordered_regions():
        if r.type.is_text and r.id not in seen:
            ordered.append(r)
            seen.add(r.id)
    rest = [r for r in page.regions if r.type.is_text and r.id not in seen]
    photos = [r for r in page.regions if r.type is RegionType.PHOTO]
    rules = [r for r in page.regions if r.type is RegionType.RULE]
    return ordered, rest, photos + rules


def _is_rotated(page: Page) -> bool:
    """True when page-frame boxes are not axis-aligned in the scan (a polygon is needed)."""
    a, b, _, d, e, _ = page.transform.matrix
    eps = 1e-9
    return not ((abs(b) < eps and abs(d) < eps) or (abs(a) < eps and abs(e) < eps))


def _num(v: float) -> str:
    return str(round(v))


def _conf(v: float) -> str:
    """A confidence (WC, GC, VC, PC) as the shortest decimal that reads back as the very
    same float: rebuilt article confidences and PAGE-XML conf must equal the run's, and
    any rounding here (3 decimals moved them by 0.0001) would show up there."""
    c = min(1.0, max(0.0, float(v))) if math.isfinite(v) else 0.0
    if c in (0.0, 1.0):
        return str(int(c))
    return str(np.format_float_positional(c, unique=True, trim="-"))


def _cc(v: float) -> str:
    """ALTO CC digit: 0 sure .. 9 unsure."""
    c = min(1.0, max(0.0, float(v))) if math.isfinite(v) else 0.0
    return str(round(9 * (1.0 - c)))


def clip_polygon(pts: Sequence[Point], width: float, height: float) -> list[Point]:
    """The part of a convex polygon inside the page (Sutherland-Hodgman).

    A box at the page edge, turned back into the skewed scan, can poke a few pixels past
    the scan's border; ALTO shapes must lie on the page. A polygon already inside is
    returned unchanged, point for point.
    """
    out = list(pts)
    if all(0.0 <= x <= width and 0.0 <= y <= height for x, y in out):
        return out
    # Each page edge as (axis, limit, keep the side below the limit?).
    for axis, limit, below in (
        (0, 0.0, False),
        (0, width, True),
        (1, 0.0, False),
        (1, height, True),
    ):
        src, out = out, []
        for k, cur in enumerate(src):
            prev = src[k - 1]
            cur_in = (cur[axis] <= limit) if below else (cur[axis] >= limit)
            prev_in = (prev[axis] <= limit) if below else (prev[axis] >= limit)
            if cur_in != prev_in:
                t = (limit - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if cur_in:
                out.append(cur)
        if not out:
            return []
    # Cut points land on the border; keep float rounding from pushing them past it.
    return [(min(max(x, 0.0), width), min(max(y, 0.0), height)) for x, y in out]


def _points(pts: Sequence[Point]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)


class _Writer:
    def __init__(self, page: Page, processing: Processing, image_file: str) -> None:
        self.page = page
        self.processing = processing
        self.image_file = image_file
        self.rotated = _is_rotated(page)
        inv = page.transform.to_scan([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)])
        (c, f), (ax, dx), (bx, ex) = inv
        self.inverse = (ax - c, bx - c, c, dx - f, ex - f, f)
        self.ids = _Ids()
        self.block_id = block_ids(page)
        self.ids.used.update(self.block_id.values())
        self.tags: dict[tuple[str, str, str], str] = {}  # (type, label, desc) -> tag id
        self.ocr_id = self.ids.take("OCR_0")
        self.tag_elems: list[tuple[str, str, str, str, str]] = []  # kind, id, type, label, desc
        # Confidences of lines written as several Strings (no String's WC is the line's).
        self.line_conf: dict[str, float] = {}
        # Filled in by `build` once the blocks are written (it lists their ids).
        self.settings_el = etree.Element(f"{{{ALTO_NS}}}processingStepSettings")

    def to_scan(self, box: Box) -> list[Point]:
        """`Page.to_scan_polygon` with the inverse matrix computed once (pages hold
        thousands of glyphs)."""
        a, b, c, d, e, f = self.inverse
        return [(a * x + b * y + c, d * x + e * y + f) for x, y in box.corners()]

    # -- tags ---------------------------------------------------------------
    def tag(self, kind: str, type_: str, label: str, wanted: str, desc: str = "") -> str:
        key = (type_, label, desc)
        if key not in self.tags:
            tid = self.ids.take(wanted, "TAG_")
            self.tags[key] = tid
            self.tag_elems.append((kind, tid, type_, label, desc))
        return self.tags[key]

    def region_tags(self, r: Region, excluded: bool) -> list[str]:
        refs = [self.tag("OtherTag", TAG_TYPE_REGION, r.type.value, f"TYPE_{r.type.value}")]
        if r.article_id is not None:
            refs.append(self.tag("OtherTag", TAG_TYPE_ARTICLE, r.article_id, f"ART_{r.article_id}"))
        if r.linked_to is not None:
            target = self.block_id.get(r.linked_to, r.linked_to)
            desc = "caption of" if r.type is RegionType.CAPTION else ""
            refs.append(self.tag("OtherTag", TAG_TYPE_LINK, target, f"LINK_{target}", desc))
        if r.jump is not None:
            label = f"{r.jump.direction}:{r.jump.target_page or ''}"
            refs.append(
                self.tag("OtherTag", TAG_TYPE_JUMP, label, f"JUMP_{r.jump.direction}", r.jump.raw)
            )
        if r.vertical:
            refs.append(self.tag("LayoutTag", TAG_TYPE_LAYOUT, LABEL_VERTICAL, "LAYOUT_vertical"))
        if r.inverted:
            refs.append(self.tag("LayoutTag", TAG_TYPE_LAYOUT, LABEL_INVERTED, "LAYOUT_inverted"))
        if excluded:
            refs.append(self.tag("OtherTag", TAG_TYPE_READING, LABEL_EXCLUDED, "READING_excluded"))
        return refs

    # -- geometry -----------------------------------------------------------
    def place(self, el: etree._Element, box: Box, *, shape: bool = True) -> None:
        """Scan-coordinate box attributes, plus the exact rotated quad when skewed."""
        quad = self.to_scan(box)
        t = self.page.transform
        sb = Box.from_points(quad).clip(t.scan_width, t.scan_height)
        x0, y0 = round(sb.x0), round(sb.y0)
        el.set("HPOS", str(x0))
        el.set("VPOS", str(y0))
        el.set("WIDTH", str(max(0, round(sb.x1) - x0)))
        el.set("HEIGHT", str(max(0, round(sb.y1) - y0)))
        inside = clip_polygon(quad, t.scan_width, t.scan_height) if shape and self.rotated else []
        if len(inside) >= 3:
            shp = etree.SubElement(el, f"{{{ALTO_NS}}}Shape")
            poly = etree.SubElement(shp, f"{{{ALTO_NS}}}Polygon")
            poly.set("POINTS", _points(inside))

    # -- document -----------------------------------------------------------
    def build(self) -> etree._Element:
        page = self.page
        a = f"{{{ALTO_NS}}}"
        nsmap = cast(dict[str, str], {None: ALTO_NS, "xsi": XSI_NS})
        root = etree.Element(f"{a}alto", nsmap=nsmap)
        root.set(f"{{{XSI_NS}}}schemaLocation", ALTO_SCHEMA_LOCATION)
        root.set("SCHEMAVERSION", "4.4")
        self.description(root)

        ordered, rest, graphics = block_order(page)
        tags_el = etree.SubElement(root, f"{a}Tags")
        ro_el = self.reading_order(ordered)
        if ro_el is not None:
            root.append(ro_el)
        layout = etree.SubElement(root, f"{a}Layout")
        pg = etree.SubElement(layout, f"{a}Page")
        pg.set("ID", self.ids.take(page_id(page)))
        t = page.transform
        pg.set("WIDTH", str(t.scan_width))
        pg.set("HEIGHT", str(t.scan_height))
        pg.set("PHYSICAL_IMG_NR", str(page.number))
        if page.printed_number:
            pg.set("PRINTED_IMG_NR", page.printed_number)
        pg.set("PROCESSING", self.ocr_id)
        confs = [ln.confidence for ln in page.iter_lines() if ln.text.strip()]
        if confs:
            pg.set("PC", _conf(sum(confs) / len(confs)))
        rotation = _rotation(t.skew_deg, t.quarter_turns)
        if rotation != 0.0:
            pg.set("ROTATION", f"{rotation:g}")
        pg.set("LANG", "zh")

        ps = etree.SubElement(pg, f"{a}PrintSpace")
        all_regions = ordered + rest + graphics
        if all_regions:
            self.place(ps, Box.hull(r.box for r in all_regions), shape=False)
        else:
            for k, v in (("HPOS", 0), ("VPOS", 0), ("WIDTH", t.scan_width)):
                ps.set(k, str(v))
            ps.set("HEIGHT", str(t.scan_height))

        nxt = _idnext(ordered)
        for r in ordered:
            ps.append(self.text_block(r, excluded=False, idnext=nxt.get(r.id)))
        for r in rest:
            ps.append(self.text_block(r, excluded=True, idnext=None))
        for r in graphics:
            ps.append(self.graphic_block(r))
        self.settings_el.text = json.dumps(self.settings(), ensure_ascii=False, sort_keys=True)

        for kind, tid, type_, label, desc in self.tag_elems:
            te = etree.SubElement(tags_el, f"{a}{kind}")
            te.set("ID", tid)
            te.set("TYPE", type_)
            te.set("LABEL", xml_safe(label))
            if desc:
                te.set("DESCRIPTION", xml_safe(desc))
        if not len(tags_el):
            root.remove(tags_el)
        return root

    def description(self, root: etree._Element) -> None:
        a = f"{{{ALTO_NS}}}"
        p = self.processing
        desc = etree.SubElement(root, f"{a}Description")
        etree.SubElement(desc, f"{a}MeasurementUnit").text = "pixel"
        src = etree.SubElement(desc, f"{a}sourceImageInformation")
        etree.SubElement(src, f"{a}fileName").text = self.image_file
        ocr = etree.SubElement(desc, f"{a}OCRProcessing")
        ocr.set("ID", self.ocr_id)
        step = etree.SubElement(ocr, f"{a}ocrProcessingStep")
        etree.SubElement(step, f"{a}processingCategory").text = "contentGeneration"
        if p.timestamp:
            etree.SubElement(step, f"{a}processingDateTime").text = p.timestamp
        step.append(self.settings_el)
        sw = etree.SubElement(step, f"{a}processingSoftware")
        etree.SubElement(sw, f"{a}softwareName").text = p.software
        etree.SubElement(sw, f"{a}softwareVersion").text = p.version

    def settings(self) -> dict[str, object]:
        """The processingStepSettings JSON: provenance, plus what the page model holds and
        ALTO has no place for, so that `alto_read` gives the run's page back exactly:
        the region list order (the linker places photos by it; the document order is the
        reading order), multi-String lines' confidences, and the page's measurements."""
        p = self.processing
        page = self.page
        t = page.transform
        info: dict[str, object] = {
            "stem": page.stem,
            "dpi_estimate": page.dpi_estimate,
            "text_height": page.text_height,
            "regions": [self.block_id[r.id] for r in page.regions],
        }
        if page.writing_mode is not None:
            info["writing_mode"] = page.writing_mode.value
        if self.line_conf:
            info["line_confidence"] = self.line_conf
        return {
            "format": SETTINGS_FORMAT,
            "engine": p.engine,
            "models": [_model_dict(m) for m in p.models],
            "settings": {str(k): str(v) for k, v in sorted(p.settings.items())},
            "page": info,
            "transform": transform_record(t),
        }

    def reading_order(self, ordered: list[Region]) -> etree._Element | None:
        """UnorderedGroup of per-article OrderedGroups (non-article text in one more group)."""
        if not ordered:
            return None
        a = f"{{{ALTO_NS}}}"
        groups: dict[str | None, list[Region]] = {}
        for r in ordered:
            groups.setdefault(r.article_id, []).append(r)
        ro = etree.Element(f"{a}ReadingOrder")
        top = etree.SubElement(ro, f"{a}UnorderedGroup")
        top.set("ID", self.ids.take("RO"))
        for art, regions in groups.items():
            og = etree.SubElement(top, f"{a}OrderedGroup")
            if art is None:
                og.set("ID", self.ids.take("RO_other"))
            else:
                og.set("ID", self.ids.take(f"RO_{art}", "RO_"))
                og.set("TAGREFS", self.tag("OtherTag", TAG_TYPE_ARTICLE, art, f"ART_{art}"))
            for r in regions:
                ref = etree.SubElement(og, f"{a}ElementRef")
                bid = self.block_id[r.id]
                ref.set("ID", self.ids.take(f"RO_{bid}"))
                ref.set("REF", bid)
        return ro

    def text_block(self, r: Region, *, excluded: bool, idnext: str | None) -> etree._Element:
        a = f"{{{ALTO_NS}}}"
        tb = etree.Element(f"{a}TextBlock")
        tb.set("ID", self.block_id[r.id])
        self.place(tb, r.box)
        tb.set("TAGREFS", " ".join(self.region_tags(r, excluded)))
        if idnext is not None:
            tb.set("IDNEXT", self.block_id[idnext])
        if r.vertical:
            tb.set("BASEDIRECTION", "ttb")
        for line in r.lines:
            tb.append(self.text_line(line, block_vertical=r.vertical))
        return tb

    def graphic_block(self, r: Region) -> etree._Element:
        a = f"{{{ALTO_NS}}}"
        if r.type is RegionType.PHOTO:
            el = etree.Element(f"{a}Illustration")
        else:
            el = etree.Element(f"{a}GraphicalElement")
        el.set("ID", self.block_id[r.id])
        self.place(el, r.box)
        el.set("TAGREFS", " ".join(self.region_tags(r, excluded=False)))
        if r.type is RegionType.PHOTO:
            el.set("TYPE", "photo")
        return el

    def text_line(self, line: Line, *, block_vertical: bool) -> etree._Element:
        a = f"{{{ALTO_NS}}}"
        tl = etree.Element(f"{a}TextLine")
        lid = self.ids.take(line.id, "L_")
        tl.set("ID", lid)
        self.place(tl, line.box)
        if line.paragraph_start:
            tl.set(
                "TAGREFS",
                self.tag("StructureTag", TAG_TYPE_PARAGRAPH, LABEL_PARAGRAPH_START, "PARA_start"),
            )
        if line.vertical or block_vertical:
            tl.set("BASEDIRECTION", "ttb" if line.vertical else "ltr")
        tokens = line_tokens(line)
        if len(tokens) > 1 and math.isfinite(line.confidence):
            self.line_conf[lid] = min(1.0, max(0.0, float(line.confidence)))
        for k, tok in enumerate(tokens):
            if k:
                sp = etree.SubElement(tl, f"{a}SP")
                gap = _gap_box(tokens[k - 1].box, tok.box, line.vertical)
                if gap is not None:
                    self.place(sp, gap, shape=False)
            # One String stands for the whole line: keep the recognizer's line confidence.
            wc = line.confidence if len(tokens) == 1 else None
            tl.append(self.string(tok, f"{lid}_S{k + 1}", line.confidence, wc))
        return tl

    def string(self, tok: Token, wanted: str, line_conf: float, wc: float | None) -> etree._Element:
        a = f"{{{ALTO_NS}}}"
        st = etree.Element(f"{a}String")
        st.set("ID", self.ids.take(wanted))
        self.place(st, tok.box)
        st.set("CONTENT", tok.text)
        glyphs = tok.glyphs
        if glyphs:
            if wc is None:
                wc = sum(g.confidence for g in glyphs) / len(glyphs)
            st.set("WC", _conf(wc))
            st.set("CC", " ".join(_cc(g.confidence) for g in glyphs))
            for ch, g in zip(tok.text, glyphs, strict=True):
                ge = etree.SubElement(st, f"{a}Glyph")
                ge.set("CONTENT", ch)
                ge.set("GC", _conf(g.confidence))
                self.place(ge, g.box, shape=False)
                # The recognizer's runners-up: an editor offers them as corrections.
                for alt, p in g.alternatives:
                    ve = etree.SubElement(ge, f"{a}Variant")
                    ve.set("CONTENT", alt)
                    ve.set("VC", _conf(p))
        else:
            st.set("WC", _conf(line_conf))
        return st


def _rotation(skew_deg: float, quarter_turns: int) -> float:
    """ALTO ROTATION in (-180, 180]: counter-clockwise rotation of content in the scan."""
    r = (skew_deg + 90.0 * quarter_turns) % 360.0
    if r > 180.0:
        r -= 360.0
    return round(r, 4) + 0.0


def _model_dict(m: ModelInfo | Mapping[str, str]) -> dict[str, str]:
    d = asdict(m) if isinstance(m, ModelInfo) else dict(m)
    return {k: str(d.get(k, "")) for k in ("name", "role", "version", "source", "sha256")}


def _idnext(ordered: list[Region]) -> dict[str, str]:
    """Region id -> next region of the same article in reading order."""
    last: dict[str, str] = {}
    out: dict[str, str] = {}
    for r in ordered:
        if r.article_id is None:
            continue
        if r.article_id in last:
            out[last[r.article_id]] = r.id
        last[r.article_id] = r.id
    return out


@dataclass(slots=True)
class Token:
    text: str
    box: Box
    glyphs: list[Glyph]  # one per character of text, or empty


def _line_glyphs(line: Line, chars: list[str]) -> list[Glyph] | None:
    """Glyphs aligned one-to-one with the non-space characters of the line, if possible."""
    inked = [g for g in line.glyphs if g.text.strip()]
    if inked and len(inked) == len(chars):
        return inked
    if line.glyphs and len(line.glyphs) == len(line.text):
        return [g for g, ch in zip(line.glyphs, line.text, strict=True) if not ch.isspace()]
    return None


def line_tokens(line: Line) -> list[Token]:
    """Split a line into ALTO Strings (PAGE Words): only at spaces left by `clean_line`
    (between Latin words), so a run of Chinese is always one String."""
    text = clean_line(xml_safe(line.text))
    if not text:
        return [Token("", line.box, [])]
    chars = [c for c in text if c != " "]
    glyphs = _line_glyphs(line, chars)
    pieces = text.split(" ")
    out: list[Token] = []
    if glyphs is not None:
        i = 0
        for piece in pieces:
            gs = glyphs[i : i + len(piece)]
            i += len(piece)
            out.append(Token(piece, Box.hull(g.box for g in gs), gs))
        return out
    # No usable glyphs: share the line's extent by character widths (an em for wide
    # characters, half an em otherwise), which is close for printed Chinese.
    weights = [1.0 if is_wide(c) else 0.5 for c in text]
    total = sum(weights) or 1.0
    box = line.box
    start = box.y0 if line.vertical else box.x0
    length = box.height if line.vertical else box.width
    pos = 0
    acc = 0.0
    for piece in pieces:
        w = sum(weights[pos : pos + len(piece)])
        lo = start + length * acc / total
        hi = start + length * (acc + w) / total
        pb = Box(box.x0, lo, box.x1, hi) if line.vertical else Box(lo, box.y0, hi, box.y1)
        out.append(Token(piece, pb, []))
        acc += w + (weights[pos + len(piece)] if pos + len(piece) < len(text) else 0.0)
        pos += len(piece) + 1
    return out


def _gap_box(left: Box, right: Box, vertical: bool) -> Box | None:
    if vertical:
        if right.y0 <= left.y1:
            return None
        return Box(min(left.x0, right.x0), left.y1, max(left.x1, right.x1), right.y0)
    if right.x0 <= left.x1:
        return None
    return Box(left.x1, min(left.y0, right.y0), right.x0, max(left.y1, right.y1))


def to_alto(page: Page, *, processing: Processing, image_file: str) -> bytes:
    """Serialize one page as ALTO 4.4 (UTF-8 bytes with XML declaration)."""
    root = _Writer(page, processing, image_file).build()
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
