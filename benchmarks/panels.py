"""Reverse-video panel measure on the rendered corpus: what `layout.cues` reads on truth boxes.

    .venv/bin/python benchmarks/panels.py [--seeds 0-79] [--cache DIR]

For every label, headline, kicker, subtitle and masthead line of the rendered issues (cached
by benchmarks/corpus.py; missing ones are rendered), its truth box padded as a detector pads
it is handed to `find_inverted` on the page's ink with rules removed. Prints, per region
type, how many lines were taken for a dark panel and the outline shares (whole outline and
sparsest side: `PANEL_EDGE`, `PANEL_SIDE`) of each line that reached that test, then every
headline taken and every label missed. Labels are plain or reverse video (the truth does
not say which); plain ones are never panels, so a label's low share is no error by itself.

This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "src"))

from corpus import parse_seeds, render_missing  # noqa: E402

from digitize.layout import cues  # noqa: E402
from digitize.model import Box  # noqa: E402
from digitize.stages.load import discover, load_page  # noqa: E402

_TYPES = ("label", "headline", "kicker", "subtitle", "masthead")


def measure(
    issue: Path, shares: dict[str, list[tuple[float, float]]], taken: dict[str, list[int]]
) -> list[str]:
    """Score one issue's display lines; return the notable ones (headline taken, label missed)."""
    gt = json.loads((issue / "gt.json").read_text(encoding="utf-8"))
    sources = {s.stem: s for iss in discover([issue]).issues for s in iss.pages}
    seen: list[tuple[float, float]] = []
    real = cues._outline_share

    def record(blob: Any, depth: int) -> tuple[float, float]:
        value = real(blob, depth)
        seen.append(value)
        return value

    notes: list[str] = []
    cues._outline_share = record
    try:
        for page in gt["pages"]:
            src = sources.get(Path(page["file"]).stem)
            if src is None:
                continue
            grey = cues.to_grey(load_page(src))
            body = [
                ln["bbox"][3] - ln["bbox"][1]
                for r in page["regions"]
                if r["type"] == "body"
                for ln in r.get("lines", [])
            ]
            em = 1.4 * float(np.median(body)) if body else 30.0  # detector-box em
            ink = cues.ink_mask(grey)
            _, _, rule_mask = cues.find_rules(ink, em)
            text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(rule_mask))
            for region in page["regions"]:
                kind = region["type"]
                if kind not in _TYPES:
                    continue
                for ln in region.get("lines") or [region]:
                    x0, y0, x1, y1 = ln["bbox"]
                    pad = 0.2 * min(x1 - x0, y1 - y0)
                    seen.clear()
                    found = bool(
                        cues.find_inverted(
                            text_ink, [Box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)], em
                        )
                    )
                    if seen:
                        shares[kind].append(seen[-1])
                    taken[kind][0] += 1
                    taken[kind][1] += found
                    where = f"{issue.name} {src.stem} {region.get('text', '')[:12]}"
                    if found and kind == "headline":
                        notes.append(f"headline taken: {where}")
                    if not found and kind == "label":
                        notes.append(f"label missed: {where}")
    finally:
        cues._outline_share = real
    return notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0-79", help="seeds, e.g. 0-79 or 1,3,5")
    ap.add_argument("--cache", type=Path, default=REPO / "output" / "corpus-cache")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    render_missing(seeds, args.cache)
    shares: dict[str, list[tuple[float, float]]] = defaultdict(list)
    taken: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    notes: list[str] = []
    for s in seeds:
        notes += measure(args.cache / f"synth-{s:04d}", shares, taken)
    print(f"PANEL_EDGE {cues.PANEL_EDGE} (whole outline), PANEL_SIDE {cues.PANEL_SIDE} (sparsest)")
    for kind in _TYPES:
        n, found = taken[kind]
        whole = " ".join(f"{w:.2f}" for w, _ in sorted(shares[kind]))
        least = " ".join(f"{v:.2f}" for v in sorted(v for _, v in shares[kind]))
        print(f"{kind:9s} lines {n:5d}  taken for a panel {found:4d}")
        print(f"  whole outline: {whole}")
        print(f"  least side:    {least}")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
