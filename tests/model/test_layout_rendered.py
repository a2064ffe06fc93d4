"""Layout through the real model pipeline on pages these tests render themselves.

Each page is drawn by the synthetic renderer (exact truth in the bench gt.json schema) and
run through `process_page` with the RapidOCR engine, then region types, reading order,
captions, ads and the order of article modules are checked against the truth. Pages are
small (1200x1700, body em 20 px) and vary the grid (3-6 columns), skew (up to 3 degrees)
and content: photos with captions, boxed notices, reverse-video labels, vertical
headlines, a vertical article, boxed articles, ads, kickers and subtitles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import pytest
from scoring import READ_TYPES, ro_cer, semi_global_distance, strip_ws

from digitize.config import Settings
from digitize.engines.base import OcrEngine
from digitize.model import Box, Issue, Page, Region, RegionType
from digitize.pipeline import process_page
from digitize.serialize.text import article_body, page_text
from digitize.stages.link import link_articles
from digitize.stages.load import PageSource
from digitize.synth.layouts import grid_page
from digitize.synth.render import IssueSpec, Module, PageSpec, build_issue

W, H, DPI, BODY = 1200, 1700, 150, 20
TEXT_TYPES = {t.value for t in RegionType if t.is_text}


def _mixed(number: int, cols: int, skew: float, mods: tuple[Module, ...], **kw: Any) -> IssueSpec:
    page = PageSpec(number=number, modules=mods, cols=cols, width=W, height=H, dpi=DPI,
                    body_px=BODY, skew_deg=skew, **kw)
    return IssueSpec(name=f"mixed-{number}", pages=(page,))


def _specs() -> dict[str, IssueSpec]:
    specs = {
        f"grid{cols}": grid_page(cols, seed=seed, dpi=DPI, body_px=BODY, width=W, height=H,
                                 skew_deg=skew)
        for cols, seed, skew in [(3, 1, 0.0), (4, 2, 1.5), (5, 3, -2.0), (6, 4, 3.0)]
    }
    specs["label-notice-ad"] = _mixed(2, 4, -1.0, (
        Module(article="a1", col=0, span=3, top=0.0, bottom=0.5, kicker=True, headline_lines=2,
               photo=0.4, photo_cols=2, label="要闻"),
        Module(kind="notice", article="n1", col=3, span=1, top=0.0, bottom=0.5),
        Module(article="a2", col=0, span=2, top=0.5, bottom=1.0, vertical_headline=True,
               byline="top"),
        Module(kind="ad", col=2, span=2, top=0.5, bottom=0.75),
        Module(article="a3", col=2, span=2, top=0.75, bottom=1.0, subtitle=True, byline="end",
               boxed=True),
    ))
    specs["commentary-vertical"] = _mixed(3, 5, 2.0, (
        Module(kind="commentary", article="c1", col=0, span=2, top=0.0, bottom=0.5),
        Module(article="b1", col=2, span=3, top=0.0, bottom=0.5, photo=0.45, byline="top"),
        Module(kind="vertical_article", article="v1", col=0, span=5, top=0.5, bottom=0.75),
        Module(kind="ad", col=0, span=2, top=0.75, bottom=1.0),
        Module(kind="notice", article="n2", col=2, span=3, top=0.75, bottom=1.0),
    ), masthead=True)
    specs["six-mixed"] = _mixed(5, 6, 0.8, (
        Module(article="d1", col=0, span=4, top=0.0, bottom=0.4, kicker=True, subtitle=True,
               photo=0.5, photo_cols=2, headline_lines=2),
        Module(article="d2", col=4, span=2, top=0.0, bottom=0.4, label="社区", byline="end"),
        Module(article="d3", col=0, span=3, top=0.4, bottom=1.0, vertical_headline=True),
        Module(kind="ad", col=3, span=3, top=0.4, bottom=0.6),
        Module(article="d4", col=3, span=3, top=0.6, bottom=1.0, boxed=True, kicker=True),
    ))
    specs["three-skewed"] = _mixed(6, 3, -3.0, (
        Module(article="e1", col=0, span=2, top=0.0, bottom=0.55, photo=0.35, photo_cols=1,
               subtitle=True, byline="top"),
        Module(kind="ad", col=2, span=1, top=0.0, bottom=0.3),
        Module(kind="notice", article="n3", col=2, span=1, top=0.3, bottom=0.55),
        Module(article="e2", col=0, span=3, top=0.55, bottom=1.0, kicker=True, byline="end"),
    ))
    return specs


@dataclass
class Rendered:
    page: Page
    gt: dict[str, Any]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, engine: OcrEngine) -> dict[str, Rendered]:
    out: dict[str, Rendered] = {}
    tmp = tmp_path_factory.mktemp("rendered")
    for name, spec in _specs().items():
        issue = build_issue(spec, seed=7)
        gt = issue.gt["pages"][0]
        f = tmp / f"{name}.png"
        cv2.imwrite(str(f), issue.images[0])
        source = PageSource(Path(f), 0, name, gt["page"])
        res = process_page(source, engine, Settings(preset="accurate"))
        assert res.page is not None, res.error
        out[name] = Rendered(res.page, gt)
    return out


def _scan_boxes(page: Page) -> list[tuple[Region, Box]]:
    return [(r, page.to_scan_box(r.box)) for r in page.regions if r.type.is_text]


def _match(page: Page, gt_region: dict[str, Any]) -> Region | None:
    """The predicted text region covering most of a truth region's box."""
    gb = Box(*gt_region["bbox"])
    best: tuple[float, Region] | None = None
    for r, sb in _scan_boxes(page):
        inter = gb.intersection(sb)
        if inter is None:
            continue
        share = inter.area / max(1.0, gb.area)
        if best is None or share > best[0]:
            best = (share, r)
    return best[1] if best is not None else None


