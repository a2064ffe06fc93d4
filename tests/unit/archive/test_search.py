"""Search: FTS5 trigram index over article records, short queries, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_samples import ISSUE_NAME, page_one, write_issue

from digitize.archive.documents import issue_date
from digitize.archive.search import connect, index_issue, search, snippet
from digitize.cli import main


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


@pytest.fixture
def db(issue_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "search.db"
    assert main(["index", str(issue_dir.parent), "--db", str(path)]) == 0
    return path


def _records(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(ln) for ln in lines]


def test_every_article_is_found_by_a_phrase_from_its_middle(issue_dir: Path, db: Path) -> None:
    con = connect(db)
    try:
        records = _records(issue_dir)
        assert len(records) == 5
        for rec in records:
            text = str(rec["text"]).replace("\n", "")
            mid = len(text) // 2
            phrase = text[mid - 2 : mid + 2]
            hits = search(con, phrase)
            assert rec["id"] in [h.article_id for h in hits], phrase
            hit = next(h for h in hits if h.article_id == rec["id"])
            assert f"【{phrase}】" in hit.snippet, hit.snippet
            # The hit is located in an ALTO block with a box in scan pixels.
            assert hit.blocks and all(b.box is not None for b in hit.blocks)
    finally:
        con.close()


def test_short_queries_fall_back_to_substring_scan(db: Path) -> None:
    con = connect(db)
    try:
        two = search(con, "老街")  # 2 characters: below the trigram minimum
        assert [h.title for h in two] == ["老城区改造惠及万户居民"]
        assert "【老街】" in two[0].snippet
        assert {b.block_id for b in two[0].blocks} == {"body2b", "cap1"}
        one = search(con, "球")
        assert [h.title for h in one] == ["青少年足球联赛开幕"]
        mixed = search(con, "充电 二百座")  # a short and a long term together
        assert [h.title for h in mixed] == ["新能源汽车产业加快发展"]
        assert search(con, "火星") == [] and search(con, "   ") == []
    finally:
        con.close()


def test_jumped_article_reports_both_pages(db: Path) -> None:
    con = connect(db)
    try:
        (hit,) = search(con, "公共充电站")
        assert hit.title == "新能源汽车产业加快发展" and hit.pages == ["1", "4"]
        assert [b.file for b in hit.blocks] == ["page-2.xml"]
    finally:
        con.close()


def test_reindexing_replaces_an_issue(issue_dir: Path, db: Path) -> None:
    con = connect(db)
    try:
        n, problems = index_issue(con, issue_dir)
        assert n == 5 and problems == []
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 5
    finally:
        con.close()


def test_search_command_output(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "新能源汽车", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"{ISSUE_NAME}" in out and "p. 1, 4" in out and "【新能源汽车】" in out
    assert "page-1.xml body1 (" in out
    assert main(["search", "老街", "--db", str(db), "--json"]) == 0
    hit = json.loads(capsys.readouterr().out.splitlines()[0])
    assert hit["title"] == "老城区改造惠及万户居民" and hit["blocks"][0]["box"]


def test_exports_parse_as_json(issue_dir: Path, tmp_path: Path) -> None:
    bulk = tmp_path / "bulk.ndjson"
    assert main(["export", str(issue_dir), "--format", "jsonl", "-o", str(bulk)]) == 0
    lines = [json.loads(ln) for ln in bulk.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10
    for action, doc in zip(lines[::2], lines[1::2], strict=True):
        assert action["index"]["_id"] == doc["id"] and action["index"]["_index"] == "digitize"
        assert doc["issue"] == ISSUE_NAME and doc["date"] == "2019-12-19" and doc["text"]
        assert all(len(b["box"]) == 4 for b in doc["blocks"] if b["type"] != "photo")
    solr = tmp_path / "solr.json"
    assert main(["export", str(issue_dir), "--format", "solr", "-o", str(solr)]) == 0
    docs = json.loads(solr.read_text(encoding="utf-8"))
    assert len(docs) == 5 and docs[0]["title_txt_cjk"] == "新能源汽车产业加快发展"
    assert docs[0]["date_dt"] == "2019-12-19T00:00:00Z" and docs[0]["pages_ss"] == ["1", "4"]


def test_snippet_and_date_helpers() -> None:
    text = "甲" * 50 + "新能源汽车" + "乙" * 50
    s = snippet(text, ["新能源"], mark=("<", ">"))
    assert "<新能源>" in s and s.startswith("…") and s.endswith("…")
    assert issue_date("jintan-20191219") == "2019-12-19"
    assert issue_date("paper-2019-02-30") is None
    assert issue_date("renmin_1949_10_01") == "1949-10-01"


def test_search_crosses_scripts(issue_dir: Path, tmp_path: Path) -> None:
    """An article printed in traditional characters is found by a simplified query and the
    other way round; the snippet shows the characters as printed."""
    path = issue_dir / "articles.jsonl"
    records = _records(issue_dir)
    records[0]["text"] = "本報記者報導：學校舉辦運動會，新聞界到場採訪。"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    con = connect(tmp_path / "scripts.db")
    try:
        index_issue(con, issue_dir)
        for query in ("新闻界到场", "学校", "新聞界", "运动会"):
            hits = search(con, query)
            assert records[0]["id"] in [h.article_id for h in hits], query
        hit = next(h for h in search(con, "新闻界") if h.article_id == records[0]["id"])
        assert "【新聞界】" in hit.snippet
        assert search(con, "足球联赛") and not search(con, "新聞界 足球联赛")
    finally:
        con.close()


def test_phrase_matches_across_a_paragraph_break(issue_dir: Path, tmp_path: Path) -> None:
    """Layout breaks text into paragraphs; a reader's phrase can straddle the break."""
    path = issue_dir / "articles.jsonl"
    records = _records(issue_dir)
    records[0]["text"] = "会议在我区举行。\n丰硕成果令人鼓舞。"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    con = connect(tmp_path / "breaks.db")
    try:
        index_issue(con, issue_dir)
        hits = search(con, "行。丰硕")
        assert [h.article_id for h in hits] == [records[0]["id"]]
        assert "【行。 丰硕】" in hits[0].snippet
    finally:
        con.close()


