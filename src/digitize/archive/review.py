"""`digitize review`: one self-contained HTML page per issue for proof-reading.

Each page image (downscaled JPEG, embedded as base64) carries SVG overlays drawn from the
ALTO boxes exactly as written: blocks outlined in their type's colour, low-confidence
characters or words shaded red, and each block's reading-order number on a badge set
beside the block (never over its text; a leader points at the block's corner). Beside it
is the page text in reading order with the same characters marked, and the issue's
articles are listed on top. Pointing at a block lights it up and scrolls the text panel
to it; clicking a block or an article shows its text and confidence; the image zooms up
to the scan's pixels and pans. Nothing is fetched from outside, so the file can be
mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitize.archive.documents import RECORDS_NAME, read_records
from digitize.archive.rebuild import alto_files
from digitize.archive.review_assets import CSS, JS
from digitize.batch.store import Manifest, atomic_write
from digitize.errors import InputError
from digitize.model import Box, Image, Line, Region, RegionType
from digitize.serialize.alto_read import AltoPage, NotAltoError, ScanBox, read_alto_page
from digitize.serialize.overlay import TYPE_COLOURS
from digitize.serialize.xmlsafe import UnsafePathError, inside
from digitize.stages.load import PageSource, load_page

REVIEW_NAME = "review.html"
DEFAULT_LOW_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    max_side: int = 3200  # px of the embedded image's longer side (zoom shows detail)
    jpeg_quality: int = 80
    low_confidence: float = DEFAULT_LOW_CONFIDENCE
    images: Path | None = None  # folder to look for scans in, by ALTO fileName


def _hex(bgr: tuple[int, int, int]) -> str:
    b, g, r = bgr
    return f"#{r:02x}{g:02x}{b:02x}"


COLOURS = {t.value: _hex(c) for t, c in TYPE_COLOURS.items()}


def _find_image(
    alto: AltoPage, path: Path, manifest: Manifest, options: ReviewOptions
) -> PageSource:
    """The page's scan: the run's source file (from the manifest), else the ALTO
    fileName looked up in --images DIR or the issue folder. The fileName comes from an
    edited file, so only its last part is used and it must stay inside that folder."""
    page = alto.page
    stem = path.stem
    entry = manifest.pages.get(stem)
    candidates: list[tuple[Path, int]] = []
    if entry is not None:
        candidates.append((Path(entry.file), entry.index))
    name = Path(alto.image_file).name
    for folder in (options.images, path.parent):
        if folder is None or not name:
            continue
        try:
            candidates.append((inside(folder, name, what="image file name"), 0))
        except UnsafePathError:
            continue
    for file, index in candidates:
        if file.is_file():
            return PageSource(file=file, index=index, stem=stem, number=page.number)
    tried = ", ".join(repr(str(p)) for p, _ in candidates) or "(no file name in the ALTO)"
    raise InputError(f"page image not found (tried {tried})", hint="pass --images DIR")


def _jpeg(image: Image, options: ReviewOptions) -> tuple[str, float]:
    """Base64 JPEG of the image scaled to fit max_side, and the scale used."""
    h, w = image.shape[:2]
    scale = min(1.0, options.max_side / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, options.jpeg_quality])
    if not ok:
        raise InputError("the page image could not be encoded as JPEG")
    return base64.b64encode(buf.tobytes()).decode("ascii"), scale


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _esc(text: object) -> str:
    """Text or attribute value for the page: every value comes from edited files."""
    return html.escape(str(text), quote=True)


def _box(alto: AltoPage, rid: str, box: Box) -> ScanBox:
    """Scan box of a block or line as written, else mapped from the page frame."""
    written = alto.boxes.get(rid)
    if written is not None:
        return written
    b = alto.page.to_scan_box(box)
    return (b.x0, b.y0, b.width, b.height)


def _shape(alto: AltoPage, block: Region, attrs: str, inner: str) -> str:
    """The block as an SVG polygon (its Shape, when skewed) or rect."""
    polygon = alto.polygons.get(block.id)
    if polygon:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in polygon)
        return f'<polygon points="{pts}" {attrs}>{inner}</polygon>'
    x, y, w, h = _box(alto, block.id, block.box)
    geo = f'x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}"'
    return f"<rect {geo} {attrs}>{inner}</rect>"


def _glyphs_match(line: Line) -> bool:
    return bool(line.glyphs) and len(line.glyphs) == sum(1 for c in line.text if not c.isspace())


def _low_boxes(alto: AltoPage, line: Line, threshold: float) -> list[tuple[ScanBox, str, float]]:
    """(scan box, text, confidence) of the low-confidence parts of a line: per glyph when
    the line has glyphs (a Chinese String is a whole line), else the line itself."""
    if _glyphs_match(line):
        out: list[tuple[ScanBox, str, float]] = []
        for g in line.glyphs:
            if g.confidence < threshold:
                b = alto.page.to_scan_box(g.box)
                out.append(((b.x0, b.y0, b.width, b.height), g.text, g.confidence))
        return out
    if line.text.strip() and line.confidence < threshold:
        return [(_box(alto, line.id, line.box), line.text, line.confidence)]
    return []


def _line_html(line: Line, threshold: float) -> str:
    if _glyphs_match(line):
        out: list[str] = []
        glyphs = iter(line.glyphs)
        for ch in line.text:
            if ch.isspace():
                out.append(_esc(ch))
                continue
            g = next(glyphs)
            if g.confidence < threshold:
                out.append(f'<mark title="GC {g.confidence:.2f}">{_esc(ch)}</mark>')
            else:
                out.append(_esc(ch))
        return "".join(out)
    if line.text.strip() and line.confidence < threshold:
        return f'<mark title="WC {line.confidence:.2f}">{_esc(line.text)}</mark>'
    return _esc(line.text)


def _overlap(a: ScanBox, b: ScanBox) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def badge_spot(
    block: ScanBox, size: tuple[float, float], page: tuple[float, float],
    lines: list[ScanBox], blocks: list[ScanBox],
) -> ScanBox:  # fmt: skip
    """Where a block's reading-order badge goes: beside its top-left corner, outside it.

    A proof-reader checks exactly the first characters of a block, so the badge must not
    cover them. Left of the corner, above it, above-left, lower left, right of the top
    right corner: the first spot (kept on the page) that covers the least text of any
    line on the page, then the least of any text block, wins.
    """
    x, y, w, _ = block
    bw, bh = size
    gap = bh / 4
    spots = [
        (x - bw - gap, y), (x, y - bh - gap), (x - bw - gap, y - bh - gap),
        (x - bw - gap, y + bh + gap), (x + w + gap, y), (x + w + gap, y - bh - gap),
    ]  # fmt: skip
    best: tuple[float, float, int] | None = None
    spot: ScanBox = (x, y, bw, bh)
    for k, (sx, sy) in enumerate(spots):
        sx = min(max(0.0, sx), max(0.0, page[0] - bw))
        sy = min(max(0.0, sy), max(0.0, page[1] - bh))
        r = (sx, sy, bw, bh)
        score = (sum(_overlap(r, t) for t in lines), sum(_overlap(r, b) for b in blocks), k)
        if best is None or score < best:
            best, spot = score, r
    return spot


def _block_confidence(block: Region) -> tuple[str, str]:
    """(mean line confidence, lowest glyph confidence) of a block, for the info panel."""
    lines = [ln for ln in block.lines if ln.text.strip()]
    if not lines:
        return "–", "–"
    mean = sum(ln.confidence for ln in lines) / len(lines)
    glyphs = [g.confidence for ln in lines for g in ln.glyphs]
    low = min(glyphs) if glyphs else min(ln.confidence for ln in lines)
    return f"{mean:.2f}", f"{low:.2f}"


def _badges(alto: AltoPage, k: int, order: dict[str, int], stroke: float) -> list[str]:
    """Reading-order badges beside their blocks, each with a leader to the block corner."""
    page = alto.page
    w, h = page.transform.scan_width, page.transform.scan_height
    em = max(14.0, max(w, h) / 110)
    lines = [_box(alto, ln.id, ln.box) for b in page.regions for ln in b.lines if ln.text.strip()]
    texts = [_box(alto, b.id, b.box) for b in page.regions if b.type.is_text]
    out: list[str] = []
    for b in page.regions:
        if b.id not in order:
            continue
        colour = COLOURS.get(b.type.value, "#555555")
        label = str(order[b.id])
        size = (em * (0.5 + 0.62 * len(label)), em * 1.25)
        box = _box(alto, b.id, b.box)
        x, y, bw, bh = badge_spot(box, size, (w, h), lines, texts)
        cx = min(max(box[0], x), x + bw)  # leader: nearest point of the badge to the corner
        cy = min(max(box[1], y), y + bh)
        out.append(
            f'<g class="num" data-block="p{k}-{_esc(b.id)}">'
            f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(box[0])}" y2="{_f(box[1])}" '
            f'stroke="{colour}" stroke-width="{_f(stroke)}"/>'
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(bw)}" height="{_f(bh)}" '
            f'rx="{_f(em / 4)}" fill="{colour}"/>'
            f'<text x="{_f(x + bw / 2)}" y="{_f(y + em * 0.95)}" font-size="{_f(em)}" '
            f'text-anchor="middle">{label}</text></g>'
        )
    return out


_TOOLS = (
    '<div class="tools"><button type="button" data-zoom="out" title="zoom out">−</button>'
    '<button type="button" data-zoom="in" title="zoom in">+</button>'
    '<button type="button" data-zoom="fit" title="fit the width">fit</button>'
    '<button type="button" data-zoom="native" title="one scan pixel per screen pixel">1:1'
    '</button><span class="zl">100%</span>'
    '<label><input type="checkbox" class="nums" checked> order numbers</label>'
    '<span class="hint">Ctrl+wheel or double-click: zoom · drag: pan · '
    "click a block: its text</span></div>"
)
_INFO = (
    '<div class="info"{id} hidden><button type="button" class="x" title="close">×</button>'
    '<div class="ih"></div><div class="ib"></div></div>'
)


def _page_html(
    k: int, alto: AltoPage, name: str, image: tuple[str, float] | None, note: str, threshold: float
) -> str:
    page = alto.page
    w, h = page.transform.scan_width, page.transform.scan_height
    order = {bid: n for n, bid in enumerate(page.reading_order, start=1)}
    svg: list[str] = [
        f'<svg class="scan" viewBox="0 0 {_f(w)} {_f(h)}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMin meet">',
        f'<rect x="0" y="0" width="{_f(w)}" height="{_f(h)}" fill="#f4f1e8"/>',
    ]
    if image is not None:
        svg.append(
            f'<image x="0" y="0" width="{_f(w)}" height="{_f(h)}" '
            f'href="data:image/jpeg;base64,{image[0]}"/>'
        )
    stroke = max(2.0, max(w, h) / 900)
    ordered = sorted(page.regions, key=lambda b: b.type.is_text)  # text on top
    for b in ordered:
        colour = COLOURS.get(b.type.value, "#555555")
        attrs = (
            f'class="blk" stroke-width="{_f(stroke)}" style="stroke:{colour};fill:{colour}" '
            f'data-block="p{k}-{_esc(b.id)}" data-article="{_esc(b.article_id or "")}" '
            f'data-type="{_esc(b.type.value)}" data-id="{_esc(b.id)}"'
        )
        svg.append(_shape(alto, b, attrs, f"<title>{_esc(b.id)} · {_esc(b.type.value)}</title>"))
        for line in b.lines:
            for (x, y, bw, bh), text, conf in _low_boxes(alto, line, threshold):
                svg.append(
                    f'<rect class="low" x="{_f(x)}" y="{_f(y)}" width="{_f(bw)}" '
                    f'height="{_f(bh)}"><title>{_esc(text)} {conf:.2f}</title></rect>'
                )
    svg += _badges(alto, k, order, stroke / 2)
    svg.append("</svg>")
    svg_html = "\n".join(svg)

    text_rows: list[str] = []
    listed = page.ordered_regions()
    listed += [b for b in page.regions if b.type.is_text and b.id not in order]
    for b in listed:
        colour = COLOURS.get(b.type.value, "#555555")
        lines = [_line_html(line, threshold) for line in b.lines]
        num = order.get(b.id)
        mean, low = _block_confidence(b)
        text_rows.append(
            f'<div class="tb" data-block="p{k}-{_esc(b.id)}" '
            f'data-article="{_esc(b.article_id or "")}" data-type="{_esc(b.type.value)}" '
            f'data-id="{_esc(b.id)}" data-num="{num or ""}" data-conf="{mean}" data-min="{low}">'
            f'<span class="badge" style="background:{colour}">{num if num else "–"}</span>'
            f'<span class="type" style="color:{colour}">{_esc(b.type.value)}</span> '
            f'<span class="bid">{_esc(b.id)}</span> <span class="conf">{mean}</span>'
            f'<div class="lines">{"<br>".join(lines)}</div></div>'
        )
    title = f"Page {page.number}"
    if page.printed_number:
        title += f" (printed {page.printed_number})"
    note_html = f'<p class="note">{_esc(note)}</p>' if note else ""
    return (
        f'<section class="page" id="page-{k}"><h2>{_esc(title)} · '
        f"{_esc(name)}</h2>{note_html}"
        f'<div class="row"><div class="img">{_TOOLS}'
        f'<div class="vp" data-scan-width="{_f(w)}">{svg_html}</div></div>'
        f'<div class="side">{_INFO.format(id="")}'
        f'<div class="text">{"".join(text_rows)}</div></div></div></section>'
    )


def _articles_html(folder: Path) -> tuple[str, list[str]]:
    """The articles table, and one message per record that could not be used."""
    if not (folder / RECORDS_NAME).is_file():
        return '<p class="note">No articles.jsonl in this folder.</p>', []
    records, problems = read_records(folder)
    rows: list[str] = []
    for rec in records:
        text = str(rec.get("text") or "").replace("\n", " ")
        pages = ", ".join(str(p) for p in _labels(rec.get("pages")))
        jumps = rec.get("jumps")
        jumped = isinstance(jumps, list) and bool(jumps)
        conf = rec.get("confidence")
        conf_text = f"{conf:.2f}" if isinstance(conf, int | float) else "–"
        art = _esc(rec.get("id", ""))
        rows.append(
            f'<tr data-article="{art}" data-title="{_esc(rec.get("title") or "(untitled)")}" '
            f'data-pages="{_esc(pages)}" data-conf="{conf_text}" '
            f'data-text="{_esc(rec.get("text") or "")}"><td>{art}</td>'
            f"<td><b>{_esc(rec.get('title') or '(untitled)')}</b></td>"
            f"<td>{_esc(pages)}{' ↪' if jumped else ''}</td>"
            f"<td>{conf_text}</td>"
            f"<td>{_esc(text[:90])}{'…' if len(text) > 90 else ''}</td></tr>"
        )
    table = (
        '<table class="arts"><thead><tr><th>id</th><th>title</th><th>pages</th>'
        "<th>conf</th><th>text</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return table + _INFO.format(id=' id="artinfo"'), problems


def _labels(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def build_review(folder: Path, options: ReviewOptions | None = None) -> tuple[str, list[str]]:
    """(HTML document, problems) for one issue folder. Unreadable ALTO files or missing
    images are reported and the rest of the issue is still shown."""
    options = options or ReviewOptions()
    manifest = Manifest.load(folder)
    problems: list[str] = []
    altos: list[tuple[AltoPage, Path]] = []
    for path in alto_files(folder):
        try:
            altos.append((read_alto_page(inside(folder, path.name, what="ALTO file")), path))
        except NotAltoError:
            continue  # some other XML kept beside the pages
        except InputError as exc:
            problems.append(str(exc))
    altos.sort(key=lambda a: (a[0].page.number, a[1].name))
    articles, record_problems = _articles_html(folder)
    problems += record_problems
    sections: list[str] = []
    for k, (alto, path) in enumerate(altos, start=1):
        image: tuple[str, float] | None = None
        note = ""
        t = alto.page.transform
        try:
            scan = load_page(_find_image(alto, path, manifest, options))
            if scan.shape[1] != t.scan_width or scan.shape[0] != t.scan_height:
                # Boxes are in scan pixels; stretch the picture onto the ALTO page size.
                scan = np.asarray(cv2.resize(scan, (t.scan_width, t.scan_height)), np.uint8)
            image = _jpeg(np.ascontiguousarray(scan), options)
        except InputError as exc:
            note = f"No page image: {exc}"
            problems.append(f"{path}: {note}")
        sections.append(_page_html(k, alto, path.name, image, note, options.low_confidence))
    legend = "".join(
        f'<span><i style="background:{COLOURS[t.value]}"></i>{t.value}</span>' for t in RegionType
    )
    legend += '<span><i style="background:#ff1744;opacity:.5"></i>confidence &lt; '
    legend += f"{options.low_confidence:g}</span>"
    nav = " · ".join(
        f'<a style="color:#fff" href="#page-{k}">{_esc(path.stem)}</a>'
        for k, (_, path) in enumerate(altos, start=1)
    )
    doc = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>Review {_esc(folder.name)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_esc(folder.name)}: {len(altos)} page(s)</h1>"
        f'<div class="legend">{legend}</div><div>{nav}</div></header><main>'
        f"<h2>Articles</h2>{articles}{''.join(sections)}</main>"
        f"<script>{JS}</script></body></html>"
    )
    return doc, problems


def write_review(folder: Path, options: ReviewOptions | None = None) -> tuple[Path, list[str], int]:
    """Write the issue's review page atomically; (path, problems, bytes written)."""
    doc, problems = build_review(folder, options)
    out = folder / REVIEW_NAME
    data = doc.encode("utf-8")
    atomic_write(out, data)
    return out, problems, len(data)