def _sg_cer(pattern: str, text: str) -> float:
    p = strip_ws(pattern)
    return semi_global_distance(p, strip_ws(text)) / max(1, len(p))


@pytest.mark.parametrize("name", list(_specs()))
def test_region_types_match_truth(rendered: dict[str, Rendered], name: str) -> None:
    page, gt = rendered[name].page, rendered[name].gt
    wrong = []
    for g in gt["regions"]:
        if g["type"] not in TEXT_TYPES:
            continue
        r = _match(page, g)
        if r is None or r.type.value != g["type"]:
            wrong.append((g["id"], g["type"], r.type.value if r else None, g["text"][:16]))
            continue
        # The matched region holds the truth region's text (not only its box).
        if g["type"] in READ_TYPES:
            assert _sg_cer(g["text"], r.text) < 0.2, (g["id"], g["text"][:20], r.text[:40])
    assert wrong == []


def _ro_counts(gt: dict[str, Any], text: str, kind: str) -> tuple[int, int]:
    """(edits, characters) of the reading-order CER of one region type on one page."""
    total = sum(len(strip_ws(g["text"])) for g in gt["regions"] if g["type"] == kind)
    return round(ro_cer(gt, text, [kind]) * total), total


def test_reading_order_per_type(rendered: dict[str, Rendered]) -> None:
    """Pooled over the pages each type reads with CER <= 0.02 (OCR errors included); no
    single page is far off, and the order holds every text region once."""
    pooled = {kind: [0, 0] for kind in READ_TYPES}
    for name, item in rendered.items():
        page, gt = item.page, item.gt
        text = page_text(page)
        for kind in READ_TYPES:
            edits, total = _ro_counts(gt, text, kind)
            pooled[kind][0] += edits
            pooled[kind][1] += total
            assert edits <= 0.05 * max(total, 1), (name, kind, edits, total)
        text_ids = {r.id for r in page.regions if r.type.is_text}
        assert sorted(page.reading_order) == sorted(text_ids)
    for kind, (edits, total) in pooled.items():
        assert total > 0 and edits / total <= 0.02, (kind, edits, total)


