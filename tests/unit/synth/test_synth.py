"""Truth consistency of the synthetic page renderer, and the scorer used by other tests."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import REPO
from scoring import char_f1, levenshtein, ro_cer, semi_global_distance, strip_ws

from digitize.model import quad_angle
from digitize.synth import (
    Degradation,
    IssueSpec,
    SynthIssue,
    build_issue,
    grid_page,
    multi_page_jumps,
    page_text,
    sample_issue,
    vertical_page,
)
from digitize.synth.render import MODERN_FONTS, has_glyph

TEXT_TYPES = {"masthead", "headline", "kicker", "subtitle", "byline", "label", "body", "caption",
              "jump", "notice", "ad"}


@pytest.fixture(scope="module")
def sample() -> SynthIssue:
    return build_issue(sample_issue(), seed=0)


@pytest.fixture(scope="module")
def jumps() -> SynthIssue:
    return build_issue(multi_page_jumps(dpi=100), seed=3)


@pytest.fixture(scope="module")
def issues(sample: SynthIssue, jumps: SynthIssue) -> list[SynthIssue]:
    out = [sample, jumps]
    for cols in (3, 4, 5, 6):
        out.append(build_issue(grid_page(cols, seed=cols, dpi=100), seed=cols))
    out.append(build_issue(vertical_page(seed=1, dpi=100), seed=1))
    out.append(build_issue(grid_page(4, seed=9, dpi=150, body_px=12), seed=9))
    return out


def _inside(inner: list[int], outer: list[int], tol: int = 1) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _joined(regions: list[dict[str, Any]]) -> str:
    out = ""
    for r in regions:
        if out and r["text"] and r.get("_para", False):
            out += "\n"
        out += r["text"]
    return out


def test_lines_inside_regions_and_text_matches(issues: list[SynthIssue]) -> None:
    for iss in issues:
        for page in iss.gt["pages"]:
            for r in page["regions"]:
                assert r["type"] in TEXT_TYPES | {"photo", "rule"}
                for ln in r["lines"]:
                    assert _inside(ln["bbox"], r["bbox"]), (r["id"], ln, r["bbox"])
                    assert ln["text"].strip()
                if r["type"] in TEXT_TYPES:
                    joined = "".join(ln["text"] for ln in r["lines"])
                    assert strip_ws(r["text"]) == strip_ws(joined), r["id"]


def test_reading_order_lists_every_text_region_once(issues: list[SynthIssue]) -> None:
    for iss in issues:
        for page in iss.gt["pages"]:
            order = page["reading_order"]
            assert len(order) == len(set(order))
            text_ids = {r["id"] for r in page["regions"] if r["type"] in TEXT_TYPES}
            assert set(order) == text_ids


def test_article_text_is_its_body_regions(issues: list[SynthIssue]) -> None:
    for iss in issues:
        regs = {r["id"]: r for p in iss.gt["pages"] for r in p["regions"]}
        for art in iss.gt["articles"]:
            assert art["title"], art["id"]
            whole = ""
            for part in art["parts"]:
                bodies = [regs[i] for i in part["region_ids"]
                          if regs[i]["type"] in ("body", "notice")]
                assert bodies, (art["id"], part["page"])
                assert "".join(b["text"] for b in bodies).replace("\n", "") == \
                    part["text"].replace("\n", "")
                # the printed regions are exact slices of the article text, in order
                pos = 0
                for b in bodies:
                    found = art["text"].find(b["text"], pos)
                    assert found >= pos, (art["id"], b["id"])
                    pos = found + len(b["text"])
                whole += part["text"]
                for i in part["region_ids"]:
                    assert regs[i]["article"] == art["id"]
            assert art["text"].replace("\n", "") == whole.replace("\n", "")
            assert "下转" not in art["text"] and "上接" not in art["text"]


def _dark(img: np.ndarray, box: list[int]) -> float:
    x0, y0, x1, y1 = box
    crop = img[y0:y1, x0:x1]
    return float((crop < 128).mean()) if crop.size else 0.0


def test_ink_in_lines_and_not_in_gutters(issues: list[SynthIssue]) -> None:
    for iss in issues[2:]:  # clean, unskewed pages
        for img, page in zip(iss.images, iss.gt["pages"], strict=True):
            assert page["skew_deg"] == 0
            for r in page["regions"]:
                for ln in r["lines"]:
                    assert _dark(img, ln["bbox"]) > 0.02, (r["id"], ln["text"])
            bodies = [r for r in page["regions"] if r["type"] == "body" and not r.get("vertical")]
            for a in bodies:
                for b in bodies:
                    if a["article"] != b["article"] or not 0 < b["bbox"][0] - a["bbox"][2] < 80:
                        continue
                    y0, y1 = max(a["bbox"][1], b["bbox"][1]), min(a["bbox"][3], b["bbox"][3])
                    if y1 - y0 < 10:
                        continue
                    gutter = [a["bbox"][2] + 2, y0, b["bbox"][0] - 2, y1]
                    assert _dark(img, gutter) == 0.0, (a["id"], b["id"])
            # paper outside every region stays blank: ink only where the truth says
            mask = np.zeros(img.shape, dtype=bool)
            for r in page["regions"]:
                x0, y0, x1, y1 = r["bbox"]
                mask[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = True
            assert (img[~mask] < 128).mean() < 1e-4


def test_skew_poly_and_bbox_consistent() -> None:
    spec = grid_page(3, seed=2, dpi=100, skew_deg=2.5)
    iss = build_issue(spec, seed=2)
    page = iss.gt["pages"][0]
    cx, cy = page["width"] / 2, page["height"] / 2
    t = math.radians(page["skew_deg"])
    for r in page["regions"]:
        poly = r["poly"]
        if r["bbox"][2] - r["bbox"][0] > 60:  # thin rules lose the angle to rounding
            assert abs(quad_angle([tuple(p) for p in poly]) - 2.5) < 0.05
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        assert r["bbox"][0] == max(0, math.floor(min(xs))) and r["bbox"][2] >= max(xs) - 1
        assert r["bbox"][1] == max(0, math.floor(min(ys))) and r["bbox"][3] >= max(ys) - 1
        # undoing the rotation gives an axis-aligned box
        un = [((x - cx) * math.cos(t) - (y - cy) * math.sin(t),
               (x - cx) * math.sin(t) + (y - cy) * math.cos(t)) for x, y in poly]
        assert abs(un[0][1] - un[1][1]) < 0.2 and abs(un[0][0] - un[3][0]) < 0.2
    # ink follows the rotated truth
    img = iss.images[0]
    body_lines = [ln for r in page["regions"] if r["type"] == "body" for ln in r["lines"]]
    assert np.mean([_dark(img, ln["bbox"]) > 0.02 for ln in body_lines]) > 0.99


def test_jumps_chain_and_missing_target(jumps: SynthIssue) -> None:
    gt = jumps.gt
    pairs = {(j["from"]["page"], j["to"]["page"], j["from"]["article"]) for j in gt["jumps"]}
    assert pairs == {(1, 4, "j1"), (4, 6, "j1"), (1, 4, "j2")}
    assert gt["unresolved_jumps"] == [{"from": {"page": 1, "article": "j3"}, "target_page": 8}]
    arts = {a["id"]: a for a in gt["articles"]}
    assert [p["page"] for p in arts["j1"]["parts"]] == [1, 4, 6]
    regs = {r["id"]: r for p in gt["pages"] for r in p["regions"]}
    p4_j2 = [regs[i] for i in arts["j2"]["parts"][1]["region_ids"]]
    assert not any(r["type"] == "headline" for r in p4_j2)  # continuation without headline
    p6_j1 = [regs[i] for i in arts["j1"]["parts"][2]["region_ids"]]
    head = next(r for r in p6_j1 if r["type"] == "headline")
    assert head["continuation"] and head["text"] in arts["j1"]["title"]
    outs = [r["text"] for r in regs.values() if r["type"] == "jump" and r["direction"] == "out"]
    assert sorted(outs) == ["（下转第八版）", "（下转第六版）", "（下转第四版）", "（下转第四版）"]
    ins = [r["text"] for r in regs.values() if r["type"] == "jump" and r["direction"] == "in"]
    assert sorted(ins) == ["（上接第一版）", "（上接第一版）", "（上接第四版）"]
    folios = [r["text"] for r in gt["pages"][2]["regions"] if r.get("subtype") == "folio"]
    assert any(t.startswith("第六版") for t in folios)


def test_vertical_page_columns_right_to_left(issues: list[SynthIssue]) -> None:
    page = issues[6].gt["pages"][0]
    assert "vertical_page" in page["hard_cases"]
    bodies = [r for r in page["regions"] if r["type"] == "body"]
    assert bodies and all(r.get("vertical") for r in bodies)
    for r in bodies:
        xs = [ln["bbox"][0] for ln in r["lines"]]
        assert xs == sorted(xs, reverse=True)
        assert all(ln["bbox"][3] - ln["bbox"][1] > ln["bbox"][2] - ln["bbox"][0]
                   for ln in r["lines"] if len(ln["text"]) > 2)
    text = "".join(r["text"] for r in bodies)
    assert "國" in text or "會" in text or "學" in text  # traditional characters


def test_sample_features(sample: SynthIssue) -> None:
    gt = sample.gt
    p1, p2 = gt["pages"]
    types1 = {r["type"] for r in p1["regions"]}
    assert {"masthead", "photo", "caption", "notice", "label", "jump"} <= types1
    assert "vertical_headline" in p1["hard_cases"]
    assert len(gt["jumps"]) == 2 and all(j["to"]["page"] == 2 for j in gt["jumps"])
    assert any(r.get("subtype") == "folio" and r["text"].startswith("第二版")
               for r in p2["regions"])
    caps = [r["text"] for r in p1["regions"] if r["type"] == "caption"]
    assert caps and all(c.endswith("摄") for c in caps)
    assert all(img.shape == (2400, 1700) for img in sample.images)


def test_committed_sample_is_current(sample: SynthIssue) -> None:
    folder = REPO / "scans" / sample.gt["issue"]
    gt_file = folder / "gt.json"
    assert gt_file.is_file(), "re-render: python -m digitize.synth sample scans/<issue>/"
    committed = json.loads(gt_file.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(sample.gt, ensure_ascii=False))
    for page in committed["pages"]:
        png = folder / page["file"]
        assert png.stat().st_size < 1.5e6


def test_deterministic_and_seeded() -> None:
    spec = grid_page(4, seed=5, dpi=100, degradation=Degradation.scan(1.0), skew_deg=-1.2)
    a, b = build_issue(spec, seed=5), build_issue(spec, seed=5)
    assert a.gt == b.gt and np.array_equal(a.images[0], b.images[0])
    c = build_issue(spec, seed=6)
    assert c.gt != a.gt


def test_degraded_page_still_has_text_where_truth_says() -> None:
    iss = build_issue(grid_page(5, seed=4, dpi=150, degradation=Degradation.scan(1.5),
                                skew_deg=0.8), seed=4)
    img = iss.images[0]
    page = iss.gt["pages"][0]
    lines = [ln for r in page["regions"] if r["type"] == "body" for ln in r["lines"]]
    dark = [float((img[y0:y1, x0:x1] < 170).mean()) for x0, y0, x1, y1 in
            (ln["bbox"] for ln in lines)]
    assert np.mean(np.array(dark) > 0.05) > 0.98
    mask = np.zeros(img.shape, dtype=bool)
    for r in page["regions"]:
        x0, y0, x1, y1 = r["bbox"]
        mask[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = True
    assert (img[~mask] < 128).mean() < 0.002  # only specks outside the truth


def test_render_speed() -> None:
    spec: IssueSpec = grid_page(5, seed=11, dpi=200)
    build_issue(spec, seed=0)  # warm font caches
    t0 = time.perf_counter()
    build_issue(grid_page(5, seed=12, dpi=200), seed=1)
    assert time.perf_counter() - t0 < 3.0


def test_all_text_renders_in_its_font(sample: SynthIssue) -> None:
    chars = {ch for p in sample.gt["pages"] for r in p["regions"] for ch in r["text"]}
    fonts = {MODERN_FONTS["body"], MODERN_FONTS["head"]}
    missing = {ch for ch in chars for f in fonts if not ch.isspace() and not has_glyph(f, ch)}
    assert not missing


def test_page_text_is_reading_order(sample: SynthIssue) -> None:
    page = sample.gt["pages"][0]
    text = page_text(page)
    assert ro_cer(page, text) == 0.0
    assert char_f1(text, text)[2] == 1.0
    # reversed region order reads the same characters but breaks nothing inside regions
    rev = "\n".join(reversed(text.splitlines()))
    assert ro_cer(page, rev) == 0.0
    # interleaving two columns line by line is what ro_cer must punish
    bodies = [r for r in page["regions"] if r["type"] == "body"][:2]
    inter = "".join(a["text"] + b["text"] for a, b in zip(bodies[0]["lines"], bodies[1]["lines"],
                                                          strict=False))
    assert ro_cer({"regions": bodies}, inter) > 0.3


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abc中文，", max_size=8), st.text(alphabet="abc中文，", max_size=12))
def test_semi_global_matches_brute_force(p: str, t: str) -> None:
    best = min((levenshtein(p, t[i:j]) for i in range(len(t) + 1) for j in range(i, len(t) + 1)),
               default=len(p))
    assert semi_global_distance(p, t) == best


def test_char_f1() -> None:
    prec, rec, f1 = char_f1("甲乙 丙", "甲乙丁丙丙")
    assert prec == 1.0 and rec == pytest.approx(0.6) and f1 == pytest.approx(0.75)
