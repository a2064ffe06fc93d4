"""IIIF Presentation 3 manifest of an issue: what Mirador and the Universal Viewer open.

One Canvas per page (the scan's size) painted with the page image, the page's ALTO linked
as `seeAlso` (what IIIF Content Search over Solr's OCR highlighting plugin reads), and
one Range per article pointing at the parts of the canvases it covers (`#xywh=`).

Ids: Presentation 3 requires every resource id to be an absolute HTTP(S) URI (iiif-prezi3
rejects relative ones too), so ids cannot resolve against the manifest's own location.
`base_url` is therefore required: the URL the issue folder is published at (manifest,
images and ALTO lie side by side there, as digitize writes them). A `file:` URI of the
output folder works for local viewing and tests, but viewers on the web need HTTP(S).

The JSON is built here as plain data (the format is small and stable); the tests load it
with iiif-prezi3's pydantic models to check it against the specification's model.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import quote, urljoin, urlsplit

from digitize.model import Box, Issue, Page
from digitize.serialize.alto import block_ids

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
ALTO_PROFILE = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
METS_PROFILE = "http://www.loc.gov/standards/mets/mets.xsd"

JsonObject = dict[str, object]


def _label(text: str, lang: str = "none") -> dict[str, list[str]]:
    return {lang: [text]}


def _join(base: str, name: str) -> str:
    """`name` (a path relative to the issue folder, `..` allowed) resolved against `base`."""
    return urljoin(base, "/".join(quote(part) for part in PurePosixPath(name).parts))


def _format(name: str) -> str:
    guessed, _ = mimetypes.guess_type("x" + PurePosixPath(name).suffix.lower())
    return guessed or "application/octet-stream"


def _xywh(page: Page, boxes: list[Box]) -> str:
    hull = page.to_scan_box(Box.hull(boxes))
    x, y = round(hull.x0), round(hull.y0)
    return f"xywh={x},{y},{max(1, round(hull.x1) - x)},{max(1, round(hull.y1) - y)}"


def iiif_manifest(
    issue: Issue,
    base_url: str,
    image_names: Mapping[int, str],
    *,
    alto_names: Mapping[int, str] | None = None,
    mets_name: str | None = "mets.xml",
    pdf_name: str | None = None,
    manifest_name: str = "manifest.json",
    label: str | None = None,
) -> bytes:
    """The manifest as UTF-8 JSON. `image_names` / `alto_names` map page number to the
    file's path relative to the issue folder; `base_url` is that folder's absolute URL.

    Raises ValueError for a relative `base_url` or a page without an image.
    """
    parts = urlsplit(base_url)
    if not parts.scheme or not (parts.netloc or parts.scheme == "file"):
        raise ValueError(
            f"base_url must be an absolute URL (https://... or file:///...): {base_url!r}"
        )
    base = base_url if base_url.endswith("/") else base_url + "/"
    alto = alto_names or {}
    canvases: list[JsonObject] = []
    canvas_ids: dict[int, str] = {}
    pages = sorted(issue.pages, key=lambda p: p.number)
    for page in pages:
        if page.number not in image_names:
            raise ValueError(f"no image for page {page.number}")
        t = page.transform
        cid = _join(base, f"canvas/p{page.number}")
        canvas_ids[page.number] = cid
        image = image_names[page.number]
        canvas: JsonObject = {
            "id": cid,
            "type": "Canvas",
            "label": _label(page.printed_number or str(page.number)),
            "width": t.scan_width,
            "height": t.scan_height,
            "items": [
                {
                    "id": f"{cid}/page",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{cid}/page/image",
                            "type": "Annotation",
                            "motivation": "painting",
                            "body": {
                                "id": _join(base, image),
                                "type": "Image",
                                "format": _format(image),
                                "width": t.scan_width,
                                "height": t.scan_height,
                            },
                            "target": cid,
                        }
                    ],
                }
            ],
        }
        if page.number in alto:
            canvas["seeAlso"] = [
                {
                    "id": _join(base, alto[page.number]),
                    "type": "Dataset",
                    "label": _label("ALTO 4.4", "en"),
                    "format": "application/xml",
                    "profile": ALTO_PROFILE,
                }
            ]
        canvases.append(canvas)

    by_number = {p.number: p for p in pages}
    ranges: list[JsonObject] = []
    for art in issue.articles:
        items: list[JsonObject] = []
        for part in art.parts:
            on = by_number.get(part.page)
            if on is None:
                continue
            ids = block_ids(on)
            boxes = [r.box for r in on.regions if r.id in part.region_ids and r.id in ids]
            target = canvas_ids[on.number]
            if boxes:
                target = f"{target}#{_xywh(on, boxes)}"
            items.append({"id": target, "type": "Canvas"})
        if items:
            ranges.append(
                {
                    "id": _join(base, f"range/{art.id}"),
                    "type": "Range",
                    "label": _label(art.title or art.id, "zh" if art.title else "none"),
                    "items": items,
                }
            )

    manifest: JsonObject = {
        "@context": PRESENTATION_CONTEXT,
        "id": _join(base, manifest_name),
        "type": "Manifest",
        "label": _label(label or issue.name),
        "items": canvases,
    }
    if mets_name:
        manifest["seeAlso"] = [
            {
                "id": _join(base, mets_name),
                "type": "Dataset",
                "label": _label("METS", "en"),
                "format": "application/xml",
                "profile": METS_PROFILE,
            }
        ]
    if pdf_name:
        manifest["rendering"] = [
            {
                "id": _join(base, pdf_name),
                "type": "Text",
                "label": _label("Searchable PDF", "en"),
                "format": "application/pdf",
            }
        ]
    if ranges:
        manifest["structures"] = ranges
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
