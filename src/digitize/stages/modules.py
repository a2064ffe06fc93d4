"""A page's article modules, as the link stage sees them: the regions of one article id on
one page, with their display text split into reader roles (kicker, title, subtitle,
bylines, captions), body paragraphs, and the jump markers that leave or enter them.

A helper of the link stage (`stages/link.py`), kept apart because it reads one page while
the linker reasons over the whole issue."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce

from digitize.layout.edits import CLAUSE_MARK
from digitize.layout.headings import (
    TEXT_TYPES,
    first_line_indented,
    line_size,
    peel,
)
from digitize.model import (
    JumpMarker,
    Line,
    Page,
    Region,
    RegionType,
)
from digitize.text.textutil import (
    clean_line,
    display_text,
    ends_sentence,
    join_display,
    join_pair,
)

_NEW_ARTICLE = re.compile(r"^(本报讯|本报[^，,。]{0,6}电|本报记者|新华社|据新华社|■|【)")


@dataclass(slots=True)
class Marker:
    marker: JumpMarker
    region_id: str
    in_body: bool  # found as a line inside a body region, not as a jump region


@dataclass(slots=True)
class Module:
    """One page-local article: the regions of one `article_id` on one page."""

    page: Page
    index: int  # position of the page in the issue
    label: str  # printed page number
    position: int  # 1-based order of the module on its page
    regions: list[Region]
    outs: list[Marker] = field(default_factory=list)
    ins: list[Marker] = field(default_factory=list)
    headline: str = ""
    kicker: str = ""
    subtitle: str = ""
    bylines: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    unparsed: list[Region] = field(default_factory=list)  # jump regions without a marker

    @property
    def key(self) -> tuple[int, int]:
        return (self.index, self.position)

    def ends_mid_sentence(self) -> bool:
        return bool(self.paragraphs) and not ends_sentence(self.paragraphs[-1])

    def opens_new_article(self) -> bool:
        return bool(self.paragraphs) and bool(_NEW_ARTICLE.match(self.paragraphs[0]))


def _parse_marker(text: str) -> JumpMarker | None:
    """Defer to the layout engineer's parser; the import is local so that a missing
    module only disables re-parsing, never the link stage."""
    try:
        from digitize.text.jumps import parse_jump
    except ImportError:  # pragma: no cover - jumps.py is part of the package
        return None
    marker: JumpMarker | None = parse_jump(text)
    return marker


def _marker_line(text: str) -> JumpMarker | None:
    """A body line that is nothing but a jump marker ("（下转第四版）") missed by classify."""
    t = clean_line(text)
    if not t or len(t) > 12 or "版" not in t:
        return None
    return _parse_marker(t)


def _display_lines(lines: Iterable[Line], *, heading: bool = False) -> str:
    """Display lines (heading, byline, caption) on one line, keeping the gaps printed
    inside them (`display_text`).

    Body text drops spaces between Chinese characters, but in display lines a gap is
    meaningful ("本报记者 周 颖", "卢勇梅 摄"); a line break between two Chinese
    characters is not ("关于端午节期间部分路段实行交|通管制的").
    """
    out = ""
    for ln in lines:
        out = join_display(out, display_text(ln, heading=heading))
    return out


def _display(region: Region, *, heading: bool = False) -> str:
    return _display_lines(region.lines, heading=heading)


@dataclass(slots=True)
class _Heading:
    """A module's display text split into its reader roles."""

    title: str = ""
    kicker: list[str] = field(default_factory=list)
    subtitle: list[str] = field(default_factory=list)
    minor: set[str] = field(default_factory=set)  # headline regions not in the title


_HEADING_TYPES = (RegionType.HEADLINE, RegionType.KICKER, RegionType.SUBTITLE)


