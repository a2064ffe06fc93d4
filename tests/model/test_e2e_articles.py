"""Articles across pages, end to end: rendered pages through the real pipeline (RapidOCR
included), the link stage and the writers, checked against the renderer's exact truth.

One three-page issue (printed pages 1, 4 and 6 of eight) is rendered small (150 dpi,
1275x1800) and processed once per module: a chain 1 -> 4 -> 6, two jumps leaving page 1
for page 4, a continuation without a repeated headline, a shortened repeated headline,
and a jump to page 8, which is not in the issue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from issue_specs import jumps_issue
from lxml import etree
from paths import SCHEMA_DIR
from scoring import cer, semi_global_distance, strip_ws

from digitize.config import Settings
from digitize.engines.base import OcrEngine
from digitize.model import Article, Issue, RegionType
from digitize.pipeline import issue_files, process_page, processing_for
from digitize.serialize.alto import block_ids
from digitize.serialize.mets import METS_NS, XLINK_NS
from digitize.stages.link import link_articles
from digitize.stages.load import discover
from digitize.synth.render import render_issue

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
MARKER = re.compile(r"[下上]转|上接|转第|接第|續|轉")


@dataclass
class Run:
    gt: dict[str, Any]
    issue: Issue
    files: dict[str, bytes]
    records: list[dict[str, Any]]

    def gt_article(self, key: str) -> dict[str, Any]:
        return next(a for a in self.gt["articles"] if a["id"] == key)

    def best(self, key: str) -> Article:
        """The predicted article whose text is closest to the truth's (as evaluate.py)."""
        truth = self.gt_article(key)["text"]
        return min(self.issue.articles, key=lambda a: cer(a.text, truth))

    def record(self, article: Article) -> dict[str, Any]:
        return next(r for r in self.records if r["id"] == article.id)

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, engine: OcrEngine) -> Run:
    root = tmp_path_factory.mktemp("e2e") / "jumps-e2e"
    gt = render_issue(jumps_issue(), root, seed=0)
    settings = Settings(preset="accurate")
    (source,) = discover([root]).issues
    pages = []
    for ps in source.pages:
        result = process_page(ps, engine, settings)
        assert result.page is not None, result.error
        pages.append(result.page)
    issue = Issue(name=source.name, source=source.path, pages=pages)
    link_articles(issue)
    processing = processing_for(settings.engine, engine.models(), settings.as_dict())
    files = issue_files(issue, processing, folder=root.parent / "out" / source.name)
    records = [json.loads(line) for line in files["articles.jsonl"].decode().splitlines()]
    return Run(gt, issue, files, records)


def _gt_part_texts(run: Run, key: str) -> list[str]:
    return [p["text"] for p in run.gt_article(key)["parts"]]


def _contains(text: str, part: str, limit: float = 0.03) -> bool:
    part = strip_ws(part)
    return semi_global_distance(part, strip_ws(text)) <= limit * len(part)


# --------------------------------------------------------------------------- links


def test_printed_page_numbers_from_folio_and_file_name(run: Run) -> None:
    # Page 1 has a nameplate ("今日八版" counts pages, it is no folio): file name; 4 and 6
    # read "第四版" / "第六版" in the folio line.
    assert [p.printed_number for p in run.issue.pages] == ["1", "4", "6"]
    assert [p.number for p in run.issue.pages] == [1, 2, 3]


def test_chain_over_three_pages(run: Run) -> None:
    art = run.best("j1")
    truth = run.gt_article("j1")
    assert [p.file for p in art.parts] == ["page-1", "page-4", "page-6"]
    # One CER over the whole text: parts merged in page order, nothing lost or repeated.
    assert cer(art.text, truth["text"]) <= 0.02
    assert cer(art.title, truth["title"]) <= 0.05
    links = [j for j in run.issue.jumps if j.article_id == art.id]
    assert [(j.from_page, j.to_page) for j in links] == [(1, 2), (2, 3)]
    for link, (src, dst) in zip(links, [("1", "4"), ("4", "6")], strict=True):
        assert link.evidence["marker_match"] is True
        assert (link.evidence["source_page"], link.evidence["target_page"]) == (src, dst)
        assert link.from_region is not None and link.to_region is not None
    # Page 6 repeats a shortened headline; it still matches.
    assert float(links[1].evidence["headline_similarity"]) >= 0.6  # type: ignore[arg-type]


def test_two_jumps_leave_page_one_for_page_four(run: Run) -> None:
    page1 = run.issue.pages[0]
    outs = [r for r in page1.regions if r.jump is not None and r.jump.direction == "out"]
    assert sorted(str(r.jump.target_page) for r in outs if r.jump) == ["4", "4", "8"]
    to_four = [j for j in run.issue.jumps if (j.from_page, j.to_page) == (1, 2)]
    assert len(to_four) == 2
    assert len({j.article_id for j in to_four}) == 2
    assert len({j.from_region for j in to_four}) == 2
    assert len({j.to_region for j in to_four}) == 2
    assert run.best("j1").id in {j.article_id for j in to_four}


def test_continuation_without_repeated_headline(run: Run) -> None:
    art = run.best("j2")
    assert [p.file for p in art.parts] == ["page-1", "page-4"]
    assert cer(art.text, run.gt_article("j2")["text"]) <= 0.02


