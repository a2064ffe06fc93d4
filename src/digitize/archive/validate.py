"""`digitize validate`: ALTO, METS and PAGE-XML against their XML schemas, plus the
consistency rules a schema cannot express.

xsd:ID/IDREF typing only says a reference is *some* id in the same file. Archivists'
edits break things a schema never sees: an IDNEXT to a deleted block, a TAGREFS to a
removed tag, a METS area pointing at a block id that is not in the ALTO file its
FILEID names, a box pushed outside the page, a reading order that lost a block, an
emptied String. Each problem is reported as `file:line: message`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from digitize.serialize.xmlsafe import (
    UnsafePathError,
    XmlError,
    float_attr,
    inside,
    local_name,
    parse_file,
    polygon_numbers,
    source_line,
)

SCHEMAS_ENV = "DIGITIZE_SCHEMAS"
ALTO_NS_PREFIX = "http://www.loc.gov/standards/alto/"
METS_NS = "http://www.loc.gov/METS/"
PAGE_NS_PREFIX = "http://schema.primaresearch.org/PAGE/gts/pagecontent/"
XLINK_NS = "http://www.w3.org/1999/xlink"
BOX_TOLERANCE = 1.0  # px: rounding of boxes clipped to the page edge

# ALTO attributes typed IDREF/IDREFS, and what kind of element each must point at.
_ALTO_REFS: dict[str, frozenset[str] | None] = {
    "IDNEXT": frozenset({"TextBlock", "Illustration", "GraphicalElement", "ComposedBlock",
                         "TextLine", "String"}),
    "TAGREFS": frozenset({"LayoutTag", "StructureTag", "RoleTag", "NamedEntityTag", "OtherTag"}),
    "STYLEREFS": frozenset({"TextStyle", "ParagraphStyle"}),
    "PROCESSINGREFS": frozenset({"OCRProcessing", "Processing", "PreProcessing",
                                 "PostProcessing"}),
    "PROCESSING": frozenset({"OCRProcessing", "Processing", "PreProcessing", "PostProcessing"}),
}  # fmt: skip
_LAYOUT_ELEMENTS = frozenset(
    {"TextBlock", "Illustration", "GraphicalElement", "ComposedBlock", "TextLine", "String",
     "PrintSpace", "TopMargin", "BottomMargin", "LeftMargin", "RightMargin"}
)  # fmt: skip
_TEXT_BLOCK = "TextBlock"
_LABELS = {"alto": "ALTO", "mets": "METS", "pagecontent": "PAGE-XML"}


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass(slots=True)
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def invalid_files(self) -> list[str]:
        return sorted({p.path for p in self.errors})


# ---------------------------------------------------------------------------- schemas


class Schemas:
    """XML schemas found in a folder, compiled on first use (they import xlink.xsd from
    the same folder, so the folder works offline)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._cache: dict[str, etree.XMLSchema | None] = {}
        self.errors: list[str] = []

    @staticmethod
    def locate(cli: Path | None) -> Path | None:
        if cli is not None:
            return cli
        env = os.environ.get(SCHEMAS_ENV, "").strip()
        return Path(env) if env else None

    def _find(self, prefix: str) -> Path | None:
        if self.folder is None or not self.folder.is_dir():
            return None
        found = sorted(self.folder.glob(f"{prefix}*.xsd"))
        return found[-1] if found else None  # highest version by name

    def get(self, kind: str) -> etree.XMLSchema | None:
        if kind in self._cache:
            return self._cache[kind]
        path = self._find(kind)
        schema: etree.XMLSchema | None = None
        if path is not None:
            try:
                schema = etree.XMLSchema(etree.parse(str(path)))
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
                self.errors.append(f"{path}: cannot load schema: {exc}")
        self._cache[kind] = schema
        return schema


def _schema_problems(
    schema: etree.XMLSchema, tree: etree._ElementTree, path: str
) -> Iterator[Problem]:
    if schema.validate(tree):
        return
    for err in iter(schema.error_log):  # type: ignore[call-overload]
        # "{namespace}Name" makes every message unreadably long; the file says which.
        msg = re.sub(r"\{[^}]*\}", "", err.message)
        yield Problem(path, err.line or None, f"schema: {msg}")


# ---------------------------------------------------------------------------- ALTO


