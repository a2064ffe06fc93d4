"""A small scorer for tests: order-free character F1 and reading-order CER.

Same definitions as the shared benchmark (whitespace removed on both sides), written here so
tests never depend on files outside the repository.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

try:
    from rapidfuzz.distance import Levenshtein as _Lev

    _HAVE_RAPIDFUZZ = True
except ImportError:  # pragma: no cover - rapidfuzz is a dev dependency
    _HAVE_RAPIDFUZZ = False

READ_TYPES = ("headline", "body", "caption", "notice")


def strip_ws(text: str) -> str:
    return "".join(text.split())


def char_f1(pred: str, gt: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the character multisets, whitespace ignored."""
    p, g = Counter(strip_ws(pred)), Counter(strip_ws(gt))
    inter = sum((p & g).values())
    np_, ng = sum(p.values()), sum(g.values())
    prec = inter / np_ if np_ else (1.0 if not ng else 0.0)
    rec = inter / ng if ng else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def levenshtein(a: str, b: str) -> int:
    if _HAVE_RAPIDFUZZ:
        return int(_Lev.distance(a, b))
    prev = np.arange(len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = np.empty_like(prev)
        cur[0] = i
        sub = prev[:-1] + np.array([ca != cb for cb in b], dtype=np.int64)
        cur[1:] = np.minimum(sub, prev[1:] + 1)
        cur = np.minimum.accumulate(cur - np.arange(len(b) + 1)) + np.arange(len(b) + 1)
        prev = cur
    return int(prev[-1])


def cer(pred: str, gt: str) -> float:
    g = strip_ws(gt)
    return levenshtein(strip_ws(pred), g) / max(1, len(g))


def semi_global_distance(pattern: str, text: str) -> int:
    """min over substrings S of `text` of Levenshtein(pattern, S): free start and end in text.

    Row by row over the pattern; insertions inside a row use D[j] = j + cummin(D'[k] - k).
    """
    n = len(text)
    if not pattern:
        return 0
    if n == 0:
        return len(pattern)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(n + 1, dtype=np.int64)
    prev = np.zeros(n + 1, dtype=np.int64)  # free start anywhere in the text
    for i, ch in enumerate(pattern, 1):
        cost = (codes != ord(ch)).astype(np.int64)
        tmp = np.empty(n + 1, dtype=np.int64)
        tmp[0] = i
        tmp[1:] = np.minimum(prev[:-1] + cost, prev[1:] + 1)
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev.min())


def ro_cer(page_gt: Mapping[str, Any], pred_text: str,
           types: Iterable[str] = READ_TYPES) -> float:
    """Reading-order CER: each GT region's semi-global distance in the prediction (<= 1 per
    region), summed and divided by the regions' total characters."""
    text = strip_ws(pred_text)
    want = set(types)
    errs = total = 0
    for r in page_gt["regions"]:
        if r["type"] not in want:
            continue
        t = strip_ws(r["text"])
        if not t:
            continue
        errs += min(len(t), semi_global_distance(t, text))
        total += len(t)
    return errs / total if total else 0.0
