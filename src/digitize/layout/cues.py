"""Image cues for layout: rules, box frames, pictures and reverse-video (white on black) areas.

Everything works on the deskewed grey page and is scaled by the body em size, so the same
thresholds hold from 100 to 400 dpi. Text line boxes from the detector are used as a mask:
ink outside text lines is what rules and pictures are made of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from digitize.model import Box, Image

Mask = npt.NDArray[Any]  # cv2 stubs type results loosely


@dataclass(slots=True)
class Rule:
    box: Box
    horizontal: bool


@dataclass(slots=True)
class Cues:
    rules: list[Rule] = field(default_factory=list)
    frames: list[Box] = field(default_factory=list)  # rectangular box frames
    photos: list[Box] = field(default_factory=list)
    inverted: list[Box] = field(default_factory=list)  # dark areas that hold text


def to_grey(image: Image) -> Image:
    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return image


def ink_mask(grey: Image) -> Mask:
    """Binary ink mask (255 = ink). Otsu on the page copes with paper tone and ink level."""
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return np.asarray(mask, dtype=np.uint8)


def _components(mask: Mask) -> list[tuple[Box, int]]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[tuple[Box, int]] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        out.append((Box(x, y, x + w, y + h), area))
    return out


# Share of a dark panel's outline that is ink (`_outline_share`), whole and on its
# sparsest side. Measured on the 80 rendered issues' truth boxes (benchmarks/panels.py):
# reverse-video labels 0.56-1.0 whole, 0.41-1.0 least (plain ones under 0.37 and 0.04);
# fake-bold headlines blurred into one blob 0.19-0.50 whole, 0.12-0.21 least; a bold
# headline line run together with the lines above and below it in a detector's box
# (synth-0028) 0.59 whole, 0.14 least.
PANEL_EDGE = 0.53
PANEL_SIDE = 0.3


def find_inverted(ink: Mask, line_boxes: Sequence[Box], em: float) -> list[Box]:
    """Dark panels with light text inside: a detected line whose box is mostly ink.

    `ink` should have rules removed, or a panel touching a frame grows into the frame.
    """
    h, w = ink.shape
    out: list[Box] = []
    for b in line_boxes:
        c = b.clip(w, h)
        x0, y0, x1, y1 = int(c.x0), int(c.y0), int(c.x1), int(c.y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        if float(ink[y0:y1, x0:x1].mean()) / 255.0 < 0.55:
            continue
        # Grow to the dark panel around the line.
        pad = int(em)
        sx0, sy0 = max(0, x0 - pad), max(0, y0 - pad)
        sx1, sy1 = min(w, x1 + pad), min(h, y1 + pad)
        sub = ink[sy0:sy1, sx0:sx1].copy()
        closed: Mask = cv2.morphologyEx(sub, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
        best: Box | None = None
        label = 0
        for i in range(1, n):
            x, y, bw, bh = (int(v) for v in stats[i][:4])
            gb = Box(x + sx0, y + sy0, x + bw + sx0, y + bh + sy0)
            if gb.overlap_ratio(c) > 0.6 and (best is None or gb.area > best.area):
                best, label = gb, i
        if best is None:
            continue
        # A panel is a solid rectangle: dark all round its edge. Heavy type (a bold
        # headline run together by blur) is as dark inside its box, but its outline
        # touches the box only at the glyphs' extremes.
        bx, by, bw, bh = (int(v) for v in stats[label][:4])
        blob = labels[by : by + bh, bx : bx + bw] == label
        whole, least = _outline_share(blob, max(2, int(em / 12)))
        if whole < PANEL_EDGE or least < PANEL_SIDE:
            continue
        if (best.x0 <= sx0 and sx0 > 0) or (best.y0 <= sy0 and sy0 > 0):
            continue  # the dark area goes on: a picture with a false line in it
        if (best.x1 >= sx1 and sx1 < w) or (best.y1 >= sy1 and sy1 < h):
            continue
        out.append(best.union(c))
    return out


def _outline_share(blob: npt.NDArray[np.bool_], depth: int) -> tuple[float, float]:
    """Share of a blob's bounding outline that is ink, over the whole outline and on its
    sparsest side, each side taken at its fullest row (column) of the outer `depth`: blur
    and JPEG leave a panel's outermost row a sparse fringe (a label's bottom edge measured
    0.14 on a degraded scan, the row inside it full). Heavy type may fill most of the
    outline where its strokes meet the box (a bold headline's lines run together down a
    narrow column), never all four sides."""
    d = max(1, min(depth, blob.shape[0] // 2, blob.shape[1] // 2))
    sides = (blob[:d], blob[-d:], blob[:, :d].T, blob[:, -d:].T)
    best = [float(side.mean(axis=1).max()) for side in sides]
    lengths = (blob.shape[1], blob.shape[1], blob.shape[0], blob.shape[0])
    whole = float(sum(b * n for b, n in zip(best, lengths, strict=True))) / sum(lengths)
    return whole, min(best)


def find_rules(ink: Mask, em: float) -> tuple[list[Rule], list[Box], Mask]:
    """Long thin horizontal/vertical strokes, and rectangles made of them (box frames).

    Returns the rules, the frames and the rule pixel mask (to keep rules out of picture
    detection). A run of 5 em without a break does not occur in CJK text lines.
    """
    length = max(int(5 * em), 25)
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    thick = 0.6 * em
    # Solid ink (a picture, a reverse-video panel) holds long runs everywhere: a rule
    # touching a picture's edge would be one piece with it, too thick to count (two
    # pictures side by side then read as one across their column rule). Rules are
    # looked for in the ink outside areas solid over a rule's greatest thickness.
    side = max(3, int(thick))
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((side, side), np.uint8))
    ink = cv2.bitwise_and(ink, cv2.bitwise_not(solid))
    # Thickened across the rule first: a hairline left a little off straight by the
    # deskew (under a degree) steps one pixel row every few em and would fall apart.
    hmask: Mask = cv2.morphologyEx(cv2.dilate(ink, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, hk)
    vmask: Mask = cv2.morphologyEx(cv2.dilate(ink, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, vk)
    # Bridge small breaks (scan noise, slight slant) along the rule direction.
    hmask = cv2.dilate(hmask, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(em / 2)), 3)))
    vmask = cv2.dilate(vmask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, max(3, int(em / 2)))))
    rules: list[Rule] = []
    kept: Mask = np.zeros_like(ink)
    for src, horizontal in ((hmask, True), (vmask, False)):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(src, connectivity=8)
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            along = bw if horizontal else bh
            # Mean thickness, not the box's: a long rule a little off straight has a
            # tall box but stays thin.
            if along >= length and area / along <= thick:
                rules.append(Rule(Box(x, y, x + bw, y + bh), horizontal))
                kept[labels == i] = 255
    both: Mask = kept
    frames: list[Box] = []
    for b, _ in _components(both):
        if b.width < 3 * em or b.height < 3 * em:
            continue
        tol = em
        has_top = any(
            r.horizontal and abs(r.box.y0 - b.y0) < tol and r.box.width > 0.7 * b.width
            for r in rules
        )
        has_bot = any(
            r.horizontal and abs(r.box.y1 - b.y1) < tol and r.box.width > 0.7 * b.width
            for r in rules
        )
        has_l = any(
            not r.horizontal and abs(r.box.x0 - b.x0) < tol and r.box.height > 0.7 * b.height
            for r in rules
        )
        has_r = any(
            not r.horizontal and abs(r.box.x1 - b.x1) < tol and r.box.height > 0.7 * b.height
            for r in rules
        )
        if has_top and has_bot and has_l and has_r:
            frames.append(b)
    return rules, frames, np.asarray(both, dtype=np.uint8)


def find_photos(grey: Image, rule_mask: Mask, text_boxes: Sequence[Box], em: float) -> list[Box]:
    """Pictures, halftones and QR codes: large blobs of non-white ink outside text lines.

    Uses a tone threshold halfway between paper and ink rather than Otsu, so light
    halftone areas count as picture too.
    """
    h, w = grey.shape
    paper = float(np.percentile(grey, 90))
    ink_level = float(np.percentile(grey, 1))
    thr = (paper + ink_level) / 2 + 0.25 * (paper - ink_level)
    mask = (grey < thr).astype(np.uint8) * 255
    tone = mask.copy()
    # Rules are cut out so a rule touching a picture does not join it, except straight
    # edges inside a picture (tone on both sides), which would cut it into slivers.
    keep = np.zeros_like(mask)
    half = max(2, int(em / 2))
    for b, _ in _components(rule_mask):
        x0, y0, x1, y1 = int(b.x0), int(b.y0), int(b.x1), int(b.y1)
        if b.width >= b.height:
            sides = (mask[max(0, y0 - half) : y0, x0:x1], mask[y1 : y1 + half, x0:x1])
        else:
            sides = (mask[y0:y1, max(0, x0 - half) : x0], mask[y0:y1, x1 : x1 + half])
        if all(side.size and float(side.mean()) / 255.0 > 0.5 for side in sides):
            keep[y0:y1, x0:x1] = rule_mask[y0:y1, x0:x1]
    mask[(rule_mask > 0) & (keep == 0)] = 0
    for b in text_boxes:
        c = b.clip(w, h)
        mask[int(c.y0) : int(c.y1) + 1, int(c.x0) : int(c.x1) + 1] = 0
    k = max(3, int(em / 3))
    closed: Mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    # A column rule that touches a picture is solid with it where the two meet, so
    # find_rules cannot take it out, and it carried the picture's box down over the
    # columns beside it (or sank the blob's fill below the bar). A blob's box is drawn
    # around what an opening as wide as the closing keeps, where that trims a stroke
    # reaching an em or more out; an edge rounded off by a pixel or two stays.
    core: Mask = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    out: list[Box] = []
    for i in range(1, n):
        x0, y0, bw, bh, _ = (int(v) for v in stats[i])
        b = Box(x0, y0, x0 + bw, y0 + bh)
        if b.width < 2.5 * em or b.height < 2.5 * em:
            continue
        ys, xs = np.nonzero(
            (labels[y0 : y0 + bh, x0 : x0 + bw] == i) & (core[y0 : y0 + bh, x0 : x0 + bw] > 0)
        )
        if xs.size:
            trim = Box(
                x0 + int(xs.min()),
                y0 + int(ys.min()),
                x0 + int(xs.max()) + 1,
                y0 + int(ys.max()) + 1,
            )
            if max(trim.x0 - b.x0, b.x1 - trim.x1, trim.y0 - b.y0, b.y1 - trim.y1) > em:
                b = trim
        if b.width < 2.5 * em or b.height < 2.5 * em or b.area < 6 * em * em:
            continue
        fill = float(closed[int(b.y0) : int(b.y1), int(b.x0) : int(b.x1)].mean()) / 255.0
        if fill < 0.35:
            continue
        out.append(b)
    # Merge overlapping blobs (a photo split by a light band), never two pictures set
    # either side of a rule.
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                if out[i].intersection(out[j].expand(em / 2)) is not None and not _ruled_apart(
                    out[i], out[j], rule_mask
                ):
                    out[i] = out[i].union(out[j])
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    # A picture's border line, cut out with the rules above, is the picture's own.
    return [_with_border(p, tone, em) for p in out]


def _with_border(box: Box, tone: Mask, em: float) -> Box:
    """The box grown over the rows and columns just outside it (up to a quarter em) that
    are toned along most of its side: the picture's border line, and the fill next to
    it, which the rule cut took out of the picture mask. Paper between stops it (a rule
    set a few pixels off the picture stays out)."""
    h, w = tone.shape
    reach = max(2, int(em / 4))
    x0, y0, x1, y1 = int(box.x0), int(box.y0), int(np.ceil(box.x1)), int(np.ceil(box.y1))

    def toned(line: npt.NDArray[np.uint8]) -> bool:
        return line.size > 0 and float(np.count_nonzero(line)) >= 0.8 * line.size

    while y0 > 0 and box.y0 - y0 < reach and toned(tone[y0 - 1, x0:x1]):
        y0 -= 1
    while y1 < h and y1 - box.y1 < reach and toned(tone[y1, x0:x1]):
        y1 += 1
    while x0 > 0 and box.x0 - x0 < reach and toned(tone[y0:y1, x0 - 1]):
        x0 -= 1
    while x1 < w and x1 - box.x1 < reach and toned(tone[y0:y1, x1]):
        x1 += 1
    return Box(x0, y0, x1, y1)


def _ruled_apart(a: Box, b: Box, rule_mask: Mask) -> bool:
    """A rule runs down (or across) the gap between two blobs, along most of what they
    share."""
    if a.x1 <= b.x0 or b.x1 <= a.x0:  # side by side
        g0, g1 = min(a.x1, b.x1), max(a.x0, b.x0)
        s0, s1 = max(a.y0, b.y0), min(a.y1, b.y1)
        strip = rule_mask[int(s0) : int(s1), int(g0) : int(np.ceil(g1))]
        along = 1
    elif a.y1 <= b.y0 or b.y1 <= a.y0:  # stacked
        g0, g1 = min(a.y1, b.y1), max(a.y0, b.y0)
        s0, s1 = max(a.x0, b.x0), min(a.x1, b.x1)
        strip = rule_mask[int(g0) : int(np.ceil(g1)), int(s0) : int(s1)]
        along = 0
    else:
        return False
    if strip.size == 0:
        return False
    return float(np.any(strip > 0, axis=along).mean()) > 0.8


def analyse(image: Image, line_boxes: Sequence[Box], em: float) -> Cues:
    grey = to_grey(image)
    ink = ink_mask(grey)
    rules, frames, rule_mask = find_rules(ink, em)
    text_ink: Mask = cv2.bitwise_and(ink, cv2.bitwise_not(rule_mask))
    inverted = find_inverted(text_ink, line_boxes, em)
    masked = list(line_boxes) + list(inverted)
    photos = [
        p
        for p in find_photos(grey, rule_mask, masked, em)
        if not any(p.overlap_ratio(b) > 0.8 for b in inverted)
    ]
    # Straight edges inside pictures are not rules (an edge run on over two pictures
    # side by side neither).
    rules = [
        r
        for r in rules
        if _covered_share(r, [p.expand(em) for p in photos]) <= 0.8
        and not any(r.box.overlap_ratio(b) > 0.8 for b in inverted)
    ]
    return Cues(rules=rules, frames=frames, photos=photos, inverted=inverted)


def _covered_share(rule: Rule, boxes: Sequence[Box]) -> float:
    """Share of the rule's length inside the union of boxes that hold it across."""
    r = rule.box
    if rule.horizontal:
        lo, hi = r.x0, r.x1
        spans = [(b.x0, b.x1) for b in boxes if b.y0 <= r.cy <= b.y1]
    else:
        lo, hi = r.y0, r.y1
        spans = [(b.y0, b.y1) for b in boxes if b.x0 <= r.cx <= b.x1]
    covered, end = 0.0, lo
    for a, z in sorted(spans):
        a, z = max(a, end), min(z, hi)
        if z > a:
            covered += z - a
            end = z
    return covered / (hi - lo) if hi > lo else 0.0


