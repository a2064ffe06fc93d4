"""ALTO reader: an ALTO file (ours, or ours after an archivist edited it) back to a Page.

Used by `digitize rebuild`, so edits win over anything derived: String/@CONTENT is the
text (Glyph contents are advisory), Strings may be split, merged, added or deleted,
lines and blocks may be added or deleted, and blocks may be moved in the ReadingOrder
or in document order. Conventions: docs/ARCHITECTURE.md, "ALTO conventions".
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from digitize.errors import XmlFileError
from digitize.model import (
    Box,
    Glyph,
    JumpMarker,
    Line,
    Page,
    Point,
    Region,
    RegionType,
    Transform,
    WritingMode,
)
from digitize.serialize.alto import (
    LABEL_EXCLUDED,
    LABEL_INVERTED,
    LABEL_PARAGRAPH_START,
    LABEL_VERTICAL,
    TAG_TYPE_ARTICLE,
    TAG_TYPE_JUMP,
    TAG_TYPE_LINK,
    TAG_TYPE_PARAGRAPH,
    TAG_TYPE_READING,
    TAG_TYPE_REGION,
    Processing,
)
from digitize.serialize.xmlsafe import (
    XmlError,
    local_name,
    parse_bytes,
    parse_file,
    polygon_numbers,
    source_line,
)

_BLOCKS = ("TextBlock", "Illustration", "GraphicalElement")
_REGION_TYPES = frozenset(t.value for t in RegionType)
_WRITING_MODES = frozenset(m.value for m in WritingMode)
_TAG_KINDS = ("LayoutTag", "StructureTag", "RoleTag", "NamedEntityTag", "OtherTag")


class AltoError(XmlFileError):
    """Malformed or unusable ALTO."""

    kind = "alto"
    file_kind = "ALTO"
    file_format = "ALTO 4.x"


class NotAltoError(AltoError):
    """Well-formed XML whose root is not <alto> (some other file kept beside the pages)."""


ScanBox = tuple[float, float, float, float]  # x, y, width, height in scan pixels


@dataclass(slots=True)
class AltoPage:
    """An ALTO file read back: the page model, plus the geometry exactly as the file
    writes it, for viewers and the search index that show boxes on the scan (the page
    model's boxes are in the deskewed frame; mapping them back can move an edge by a
    pixel of rounding)."""

    page: Page
    image_file: str  # sourceImageInformation/fileName as written
    boxes: dict[str, ScanBox] = field(default_factory=dict)  # block and line id -> box
    polygons: dict[str, list[Point]] = field(default_factory=dict)  # block id -> Shape
    processing: Processing | None = None  # digitize's provenance, when digitize wrote it


def rotation_transform(
    scan_width: int,
    scan_height: int,
    rotation_deg: float,
    page_width: int | None = None,
    page_height: int | None = None,
) -> Transform:
    """Deskew transform that turns content rotated counter-clockwise by `rotation_deg`
    upright, rotating about the scan centre onto the page centre.

    Used when a file carries no stored matrix (ALTO from another tool): ROTATION and the
    scan size are then all there is.
    """
    quarter = round(rotation_deg / 90.0) % 4
    skew = rotation_deg - 90.0 * round(rotation_deg / 90.0)
    if page_width is None or page_height is None:
        page_width, page_height = (
            (scan_height, scan_width) if quarter % 2 else (scan_width, scan_height)
        )
    t = math.radians(rotation_deg)
    c, s = math.cos(t), math.sin(t)
    cx, cy = scan_width / 2.0, scan_height / 2.0
    px, py = page_width / 2.0, page_height / 2.0
    # scan -> page: p = R(-rotation) (x - centre) + page centre, in image (y down) axes.
    matrix = (c, -s, px - (c * cx - s * cy), s, c, py - (s * cx + c * cy))
    return Transform(scan_width, scan_height, page_width, page_height, skew, quarter, matrix)


class _Geometry:
    def __init__(self, transform: Transform) -> None:
        self.transform = transform
        m = transform.matrix
        lin = [[m[0], m[1]], [m[3], m[4]]]
        det = lin[0][0] * lin[1][1] - lin[0][1] * lin[1][0]
        if abs(det) < 1e-12:
            raise ValueError("singular transform")
        # page -> scan linear part
        self.inv = [[lin[1][1] / det, -lin[0][1] / det], [-lin[1][0] / det, lin[0][0] / det]]

    def to_page(self, x: float, y: float) -> Point:
        a, b, c, d, e, f = self.transform.matrix
        return (a * x + b * y + c, d * x + e * y + f)

    def from_polygon(self, pts: list[Point]) -> Box:
        return Box.from_points([self.to_page(x, y) for x, y in pts])

    def from_hull(self, hull: Box) -> Box:
        """Page-frame box whose scan image has this axis-aligned hull.

        A w x h page box maps to a parallelogram whose hull is
        (|a|w + |b|h) x (|c|w + |d|h) with [[a, b], [c, d]] the page->scan linear part;
        solving that gives the box back exactly (up to rounding) for any skew under 45°.
        """
        (a, b), (c, d) = self.inv
        a, b, c, d = abs(a), abs(b), abs(c), abs(d)
        det = a * d - b * c
        cx, cy = self.to_page(hull.cx, hull.cy)
        if abs(det) < 0.2:
            return self.from_polygon(hull.corners())
        w = max(0.0, (d * hull.width - b * hull.height) / det)
        h = max(0.0, (a * hull.height - c * hull.width) / det)
        return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local_name(c) == name]


def _float(el: etree._Element, name: str, path: str | None) -> float | None:
    raw = el.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        v = float(raw)
    except ValueError:
        raise AltoError(
            f"{local_name(el)}/@{name} is not a number: {raw!r}", path=path, line=source_line(el)
        ) from None
    if not math.isfinite(v):
        raise AltoError(f"{local_name(el)}/@{name} is not finite", path=path, line=source_line(el))
    return v


class _Reader:
    def __init__(self, root: etree._Element, path: str | None, stem: str | None) -> None:
        self.root = root
        self.path = path
        self.stem_hint = stem
        self.tags: dict[str, tuple[str, str, str]] = {}  # id -> (type, label, description)
        self.geo: _Geometry
        self.boxes: dict[str, ScanBox] = {}
        self.polygons: dict[str, list[Point]] = {}
        self.image_file = ""
        self.line_conf: dict[str, float] = {}  # stored confidences of multi-String lines

    def err(self, msg: str, el: etree._Element | None = None) -> AltoError:
        return AltoError(msg, path=self.path, line=source_line(el) if el is not None else None)

    def find(self, el: etree._Element, *names: str) -> etree._Element | None:
        cur: etree._Element | None = el
        for n in names:
            if cur is None:
                return None
            found = _children(cur, n)
            cur = found[0] if found else None
        return cur

    # -- header ---------------------------------------------------------------
    def settings(self) -> dict[str, object]:
        for ocr in (
            self.find(self.root, "Description", "OCRProcessing", "ocrProcessingStep"),
            self.find(self.root, "Description", "Processing"),
        ):
            if ocr is None:
                continue
            el = self.find(ocr, "processingStepSettings")
            if el is None or not el.text:
                continue
            try:
                data = json.loads(el.text)
            except ValueError:
                continue  # free-text settings from another tool
            if isinstance(data, dict):
                return data
        return {}

    def processing(self) -> Processing | None:
        """The provenance digitize wrote (software, time, engine, models, settings), so a
        rebuild can carry the run's own into the files it writes; None for other tools."""
        step = self.find(self.root, "Description", "OCRProcessing", "ocrProcessingStep")
        data = self.settings()
        if step is None or not isinstance(data.get("engine"), str):
            return None
        sw = self.find(step, "processingSoftware")
        name = self.find(sw, "softwareName") if sw is not None else None
        version = self.find(sw, "softwareVersion") if sw is not None else None
        when = self.find(step, "processingDateTime")
        listed = data.get("models")
        models = [
            {str(k): str(v) for k, v in m.items()}
            for m in (listed if isinstance(listed, list) else [])
            if isinstance(m, dict)
        ]
        settings = data.get("settings")
        return Processing(
            software=(name.text or "") if name is not None else "",
            version=(version.text or "") if version is not None else "",
            engine=str(data["engine"]),
            models=models,
            settings={str(k): str(v) for k, v in settings.items()}
            if isinstance(settings, dict)
            else {},
            timestamp=(when.text or "") if when is not None else "",
        )

    def transform(self, page_el: etree._Element, settings: dict[str, object]) -> Transform:
        stored = settings.get("transform")
        width = _float(page_el, "WIDTH", self.path)
        height = _float(page_el, "HEIGHT", self.path)
        if isinstance(stored, dict):
            try:
                matrix = tuple(float(v) for v in stored["matrix"])
                if len(matrix) != 6:
                    raise ValueError("matrix needs 6 numbers")
                return Transform(
                    int(stored["scan_width"]),
                    int(stored["scan_height"]),
                    int(stored["page_width"]),
                    int(stored["page_height"]),
                    float(stored.get("skew_deg", 0.0)),
                    int(stored.get("quarter_turns", 0)),
                    (matrix[0], matrix[1], matrix[2], matrix[3], matrix[4], matrix[5]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise self.err(f"bad stored transform in processingStepSettings: {exc}") from None
        if width is None or height is None:
            raise self.err("Page needs WIDTH and HEIGHT (the scan size)", page_el)
        rotation = _float(page_el, "ROTATION", self.path) or 0.0
        return rotation_transform(round(width), round(height), rotation)

    def read_tags(self) -> None:
        tags = self.find(self.root, "Tags")
        if tags is None:
            return
        for t in tags:
            if local_name(t) not in _TAG_KINDS:
                continue
            tid = t.get("ID")
            if tid:
                self.tags[tid] = (t.get("TYPE", ""), t.get("LABEL", ""), t.get("DESCRIPTION", ""))

    def tagrefs(self, el: etree._Element) -> list[tuple[str, str, str]]:
        return [self.tags[i] for i in (el.get("TAGREFS") or "").split() if i in self.tags]

    # -- geometry -------------------------------------------------------------
    def keep_written(self, el: etree._Element, eid: str, *, shape: bool = False) -> None:
        """Remember the element's box (and Shape) in scan pixels as the file has them."""
        vals = [_float(el, k, self.path) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
        if all(v is not None for v in vals):
            x, y, w, h = (float(v or 0.0) for v in vals)
            self.boxes[eid] = (x, y, w, h)
        poly = self.polygon(el) if shape else None
        if poly is not None:
            self.polygons[eid] = poly

    def box(self, el: etree._Element) -> Box | None:
        """Page-frame box: the Shape polygon when it still agrees with HPOS/VPOS/WIDTH/
        HEIGHT (an editor that moved the box leaves a stale polygon), else the hull."""
        x, y = _float(el, "HPOS", self.path), _float(el, "VPOS", self.path)
        w, h = _float(el, "WIDTH", self.path), _float(el, "HEIGHT", self.path)
        hull = None
        if x is not None and y is not None and w is not None and h is not None:
            hull = Box(x, y, x + w, y + h)
        poly = self.polygon(el)
        if poly is not None:
            ph = Box.from_points(poly)
            if hull is None or _close(
                ph.clip(self.geo.transform.scan_width, self.geo.transform.scan_height), hull, 2.5
            ):
                return self.geo.from_polygon(poly)
        if hull is None:
            return None
        return self.geo.from_hull(hull)

    def polygon(self, el: etree._Element) -> list[Point] | None:
        poly = self.find(el, "Shape", "Polygon")
        if poly is None:
            return None
        try:
            nums = polygon_numbers(poly)
        except ValueError:
            raise self.err("Polygon/@POINTS is not a list of numbers", poly) from None
        if len(nums) < 6 or len(nums) % 2:
            raise self.err("Polygon/@POINTS needs at least three x,y pairs", poly)
        return [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2)]

    # -- content --------------------------------------------------------------
    def page(self) -> Page:
        layout = self.find(self.root, "Layout")
        page_el = self.find(layout, "Page") if layout is not None else None
        if page_el is None:
            raise self.err("no Layout/Page element", layout if layout is not None else self.root)
        settings = self.settings()
        transform = self.transform(page_el, settings)
        try:
            self.geo = _Geometry(transform)
        except ValueError as exc:
            raise self.err(str(exc), page_el) from None
        self.read_tags()

        nr = _float(page_el, "PHYSICAL_IMG_NR", self.path)
        if nr is None:
            raise self.err("Page needs PHYSICAL_IMG_NR", page_el)
        file_el = self.find(self.root, "Description", "sourceImageInformation", "fileName")
        image_file = (file_el.text or "").strip() if file_el is not None else ""
        self.image_file = image_file
        page_info = settings.get("page")
        info = page_info if isinstance(page_info, dict) else {}
        stem = self.stem_hint or str(info.get("stem") or "") or Path(image_file).stem
        page = Page(
            number=int(nr),
            file=Path(image_file),
            stem=stem or f"page-{int(nr)}",
            transform=transform,
            printed_number=page_el.get("PRINTED_IMG_NR") or None,
        )
        dpi = info.get("dpi_estimate")
        page.dpi_estimate = float(dpi) if isinstance(dpi, int | float) else None
        stored_conf = info.get("line_confidence")
        if isinstance(stored_conf, dict):
            self.line_conf = {k: c for k, v in stored_conf.items() if (c := _unit(v)) is not None}

        used: set[str] = set()
        excluded: set[str] = set()
        doc_text: list[str] = []
        for el in page_el.iter():
            name = local_name(el)
            if name not in _BLOCKS:
                continue
            region, is_excluded = self.region(el, used)
            page.regions.append(region)
            if name == "TextBlock":
                doc_text.append(region.id)
                if is_excluded:
                    excluded.add(region.id)
        page.reading_order = self.reading_order(page, doc_text, excluded)
        listed = info.get("regions")
        if isinstance(listed, list):
            page.regions = region_list_order(
                page.regions, [i for i in listed if isinstance(i, str)]
            )
        mode = info.get("writing_mode")
        if isinstance(mode, str) and mode in _WRITING_MODES:
            page.writing_mode = WritingMode(mode)
        height = info.get("text_height", "")
        if height is None or (isinstance(height, int | float) and math.isfinite(height)):
            page.text_height = float(height) if height is not None else None
        else:  # ALTO from another tool: the median body line
            sizes = [
                ln.font_size for r in page.regions if r.type is RegionType.BODY for ln in r.lines
            ]
            page.text_height = statistics.median(sizes) if sizes else None
        return page

    def region(self, el: etree._Element, used: set[str]) -> tuple[Region, bool]:
        name = local_name(el)
        rid = _unique(el.get("ID") or f"block{len(used) + 1}", used)
        default = {
            "TextBlock": RegionType.BODY,
            "Illustration": RegionType.PHOTO,
            "GraphicalElement": RegionType.RULE,
        }[name]
        rtype, article, linked, jump = default, None, None, None
        vertical = el.get("BASEDIRECTION") in ("ttb", "btt")
        inverted = excluded = False
        for type_, label, desc in self.tagrefs(el):
            if type_ == TAG_TYPE_REGION:
                # An unknown label (another tool's vocabulary) keeps the element's default.
                rtype = RegionType(label) if label in _REGION_TYPES else rtype
            elif type_ == TAG_TYPE_ARTICLE and label:
                article = label
            elif type_ == TAG_TYPE_LINK and label:
                linked = label
            elif type_ == TAG_TYPE_JUMP:
                direction, _, target = label.partition(":")
                jump = JumpMarker(direction, target or None, desc)
            elif label == LABEL_VERTICAL:
                vertical = True
            elif label == LABEL_INVERTED:
                inverted = True
            elif type_ == TAG_TYPE_READING and label == LABEL_EXCLUDED:
                excluded = True
        if name == "TextBlock" and not rtype.is_text:
            rtype = RegionType.BODY
        self.keep_written(el, rid, shape=True)
        lines = [self.line(tl, vertical, used) for tl in el.iter() if local_name(tl) == "TextLine"]
        box = self.box(el)
        if box is None:
            line_boxes = [ln.box for ln in lines]
            box = Box.hull(line_boxes) if line_boxes else Box(0, 0, 0, 0)
        region = Region(
            id=rid,
            type=rtype,
            box=box,
            lines=lines,
            vertical=vertical,
            article_id=article,
            linked_to=linked,
            jump=jump,
            inverted=inverted,
        )
        return region, excluded

    def line(self, tl: etree._Element, block_vertical: bool, used: set[str]) -> Line:
        lid = _unique(tl.get("ID") or f"line{len(used) + 1}", used)
        self.keep_written(tl, lid)
        direction = tl.get("BASEDIRECTION")
        vertical = direction in ("ttb", "btt") if direction else block_vertical
        para = any(
            t == TAG_TYPE_PARAGRAPH or lab == LABEL_PARAGRAPH_START
            for t, lab, _ in self.tagrefs(tl)
        )
        parts: list[str] = []
        glyphs: list[Glyph] = []
        glyphs_ok = True
        word_conf: list[tuple[float, int]] = []  # (WC, characters) per String
        string_boxes: list[Box] = []
        for child, spaced in line_strings(tl):
            content = child.get("CONTENT")
            if content is None:
                raise self.err("String without CONTENT", child)
            if spaced and parts:
                parts.append(" ")
            parts.append(content)
            wc = _float(child, "WC", self.path)
            n = len(content.replace(" ", "")) or 1
            if wc is not None:
                word_conf.append((wc, n))
            sbox = self.box(child)
            if sbox is not None:
                string_boxes.append(sbox)
            gl = self.glyphs(child, content)
            if gl is None:
                glyphs_ok = False
            else:
                glyphs.extend(gl)
        box = self.box(tl)
        if box is None:
            box = Box.hull(string_boxes) if string_boxes else Box(0, 0, 0, 0)
        text = "".join(parts)
        stored = self.line_conf.get(lid)
        return Line(
            id=lid,
            box=box,
            text=text,
            confidence=stored if stored is not None else _line_confidence(word_conf),
            glyphs=glyphs if glyphs_ok and glyphs else [],
            vertical=vertical,
            paragraph_start=para,
        )

    def glyphs(self, st: etree._Element, content: str) -> list[Glyph] | None:
        """Glyphs of one String when they still match its CONTENT character for character;
        the String's CONTENT supplies the text since editors correct only that."""
        chars = [c for c in content if not c.isspace()]
        gels = _children(st, "Glyph")
        if not chars:
            return []
        if len(gels) != len(chars):
            return None
        out: list[Glyph] = []
        for ch, g in zip(chars, gels, strict=True):
            box = self.box(g)
            if box is None:
                return None
            gc = _float(g, "GC", self.path)
            variants = tuple(
                (v.get("CONTENT", ""), _float(v, "VC", self.path) or 0.0)
                for v in _children(g, "Variant")
                if v.get("CONTENT")
            )
            out.append(Glyph(box, ch, gc if gc is not None else 0.0, variants))
        return out

    def reading_order(self, page: Page, doc_text: list[str], excluded: set[str]) -> list[str]:
        """Flat order from document order, with each ReadingOrder group's own order applied
        to the slots its blocks hold (so moving blocks in either place is honoured)."""
        text_ids = set(doc_text)
        line_block = {ln.id: r.id for r in page.regions for ln in r.lines}
        ro = self.find(self.root, "ReadingOrder")
        if ro is None:
            return [i for i in doc_text if i not in excluded]
        groups: list[tuple[list[str], str | None]] = []
        grouped: set[str] = set()

        def walk(el: etree._Element, article: str | None) -> None:
            for child in el:
                name = local_name(child)
                if name in ("OrderedGroup", "UnorderedGroup"):
                    art = article
                    for type_, label, _ in self.tagrefs(child):
                        if type_ == TAG_TYPE_ARTICLE and label:
                            art = label
                    if name == "OrderedGroup" and not any(
                        local_name(c) in ("OrderedGroup", "UnorderedGroup") for c in child
                    ):
                        refs: list[str] = []
                        for ref in _children(child, "ElementRef"):
                            refs.extend(self.refs(ref, text_ids, line_block, grouped))
                        groups.append((refs, art))
                    else:
                        walk(child, art)
                elif name == "ElementRef":
                    for rid in self.refs(child, text_ids, line_block, grouped):
                        groups.append(([rid], article))

        walk(ro, None)
        by_id = {r.id: r for r in page.regions}
        for refs, art in groups:
            if art is not None:
                for rid in refs:
                    by_id[rid].article_id = art
        # Blocks neither in the ReadingOrder nor marked excluded were added by an editor.
        flat = [i for i in doc_text if i in grouped or i not in excluded]
        pos = {rid: k for k, rid in enumerate(flat)}
        out = list(flat)
        for refs, _ in groups:
            slots = sorted(pos[r] for r in refs)
            for slot, rid in zip(slots, refs, strict=True):
                out[slot] = rid
        return out

    def refs(
        self,
        ref: etree._Element,
        text_ids: set[str],
        line_block: dict[str, str],
        grouped: set[str],
    ) -> list[str]:
        out: list[str] = []
        for target in (ref.get("REF") or "").split():
            rid = target if target in text_ids else line_block.get(target)
            if rid is None or rid in grouped:
                continue  # stale reference to a deleted block, or listed twice
            grouped.add(rid)
            out.append(rid)
        return out


def line_strings(tl: etree._Element) -> Iterator[tuple[etree._Element, bool]]:
    """A TextLine's Strings, each with whether an SP stands before it: the line's text
    joins Strings directly, with a space only where an SP was (and not before the first)."""
    spaced = False
    for child in tl:
        name = local_name(child)
        if name == "SP":
            spaced = True
        elif name == "String":
            yield child, spaced
            spaced = False


def region_list_order(regions: list[Region], listed: list[str]) -> list[Region]:
    """`regions` (document order) in the order the writer listed their ids, i.e. the
    run's `Page.regions` order, which the linker uses to place photos inside articles.
    A block the list does not name (added by an editor) stays right after the block
    that precedes it in the document; ids of deleted blocks are ignored."""
    pos: dict[str, int] = {}
    for k, rid in enumerate(listed):
        pos.setdefault(rid, k)
    keys: list[tuple[int, int, int]] = []
    last = -1
    for k, r in enumerate(regions):
        if r.id in pos:
            last = pos[r.id]
            keys.append((last, 0, k))
        else:
            keys.append((last, 1, k))
    return [regions[k] for k in sorted(range(len(regions)), key=keys.__getitem__)]


def _line_confidence(word_conf: list[tuple[float, int]]) -> float:
    """A line's confidence from its Strings' WC: the one String's WC as written (the
    line confidence itself, exactly), else their mean weighted by characters."""
    if len(word_conf) == 1:
        return word_conf[0][0]
    count = sum(n for _, n in word_conf)
    return sum(wc * n for wc, n in word_conf) / count if count else 0.0


def _unit(v: object) -> float | None:
    """A stored confidence: a finite number in [0, 1], else None (the file may be edited)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    c = float(v)
    return c if math.isfinite(c) and 0.0 <= c <= 1.0 else None


def _close(a: Box, b: Box, tol: float) -> bool:
    return (
        abs(a.x0 - b.x0) <= tol
        and abs(a.y0 - b.y0) <= tol
        and abs(a.x1 - b.x1) <= tol
        and abs(a.y1 - b.y1) <= tol
    )


def _unique(wanted: str, used: set[str]) -> str:
    out, n = wanted, 1
    while out in used:
        n += 1
        out = f"{wanted}_{n}"
    used.add(out)
    return out


def read_alto(data: bytes | Path) -> Page:
    """Parse ALTO into a Page in the page frame (inverse of `to_alto`); see `read_alto_page`."""
    return read_alto_page(data).page


def read_alto_page(data: bytes | Path) -> AltoPage:
    """Parse ALTO into a Page in the page frame (inverse of `to_alto`), with the scan
    geometry as written.

    The input is untrusted (edited by hand, made by another tool), so it is parsed by
    `xmlsafe`: size limit, no DOCTYPE entities or external DTD, nothing resolved.
    Raises AltoError (an InputError) with the file and line for malformed or unsafe
    input, NotAltoError (an AltoError) for well-formed XML that is not ALTO.
    """
    path = str(data) if isinstance(data, Path) else None
    stem = data.stem if isinstance(data, Path) else None
    try:
        if isinstance(data, Path):
            tree = parse_file(data, strip=True)
        else:
            tree = parse_bytes(data, strip=True)
    except XmlError as exc:
        raise AltoError(exc.message, path=path, line=exc.line) from None
    root = tree.getroot()
    if local_name(root) != "alto":
        raise NotAltoError(
            f"root element is <{local_name(root)}>, not <alto>", path=path, line=source_line(root)
        )
    reader = _Reader(root, path, stem)
    page = reader.page()
    return AltoPage(page, reader.image_file, reader.boxes, reader.polygons, reader.processing())