def _vertical_group(regions: list[Region]) -> list[Region] | None:
    """The heading columns a vertical article opens with, in reading order; None when
    the module's heading is not vertical.

    A 1930s headline is set in several columns of falling size (a lead column, the main
    line, decks) that together are its title: catalogues and transcriptions record them
    as one, and which column is the "main" one is a matter of taste. The group is every
    vertical heading column read before the first body column; a heading read after
    body text is a subhead (`_Heading.minor`). Where the largest of them is a
    horizontal line (a horizontal headline over vertical columns), the heading is a
    horizontal one; a smaller horizontal line among vertical columns is a fragment.
    """
    opening: list[Region] = []
    for region in regions:
        if region.type in TEXT_TYPES:
            break
        if region.type in _HEADING_TYPES and len(region.text.strip()) >= 2:
            opening.append(region)
    if not opening:
        return None
    largest = max(opening, key=lambda r: line_size(r.lines))
    if not largest.vertical:
        return None
    return [r for r in opening if r is largest or (r.vertical and not _running_text(r.text))]


def _running_text(text: str) -> bool:
    """Whether a column typed as a heading reads as body text (a sentence ends inside
    it, or clauses run on): a heading has at most one clause mark."""
    t = text.strip()
    return any(ch in "。！？" for ch in t[:-1]) or len(CLAUSE_MARK.findall(t)) > 1


def _heading(regions: list[Region]) -> _Heading:
    """Title, kicker and subtitle of one module.

    With several headline regions, only those set near the largest size form the title
    (a module may also carry small item headings and subheads: `minor`). A vertical
    module's opening heading columns are one title (`_vertical_group`).
    """
    out = _Heading()
    group = _vertical_group(regions)
    if group is not None:
        ids = {r.id for r in group}
        out.title = reduce(join_display, (_display(r, heading=True) for r in group), "")
        out.minor = {
            r.id for r in regions if r.type is RegionType.HEADLINE and r.id not in ids
        }
        return out
    heads: list[tuple[Region, list[Line]]] = []
    for region in regions:
        if region.type is not RegionType.HEADLINE:
            continue
        lines = [ln for ln in region.lines if ln.text.strip()]
        if not lines:
            continue
        kicker, main, subtitle = peel(lines)
        if kicker:
            out.kicker.append(_display_lines(kicker, heading=True))
        if subtitle:
            out.subtitle.append(_display_lines(subtitle, heading=True))
        heads.append((region, main))
    for region in regions:
        if region.type is RegionType.KICKER:
            out.kicker.append(_display(region, heading=True))
        elif region.type is RegionType.SUBTITLE:
            out.subtitle.append(_display(region, heading=True))
    # A single character is no headline: a paragraph's last cell or a mark the detector
    # boxed apart, typed by its size, took the title from the real one ("慰", "事").
    worded = [(r, main) for r, main in heads if sum(len(ln.text.strip()) for ln in main) >= 2]
    heads = worded or heads
    if heads:
        biggest = max(line_size(main) for _, main in heads)
        title = ""
        for region, main in heads:
            if line_size(main) >= 0.8 * biggest:
                title = join_display(title, _display_lines(main, heading=True))
            else:
                out.minor.add(region.id)
        out.title = title
    out.kicker = [k for k in out.kicker if k]
    out.subtitle = [t for t in out.subtitle if t]
    return out


