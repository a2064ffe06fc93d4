"""classify(): text-driven types on hand-built pages."""

from __future__ import annotations

from digitize.classify import classify
from digitize.model import RegionType
from digitize.segment import segment
from layout_pages import EM, PITCH, PageBuilder, grid


def test_folio_jump_in_and_bylines() -> None:
    b = PageBuilder()
    b.line(60, 40, 300, text="某某日报")
    b.line(600, 40, 800, text="第四版 综合")
    b.hrule(40, 1360, 90)
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 120, c1 - 300, h=2 * EM, text="续标题")
    b.line(a0 + 100, 200, a0 + 400, text="本报记者 王五")
    b.line(a0, 250, a0 + 220, text="（上接第一版）")
    b.column(a0, a1, 250 + PITCH, 15, "甲")
    b.column(c0, c1, 250, 16, "乙")
    b.line(c1 - 3 * EM, 250 + 16 * PITCH, c1, text="赵六")
    page = b.page()
    segment(page)
    classify(page)
    assert page.printed_number == "4"
    kinds = {"".join(ln.text for ln in r.lines): r.type for r in page.regions if r.type.is_text}
    assert kinds["某某日报"] is RegionType.MASTHEAD
    assert kinds["第四版 综合"] is RegionType.MASTHEAD
    assert kinds["本报记者 王五"] is RegionType.BYLINE
    assert kinds["（上接第一版）"] is RegionType.JUMP
    assert kinds["赵六"] is RegionType.BYLINE
    jump = next(r for r in page.regions if r.type is RegionType.JUMP)
    assert jump.jump is not None and jump.jump.direction == "in" and jump.jump.target_page == "1"
    bodies = [r for r in page.regions if r.type is RegionType.BODY]
    assert sorted(len(r.lines) for r in bodies) == [15, 16]
    assert all(r.lines[0].paragraph_start for r in bodies)


def test_inline_dateline_stays_body() -> None:
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    b.line(a0, 100, a1, h=2 * EM, text="标题")
    lines = b.column(a0, a1, 180, 8, "甲")
    lines[0].text = "本报讯 12月18日，全区召开会议。"
    page = b.page()
    segment(page)
    classify(page)
    body = [r for r in page.regions if r.type is RegionType.BODY]
    assert len(body) == 1 and body[0].lines[0].text.startswith("本报讯")
