"""The `link` stage: page-local article modules become issue-level articles.

A newspaper continues long articles on another page (下转第四版 ... 上接第一版). Each
outgoing jump is paired with its continuation module by a global one-to-one assignment
over all candidate pairs, scored on three independent pieces of evidence, because any
one of them may be missing or misread by OCR:

* the continuation's 上接 marker naming the source page (or 接上版 = previous page),
* the similarity of the repeated, often shortened, headline to the original one,
* text continuity across the break (the first part stops mid-sentence, the
  continuation does not open like a new article).

Jumps refer to *printed* page numbers (版次), which are read from the folio, then the
file name, then the page sequence. Every jump that cannot be resolved is reported in
`Issue.unresolved_jumps` with its marker text; none is dropped silently.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from digitize.model import (
    Article,
    ArticlePart,
    Issue,
    JumpLink,
    JumpMarker,
    Line,
    Page,
    Region,
    RegionType,
)
from digitize.text.numerals import NUMERAL_CHARS, chinese_number
from digitize.text.textutil import clean_line, join_pair

_SPACE_RUN = re.compile(r"\s+")

# --------------------------------------------------------------------------- page numbers

_FOLIO_ORDINAL = re.compile(rf"第([0-9]{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})版")
# "A4", "B12": a section letter and a number standing alone (not part of "CN32-0062").
_FOLIO_LETTER = re.compile(r"(?<![A-Za-z0-9])([A-Z])0*([0-9]{1,2})(?![0-9A-Za-z])")
# "4版" but not "今日四版" / "共8版" / "本期12版", which count the pages of the issue.
_FOLIO_PLAIN = re.compile(
    rf"(?<!今日)(?<!今天)(?<!本期)(?<![共计全每有第])([0-9]{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})版"
)
_FOLIO_BARE = re.compile(r"0*([0-9]{1,3})")


def _number_label(token: str) -> str | None:
    if token.isdigit():
        return str(int(token))
    value = chinese_number(token)
    return None if value is None else str(value)


def parse_page_number(text: str) -> str | None:
    """The printed page label (版次) in a folio line, normalised: "第四版" -> "4", "A04" -> "A4".

    Issue-level counts such as "今日四版" (four pages today) are not page numbers.
    """
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not t:
        return None
    m = _FOLIO_ORDINAL.search(t)
    if m and (label := _number_label(m.group(1))) is not None:
        return label
    m = _FOLIO_LETTER.search(t)
    if m:
        return f"{m.group(1)}{int(m.group(2))}"
    m = _FOLIO_PLAIN.search(t)
    if m and (label := _number_label(m.group(1))) is not None:
        return label
    m = _FOLIO_BARE.fullmatch(t)
    if m:
        return str(int(m.group(1)))
    return None


def normalize_page_label(label: str | None) -> str | None:
    """A page label as a jump marker prints it ("四", "4", "第4版", "A3") in canonical form."""
    if label is None:
        return None
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    if not t:
        return None
    plain = _number_label(t)
    if plain is not None:
        return plain
    return parse_page_number(t) or t.upper()


def page_label(page: Page) -> str:
    """The page's printed number: folio text, else the file name's number, else its position."""
    if page.printed_number and (label := normalize_page_label(page.printed_number)):
        return label
    ordered = page.ordered_regions()
    seen = {r.id for r in ordered}
    for region in [*ordered, *(r for r in page.regions if r.id not in seen)]:
        if region.type != RegionType.MASTHEAD:
            continue
        for text in [*(line.text for line in region.lines), region.text]:
            label = parse_page_number(text)
            if label is not None:
                return label
    numbers = [n for n in re.findall(r"\d+", page.stem) if len(n) <= 3]
    if numbers:
        return str(int(numbers[-1]))
    return str(page.number)


# --------------------------------------------------------------------------- text rules

_SENTENCE_END = set("。！？!?…．.")  # OCR often reads 。 as a full-width or ASCII stop
_CLOSERS = set("”’」』）)》〉】\"'")
_NEW_ARTICLE = re.compile(r"^(本报讯|本报[^，,。]{0,6}电|本报记者|新华社|据新华社|■|【)")
_TEXT_TYPES = (RegionType.BODY, RegionType.NOTICE)


def ends_sentence(text: str) -> bool:
    """True when the text ends on sentence-final punctuation (closing quotes looked through)."""
    t = text.rstrip()
    while t and t[-1] in _CLOSERS:
        t = t[:-1].rstrip()
    return bool(t) and t[-1] in _SENTENCE_END


def _norm_title(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in t if ch.isalnum())


def _semiglobal_distance(short: str, long: str) -> int:
    """Edit distance of `short` against its best-matching substring of `long`."""
    prev = [0] * (len(long) + 1)
    for i, a in enumerate(short, 1):
        cur = [i] + [0] * len(long)
        for j, b in enumerate(long, 1):
            cur[j] = min(prev[j - 1] + (a != b), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return min(prev)


def title_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] that tolerates containment and OCR slips.

    A continuation often repeats only part of a headline (one line of it, or without the
    kicker), so the shorter title is aligned against its best substring of the longer
    one (a "partial ratio"). Very short titles are damped: two or three characters
    match somewhere by chance.
    """
    x, y = _norm_title(a), _norm_title(b)
    if not x or not y:
        return 0.0
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    sim = 1.0 - _semiglobal_distance(short, long) / len(short)
    return max(0.0, sim) * min(1.0, len(short) / 4)


