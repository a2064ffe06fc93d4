"""`digitize review`: one self-contained HTML page per issue for proof-reading.

Each page image (downscaled JPEG, embedded as base64) carries SVG overlays drawn from the
ALTO boxes exactly as written: blocks outlined in their type's colour and numbered in
reading order, low-confidence characters or words shaded red. Beside it is the page
text in reading order with the same words marked, and the issue's articles are listed
on top; hovering a block or an article lights up its regions. Nothing is fetched from
outside, so the file can be mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitize.archive.rebuild import alto_files
from digitize.archive.search import RECORDS_NAME, AltoBlock, AltoLayout, AltoString, read_layout
from digitize.batch.store import Manifest, atomic_write
from digitize.errors import InputError
from digitize.model import Image, RegionType
from digitize.serialize.overlay import TYPE_COLOURS
from digitize.serialize.xmlsafe import XmlError
from digitize.stages.load import PageSource, load_page

REVIEW_NAME = "review.html"
DEFAULT_LOW_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    max_side: int = 1600  # px of the embedded image's longer side
    jpeg_quality: int = 80
    low_confidence: float = DEFAULT_LOW_CONFIDENCE
    images: Path | None = None  # folder to look for scans in, by ALTO fileName


def _hex(bgr: tuple[int, int, int]) -> str:
    b, g, r = bgr
    return f"#{r:02x}{g:02x}{b:02x}"


COLOURS = {t.value: _hex(c) for t, c in TYPE_COLOURS.items()}


def _find_image(layout: AltoLayout, manifest: Manifest, options: ReviewOptions) -> PageSource:
    stem = layout.path.stem
    number = layout.number or 1
    entry = manifest.pages.get(stem)
    candidates: list[tuple[Path, int]] = []
    if entry is not None:
        candidates.append((Path(entry.file), entry.index))
    name = Path(layout.image_file).name
    if options.images is not None and name:
        candidates.append((options.images / name, 0))
    if name:
        candidates.append((layout.path.parent / name, 0))
    for path, index in candidates:
        if path.is_file():
            return PageSource(file=path, index=index, stem=stem, number=number)
    tried = ", ".join(str(p) for p, _ in candidates) or "(no file name in the ALTO)"
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
        raise RuntimeError("JPEG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii"), scale


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _shape(block: AltoBlock, attrs: str, inner: str) -> str:
    """The block as an SVG polygon (its Shape, when skewed) or rect."""
    if block.polygon:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in block.polygon)
        return f'<polygon points="{pts}" {attrs}>{inner}</polygon>'
    if block.box is None:
        return ""
    x, y, w, h = block.box
    geo = f'x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}"'
    return f"<rect {geo} {attrs}>{inner}</rect>"


def _low_boxes(s: AltoString, threshold: float) -> list[tuple[tuple[float, ...], str, float]]:
    """(box, text, confidence) of the low-confidence parts of a String: per glyph when
    the String has glyphs (a Chinese String is a whole line), else the String itself."""
    if s.glyphs:
        return [
            (g.box, g.content, g.gc)
            for g in s.glyphs
            if g.box is not None and g.gc is not None and g.gc < threshold
        ]
    if s.box is not None and s.wc is not None and s.wc < threshold:
        return [(s.box, s.content, s.wc)]
    return []


def _string_html(s: AltoString, threshold: float) -> str:
    chars = [c for c in s.content if not c.isspace()]
    if s.glyphs and len(s.glyphs) == len(chars):
        out: list[str] = []
        glyphs = iter(s.glyphs)
        for ch in s.content:
            if ch.isspace():
                out.append(html.escape(ch))
                continue
            g = next(glyphs)
            if g.gc is not None and g.gc < threshold:
                out.append(f'<mark title="GC {g.gc:.2f}">{html.escape(ch)}</mark>')
            else:
                out.append(html.escape(ch))
        return "".join(out)
    if s.wc is not None and s.wc < threshold:
        return f'<mark title="WC {s.wc:.2f}">{html.escape(s.content)}</mark>'
    return html.escape(s.content)


def _page_html(
    k: int, layout: AltoLayout, image: tuple[str, float] | None, note: str, threshold: float
) -> str:
    w, h = layout.width, layout.height
    order = {bid: n for n, bid in enumerate(layout.reading_order, start=1)}
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
    badge = max(14.0, max(w, h) / 110)
    ordered = sorted(layout.blocks, key=lambda b: b.element == "TextBlock")  # text on top
    for b in ordered:
        colour = COLOURS.get(b.type, "#555555")
        attrs = (
            f'class="blk" stroke-width="{_f(stroke)}" style="stroke:{colour};fill:{colour}" '
            f'data-block="p{k}-{html.escape(b.id)}" data-article="{html.escape(b.article or "")}"'
        )
        svg.append(_shape(b, attrs, f"<title>{html.escape(b.id)} · {b.type}</title>"))
        for line in b.lines:
            for s in line.strings:
                for (x, y, bw, bh), text, conf in _low_boxes(s, threshold):
                    svg.append(
                        f'<rect class="low" x="{_f(x)}" y="{_f(y)}" width="{_f(bw)}" '
                        f'height="{_f(bh)}"><title>{html.escape(text)} {conf:.2f}</title></rect>'
                    )
        if b.id in order and b.box is not None:
            x, y = b.box[0], b.box[1]
            svg.append(
                f'<g class="num"><rect x="{_f(x)}" y="{_f(y)}" width="{_f(badge * 1.8)}" '
                f'height="{_f(badge * 1.3)}" rx="{_f(badge / 4)}" fill="{colour}"/>'
                f'<text x="{_f(x + badge * 0.9)}" y="{_f(y + badge)}" font-size="{_f(badge)}" '
                f'text-anchor="middle">{order[b.id]}</text></g>'
            )
    svg.append("</svg>")
    svg_html = "\n".join(svg)

    by_id = {b.id: b for b in layout.blocks}
    text_rows: list[str] = []
    listed = [by_id[i] for i in layout.reading_order if i in by_id]
    listed += [b for b in layout.blocks if b.element == "TextBlock" and b.id not in order]
    for b in listed:
        colour = COLOURS.get(b.type, "#555555")
        lines = []
        for line in b.lines:
            lines.append(" ".join(_string_html(s, threshold) for s in line.strings))
        num = order.get(b.id)
        text_rows.append(
            f'<div class="tb" data-block="p{k}-{html.escape(b.id)}" '
            f'data-article="{html.escape(b.article or "")}">'
            f'<span class="badge" style="background:{colour}">{num if num else "–"}</span>'
            f'<span class="type" style="color:{colour}">{html.escape(b.type)}</span> '
            f'<span class="bid">{html.escape(b.id)}</span>'
            f'<div class="lines">{"<br>".join(lines)}</div></div>'
        )
    title = f"Page {layout.number or k}"
    if layout.printed:
        title += f" (printed {layout.printed})"
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return (
        f'<section class="page" id="page-{k}"><h2>{html.escape(title)} · '
        f"{html.escape(layout.path.name)}</h2>{note_html}"
        f'<div class="row"><div class="img">{svg_html}</div>'
        f'<div class="text">{"".join(text_rows)}</div></div></section>'
    )


def _articles_html(folder: Path) -> str:
    path = folder / RECORDS_NAME
    if not path.is_file():
        return '<p class="note">No articles.jsonl in this folder.</p>'
    rows: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        text = str(rec.get("text") or "").replace("\n", " ")
        pages = ", ".join(str(p) for p in rec.get("pages") or [])
        jumps = len(rec.get("jumps") or [])
        rows.append(
            f'<tr data-article="{html.escape(str(rec.get("id", "")))}">'
            f"<td>{html.escape(str(rec.get('id', '')))}</td>"
            f"<td><b>{html.escape(str(rec.get('title') or '(untitled)'))}</b></td>"
            f"<td>{html.escape(pages)}{' ↪' if jumps else ''}</td>"
            f"<td>{float(rec.get('confidence') or 0):.2f}</td>"
            f"<td>{html.escape(text[:90])}{'…' if len(text) > 90 else ''}</td></tr>"
        )
    return (
        '<table class="arts"><thead><tr><th>id</th><th>title</th><th>pages</th>'
        "<th>conf</th><th>text</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK","AR PL UMing CN",sans-serif;margin:0;
 background:#fafafa;color:#222}
header{padding:10px 16px;background:#263238;color:#fff}
header h1{margin:0;font-size:20px}
.legend span{display:inline-block;margin:4px 8px 0 0;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:3px;vertical-align:-1px}
main{padding:8px 16px}
table.arts{border-collapse:collapse;font-size:13px;margin-bottom:12px}
table.arts td,table.arts th{border:1px solid #ccc;padding:2px 6px;text-align:left}
table.arts tr:hover,table.arts tr.on{background:#fff3c4;cursor:pointer}
.page h2{font-size:16px;margin:16px 0 6px}
.row{display:flex;gap:12px;align-items:flex-start}
.img{flex:0 0 58%}
.scan{width:100%;height:auto;border:1px solid #999;background:#fff}
.blk{fill-opacity:.08;stroke-opacity:.9}
.blk.on{fill-opacity:.3}
.low{fill:#ff1744;fill-opacity:.35;stroke:none}
.num text{fill:#fff;font-family:sans-serif;font-weight:bold}
.text{flex:1;font-size:14px;line-height:1.6;max-height:95vh;overflow:auto}
.tb{border-left:3px solid #ddd;padding:2px 8px;margin:4px 0}
.tb.on{background:#fff3c4}
.badge{color:#fff;border-radius:3px;padding:0 5px;font-size:11px;margin-right:4px}
.type{font-size:11px;font-weight:bold}
.bid{font-size:10px;color:#888}
mark{background:#ffcdd2;color:#b71c1c}
.note{color:#b71c1c;font-size:13px}
"""