def _ids(
    root: etree._Element, path: str, attr: str = "ID"
) -> tuple[dict[str, etree._Element], list[Problem]]:
    ids: dict[str, etree._Element] = {}
    problems: list[Problem] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        eid = el.get(attr)
        if eid is None:
            continue
        if eid in ids:
            first = source_line(ids[eid])
            problems.append(
                Problem(path, source_line(el), f"duplicate ID '{eid}' (first used on line {first})")
            )
        else:
            ids[eid] = el
    return ids, problems


def check_alto(root: etree._Element, path: str) -> list[Problem]:
    """The consistency rules for one ALTO document (schema validity is checked apart)."""
    ids, problems = _ids(root, path)
    # References resolve, and to the right kind of element.
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = local_name(el)
        for attr, kinds in _ALTO_REFS.items():
            if attr == "PROCESSING" and name != "Page":
                continue
            for ref in (el.get(attr) or "").split():
                target = ids.get(ref)
                if target is None:
                    problems.append(
                        Problem(
                            path, source_line(el), f"{name}/@{attr} refers to missing ID '{ref}'"
                        )
                    )
                elif kinds is not None and local_name(target) not in kinds:
                    problems.append(
                        Problem(
                            path,
                            source_line(el),
                            f"{name}/@{attr} '{ref}' points at a {local_name(target)} "
                            f"(line {source_line(target)}), expected {' or '.join(sorted(kinds))}",
                        )
                    )
        if name == "ElementRef":
            for ref in (el.get("REF") or "").split():
                target = ids.get(ref)
                if target is None:
                    problems.append(
                        Problem(
                            path, source_line(el), f"ElementRef/@REF refers to missing ID '{ref}'"
                        )
                    )
                elif local_name(target) not in _LAYOUT_ELEMENTS:
                    problems.append(
                        Problem(
                            path,
                            source_line(el),
                            f"ElementRef/@REF '{ref}' points at a {local_name(target)}, "
                            "not a layout element",
                        )
                    )
        if name == "String":
            content = el.get("CONTENT")
            if content is None or not content.strip():
                # WC 0 and no Glyphs: a line found on the page but not read (digitize
                # writes these; the schema needs a String in every line): a warning.
                # Otherwise text was deleted from a String that should have gone too.
                unread = float_attr(el, "WC") == 0.0 and not any(
                    local_name(g) == "Glyph" for g in el
                )
                problems.append(
                    Problem(
                        path,
                        source_line(el),
                        f"String '{el.get('ID', '')}' has empty CONTENT"
                        + (" (a line that was not read: type its text)" if unread else ""),
                        warning=unread,
                    )
                )
    problems += _alto_boxes(root, path)
    problems += _alto_reading_order(root, ids, path)
    problems += _alto_glyphs(root, path)
    return problems


def _alto_glyphs(root: etree._Element, path: str) -> list[Problem]:
    """Each String's Glyphs and CC still match its CONTENT one-to-one.

    Editors correct CONTENT and leave the Glyphs (and the per-character CC) of the old
    reading behind; an archive then holds two texts for one word that disagree.
    """
    problems: list[Problem] = []
    for st in root.iter():
        if local_name(st) != "String":
            continue
        content = st.get("CONTENT") or ""
        chars = [c for c in content if not c.isspace()]
        label = f"String '{st.get('ID', '')}'"
        glyphs = [g for g in st if local_name(g) == "Glyph"]
        if glyphs:
            text = "".join((g.get("CONTENT") or "").strip() for g in glyphs)
            if len(glyphs) != len(chars):
                problems.append(
                    Problem(
                        path,
                        source_line(st),
                        f"{label} has {len(glyphs)} Glyph(s) for the {len(chars)} "
                        f"character(s) of its CONTENT {content!r}",
                    )
                )
            elif text != "".join(chars):
                problems.append(
                    Problem(
                        path,
                        source_line(st),
                        f"{label} CONTENT {content!r} does not match its Glyphs {text!r}",
                    )
                )
        cc = st.get("CC")
        if cc is not None:
            values = cc.split() if " " in cc.strip() else list(cc.strip())
            if len(values) not in (len(chars), len(content)):
                problems.append(
                    Problem(
                        path,
                        source_line(st),
                        f"{label} CC has {len(values)} value(s) for the {len(chars)} "
                        f"character(s) of its CONTENT {content!r}",
                    )
                )
    return problems