def test_jump_to_missing_page_is_reported(run: Run) -> None:
    art = run.best("j3")
    assert [p.file for p in art.parts] == ["page-1"]
    assert cer(art.text, run.gt_article("j3")["text"]) <= 0.02
    missing = [u for u in run.issue.unresolved_jumps if u["target_page"] == "8"]
    assert len(missing) == 1
    entry = missing[0]
    assert entry["page"] == 1 and entry["direction"] == "out"
    assert entry["article_id"] == art.id
    assert "8" in str(entry["reason"]) and "not in issue" in str(entry["reason"])
    assert "下转" in str(entry["marker"])
    record = run.record(art)
    assert [u["target_page"] for u in record["unresolved_jumps"]] == ["8"]
    assert record["jumps"] == []


# --------------------------------------------------------------------------- outputs


def test_article_records(run: Run) -> None:
    keys = {
        "id", "issue", "title", "kicker", "subtitle", "byline", "pages", "parts", "text",
        "captions", "confidence", "jumps", "unresolved_jumps",
    }  # fmt: skip
    assert len({r["id"] for r in run.records}) == len(run.records)
    for rec in run.records:
        assert keys <= rec.keys(), rec["id"]
        assert rec["issue"] == "jumps-e2e"
        for part in rec["parts"]:
            assert {"page", "file", "blocks"} <= part.keys()
            assert part["blocks"]
        assert 0.0 < rec["confidence"] <= 1.0
        assert not MARKER.search(rec["text"]), rec["text"]

    chain = run.record(run.best("j1"))
    assert chain["pages"] == [1, 4, 6]
    assert [p["file"] for p in chain["parts"]] == ["page-1", "page-4", "page-6"]
    assert [(j["from_page"], j["to_page"]) for j in chain["jumps"]] == [(1, 2), (2, 3)]
    evidence = chain["jumps"][0]["evidence"]
    assert evidence["in_marker"] and evidence["out_marker"]

    # Captions and bylines are fields of their article, never in any article's text.
    gt_regions = [r for p in run.gt["pages"] for r in p["regions"]]
    captions = [r["text"] for r in gt_regions if r["type"] == "caption"]
    bylines = [r["text"] for r in gt_regions if r["type"] == "byline"]
    assert captions and bylines
    for rec in run.records:
        for extra in captions + bylines:
            assert not _contains(rec["text"], extra, 0.2), (rec["id"], extra)
    s5 = run.record(run.best("s5"))
    assert any(cer(c, captions[0]) <= 0.1 for c in s5["captions"])
    s1 = run.record(run.best("s1"))
    assert cer(s1["byline"], bylines[0]) <= 0.1
    s6 = run.record(run.best("s6"))
    gt_subtitle = next(r["text"] for r in gt_regions if r["type"] == "subtitle")
    assert cer(s6["subtitle"], gt_subtitle) <= 0.1


def test_issue_text_merges_each_jumped_article_in_one_place(run: Run) -> None:
    text = run.text("issue.txt")
    whole = run.gt_article("j1")["text"]
    assert _contains(text, whole, 0.02)
    assert "上接第" not in text
    # Page 1's page text keeps its own part only.
    page1 = run.text("page-1.txt")
    parts = _gt_part_texts(run, "j1")
    assert _contains(page1, parts[0]) and not _contains(page1, parts[1], 0.3)


def test_alto_keeps_jump_lines_as_tagged_blocks(run: Run) -> None:
    expected = {"page-1.xml": ["out:4", "out:4", "out:8"], "page-4.xml": ["in:1", "in:1", "out:6"]}
    expected["page-6.xml"] = ["in:4"]
    for name, labels in expected.items():
        doc = etree.fromstring(run.files[name])
        tags = {t.get("ID"): t for t in doc.iter(f"{ALTO}OtherTag")}
        found: list[str] = []
        for block in doc.iter(f"{ALTO}TextBlock"):
            refs = [tags[r] for r in (block.get("TAGREFS") or "").split() if r in tags]
            if not any(t.get("TYPE") == "region-type" and t.get("LABEL") == "jump" for t in refs):
                continue
            (jump,) = [t for t in refs if t.get("TYPE") == "jump"]
            assert MARKER.search(jump.get("DESCRIPTION") or "")
            assert any(t.get("TYPE") == "article" for t in refs), name
            found.append(jump.get("LABEL") or "")
        assert sorted(found) == labels, name


def test_mets_valid_and_jumped_article_spans_two_alto_files(run: Run) -> None:
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"schema folder not found at {SCHEMA_DIR}")
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "mets-1-12-1.xsd")))
    doc = etree.fromstring(run.files["mets.xml"])
    assert schema.validate(doc), schema.error_log
    m = f"{{{METS_NS}}}"
    file_href = {
        f.get("ID"): f.find(f"{m}FLocat").get(f"{{{XLINK_NS}}}href")  # type: ignore[union-attr]
        for f in doc.iter(f"{m}file")
    }
    art = run.best("j1")
    divs = [d for d in doc.iter(f"{m}div") if d.get("TYPE") == "ARTICLE"]
    assert len(divs) == len(run.issue.articles)
    (div,) = [d for d in divs if d.get("LABEL") == (art.title or art.id)]
    hrefs = {str(file_href[a.get("FILEID")]) for a in div.iter(f"{m}area")}
    assert {h.rsplit("/", 1)[-1] for h in hrefs} == {"page-1.xml", "page-4.xml", "page-6.xml"}
    jump_ids = {
        block_ids(p)[r.id] for p in run.issue.pages for r in p.regions if r.type is RegionType.JUMP
    }
    begins = {a.get("BEGIN") for a in div.iter(f"{m}area")}
    assert begins & jump_ids, "the jump lines stay part of the article's structure"
