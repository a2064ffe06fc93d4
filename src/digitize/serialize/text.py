"""Plain text: a page or a whole issue in reading order.

Rules: one line per paragraph (never a break inside one), no spaces between Chinese
characters, one blank line between articles (a region without an article stands on its
own). `issue_text` additionally merges each jumped article into one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from digitize.model import Article, Issue, Page, Region, RegionType
from digitize.text.textutil import clean_line, join_pair

# Continuation parts contribute these to the merged article; their headline repeats and
# 上接 markers are dropped, captions stay where they are printed.
_DROPPED_ON_CONTINUATION = frozenset(
    {
        RegionType.HEADLINE,
        RegionType.KICKER,
        RegionType.SUBTITLE,
        RegionType.JUMP,
        RegionType.MASTHEAD,
    }
)
_FLOWING = frozenset({RegionType.BODY, RegionType.NOTICE})
# Not part of an article's running text (records keep these fields separately).
NON_BODY = frozenset(
    {
        RegionType.HEADLINE,
        RegionType.KICKER,
        RegionType.SUBTITLE,
        RegionType.BYLINE,
        RegionType.CAPTION,
        RegionType.JUMP,
        RegionType.MASTHEAD,
        RegionType.LABEL,
        RegionType.PHOTO,
        RegionType.RULE,
    }
)


def region_paragraphs(region: Region) -> tuple[list[str], bool]:
    """(paragraphs, continues): `continues` is True when the region's first line does not
    start a paragraph, i.e. it carries on the previous region's last paragraph."""
    paragraphs: list[str] = []
    continues = False
    for line in region.lines:
        text = clean_line(line.text)
        if not text:
            continue
        if not paragraphs:
            paragraphs.append(text)
            continues = not line.paragraph_start
        elif line.paragraph_start:
            paragraphs.append(text)
        else:
            paragraphs[-1] = join_pair(paragraphs[-1], text)
    return paragraphs, continues


@dataclass(slots=True)
class _TextBuilder:
    """Accumulates paragraphs; a blank line whenever the article key changes."""

    out: list[str] = field(default_factory=list)
    key: object = None
    last_type: RegionType | None = None

    def add(self, region: Region, key: object) -> None:
        paragraphs, continues = region_paragraphs(region)
        if not paragraphs:
            return
        same = key is not None and key == self.key and bool(self.out)
        if not same and self.out:
            self.out.append("")
        if (
            same
            and continues
            and region.type in _FLOWING
            and region.type == self.last_type
            and self.out[-1]
        ):
            self.out[-1] = join_pair(self.out[-1], paragraphs[0])
            paragraphs = paragraphs[1:]
        self.out.extend(paragraphs)
        self.key = key
        self.last_type = region.type

    def text(self) -> str:
        return "\n".join(self.out) + "\n" if self.out else ""


def _text_regions(page: Page) -> list[Region]:
    return [r for r in page.ordered_regions() if r.type.is_text]


def page_text(page: Page) -> str:
    """The page's text regions in reading order."""
    b = _TextBuilder()
    for r in _text_regions(page):
        b.add(r, (page.number, r.article_id) if r.article_id is not None else None)
    return b.text()


def _ordered_part_regions(page: Page, region_ids: Iterable[str]) -> list[Region]:
    """A part's regions in the page's reading order; ones outside it follow in part order."""
    wanted = list(dict.fromkeys(region_ids))
    by_id = {r.id: r for r in page.regions}
    rank = {rid: k for k, rid in enumerate(page.reading_order)}
    present = [rid for rid in wanted if rid in by_id]
    present.sort(key=lambda rid: (rank.get(rid, len(rank)), wanted.index(rid)))
    return [by_id[rid] for rid in present]


def article_regions(issue: Issue, article: Article) -> list[tuple[Page, Region]]:
    """All regions of an article, part by part, each part in its page's reading order."""
    pages = {p.number: p for p in issue.pages}
    out: list[tuple[Page, Region]] = []
    for part in article.parts:
        page = pages.get(part.page)
        if page is None:
            continue
        out.extend((page, r) for r in _ordered_part_regions(page, part.region_ids))
    return out


def article_body(issue: Issue, article: Article) -> tuple[str, list[str]]:
    """(merged body text, captions) rebuilt from the regions, for articles whose text the
    linker left empty. Paragraphs are separated by one newline."""
    b = _TextBuilder()
    captions: list[str] = []
    for _page, r in article_regions(issue, article):
        if r.type is RegionType.CAPTION:
            cap = r.text.replace("\n", "")
            if cap:
                captions.append(cap)
        elif r.type.is_text and r.type not in NON_BODY:
            b.add(r, article.id)
    return b.text().rstrip("\n"), captions


def issue_text(issue: Issue) -> str:
    """The issue in reading order, with every jumped article in one place: the
    continuation's body follows the first part and is skipped on its own page."""
    pages = {p.number: p for p in issue.pages}
    owner: dict[tuple[int, str], Article] = {}
    for a in issue.articles:
        for part in a.parts:
            for rid in part.region_ids:
                owner.setdefault((part.page, rid), a)

    # For each jumped article: where its first part ends (the trigger) and what follows.
    trigger: dict[tuple[int, str], Article] = {}
    continuation: dict[str, list[Region]] = {}
    consumed: set[tuple[int, str]] = set()
    first_jumps: set[tuple[int, str]] = set()
    for ja in issue.articles:
        if len({p.page for p in ja.parts}) < 2:
            continue
        first = ja.parts[0]
        first_page = pages.get(first.page)
        if first_page is None:
            continue
        in_order = [r for r in _text_regions(first_page) if r.id in set(first.region_ids)]
        if not in_order:
            continue  # first part not in reading order: leave the parts where they are
        trigger[(first.page, in_order[-1].id)] = ja
        first_jumps.update((first.page, r.id) for r in in_order if r.type is RegionType.JUMP)
        merged: list[Region] = []
        for part in ja.parts[1:]:
            page = pages.get(part.page)
            if page is None:
                continue
            for r in _ordered_part_regions(page, part.region_ids):
                if not r.type.is_text or r.type is RegionType.CAPTION:
                    continue
                consumed.add((part.page, r.id))
                if r.type not in _DROPPED_ON_CONTINUATION:
                    merged.append(r)
        continuation[ja.id] = merged

    b = _TextBuilder()
    for page in sorted(issue.pages, key=lambda p: p.number):
        for r in _text_regions(page):
            where = (page.number, r.id)
            art = owner.get(where)
            key: object
            if art is not None:
                key = art.id
            elif r.article_id is not None:
                key = (page.number, r.article_id)
            else:
                key = None
            if r.type is RegionType.CAPTION and art is not None and art.id in continuation:
                key = None  # captions of a jumped article stand alone, where printed
            if where not in consumed and where not in first_jumps:
                b.add(r, key)
            jumped = trigger.get(where)
            if jumped is not None:
                for cont in continuation[jumped.id]:
                    b.add(cont, jumped.id)
    return b.text()