def _article_of(page: Page, gt: dict[str, Any]) -> dict[str, str | None]:
    """Truth article id -> the predicted article holding most of its body/notice text."""
    out: dict[str, str | None] = {}
    votes: dict[str, dict[str | None, int]] = {}
    for g in gt["regions"]:
        if g["article"] is None or g["type"] not in ("body", "notice", "headline"):
            continue
        r = _match(page, g)
        v = votes.setdefault(g["article"], {})
        key = r.article_id if r is not None else None
        v[key] = v.get(key, 0) + len(strip_ws(g["text"]))
    for art, v in votes.items():
        out[art] = max(v, key=lambda k: v[k])
    return out


@pytest.mark.parametrize("name", list(_specs()))
def test_article_modules_read_in_truth_order(rendered: dict[str, Rendered], name: str) -> None:
    page, gt = rendered[name].page, rendered[name].gt
    mapping = _article_of(page, gt)
    # Each truth article is one predicted article, and no two share one.
    assert None not in mapping.values()
    assert len(set(mapping.values())) == len(mapping)
    regions = {g["id"]: g for g in gt["regions"]}
    truth_seq: list[str] = []
    for rid in gt["reading_order"]:
        art = regions[rid]["article"]
        if art is not None and art not in truth_seq:
            truth_seq.append(art)
    pred_seq: list[str | None] = []
    for rid in page.reading_order:
        art = page.region(rid).article_id
        if art is not None and art not in pred_seq:
            pred_seq.append(art)
    wanted = [mapping[a] for a in truth_seq]
    assert [a for a in pred_seq if a in wanted] == wanted
    # Within an article the headline comes before its body and captions come last.
    for rid_list in _article_regions(page).values():
        kinds = [page.region(i).type for i in rid_list]
        if RegionType.HEADLINE in kinds and RegionType.BODY in kinds:
            assert kinds.index(RegionType.HEADLINE) < kinds.index(RegionType.BODY)
        if RegionType.CAPTION in kinds:
            first_cap = kinds.index(RegionType.CAPTION)
            assert all(k is RegionType.CAPTION for k in kinds[first_cap:])


def _article_regions(page: Page) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rid in page.reading_order:
        art = page.region(rid).article_id
        if art is not None:
            out.setdefault(art, []).append(rid)
    return out


@pytest.mark.parametrize("name", list(_specs()))
def test_captions_stay_out_of_article_bodies(rendered: dict[str, Rendered], name: str) -> None:
    page, gt = rendered[name].page, rendered[name].gt
    captions = [g["text"] for g in gt["regions"] if g["type"] == "caption"]
    if not captions:
        pytest.skip("no captions on this page")
    issue = Issue(name=name, source=Path(name), pages=[page])
    link_articles(issue)
    bodies = [article_body(issue, a)[0] for a in issue.articles]
    for cap in captions:
        assert all(_sg_cer(cap, body) >= 0.2 for body in bodies), cap
    # Every caption is linked to the picture above it.
    for r in page.regions:
        if r.type is RegionType.CAPTION:
            assert r.linked_to is not None and page.region(r.linked_to).type is RegionType.PHOTO


def test_ads_are_ads(rendered: dict[str, Rendered]) -> None:
    seen = 0
    for item in rendered.values():
        page, gt = item.page, item.gt
        for g in gt["regions"]:
            if g["type"] != "ad":
                continue
            seen += 1
            hit = [r for r, sb in _scan_boxes(page) if sb.intersection(Box(*g["bbox"]))]
            assert hit and all(r.type is RegionType.AD and r.article_id is None for r in hit)
            assert _sg_cer(g["text"], "".join(r.text for r in hit)) < 0.2
        # No article text was typed as an ad.
        for r in page.regions:
            if r.type is RegionType.AD:
                g = max(
                    (g for g in gt["regions"] if g["type"] in TEXT_TYPES),
                    key=lambda g: (Box(*g["bbox"]).intersection(page.to_scan_box(r.box))
                                   or Box(0, 0, 0, 0)).area,
                )
                assert g["type"] == "ad", (r.text, g["type"])
    assert seen >= 4