# --------------------------------------------------------------------------- modules


@dataclass(slots=True)
class _Marker:
    marker: JumpMarker
    region_id: str
    in_body: bool  # found as a line inside a body region, not as a jump region


@dataclass(slots=True)
class _Module:
    """One page-local article: the regions of one `article_id` on one page."""

    page: Page
    index: int  # position of the page in the issue
    label: str  # printed page number
    position: int  # 1-based order of the module on its page
    regions: list[Region]
    outs: list[_Marker] = field(default_factory=list)
    ins: list[_Marker] = field(default_factory=list)
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


def _display_lines(lines: Iterable[Line]) -> str:
    """Display lines (heading, byline, caption) on one line, keeping the spaces printed
    inside them.

    Body text drops spaces between Chinese characters, but in display lines a gap is
    meaningful ("本报记者 周 颖", "突出重大项目引领 抢抓机遇接续奋斗").
    """
    texts = (_SPACE_RUN.sub(" ", ln.text).strip() for ln in lines)
    return " ".join(t for t in texts if t)


def _display(region: Region) -> str:
    return _display_lines(region.lines)


# A kicker (引题) leads into the headline: "与会者普遍认为——", "记者手记：". A subtitle
# (副题) follows it and opens with a dash: "——排查隐患136处".
_KICKER_END = re.compile(r"(?:[—－―─-]{1,2}|[：:])$")
_SUBTITLE_START = re.compile(r"^[—－―─-]{1,2}")
_SMALLER = 0.92  # a kicker/subtitle line is set clearly smaller than the headline


@dataclass(slots=True)
class _Heading:
    """A module's display text split into its reader roles."""

    title: str = ""
    kicker: list[str] = field(default_factory=list)
    subtitle: list[str] = field(default_factory=list)
    kicker_regions: set[str] = field(default_factory=set)  # body-typed kicker lines


def _size(lines: list[Line]) -> float:
    sizes = [ln.font_size for ln in lines]
    return statistics.median(sizes) if sizes else 0.0