def _alto_boxes(root: etree._Element, path: str) -> list[Problem]:
    """Every box and polygon lies inside its Page (WIDTH x HEIGHT), with sizes >= 0."""
    problems: list[Problem] = []
    for page in root.iter():
        if local_name(page) != "Page":
            continue
        pw, ph = float_attr(page, "WIDTH"), float_attr(page, "HEIGHT")
        if pw is None or ph is None:
            continue
        tol = BOX_TOLERANCE
        for el in page.iter():
            if el is page or not isinstance(el.tag, str):
                continue
            name = local_name(el)
            eid = el.get("ID")
            label = f"{name} '{eid}'" if eid else name
            x, y = float_attr(el, "HPOS"), float_attr(el, "VPOS")
            w, h = float_attr(el, "WIDTH"), float_attr(el, "HEIGHT")
            if name == "Polygon":
                label = "Polygon"
                try:
                    nums = polygon_numbers(el)
                except ValueError:
                    problems.append(
                        Problem(path, source_line(el), "Polygon/@POINTS is not numeric")
                    )
                    continue
                bad = [
                    (nums[i], nums[i + 1])
                    for i in range(0, len(nums) - 1, 2)
                    if not (-tol <= nums[i] <= pw + tol and -tol <= nums[i + 1] <= ph + tol)
                ]
                if bad:
                    bx, by = bad[0]
                    problems.append(
                        Problem(
                            path,
                            source_line(el),
                            f"Polygon point ({bx:g},{by:g}) lies outside the page ({pw:g}x{ph:g})",
                        )
                    )
                continue
            if (w is not None and w < 0) or (h is not None and h < 0):
                problems.append(Problem(path, source_line(el), f"{label} has a negative size"))
                continue
            if (x is not None and x < -tol) or (y is not None and y < -tol):
                problems.append(
                    Problem(
                        path, source_line(el), f"{label} starts outside the page (HPOS/VPOS < 0)"
                    )
                )
                continue
            if x is not None and w is not None and x + w > pw + tol:
                problems.append(
                    Problem(
                        path,
                        source_line(el),
                        f"{label} ends outside the page: HPOS+WIDTH = {x + w:g} > "
                        f"Page WIDTH {pw:g}",
                    )
                )
            if y is not None and h is not None and y + h > ph + tol:
                problems.append(
                    Problem(
                        path,
                        source_line(el),
                        f"{label} ends outside the page: VPOS+HEIGHT = {y + h:g} > "
                        f"Page HEIGHT {ph:g}",
                    )
                )
    return problems


def _excluded_tags(root: etree._Element) -> set[str]:
    """Tag ids marking a text block as deliberately outside the reading order (ads, ...)."""
    out: set[str] = set()
    for el in root.iter():
        if el.get("TYPE") == "reading-order" and el.get("LABEL") == "excluded" and el.get("ID"):
            out.add(el.get("ID", ""))
    return out


def _alto_reading_order(
    root: etree._Element, ids: dict[str, etree._Element], path: str
) -> list[Problem]:
    blocks = [el for el in root.iter() if local_name(el) == _TEXT_BLOCK and el.get("ID")]
    excluded = _excluded_tags(root)
    wanted = [b for b in blocks if not excluded.intersection((b.get("TAGREFS") or "").split())]
    if not wanted:
        return []
    ro = next((el for el in root.iter() if local_name(el) == "ReadingOrder"), None)
    if ro is None:
        first = wanted[0]
        return [
            Problem(
                path,
                source_line(first),
                f"no ReadingOrder, so {len(wanted)} text block(s) have no order",
            )
        ]
    covered: set[str] = set()
    problems: list[Problem] = []
    for ref in ro.iter():
        if local_name(ref) != "ElementRef":
            continue
        for rid in (ref.get("REF") or "").split():
            el = ids.get(rid)
            # A line or String reference covers the block it belongs to.
            while el is not None and local_name(el) != _TEXT_BLOCK:
                el = el.getparent()
            if el is None:
                continue
            bid = el.get("ID", "")
            if bid in covered:
                problems.append(
                    Problem(path, source_line(ref), f"ReadingOrder lists block '{bid}' twice")
                )
            covered.add(bid)
    for b in wanted:
        bid = b.get("ID", "")
        if bid not in covered:
            problems.append(
                Problem(path, source_line(b), f"TextBlock '{bid}' is missing from the ReadingOrder")
            )
    return problems


