"""The seeded issue family: deterministic, covers every variation it promises, and its truth
is self-consistent (so the corpus benchmark scores the pipeline, not the generator)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digitize.synth.family import (
    BODY_FONTS,
    CAPTION_POS,
    FOLIOS,
    HEAD_FONTS,
    JUMP_IN,
    JUMP_OUT,
    random_issue,
    split_of,
)
from digitize.synth.layouts import vertical_page
from digitize.synth.render import build_issue, has_glyph, render_issue
from digitize.synth.spec import IssueSpec, Module, PageSpec

SEEDS = range(200)
TEXT_TYPES = {"masthead", "headline", "kicker", "subtitle", "byline", "label", "body", "caption",
              "jump", "notice", "ad"}
_CN = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_JUMP = re.compile(r"^(下转|转|上接|接)(第?)(A?)([0-9]+|[一二三四五六七八九十]+)版$")


def cn_number(s: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20 (page numbers only)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)
    return _CN[s]


def parse_jump(text: str) -> tuple[str, int, str, str]:
    """(verb phrase template, page, numeral kind, bracket kind) of a printed jump line."""
    bracket = "none"
    if text[:1] + text[-1:] == "（）":
        bracket, text = "full", text[1:-1]
    elif text[:1] + text[-1:] == "()":
        bracket, text = "half", text[1:-1]
    m = _JUMP.match(text)
    assert m, text
    verb, di, letter, num = m.groups()
    kind = "letter" if letter else ("arabic" if num.isdigit() else "chinese")
    return f"{verb}{di}X版", cn_number(num), kind, bracket


@pytest.fixture(scope="module")
def specs() -> list[IssueSpec]:
    return [random_issue(s) for s in SEEDS]


def small(spec: IssueSpec, f: float = 0.4) -> IssueSpec:
    """The same issue at a fraction of the size, so tests render quickly."""
    pages = tuple(replace(p, width=round(p.width * f), height=round(p.height * f),
                          body_px=max(8, round((p.body_px or 20) * f))) for p in spec.pages)
    return replace(spec, pages=pages)


def modules(spec: IssueSpec) -> list[tuple[PageSpec, Module]]:
    return [(p, m) for p in spec.pages for m in p.modules]


def test_deterministic_per_seed() -> None:
    assert random_issue(11) == random_issue(11)
    assert random_issue(11) != random_issue(12)
    a = build_issue(small(random_issue(5)), seed=5)
    b = build_issue(small(random_issue(5)), seed=5)
    assert a.gt == b.gt
    assert all((x == y).all() for x, y in zip(a.images, b.images, strict=True))


def test_covers_every_variation(specs: list[IssueSpec]) -> None:
    seen: Counter[str] = Counter()
    for spec in specs:
        seen[f"split:{spec.split}"] += 1
        seen[f"pages:{len(spec.pages)}"] += 1
        seen["pdf"] += spec.pdf
        numbers = [p.number for p in spec.pages]
        if numbers != list(range(1, len(numbers) + 1)):
            seen["printed_not_1_to_n"] += 1
        for p in spec.pages:
            fonts = dict(p.fonts)
            if not p.vertical:
                seen[f"body:{fonts['body']}"] += 1
                seen[f"head:{fonts['head']}"] += 1
            seen[f"cols:{p.cols}"] += 1
            seen["gutter<=0.6"] += p.gutter_em <= 0.6
            seen["gutter>=1.9"] += p.gutter_em >= 1.9
            seen[f"rules:{p.rules}:{p.col_rules}"] += 1
            seen[f"folio:{p.folio}:{p.folio_arabic}"] += 1
            seen["inverted_nameplate"] += p.masthead and p.nameplate_inverted
            if p.file and Path(p.file).stem != f"page-{p.number}":
                seen["file_mismatch"] += 1
            d = p.degradation
            seen["clean"] += d.jpeg_quality is None and d.blur_sigma == 0
            seen["jpeg<=40"] += d.jpeg_quality is not None and d.jpeg_quality <= 40
            seen["blur>=1.2"] += d.blur_sigma >= 1.2
            seen["bleed"] += d.bleed >= 0.1
            seen["yellow"] += d.yellow > 0
            seen["noise"] += d.noise_sigma >= 5
            seen["skew>=2.5"] += abs(p.skew_deg) >= 2.5
            seen["vertical_page"] += p.vertical
        for p, m in modules(spec):
            seen[f"kind:{m.kind}:{'v' if p.vertical else 'h'}"] += 1
            seen["label"] += m.label is not None and m.kind == "article"
            if m.photo:
                seen[f"caption:{m.caption_pos}"] += 1
            if m.jump_to is not None:
                verb, page, kind, bracket = parse_jump(m.jump_out_text or "")
                assert page == m.jump_to
                seen[f"out:{verb.replace('第', '') if kind == 'letter' else verb}"] += 1
                seen[f"numeral:{kind}"] += 1
                seen[f"bracket:{bracket}"] += 1
                if m.jump_to in numbers:
                    seen[f"jump:{p.number}->{m.jump_to}"] += 1
                    seen["far"] += m.jump_to - p.number > 1
            if m.jump_from is not None:
                verb, page, _, _ = parse_jump(m.jump_in_text or "")
                assert page == m.jump_from
                seen[f"in:{verb}"] += 1
    need = ["split:dev", "split:holdout", "pages:2", "pages:3", "pages:4", "pdf",
            "printed_not_1_to_n", "gutter<=0.6", "gutter>=1.9", "rules:False:False",
            "rules:True:False", "rules:True:True", "inverted_nameplate", "file_mismatch",
            "clean", "jpeg<=40", "blur>=1.2", "bleed", "yellow", "noise", "skew>=2.5",
            "vertical_page", "kind:vertical_article:h", "kind:horizontal_article:v",
            "kind:notice:h", "kind:ad:h", "kind:commentary:h", "label", "far",
            "jump:1->2", "jump:1->3", "jump:2->4", "jump:3->8",
            "numeral:chinese", "numeral:arabic", "numeral:letter",
            "bracket:full", "bracket:half", "bracket:none"]
    need += [f"body:{f}" for f in BODY_FONTS] + [f"head:{f}" for f in HEAD_FONTS]
    need += [f"cols:{c}" for c in range(4, 9)]
    need += [f"folio:{f}:{a}" for f in FOLIOS for a in (False, True)]
    need += [f"caption:{c}" for c in CAPTION_POS]
    need += [f"out:{t}" for t in JUMP_OUT] + [f"in:{t}" for t in JUMP_IN]
    missing = [k for k in need if not seen[k]]
    assert not missing, missing
    assert any(k.endswith("+stroke") for k in BODY_FONTS) and any(
        k.endswith("+stroke") for k in HEAD_FONTS)


def test_split_halves() -> None:
    assert [split_of(s) for s in range(4)] == ["dev", "holdout", "dev", "holdout"]
    assert random_issue(3).split == "holdout"


def _check_issue(spec: IssueSpec, gt: dict[str, Any]) -> None:
    assert gt["split"] == spec.split
    printed = [p.number for p in spec.pages]
    assert [p["page"] for p in gt["pages"]] == printed
    files = [p["file"] for p in gt["pages"]]
    if spec.pdf:
        assert files == [f"page-{k}.png" for k in range(1, len(printed) + 1)]
    else:
        assert files == [p.file or f"page-{p.number}.png" for p in spec.pages]
    regions = {}
    for pg, ps in zip(gt["pages"], spec.pages, strict=True):
        w, h = pg["width"], pg["height"]
        ids = {r["id"] for r in pg["regions"]}
        assert len(ids) == len(pg["regions"])
        for r in pg["regions"]:
            regions[r["id"]] = (pg["page"], r)
            x0, y0, x1, y1 = r["bbox"]
            assert 0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h, r["id"]
            for ln in r["lines"]:
                lx0, ly0, lx1, ly1 = ln["bbox"]
                assert 0 <= lx0 <= lx1 <= w and 0 <= ly0 <= ly1 <= h
        order = pg["reading_order"]
        assert len(order) == len(set(order))
        assert set(order) <= ids
        assert {r["id"] for r in pg["regions"] if r["type"] in TEXT_TYPES} == set(order)
        assert set(ps.cases) <= set(pg["hard_cases"])
        if not ps.vertical:  # every printed glyph exists in its font (no tofu in the truth)
            fonts = dict(ps.fonts)
            for r in pg["regions"]:
                key = {"body": fonts["body"], "headline": fonts["head"]}.get(r["type"])
                if key and not r.get("vertical"):
                    bad = {ch for ch in r["text"] if ch != "\n" and not has_glyph(key, ch)}
                    assert not bad, (r["id"], key, bad)
    prev: dict[tuple[str, int], int] = {}
    nxt: dict[tuple[str, int], int] = {}
    for a in gt["articles"]:
        for part in a["parts"]:
            for rid in part["region_ids"]:
                assert regions[rid][0] == part["page"]
                assert regions[rid][1]["article"] in (a["id"], None)
        pages = [p["page"] for p in a["parts"]]
        for x, y in itertools.pairwise(pages):
            nxt[(a["id"], x)] = y
            prev[(a["id"], y)] = x
    for j in gt["jumps"]:
        assert nxt[(j["from"]["article"], j["from"]["page"])] == j["to"]["page"]
        a = next(x for x in gt["articles"] if x["id"] == j["from"]["article"])
        assert all(p["text"] for p in a["parts"])  # both sides of a jump print body text
    unresolved = {(u["from"]["article"], u["from"]["page"]): u["target_page"]
                  for u in gt.get("unresolved_jumps", [])}
    for page, r in regions.values():
        if r["type"] != "jump":
            continue
        _, target, _, _ = parse_jump(r["text"])
        jkey = (str(r["article"]), page)
        want = nxt.get(jkey) or unresolved.get(jkey) if r["direction"] == "out" else prev[jkey]
        assert target == want, (r["id"], r["text"], want)


@pytest.mark.parametrize("seed", [0, 3, 6, 9, 13, 22, 39, 44])
def test_truth_is_self_consistent(seed: int) -> None:
    spec = small(random_issue(seed), 0.3)
    res = build_issue(spec, seed=seed)
    _check_issue(spec, res.gt)
    for img, pg in zip(res.images, res.gt["pages"], strict=True):
        assert img.shape[:2] == (pg["height"], pg["width"])
        d = pg["degradation"]
        assert (img.ndim == 3) == bool(d.get("yellow"))


def test_pdf_issue_round_trips(tmp_path: Path) -> None:
    seed = next(s for s in SEEDS if random_issue(s).pdf)
    spec = small(random_issue(seed), 0.25)
    gt = render_issue(spec, tmp_path, seed=seed)
    pdfs = list(tmp_path.glob("*.pdf"))
    assert [p.name for p in pdfs] == [f"{spec.name}.pdf"]
    assert not list(tmp_path.glob("*.png"))
    from pdf2image import pdfinfo_from_path

    info = pdfinfo_from_path(str(pdfs[0]))
    assert int(info["Pages"]) == len(gt["pages"])
    w_pt = float(str(info["Page size"]).split()[0])
    assert abs(round(w_pt * 300 / 72) - gt["pages"][0]["width"]) <= 1


def test_vertical_articles_carry_subheads_inside_their_text() -> None:
    """Long vertical articles of 1930s pages may be broken by subheads (小標): a body
    region of its own, in display type larger than the body and smaller than the
    headline, whose text is a paragraph of the article's text between two runs of it."""
    gt = build_issue(random_issue(16), seed=16).gt
    found = 0
    for page in gt["pages"]:
        regions = {r["id"]: r for r in page["regions"]}
        for r in page["regions"]:
            if r.get("subtype") != "subhead":
                continue
            found += 1
            assert r["type"] == "body" and r["vertical"]
            order = page["reading_order"]
            before, after = (regions[order[order.index(r["id"]) + k]] for k in (-1, 1))
            assert before["article"] == after["article"] == r["article"]
            assert before["type"] == after["type"] == "body"
            art = next(a for a in gt["articles"] if a["id"] == r["article"])
            assert f"{before['text'][-5:]}\n{r['text']}\n{after['text'][:5]}" in art["text"]
            width = r["bbox"][2] - r["bbox"][0]
            body_width = after["lines"][0]["bbox"][2] - after["lines"][0]["bbox"][0]
            assert width > body_width
    assert found >= 2


def test_vertical_headlines_are_set_in_several_columns_read_as_one_title() -> None:
    """Vertical articles may set their headline in columns of falling size: a lead
    column (kicker) at its right, a deck (subtitle) at its left, each smaller than the
    headline; the article's title is the columns in reading order."""
    groups = 0
    for seed in (1, 2, 3):
        gt = build_issue(vertical_page(seed=seed, cols=5), seed=seed).gt
        page = gt["pages"][0]
        for art in gt["articles"]:
            heads = [
                r for rid in page["reading_order"]
                for r in page["regions"]
                if r["id"] == rid and r["article"] == art["id"]
                and r["type"] in ("kicker", "headline", "subtitle")
            ]
            assert [r["type"] for r in heads].count("headline") == 1
            assert art["title"] == "".join(r["text"] for r in heads)
            main = next(r for r in heads if r["type"] == "headline")
            for r in heads:
                assert r["vertical"]
                if r is not main:
                    groups += 1
                    width = r["bbox"][2] - r["bbox"][0]
                    assert width < main["bbox"][2] - main["bbox"][0]
                    side = r["bbox"][0] >= main["bbox"][2] - 2
                    assert side == (r["type"] == "kicker")
    assert groups >= 3
