"""Ground truth in the bench ``gt.json`` schema (``../shared/bench/README.md``): regions with
rotated polygons and hull boxes, lines, reading order, hard cases; and the files of an issue
(page images or one PDF, ``gt.json``, ``page-N.gt.txt``)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from digitize.synth.page import PageBase
from digitize.synth.spec import Degradation, PageSpec
from digitize.synth.typeset import STROKE, Rect

PDF_DPI = 300  # digitize.stages.load renders PDFs at 300 dpi; pages are sized so pixels round-trip



def _skew_matrix(spec: PageSpec) -> npt.NDArray[np.float64]:
    m = cv2.getRotationMatrix2D((spec.width / 2, spec.height / 2), spec.skew_deg, 1.0)
    return np.asarray(m, dtype=np.float64)


def _poly(m: npt.NDArray[np.float64], box: Rect) -> list[list[float]]:
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
    out = pts @ m.T
    return [[round(float(x), 1), round(float(y), 1)] for x, y in out]


def _bbox(poly: list[list[float]], w: int, h: int) -> list[int]:
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    return [max(0, math.floor(min(xs))), max(0, math.floor(min(ys))),
            min(w, math.ceil(max(xs))), min(h, math.ceil(max(ys)))]


def page_gt(pr: PageBase) -> dict[str, Any]:
    sp = pr.spec
    m = _skew_matrix(sp)
    regions = []
    for r in pr.cv.regions:
        poly = _poly(m, r.box)
        # round line boxes outward before rotation, so their hulls nest inside the region's
        rx0, ry0, rx1, ry1 = r.box
        lines = []
        for ln in r.lines:
            lb = (max(ln.box[0], rx0), max(ln.box[1], ry0), min(ln.box[2], rx1),
                  min(ln.box[3], ry1))
            lines.append({"bbox": _bbox(_poly(m, lb), sp.width, sp.height), "text": ln.text})
        reg: dict[str, Any] = {"id": r.id, "type": r.type, "bbox": _bbox(poly, sp.width, sp.height),
                               "poly": poly, "article": r.article, "text": r.text, "lines": lines}
        reg.update(r.extra)
        regions.append(reg)
    hard = set(pr.hard) | _spec_cases(sp)
    if sp.vertical:
        hard.add("vertical_page")
    if pr.em < 18:
        hard.add("small_text")
    if abs(sp.skew_deg) >= 1.0:
        hard.add("skew")
    return {
        "page": sp.number, "file": sp.file or f"page-{sp.number}.png", "width": sp.width,
        "height": sp.height, "skew_deg": sp.skew_deg, "hard_cases": sorted(hard),
        "degradation": degradation_json(sp.degradation),
        "grid": {"cols": sp.cols, "gutter": pr.gutter, "body_px": pr.em},
        "dpi": sp.dpi, "regions": regions, "reading_order": list(pr.cv.order),
    }


def degradation_json(d: Degradation) -> dict[str, Any]:
    """The degradation as recorded in gt.json; `yellow` only when used, so truths written
    before it existed stay identical."""
    out = asdict(d)
    if not out["yellow"]:
        del out["yellow"]
    return out


def _spec_cases(sp: PageSpec) -> set[str]:
    """Hard cases that follow from the page spec's newer options (none at their defaults)."""
    d = sp.degradation
    cases = set(sp.cases)
    if d.yellow > 0:
        cases.add("colour")
    if d.jpeg_quality is not None and d.jpeg_quality <= 50:
        cases.add("low_jpeg")
    if d.blur_sigma >= 1.2 or d.noise_sigma >= 8 or d.bleed >= 0.12:
        cases.add("strong_degradation")
    if sp.file and Path(sp.file).stem != f"page-{sp.number}":
        cases.add("file_name_mismatch")
    if sp.gutter_em < 0.8:
        cases.add("narrow_gutter")
    if sp.col_rules:
        cases.add("column_rules")
    if any(k.endswith(STROKE) for _, k in sp.fonts):
        cases.add("fake_bold")
    if sp.folio != "default":
        cases.add(f"folio_{sp.folio}")
    return cases


def page_text(page_gt: dict[str, Any]) -> str:
    """Text of the reading-order regions, one region per line (the ``page-N.gt.txt`` file)."""
    by_id = {r["id"]: r for r in page_gt["regions"]}
    return "".join(by_id[i]["text"].replace("\n", "") + "\n" for i in page_gt["reading_order"])



def write_issue(images: list[npt.NDArray[np.uint8]], gt: dict[str, Any], out_dir: Path,
                pdf: bool = False) -> None:
    """Write page images (or one ``<issue>.pdf`` whose pages render back to the same pixels
    at `PDF_DPI`), ``page-N.gt.txt`` and ``gt.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pil_pages: list[Image.Image] = []
    for img, pg in zip(images, gt["pages"], strict=True):
        if pdf:
            rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if img.ndim == 3 else img
            pil_pages.append(Image.fromarray(rgb))
        else:
            ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
            if not ok:
                raise OSError(f"cannot encode {pg['file']}")
            (out_dir / pg["file"]).write_bytes(buf.tobytes())
        (out_dir / f"page-{pg['page']}.gt.txt").write_text(page_text(pg), encoding="utf-8")
    if pdf and pil_pages:
        pil_pages[0].save(out_dir / f"{gt['issue']}.pdf", "PDF", save_all=True,
                          append_images=pil_pages[1:], resolution=float(PDF_DPI), quality=95)
    (out_dir / "gt.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