def _fill_text(module: Module) -> None:
    """Body paragraphs, headings, bylines and captions of one module.

    Each body region starts on a new line in the model, but a column break usually falls
    inside a paragraph; a new paragraph is only started at a region boundary when the text
    so far ends a sentence and the next column's first line is not flush (unindented).
    """
    regions = module.regions
    heading = _heading(regions)
    module.headline = heading.title
    module.kicker = reduce(join_display, heading.kicker, "")
    module.subtitle = reduce(join_display, heading.subtitle, "")
    module.bylines = [_display(r) for r in regions if r.type == RegionType.BYLINE]
    module.bylines = [b for b in module.bylines if b]
    module.captions = [
        _display(r) for r in regions if r.type == RegionType.CAPTION and r.text.strip()
    ]
    after_subhead = False
    for region in regions:
        if region.type.is_text:
            module.confidences.extend(ln.confidence for ln in region.lines if ln.text.strip())
        if region.id in heading.minor and module.paragraphs:
            # A subhead read after body text is part of that text, a paragraph of its own.
            module.paragraphs.append(_display(region, heading=True))
            after_subhead = True
            continue
        if region.type not in TEXT_TYPES:
            continue
        first = True
        for line in region.lines:
            text = clean_line(line.text)
            if not text:
                continue
            marker = _marker_line(text)
            if marker is not None:
                found = Marker(marker, region.id, in_body=True)
                (module.outs if marker.direction == "out" else module.ins).append(found)
                continue
            paras = module.paragraphs
            if not paras:
                paras.append(text)
            elif first:
                if after_subhead or (
                    ends_sentence(paras[-1]) and first_line_indented(region) is not False
                ):
                    paras.append(text)
                else:
                    paras[-1] = join_pair(paras[-1], text)
            elif line.paragraph_start:
                paras.append(text)
            else:
                paras[-1] = join_pair(paras[-1], text)
            first = after_subhead = False


def page_modules(
    page: Page, index: int, label: str, unresolved: list[dict[str, object]]
) -> list[Module]:
    """Group a page's regions by article id, modules in reading order."""
    ordered = page.ordered_regions()
    seen = {r.id for r in ordered}

    # A jump line that order left outside any article belongs to its neighbour in
    # reading order: the article before a 下转, the article after a 上接.
    owner: dict[str, str] = {}
    for i, region in enumerate(ordered):
        if region.type != RegionType.JUMP or region.article_id is not None:
            continue
        marker = region.jump or _parse_marker(region.text)
        before = [r.article_id for r in reversed(ordered[:i]) if r.article_id]
        after = [r.article_id for r in ordered[i + 1 :] if r.article_id]
        prefer = after + before if marker and marker.direction == "in" else before + after
        if prefer:
            owner[region.id] = prefer[0]

    # Regions outside the reading order (photos, frames) go after the article region
    # that precedes them in the page's region list, i.e. roughly where they are printed.
    page_pos = {r.id: i for i, r in enumerate(page.regions)}
    groups: dict[str, list[Region]] = {}
    for region in [*ordered, *(r for r in page.regions if r.id not in seen)]:
        aid = region.article_id or owner.get(region.id)
        if aid is None:
            if region.type == RegionType.JUMP:
                unresolved.append(
                    unresolved_jump(
                        page, label, region, None, region.jump, "jump marker outside any article"
                    )
                )
            continue
        members = groups.setdefault(aid, [])
        if region.id in seen:
            members.append(region)
            continue
        here = page_pos[region.id]
        at = max((k + 1 for k, m in enumerate(members) if page_pos.get(m.id, -1) < here), default=0)
        members.insert(at, region)

    modules: list[Module] = []
    for position, regions in enumerate(groups.values(), 1):
        module = Module(page, index, label, position, regions)
        for region in regions:
            if region.type != RegionType.JUMP:
                continue
            marker = region.jump or _parse_marker(region.text)
            if marker is None:
                module.unparsed.append(region)
                continue
            (module.outs if marker.direction == "out" else module.ins).append(
                Marker(marker, region.id, in_body=False)
            )
        _fill_text(module)
        modules.append(module)
    return modules


def unresolved_jump(
    page: Page,
    label: str,
    region: Region | None,
    article_id: str | None,
    marker: JumpMarker | None,
    reason: str,
    *,
    region_id: str | None = None,
) -> dict[str, object]:
    return {
        "page": page.number,
        "printed_page": label,
        "region": region.id if region is not None else region_id,
        "article_id": article_id,
        "direction": marker.direction if marker else None,
        "target_page": marker.target_page if marker else None,
        "marker": marker.raw if marker else (region.text if region is not None else None),
        "reason": reason,
    }
