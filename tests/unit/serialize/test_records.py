"""Article records: fields, parts with ALTO block ids, jump evidence, JSON-ready."""

from __future__ import annotations

import json

import pytest
from serialize_samples import issue

from digitize.serialize.records import article_records, page_number


def test_records_fields_and_json() -> None:
    recs = article_records(issue())
    assert [r["id"] for r in recs] == ["a1", "a2", "a3"]
    json.dumps(recs, ensure_ascii=False)  # JSONL-ready: plain types only
    a1 = recs[0]
    assert a1["issue"] == "jintan-20191219"
    assert a1["title"] == "我市召开经济工作会议" and a1["byline"] == "本报记者张三"
    assert a1["pages"] == [1, 4] and a1["physical_pages"] == [1, 2]
    assert a1["printed_pages"] == ["1", "4"]
    assert a1["parts"] == [
        {"page": 1, "printed_page": "1", "file": "page-1", "blocks": ["h1", "b1", "body1", "j1"]},
        {
            "page": 2,
            "printed_page": "4",
            "file": "page-4",
            "blocks": ["j2", "body3", "photo2", "cap2"],
        },
    ]
    # text rebuilt from the body regions (the linker left it empty): merged across the jump
    # (the continuation's first line starts no paragraph, so the paragraph runs on),
    # without headline, byline, jump markers or captions
    assert a1["text"] == (
        "会议总结了全年工作，部署明年任务。\n"
        "会议指出New Year plan顺利推进。各部门要狠抓落实，确保完成目标。"
    )
    assert a1["captions"] == ["会议现场"]
    jumps = a1["jumps"]
    assert isinstance(jumps, list) and len(jumps) == 1
    assert jumps[0]["from_block"] == "j1" and jumps[0]["to_block"] == "j2"
    assert jumps[0]["evidence"] == {"target": "4", "pair": ["j1", "j2"]}
    assert a1["unresolved_jumps"] == []


def test_records_keep_linker_values_and_fallbacks() -> None:
    recs = article_records(issue())
    a2, a3 = recs[1], recs[2]
    assert a2["text"] == "市领导看望困难群众，送去节日祝福。"
    assert a2["captions"] == ["图为慰问现场"]
    assert a2["confidence"] == 0.8
    assert a3["title"] == "文化活动丰富多彩"  # from its headline region
    assert a3["text"] == "各地举办迎新活动。"
    assert a3["unresolved_jumps"] == [
        {"article_id": "a3", "page": 2, "region_id": "body4", "raw": "下转第8版"}
    ]


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("4", 4),
        ("第４版", 4),
        ("A3", 3),
        ("第四版", 4),
        ("十二", 12),
        ("二十四", 24),
        ("", None),
        ("要闻", None),
    ],
)
def test_page_number(label: str, number: int | None) -> None:
    assert page_number(label) == number


def test_pages_fall_back_to_physical_numbers() -> None:
    iss = issue()
    iss.pages[1].printed_number = None
    rec = article_records(iss)[0]
    assert rec["pages"] == [1, 2] and rec["printed_pages"] == ["1", "2"]