# ---------------------------------------------------------------------------- METS


def _href_path(href: str, base: Path) -> Path | None:
    parsed = urlparse(href)
    if parsed.scheme in ("", "file"):
        p = Path(unquote(parsed.path))
        return p if p.is_absolute() else base / p
    return None  # http(s): not checked offline


class _AltoIds:
    """ALTO ids per file, parsed once however many METS areas point into the file."""

    def __init__(self) -> None:
        self.cache: dict[Path, set[str] | XmlError] = {}

    def get(self, path: Path) -> set[str] | XmlError:
        if path not in self.cache:
            try:
                root = parse_file(path).getroot()
                self.cache[path] = {el.get("ID", "") for el in root.iter() if el.get("ID")}
            except XmlError as exc:
                self.cache[path] = exc
        return self.cache[path]


def check_mets(root: etree._Element, path: Path, alto_ids: _AltoIds | None = None) -> list[Problem]:
    spath = str(path)
    alto_ids = alto_ids or _AltoIds()
    ids, problems = _ids(root, spath)
    files: dict[str, etree._Element] = {}
    for el in root.iter():
        if local_name(el) == "file" and el.get("ID"):
            files[el.get("ID", "")] = el

    def need(el: etree._Element, attr: str, ref: str, kinds: set[str]) -> etree._Element | None:
        target = ids.get(ref)
        if target is None:
            problems.append(
                Problem(
                    spath, source_line(el), f"{local_name(el)}/@{attr} refers to missing ID '{ref}'"
                )
            )
            return None
        if local_name(target) not in kinds:
            problems.append(
                Problem(
                    spath,
                    source_line(el),
                    f"{local_name(el)}/@{attr} '{ref}' points at a {local_name(target)}, "
                    f"expected {' or '.join(sorted(kinds))}",
                )
            )
            return None
        return target

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = local_name(el)
        if name in ("fptr", "area") and el.get("FILEID"):
            need(el, "FILEID", el.get("FILEID", ""), {"file"})
        for attr in ("DMDID", "ADMID"):
            for ref in (el.get(attr) or "").split():
                need(el, attr, ref, {"dmdSec", "techMD", "rightsMD", "sourceMD", "digiprovMD"})
        if name == "smLink":
            for attr in ("from", "to"):
                link = el.get(f"{{{XLINK_NS}}}{attr}")
                if link:
                    need(el, f"xlink:{attr}", link, {"div"})
        if name == "area" and el.get("BETYPE", "IDREF") == "IDREF":
            problems += _mets_area(el, files, path, alto_ids)
        if name == "FLocat":
            problems += _mets_flocat(el, path)
    return problems


def _mets_flocat(loc: etree._Element, path: Path) -> list[Problem]:
    """A file's location resolves (relative to the METS file, as METS consumers read it)."""
    href = loc.get(f"{{{XLINK_NS}}}href")
    parent = loc.getparent()
    fid = parent.get("ID", "") if parent is not None else ""
    if not href:
        return [Problem(str(path), source_line(loc), f"file '{fid}' has no FLocat/@xlink:href")]
    target = _href_path(href, path.parent)
    if target is None or target.is_file():
        return []
    return [
        Problem(
            str(path),
            source_line(loc),
            f"file '{fid}': {href} does not exist (hrefs are resolved relative to the METS file)",
        )
    ]


# ---------------------------------------------------------------------------- PAGE


def check_page(root: etree._Element, path: Path) -> list[Problem]:
    """PAGE-XML: ids unique, every regionRef (reading order, relations) names a region of
    the file, and the page image resolves relative to the PAGE file, as editors open it."""
    spath = str(path)
    ids, problems = _ids(root, spath, attr="id")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ref = el.get("regionRef")
        if ref is None:
            continue
        target = ids.get(ref)
        if target is None or not local_name(target).endswith("Region"):
            problems.append(
                Problem(spath, source_line(el), f"regionRef '{ref}' names no region of this file")
            )
    for page in root.iter(f"{{{etree.QName(root).namespace}}}Page"):
        href = page.get("imageFilename", "")
        target_path = _href_path(href, path.parent) if href else None
        if href and target_path is not None and not target_path.is_file():
            problems.append(
                Problem(
                    spath,
                    source_line(page),
                    f"imageFilename {href} does not exist (resolved relative to the PAGE file)",
                )
            )
    return problems