def _expected_boxes(line_id: str, chars: slice) -> list[tuple[float, float, float, float]]:
    """Scan boxes of some glyphs of a line of the hand-built page 1, from the model."""
    page = page_one()
    line = next(ln for ln in page.iter_lines() if ln.id == line_id)
    out = []
    for g in line.glyphs[chars]:
        b = page.to_scan_box(g.box)
        out.append((b.x0, b.y0, b.width, b.height))
    return out


def _close(got: list[tuple[int, int, int, int]], want: list[tuple[float, ...]]) -> bool:
    return len(got) == len(want) and all(
        abs(a - b) <= 2 for g, w in zip(got, want, strict=True) for a, b in zip(g, w, strict=True)
    )


def test_hits_are_boxed_glyph_by_glyph_across_line_breaks(db: Path) -> None:
    """ "八十条，改善" runs from the first line of body2 into its second: each of its six
    characters gets its own glyph box, in reading order, from both lines."""
    con = connect(db)
    try:
        (hit,) = search(con, "八十条，改善")
    finally:
        con.close()
    (block,) = hit.blocks
    assert block.block_id == "body2" and block.chars == "八十条，改善"
    want = _expected_boxes("b2_1", slice(11, 15)) + _expected_boxes("b2_2", slice(0, 2))
    assert _close(block.glyphs, want), (block.glyphs, want)
    assert block.glyphs[3][1] < block.glyphs[4][1] - 20  # the second line is lower
    bx, by, bw, bh = block.box or (0, 0, 0, 0)
    for x, y, w, h in block.glyphs:  # inside the block
        assert bx <= x and x + w <= bx + bw and by <= y and y + h <= by + bh


def test_hit_crossing_a_column_break_is_boxed_in_both_blocks(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "出行条件。下一步" ends body2 and begins body2b (the next column block): before,
    such a hit listed no block at all."""
    con = connect(db)
    try:
        (hit,) = search(con, "出行条件。下一步")
        assert [(b.block_id, b.chars) for b in hit.blocks] == [
            ("body2", "出行条件。"),
            ("body2b", "下一步"),
        ]
        assert _close(hit.blocks[0].glyphs, _expected_boxes("b2_2", slice(6, 11)))
        assert _close(hit.blocks[1].glyphs, _expected_boxes("b2b_1", slice(0, 3)))
        # Traditional forms in the query box the same characters.
        (trad,) = search(con, "出行條件。下一步")
        assert [b.glyphs for b in trad.blocks] == [b.glyphs for b in hit.blocks]
    finally:
        con.close()
    assert main(["search", "出行条件。下一步", "--db", str(db), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.splitlines()[0])
    assert [len(b["glyphs"]) for b in doc["blocks"]] == [5, 3]
    assert all(len(g) == 4 for b in doc["blocks"] for g in b["glyphs"])


def test_damaged_glyph_column_gives_no_boxes_but_still_the_block(db: Path) -> None:
    con = connect(db)
    try:
        with con:
            con.execute("UPDATE blocks SET glyphs = '[\"x\"' WHERE block_id = 'body2'")
        (hit,) = search(con, "八十条")
    finally:
        con.close()
    assert [(b.block_id, b.glyphs) for b in hit.blocks] == [("body2", [])]
