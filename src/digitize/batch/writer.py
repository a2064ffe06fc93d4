"""Turns a linked Issue into the bytes of every output file. No I/O here except re-reading
scans for overlays; writing (atomic, edit-aware) is the store's job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from digitize import __version__
from digitize.engines.base import ModelInfo
from digitize.model import Issue, Page
from digitize.serialize.alto import Processing, to_alto
from digitize.serialize.mets import to_mets
from digitize.serialize.records import article_records
from digitize.serialize.text import issue_text, page_text


def alto_name(page: Page) -> str:
    return f"{page.stem}.xml"


def processing_for(
    engine: str, models: Sequence[ModelInfo], settings: dict[str, str]
) -> Processing:
    return Processing(
        software="digitize",
        version=__version__,
        engine=engine,
        models=list(models),
        settings=settings,
        timestamp=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def issue_files(
    issue: Issue,
    processing: Processing,
    *,
    with_alto: bool = True,
    overlays: bool = False,
) -> dict[str, bytes]:
    """Every output file of one issue, by file name. `with_alto=False` is for rebuilds,
    where the (possibly corrected) ALTO files are the source and must not be rewritten."""
    files: dict[str, bytes] = {}
    for page in issue.pages:
        if with_alto:
            files[alto_name(page)] = to_alto(page, processing=processing, image_file=page.file.name)
        files[f"{page.stem}.txt"] = _text(page_text(page))
        if overlays:
            files[f"{page.stem}.overlay.png"] = _overlay(page)
    files["mets.xml"] = to_mets(
        issue,
        image_files={p.number: str(p.file) for p in issue.pages},
        alto_files={p.number: alto_name(p) for p in issue.pages},
    )
    files["issue.txt"] = _text(issue_text(issue))
    records = article_records(issue)
    files["articles.jsonl"] = "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records
    ).encode("utf-8")
    return files


def _text(text: str) -> bytes:
    return (text.rstrip("\n") + "\n").encode("utf-8") if text else b""


def _overlay(page: Page) -> bytes:
    from digitize.serialize.overlay import render_overlay
    from digitize.stages.load import PageSource, load_page

    source = PageSource(file=page.file, index=page.source_index, stem=page.stem, number=page.number)
    return render_overlay(page, load_page(source))