def _mets_area(
    area: etree._Element, files: dict[str, etree._Element], path: Path, alto_ids: _AltoIds
) -> list[Problem]:
    spath = str(path)
    fid = area.get("FILEID", "")
    f = files.get(fid)
    if f is None:
        return []  # reported as a missing FILEID
    loc = next((c for c in f if local_name(c) == "FLocat"), None)
    href = loc.get(f"{{{XLINK_NS}}}href") if loc is not None else None
    target = _href_path(href, path.parent) if href else None
    if href is None or target is None or not target.is_file():
        return []  # reported with the FLocat
    try:
        # An area's text lives in the issue's own ALTO: never read a file elsewhere.
        target = inside(path.parent, unquote(urlparse(href).path), what="ALTO href")
    except UnsafePathError:
        return [
            Problem(
                spath,
                source_line(area),
                f"area points into {href}, outside the METS file's folder; not read",
            )
        ]
    found = alto_ids.get(target)
    if isinstance(found, XmlError):
        return [Problem(spath, source_line(area), f"area points into {href}, which is unreadable: "
                        f"{found.message}")]  # fmt: skip
    out: list[Problem] = []
    for attr in ("BEGIN", "END"):
        ref = area.get(attr)
        if ref and ref not in found:
            out.append(
                Problem(spath, source_line(area), f"area/@{attr} '{ref}' is not an ID in {href}")
            )
    return out


# ---------------------------------------------------------------------------- driver


def xml_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and *.xml below folders (the `.digitize` state folder is skipped)."""
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*.xml")):
                if not any(part.startswith(".") for part in f.relative_to(p).parts):
                    yield f
        else:
            yield p


def validate_paths(paths: Iterable[Path], schemas: Schemas) -> Report:
    report = Report()
    alto_ids = _AltoIds()
    unchecked: set[str] = set()
    for path in xml_files(paths):
        start = len(report.problems)
        _validate_one(path, report, schemas, alto_ids, unchecked)
        # One file's problems in line order, whichever check found them.
        report.problems[start:] = sorted(report.problems[start:], key=lambda p: p.line or 0)
    for msg in schemas.errors:
        report.problems.append(Problem(msg.split(": ", 1)[0], None, msg.split(": ", 1)[-1]))
    return report


def _validate_one(
    path: Path, report: Report, schemas: Schemas, alto_ids: _AltoIds, unchecked: set[str]
) -> None:
    """Parse one file and run the checks for its kind."""
    spath = str(path)
    report.checked.append(spath)
    try:
        tree = parse_file(path)
    except XmlError as exc:
        report.problems.append(Problem(spath, exc.line, exc.message))
        return
    root = tree.getroot()
    ns = etree.QName(root).namespace or ""
    name = local_name(root)
    if name == "alto":
        kind = "alto"
        if not ns.startswith(ALTO_NS_PREFIX):
            report.problems.append(
                Problem(spath, source_line(root), f"<alto> is not in an ALTO namespace ({ns!r})")
            )
        report.problems += check_alto(root, spath)
    elif name == "mets" and ns == METS_NS:
        kind = "mets"
        report.problems += check_mets(root, path, alto_ids)
    elif name == "PcGts" and ns.startswith(PAGE_NS_PREFIX):
        kind = "pagecontent"
        report.problems += check_page(root, path)
    else:
        report.checked.pop()
        return  # not ALTO or METS: not ours to judge
    schema = schemas.get(kind)
    if schema is not None:
        report.problems += list(_schema_problems(schema, tree, spath))
    elif kind not in unchecked:
        unchecked.add(kind)
        where = f"in {schemas.folder}" if schemas.folder else "(no schema folder given)"
        # A named folder without the schema is a mistake to report, not a silent pass.
        report.problems.append(
            Problem(
                spath,
                None,
                f"{_LABELS[kind]} files not checked against the schema: no {kind}*.xsd "
                f"{where}; use --schemas DIR or {SCHEMAS_ENV}",
                warning=schemas.folder is None,
            )
        )