def _peel(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """Kicker lines above and subtitle lines below the main headline lines of one headline
    region: segmentation often keeps a kicker in the headline's block, since both are
    large, centred display lines. Only lines set smaller than the headline qualify, so a
    headline that itself ends in a dash stays whole."""
    kicker: list[Line] = []
    subtitle: list[Line] = []
    main = list(lines)
    while len(main) >= 2:
        text = clean_line(main[0].text)
        rest = max(ln.font_size for ln in main[1:])
        if _KICKER_END.search(text) and main[0].font_size < _SMALLER * rest:
            kicker.append(main.pop(0))
        else:
            break
    while len(main) >= 2:
        text = clean_line(main[-1].text)
        rest = max(ln.font_size for ln in main[:-1])
        if _SUBTITLE_START.match(text) and main[-1].font_size < _SMALLER * rest:
            subtitle.insert(0, main.pop())
        else:
            break
    return kicker, main, subtitle


def _is_body_kicker(region: Region, heads: list[tuple[Region, list[Line]]]) -> bool:
    """A one-line body region ending in "——" that sits above a headline of its module is a
    kicker that classify left as body; body text never ends a column on a dash."""
    lines = [ln for ln in region.lines if ln.text.strip()]
    if region.type is not RegionType.BODY or len(lines) != 1:
        return False
    text = clean_line(lines[0].text)
    if len(text) > 30 or not re.search(r"[—－―─]{1,2}$", text):
        return False
    return any(
        region.box.cy < h.box.cy and lines[0].font_size < _SMALLER * _size(main)
        for h, main in heads
        if main
    )


_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def _signoff(regions: list[Region]) -> Region | None:
    """The reporter's name closing a module ("臧风华"), when it came out as a body region of
    its own: one short name line, the module's last body region, set flush right under the
    previous column rather than starting a line of text."""
    body = [r for r in regions if r.type in _TEXT_TYPES and any(ln.text.strip() for ln in r.lines)]
    if len(body) < 2:
        return None
    last, prev = body[-1], body[-2]
    lines = [ln for ln in last.lines if ln.text.strip()]
    if len(lines) != 1 or last.vertical or not _NAME.match(clean_line(lines[0].text)):
        return None
    em = lines[0].font_size
    flush_right = abs(last.box.x1 - prev.box.x1) < 1.5 * em
    indented = last.box.x0 - prev.box.x0 > 2.5 * em
    below = last.box.y0 >= prev.box.y1 - 0.5 * em
    return last if flush_right and indented and below else None


def _heading(regions: list[Region]) -> _Heading:
    """Title, kicker and subtitle of one module.

    With several headline regions, only those set near the largest size form the title
    (a module may also carry small item headings).
    """
    out = _Heading()
    heads: list[tuple[Region, list[Line]]] = []
    for region in regions:
        if region.type is not RegionType.HEADLINE:
            continue
        lines = [ln for ln in region.lines if ln.text.strip()]
        if not lines:
            continue
        kicker, main, subtitle = _peel(lines)
        if kicker:
            out.kicker.append(_display_lines(kicker))
        if subtitle:
            out.subtitle.append(_display_lines(subtitle))
        heads.append((region, main))
    for region in regions:
        if region.type is RegionType.KICKER:
            out.kicker.append(_display(region))
        elif region.type is RegionType.SUBTITLE:
            out.subtitle.append(_display(region))
        elif _is_body_kicker(region, heads):
            out.kicker.append(_display(region))
            out.kicker_regions.add(region.id)
    if heads:
        biggest = max(_size(main) for _, main in heads)
        out.title = " ".join(
            _display_lines(main) for _, main in heads if _size(main) >= 0.8 * biggest
        )
    out.kicker = [k for k in out.kicker if k]
    out.subtitle = [t for t in out.subtitle if t]
    return out


def _first_line_indented(region: Region) -> bool | None:
    """Whether the region's first line is indented against its other lines (None: unknown)."""
    lines = [ln for ln in region.lines if ln.text.strip()]
    if len(lines) < 2:
        return None
    vertical = region.vertical or lines[0].vertical
    starts = [ln.box.y0 if vertical else ln.box.x0 for ln in lines]
    em = lines[0].font_size
    if em <= 0:
        return None
    offset = starts[0] - min(starts)
    if offset > 0.5 * em:
        return True
    if offset < 0.25 * em:
        return False
    return None


def _fill_text(module: _Module) -> None:
    """Body paragraphs, headings, bylines and captions of one module.

    Each body region starts on a new line in the model, but a column break usually falls
    inside a paragraph; a new paragraph is only started at a region boundary when the text
    so far ends a sentence and the next column's first line is not flush (unindented).
    """
    regions = module.regions
    heading = _heading(regions)
    module.headline = heading.title
    module.kicker = " ".join(heading.kicker)
    module.subtitle = " ".join(heading.subtitle)
    for region in regions:
        if region.id in heading.kicker_regions:
            region.type = RegionType.KICKER  # so ALTO, text and records agree
    signoff = _signoff(regions)
    if signoff is not None:
        signoff.type = RegionType.BYLINE
    module.bylines = [_display(r) for r in regions if r.type == RegionType.BYLINE]
    module.bylines = [b for b in module.bylines if b]
    module.captions = [
        _display(r) for r in regions if r.type == RegionType.CAPTION and r.text.strip()
    ]
    for region in regions:
        if region.type.is_text:
            module.confidences.extend(ln.confidence for ln in region.lines if ln.text.strip())
        if region.type not in _TEXT_TYPES:
            continue
        first = True
        for line in region.lines:
            text = clean_line(line.text)
            if not text:
                continue
            marker = _marker_line(text)
            if marker is not None:
                found = _Marker(marker, region.id, in_body=True)
                (module.outs if marker.direction == "out" else module.ins).append(found)
                continue
            paras = module.paragraphs
            if not paras:
                paras.append(text)
            elif first:
                if ends_sentence(paras[-1]) and _first_line_indented(region) is not False:
                    paras.append(text)
                else:
                    paras[-1] = join_pair(paras[-1], text)
            elif line.paragraph_start:
                paras.append(text)
            else:
                paras[-1] = join_pair(paras[-1], text)
            first = False


def _page_modules(
    page: Page, index: int, label: str, unresolved: list[dict[str, object]]
) -> list[_Module]:
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
                    _unresolved(
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

    modules: list[_Module] = []
    for position, regions in enumerate(groups.values(), 1):
        module = _Module(page, index, label, position, regions)
        for region in regions:
            if region.type != RegionType.JUMP:
                continue
            marker = region.jump or _parse_marker(region.text)
            if marker is None:
                module.unparsed.append(region)
                continue
            (module.outs if marker.direction == "out" else module.ins).append(
                _Marker(marker, region.id, in_body=False)
            )
        _fill_text(module)
        modules.append(module)
    return modules


def _unresolved(
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


# --------------------------------------------------------------------------- matching

_FORBIDDEN = 1e6
_HEADLINE_MATCH = 0.6
_HEADLINE_STRONG = 0.85


def _assign(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment (Hungarian method) of every row to a distinct column.

    Needs len(row) >= number of rows; returns the column of each row.
    """
    n = len(cost)
    if n == 0:
        return []
    m = len(cost[0])
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if cur < minv[j]:
                    minv[j] = cur
                    way[j] = j0
                if minv[j] < delta:
                    delta = minv[j]
                    j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    out = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out


@dataclass(slots=True)
class _Pair:
    src: _Module
    dst: _Module
    out: _Marker | None
    inn: _Marker | None
    head: float
    score: float
    evidence: dict[str, object]


def _titles(module: _Module) -> list[str]:
    t = module.headline
    return [s for s in (t, module.kicker + t, t + module.subtitle) if _norm_title(s)]


def _headline_sim(src: _Module, dst: _Module) -> float:
    if not dst.headline:
        return 0.0
    return max((title_similarity(dst.headline, t) for t in _titles(src)), default=0.0)


def _continuity(src: _Module, dst: _Module) -> float:
    mid = 1.0 if src.ends_mid_sentence() else 0.0
    fresh = 0.0 if dst.opens_new_article() else 1.0
    return 0.5 * mid + 0.5 * fresh if dst.paragraphs else 0.5 * mid


def _points_back(marker: JumpMarker, src: _Module, dst: _Module) -> bool:
    """Whether a 上接 marker on dst names src's page (接上版: the page just before)."""
    if marker.target_page is None:
        return dst.index == src.index + 1
    return normalize_page_label(marker.target_page) == src.label


def _pair(src: _Module, dst: _Module, out: _Marker | None) -> _Pair | None:
    """Score one candidate continuation; None when the evidence rules it out."""
    inn = next((m for m in dst.ins if _points_back(m.marker, src, dst)), None)
    head = _headline_sim(src, dst)
    cont = _continuity(src, dst)
    conflict = inn is None and bool(dst.ins)  # its 上接 names another page
    headless_follow = (
        not dst.headline and src.ends_mid_sentence() and bool(dst.paragraphs)
        and not dst.opens_new_article()
    )  # fmt: skip
    if conflict:
        # Only a near-identical headline outweighs a 上接 naming another page (misread digit).
        if head < _HEADLINE_STRONG:
            return None
    elif inn is None and head < _HEADLINE_MATCH and not headless_follow:
        return None
    marker = 1.0 if inn is not None else 0.0
    if out is None:  # found from the 上接 side only: half the marker evidence
        marker *= 0.5
    score = 0.5 * marker + 0.3 * head + 0.2 * cont
    evidence: dict[str, object] = {
        "out_marker": out.marker.raw if out else None,
        "in_marker": inn.marker.raw if inn else None,
        "source_page": src.label,
        "target_page": dst.label,
        "marker_match": inn is not None,
        "headline_similarity": round(head, 3),
        "continued_headline": dst.headline,
        "continuity": round(cont, 3),
        "first_part_ends_mid_sentence": src.ends_mid_sentence(),
    }
    if conflict:
        evidence["in_marker_conflict"] = [m.marker.raw for m in dst.ins]
    if (out and out.in_body) or (inn and inn.in_body):
        evidence["marker_in_body_text"] = True
    return _Pair(src, dst, out, inn, head, round(min(score, 1.0), 3), evidence)


def _solve(rows: list[list[_Pair]], columns: list[_Module], by_src: bool) -> list[_Pair | None]:
    """Best one-to-one choice of pairs; a row may stay unmatched (a dummy column each).

    Columns are the continuation modules (pass 1) or the source modules (pass 2).
    """

    def col(pair: _Pair) -> _Module:
        return pair.src if by_src else pair.dst

    col_of = {id(m): j for j, m in enumerate(columns)}
    n, m = len(rows), len(columns)
    cost = [[_FORBIDDEN] * m + [0.0] * n for _ in rows]
    for i, pairs in enumerate(rows):
        for pair in pairs:
            cost[i][col_of[id(col(pair))]] = -pair.score
    out: list[_Pair | None] = []
    for i, j in enumerate(_assign(cost)):
        target = columns[j] if 0 <= j < m else None
        out.append(next((p for p in rows[i] if col(p) is target), None))
    return out


def _order_bonus(rows: list[tuple[_Module, _Marker]], candidates: list[list[_Pair]]) -> None:
    """Nudge pairs that keep printed order between the same two pages.

    Two jumps from one page to another usually continue in the same order, which breaks
    ties between continuations that carry identical 上接 markers or no headline.
    """
    groups: dict[tuple[int, str | None], list[int]] = {}
    for i, (src, mk) in enumerate(rows):
        groups.setdefault((src.index, normalize_page_label(mk.marker.target_page)), []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        srcs = sorted(members, key=lambda i: rows[i][0].key)
        dsts = sorted(
            {id(p.dst): p.dst for i in members for p in candidates[i]}.values(),
            key=lambda m: m.key,
        )
        dst_rank = {id(m): k for k, m in enumerate(dsts)}
        for rank, i in enumerate(srcs):
            for pair in candidates[i]:
                if dst_rank[id(pair.dst)] == rank:
                    pair.score = round(min(1.0, pair.score + 0.02), 3)


class _Linker:
    def __init__(self, issue: Issue, modules: list[_Module]) -> None:
        self.issue = issue
        self.modules = modules
        self.labels = [page_label(p) for p in issue.pages]
        self.next_of: dict[int, _Pair] = {}  # id(src module) -> pair
        self.prev_of: dict[int, _Pair] = {}  # id(dst module) -> pair
        self.unresolved: list[tuple[_Module, _Marker, str]] = []

    def _pages_for(self, label: str | None, module: _Module, step: int) -> list[int]:
        """Page indexes a marker refers to; no label means the adjacent page."""
        if label is None:
            k = module.index + step
            return [k] if 0 <= k < len(self.issue.pages) else []
        norm = normalize_page_label(label)
        return [i for i, lab in enumerate(self.labels) if lab == norm and i != module.index]

    def link_outgoing(self) -> None:
        """Pass 1: every 下转 against the modules of its target page."""
        rows: list[tuple[_Module, _Marker]] = []
        for module in self.modules:
            targets: set[str | None] = set()
            for mk in module.outs:
                norm = normalize_page_label(mk.marker.target_page)
                if norm not in targets:  # else the same jump detected twice
                    targets.add(norm)
                    rows.append((module, mk))
        candidates: list[list[_Pair]] = []
        reasons: list[str] = []
        for src, mk in rows:
            pages = self._pages_for(mk.marker.target_page, src, +1)
            shown = normalize_page_label(mk.marker.target_page) or "(next)"
            if not pages:
                reasons.append(f"target page {shown} not in issue")
                candidates.append([])
                continue
            pairs: list[_Pair] = []
            for dst in self.modules:
                if dst.index not in pages or dst is src:
                    continue
                pair = _pair(src, dst, mk)
                if pair is not None:
                    pairs.append(pair)
            reasons.append(
                f"continuations on page {shown} matched better to other jumps"
                if pairs
                else f"no 上接 marker or headline match on page {shown}"
            )
            candidates.append(pairs)
        _order_bonus(rows, candidates)
        chosen = _solve(candidates, self.modules, by_src=False)
        for (src, mk), pair, reason in zip(rows, chosen, reasons, strict=True):
            if pair is None:
                self.unresolved.append((src, mk, reason))
            elif id(src) in self.next_of:
                other = self.next_of[id(src)].dst.label
                self.unresolved.append((src, mk, f"article already continues on page {other}"))
            elif not self._accept(pair):
                self.unresolved.append((src, mk, "jump would form a cycle"))

    def link_incoming(self) -> None:
        """Pass 2: 上接 markers still unmatched (their 下转 missed or misread) against their
        source page: a headline match, or the only article there that stops mid-sentence."""
        rows: list[tuple[_Module, _Marker]] = []
        for module in self.modules:
            if id(module) in self.prev_of:
                continue
            sources: set[str | None] = set()
            for mk in module.ins:
                norm = normalize_page_label(mk.marker.target_page)
                if norm not in sources:
                    sources.add(norm)
                    rows.append((module, mk))
        candidates: list[list[_Pair]] = []
        reasons: list[str] = []
        for dst, mk in rows:
            pages = self._pages_for(mk.marker.target_page, dst, -1)
            shown = normalize_page_label(mk.marker.target_page)
            if not pages:
                reasons.append(
                    f"source page {shown} not in issue"
                    if shown is not None
                    else "接上版 on the first page of the issue"
                )
                candidates.append([])
                continue
            srcs = [
                m
                for m in self.modules
                if m.index in pages and m is not dst and id(m) not in self.next_of
            ]
            mid = [m for m in srcs if m.ends_mid_sentence()]
            pairs = [
                p
                for p in (_pair(src, dst, None) for src in srcs)
                if p is not None and (p.head >= _HEADLINE_MATCH or mid == [p.src])
            ]
            reasons.append(f"no 下转 jump or headline match on page {self.labels[pages[0]]}")
            candidates.append(pairs)
        chosen = _solve(candidates, self.modules, by_src=True)
        for (dst, mk), pair, reason in zip(rows, chosen, reasons, strict=True):
            if pair is None or id(pair.src) in self.next_of or id(dst) in self.prev_of:
                self.unresolved.append((dst, mk, reason))
                continue
            pair.inn = mk
            pair.evidence["in_marker"] = mk.marker.raw
            if not self._accept(pair):
                self.unresolved.append((dst, mk, "jump would form a cycle"))
                continue
            # A 下转 of the source that pass 1 could not place (misread page) belongs here.
            missed = [
                u for u in self.unresolved if u[0] is pair.src and u[1].marker.direction == "out"
            ]
            if missed:
                self.unresolved.remove(missed[0])
                pair.out = missed[0][1]
                pair.evidence["out_marker"] = pair.out.marker.raw
                pair.evidence["out_marker_page_mismatch"] = True

    def _accept(self, pair: _Pair) -> bool:
        """Record a link unless it closes a cycle (a part continuing on an earlier part)."""
        cur: _Pair | None = self.next_of.get(id(pair.dst))
        while cur is not None:
            if cur.dst is pair.src:
                return False
            cur = self.next_of.get(id(cur.dst))
        self.next_of[id(pair.src)] = pair
        self.prev_of[id(pair.dst)] = pair
        return True

    def chains(self) -> list[list[_Module]]:
        """Modules grouped into articles, each chain in jump order, chains by first module."""
        out: list[list[_Module]] = []
        for module in self.modules:
            if id(module) in self.prev_of:
                continue
            chain = [module]
            while (nxt := self.next_of.get(id(chain[-1]))) is not None:
                chain.append(nxt.dst)
            out.append(chain)
        return out


# --------------------------------------------------------------------------- articles


def _merge_paragraphs(parts: list[_Module]) -> list[str]:
    """Body paragraphs of all parts; a paragraph cut by the page break is joined back."""
    paras: list[str] = []
    for module in parts:
        if not module.paragraphs:
            continue
        if paras and not ends_sentence(paras[-1]):
            paras[-1] = join_pair(paras[-1], module.paragraphs[0])
            paras.extend(module.paragraphs[1:])
        else:
            paras.extend(module.paragraphs)
    return paras


def _first_nonempty(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")


def _article(issue: Issue, chain: list[_Module]) -> Article:
    first = chain[0]
    art_id = f"{issue.name}-p{first.page.number}-a{first.position}"
    bylines: list[str] = []
    for module in chain:
        bylines.extend(b for b in module.bylines if b not in bylines)
    confidences = [c for module in chain for c in module.confidences]
    return Article(
        id=art_id,
        # A continuation's repeated headline is only a fallback, when the first part has none.
        title=_first_nonempty(m.headline for m in chain),
        kicker=_first_nonempty(m.kicker for m in chain),
        subtitle=_first_nonempty(m.subtitle for m in chain),
        byline=" ".join(bylines),
        parts=[
            ArticlePart(page=m.page.number, file=m.page.stem, region_ids=[r.id for r in m.regions])
            for m in chain
        ],
        text="\n".join(_merge_paragraphs(chain)),
        captions=[c for m in chain for c in m.captions],
        confidence=round(statistics.fmean(confidences), 4) if confidences else 0.0,
    )


def link_articles(issue: Issue) -> None:
    """Build issue.articles, issue.jumps and issue.unresolved_jumps from the pages' modules.

    Also fills page.printed_number where classify left it empty, rewrites every article
    region's `article_id` to the issue-level article id and retypes a one-line kicker or a
    sign-off name that classify left as body (`_is_body_kicker`, `_signoff`).
    """
    issue.articles = []
    issue.jumps = []
    issue.unresolved_jumps = []
    early: list[dict[str, object]] = []
    modules: list[_Module] = []
    for index, page in enumerate(issue.pages):
        label = page_label(page)
        if page.printed_number is None:
            page.printed_number = label
        modules.extend(_page_modules(page, index, label, early))

    linker = _Linker(issue, modules)
    linker.link_outgoing()
    linker.link_incoming()
    chains = linker.chains()

    final_id: dict[int, str] = {}
    for chain in chains:
        article = _article(issue, chain)
        issue.articles.append(article)
        for module in chain:
            final_id[id(module)] = article.id
            for region in module.regions:
                region.article_id = article.id
        for a, b in pairwise(chain):
            pair = linker.next_of[id(a)]
            issue.jumps.append(
                JumpLink(
                    article_id=article.id,
                    from_page=a.page.number,
                    to_page=b.page.number,
                    from_region=pair.out.region_id if pair.out else None,
                    to_region=pair.inn.region_id if pair.inn else None,
                    score=pair.score,
                    evidence=pair.evidence,
                )
            )

    issue.unresolved_jumps.extend(early)
    for module in modules:
        for region in module.unparsed:
            issue.unresolved_jumps.append(
                _unresolved(
                    module.page,
                    module.label,
                    region,
                    final_id.get(id(module)),
                    None,
                    "jump region text is not a jump marker",
                )
            )
    for module, mk, reason in linker.unresolved:
        issue.unresolved_jumps.append(
            _unresolved(
                module.page,
                module.label,
                None,
                final_id.get(id(module)),
                mk.marker,
                reason,
                region_id=mk.region_id or None,
            )
        )
    issue.unresolved_jumps.sort(key=lambda u: (int(str(u["page"])), str(u["region"])))