_JS = """
function light(attr,val,on){if(!val)return;
 document.querySelectorAll('['+attr+'="'+CSS.escape(val)+'"]').forEach(
  function(e){e.classList.toggle('on',on)});}
document.querySelectorAll('[data-block]').forEach(function(e){
 e.addEventListener('mouseenter',function(){light('data-block',e.dataset.block,true)});
 e.addEventListener('mouseleave',function(){light('data-block',e.dataset.block,false)});});
document.querySelectorAll('tr[data-article]').forEach(function(e){
 e.addEventListener('mouseenter',function(){light('data-article',e.dataset.article,true)});
 e.addEventListener('mouseleave',function(){light('data-article',e.dataset.article,false)});});
"""


def build_review(folder: Path, options: ReviewOptions | None = None) -> tuple[str, list[str]]:
    """(HTML document, problems) for one issue folder. Unreadable ALTO files or missing
    images are reported and the rest of the issue is still shown."""
    options = options or ReviewOptions()
    manifest = Manifest.load(folder)
    problems: list[str] = []
    layouts: list[AltoLayout] = []
    for path in alto_files(folder):
        try:
            layout = read_layout(path)
        except XmlError as exc:
            if "not <alto>" not in exc.message:
                problems.append(str(exc))
            continue
        layouts.append(layout)
    layouts.sort(key=lambda lay: (lay.number or 0, lay.path.name))
    sections: list[str] = []
    for k, layout in enumerate(layouts, start=1):
        image: tuple[str, float] | None = None
        note = ""
        try:
            scan = load_page(_find_image(layout, manifest, options))
            if scan.shape[1] != round(layout.width) or scan.shape[0] != round(layout.height):
                # Boxes are in scan pixels; stretch the picture onto the ALTO page size.
                size = (round(layout.width), round(layout.height))
                scan = np.asarray(cv2.resize(scan, size), np.uint8)
            image = _jpeg(np.ascontiguousarray(scan), options)
        except InputError as exc:
            note = f"No page image: {exc}"
            problems.append(f"{layout.path}: {note}")
        sections.append(_page_html(k, layout, image, note, options.low_confidence))
    legend = "".join(
        f'<span><i style="background:{COLOURS[t.value]}"></i>{t.value}</span>' for t in RegionType
    )
    legend += '<span><i style="background:#ff1744;opacity:.5"></i>confidence &lt; '
    legend += f"{options.low_confidence:g}</span>"
    nav = " · ".join(
        f'<a style="color:#fff" href="#page-{k}">{html.escape(lay.path.stem)}</a>'
        for k, lay in enumerate(layouts, start=1)
    )
    doc = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>Review {html.escape(folder.name)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{html.escape(folder.name)}: {len(layouts)} page(s)</h1>"
        f'<div class="legend">{legend}</div><div>{nav}</div></header><main>'
        f"<h2>Articles</h2>{_articles_html(folder)}{''.join(sections)}</main>"
        f"<script>{_JS}</script></body></html>"
    )
    return doc, problems


def write_review(folder: Path, options: ReviewOptions | None = None) -> tuple[Path, list[str]]:
    doc, problems = build_review(folder, options)
    out = folder / REVIEW_NAME
    atomic_write(out, doc.encode("utf-8"))
    return out, problems