# The ink band of a horizontal line (union over its glyphs) is about 1.03 em tall
# (see detect.LINE_INK_PER_EM); the same holds across a vertical column.
_INK_PER_EM = 1.03


def ink_size(grey: Image, box: Box, vertical: bool = False) -> float | None:
    """Type size (em, px) of one line from the ink band across its reading direction.

    Detector boxes are padded by an amount that varies with the model and the scale, so
    at small body sizes a box says little about the type inside it: a 1.3 em headline and
    a 1.0 em body line can get boxes of the same height. The ink band does not. The band
    is the densest run of inked rows, so a neighbour line clipped by a loose box adds
    nothing. None where the box holds no readable ink (white on black, blank).
    """
    h, w = grey.shape[:2]
    c = box.clip(w, h)
    x0, y0, x1, y1 = int(c.x0), int(c.y0), int(np.ceil(c.x1)), int(np.ceil(c.y1))
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0 or min(crop.shape) < 3 or int(np.ptp(crop)) < 40:
        return None
    t, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = crop <= t
    if float(ink.mean()) > 0.6:
        return None  # mostly dark: a reverse panel or a picture
    prof = ink.sum(axis=0 if vertical else 1)
    along = crop.shape[0] if vertical else crop.shape[1]
    # Rows with a sliver of ink (Latin descenders, a stray quote mark) are not the band.
    on = prof > max(1.0, 0.02 * along, 0.12 * float(np.percentile(prof, 90)))
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return None
    # Runs of inked rows, bridging only hairline gaps: tightly set headline lines leave a
    # few blank rows between them, and a loose box clips the neighbours' strokes. The
    # line's own band is the run nearest the box centre, else the one with most ink.
    gap = max(1, round(0.06 * len(on)))
    runs: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > gap + 1:
            runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    mid = len(on) / 2
    central = [r for r in runs if r[0] - 1 <= mid <= r[1] + 1]
    best = max(central or runs, key=lambda r: int(prof[r[0] : r[1] + 1].sum()))
    return (best[1] - best[0] + 1) / _INK_PER_EM
