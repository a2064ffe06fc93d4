"""The `link` stage: page-local article modules become issue-level articles.

A newspaper continues long articles on another page (下转第四版 ... 上接第一版). Each
outgoing jump is paired with its continuation module by a one-to-one assignment over the
candidate pairs of its page (pages in order, so a part continued again is judged with the
headline of its article), scored on three independent pieces of evidence, because any
one of them may be missing or misread by OCR; a repeated headline unlike the article's
rules a pair out:

* the continuation's 上接 marker naming the source page (or 接上版 = previous page),
* the similarity of the repeated, often shortened, headline to the original one,
* text continuity across the break (the first part stops mid-sentence, the
  continuation does not open like a new article, and the word cut there is one the
  issue uses elsewhere: `text.joins`).

Continuity only ranks candidates: a pair needs a 上接 marker naming the source page or a
repeated headline, because text that merely runs on is no evidence of *which* article it
continues (every such join on the corpus was wrong).

Jumps refer to *printed* page numbers (版次), which are read from the folio; where none
was read, from the jumps that lead to the page (`_labels_named_by_jumps`), else the file
name, else the page sequence. Every jump that cannot be resolved is reported in
`Issue.unresolved_jumps` with its marker text; none is dropped silently.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from digitize.model import (
    Article,
    ArticlePart,
    Issue,
    JumpLink,
    JumpMarker,
)
from digitize.stages.modules import Marker, Module, page_modules, unresolved_jump
from digitize.text.folio import (
    folio_label,
    normalize_page_label,
    page_label,
    page_value,
    same_page_number,
)
from digitize.text.joins import JoinEvidence
from digitize.text.textutil import (
    ends_sentence,
    join_pair,
    norm_title,
    title_similarity,
)

# --------------------------------------------------------------------------- matching

_FORBIDDEN = 1e6
_HEADLINE_MATCH = 0.6
_HEADLINE_STRONG = 0.85
# A continuation that repeats a headline this unlike the article's is another article's
# continuation, whatever its 上接 marker says (two jumps to one page with identical
# markers, or a 下转 marker attached to the wrong module): precision before recall.
_HEADLINE_CONTRADICTS = 0.3


def _assign(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (scipy's
    `linear_sum_assignment`); needs at least as many columns as rows."""
    # Imported here: scipy.optimize costs 0.2 s at import, and page workers import this
    # module (through the pipeline) without ever linking an issue.
    from scipy.optimize import linear_sum_assignment

    if not cost:
        return []
    rows, cols = linear_sum_assignment(np.asarray(cost, dtype=np.float64))
    out = [-1] * len(cost)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        out[i] = j
    return out


@dataclass(slots=True)
class _Pair:
    src: Module
    dst: Module
    out: Marker | None
    inn: Marker | None
    head: float
    score: float
    evidence: dict[str, object]


def _titles(module: Module) -> list[str]:
    t = module.headline
    return [s for s in (t, module.kicker + t, t + module.subtitle) if norm_title(s)]


def _headline_sim(titles: Sequence[str], dst: Module) -> float:
    """How well dst's headline repeats one of the article's titles. A continuation with
    no headline scores where its text opens with one (a repeated headline set near body
    size in a narrow module reads as its first line); a chance likeness counts 0."""
    if dst.headline:
        return max((title_similarity(dst.headline, t) for t in titles), default=0.0)
    lead = norm_title(dst.paragraphs[0]) if dst.paragraphs else ""
    if not lead:
        return 0.0
    sim = max((title_similarity(lead[: len(norm_title(t)) + 2], t) for t in titles), default=0.0)
    return sim if sim >= _HEADLINE_MATCH else 0.0


def _continuity(src: Module, dst: Module) -> float:
    mid = 1.0 if src.ends_mid_sentence() else 0.0
    fresh = 0.0 if dst.opens_new_article() else 1.0
    return 0.5 * mid + 0.5 * fresh if dst.paragraphs else 0.5 * mid


def _points_back(marker: JumpMarker, src: Module, dst: Module) -> bool:
    """Whether a 上接 marker on dst names src's page (接上版: the page just before)."""
    if marker.target_page is None:
        return dst.index == src.index + 1
    norm = normalize_page_label(marker.target_page) or ""
    return norm == src.label or same_page_number(src.label, norm)


def _pair(
    src: Module,
    dst: Module,
    out: Marker | None,
    titles: Sequence[str] | None = None,
    joins: JoinEvidence | None = None,
) -> _Pair | None:
    """Score one candidate continuation; None when the evidence rules it out. `titles`
    are the article's headlines when `src` is itself a continuation without one; `joins`
    scores the word cut at the break (a tie-breaker between continuations that carry
    the same marker)."""
    inn = next((m for m in dst.ins if _points_back(m.marker, src, dst)), None)
    titles = _titles(src) if titles is None else titles
    head = _headline_sim(titles, dst)
    if dst.headline and titles and head < _HEADLINE_CONTRADICTS:
        return None
    cont = _continuity(src, dst)
    conflict = inn is None and bool(dst.ins)  # its 上接 names another page
    if conflict:
        # Only a near-identical headline outweighs a 上接 naming another page (misread digit).
        if head < _HEADLINE_STRONG:
            return None
    elif inn is None and head < _HEADLINE_MATCH:
        return None
    marker = 1.0 if inn is not None else 0.0
    if out is None:  # found from the 上接 side only: half the marker evidence
        marker *= 0.5
    join = (
        joins.support(src.paragraphs[-1], dst.paragraphs[0])
        if joins is not None and src.paragraphs and dst.paragraphs
        else 0.0
    )
    score = 0.5 * marker + 0.3 * head + 0.2 * cont + 0.1 * join
    evidence: dict[str, object] = {
        "out_marker": out.marker.raw if out else None,
        "in_marker": inn.marker.raw if inn else None,
        "source_page": src.label,
        "target_page": dst.label,
        "marker_match": inn is not None,
        "headline_similarity": round(head, 3),
        "continued_headline": dst.headline,
        "continuity": round(cont, 3),
        "word_join": round(join, 3),
        "first_part_ends_mid_sentence": src.ends_mid_sentence(),
    }
    if conflict:
        evidence["in_marker_conflict"] = [m.marker.raw for m in dst.ins]
    if (out and out.in_body) or (inn and inn.in_body):
        evidence["marker_in_body_text"] = True
    return _Pair(src, dst, out, inn, head, round(min(score, 1.0), 3), evidence)


def _solve(rows: list[list[_Pair]], columns: list[Module], by_src: bool) -> list[_Pair | None]:
    """Best one-to-one choice of pairs; a row may stay unmatched (a dummy column each).

    Columns are the continuation modules (pass 1) or the source modules (pass 2).
    """

    def col(pair: _Pair) -> Module:
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


def _order_bonus(rows: list[tuple[Module, Marker]], candidates: list[list[_Pair]]) -> None:
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
    def __init__(self, issue: Issue, modules: list[Module], labels: list[str]) -> None:
        self.issue = issue
        self.modules = modules
        self.labels = labels
        self.next_of: dict[int, _Pair] = {}  # id(src module) -> pair
        self.prev_of: dict[int, _Pair] = {}  # id(dst module) -> pair
        self.unresolved: list[tuple[Module, Marker, str]] = []
        self.joins = JoinEvidence(p for m in modules for p in m.paragraphs)

    def _pages_for(self, label: str | None, module: Module, step: int) -> list[int]:
        """Page indexes a marker refers to; no label means the adjacent page."""
        if label is None:
            k = module.index + step
            return [k] if 0 <= k < len(self.issue.pages) else []
        norm = normalize_page_label(label) or ""
        exact = [i for i, lab in enumerate(self.labels) if lab == norm and i != module.index]
        if exact:
            return exact
        loose = [
            i
            for i, lab in enumerate(self.labels)
            if i != module.index and same_page_number(lab, norm)
        ]
        return loose if len(loose) == 1 else []  # only where the number names one page

    def article_titles(self, module: Module) -> list[str]:
        """The headlines of the article a module belongs to through the links made so
        far: its own, or those of the first part of its chain (a continuation often
        repeats a shortened headline only on its own page, or none at all)."""
        cur = module
        while not cur.headline and id(cur) in self.prev_of:
            cur = self.prev_of[id(cur)].src
        return _titles(cur)

    def link_outgoing(self) -> None:
        """Pass 1: every 下转 against the modules of its target page, source page by
        source page, so that a part continued again (1 → 2 → 4) is matched with the
        headline of the article it belongs to, known once its first jump is linked."""
        rows: list[tuple[Module, Marker]] = []
        for module in self.modules:
            targets: set[str | None] = set()
            for mk in module.outs:
                norm = normalize_page_label(mk.marker.target_page)
                if norm not in targets:  # else the same jump detected twice
                    targets.add(norm)
                    rows.append((module, mk))
        for index in sorted({src.index for src, _ in rows}):
            self._link_from_page([r for r in rows if r[0].index == index])

    def _link_from_page(self, rows: list[tuple[Module, Marker]]) -> None:
        candidates: list[list[_Pair]] = []
        reasons: list[str] = []
        for src, mk in rows:
            pages = self._pages_for(mk.marker.target_page, src, +1)
            shown = normalize_page_label(mk.marker.target_page) or "(next)"
            if not pages:
                reasons.append(f"target page {shown} not in issue")
                candidates.append([])
                continue
            titles = self.article_titles(src)
            pairs: list[_Pair] = []
            for dst in self.modules:
                if dst.index not in pages or dst is src or id(dst) in self.prev_of:
                    continue
                pair = _pair(src, dst, mk, titles, self.joins)
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
        rows: list[tuple[Module, Marker]] = []
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
                for p in (
                    _pair(src, dst, None, self.article_titles(src), self.joins) for src in srcs
                )
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

    def chains(self) -> list[list[Module]]:
        """Modules grouped into articles, each chain in jump order, chains by first module."""
        out: list[list[Module]] = []
        for module in self.modules:
            if id(module) in self.prev_of:
                continue
            chain = [module]
            while (nxt := self.next_of.get(id(chain[-1]))) is not None:
                chain.append(nxt.dst)
            out.append(chain)
        return out


# --------------------------------------------------------------------------- articles


def _merge_paragraphs(parts: list[Module]) -> list[str]:
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


def _article(issue: Issue, chain: list[Module]) -> Article:
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


def _labels_named_by_jumps(
    modules: Sequence[Module], read: Sequence[str | None], labels: Sequence[str]
) -> list[str]:
    """Page labels where the folio was not read, taken from the jumps that lead there.

    A small bare folio ("4" in the corner) is often not detected at all, and then the
    page is named by its file name or its place in the issue, which need not be its
    printed number: every jump to it is lost, and a jump to the page whose number the
    guess took lands on it. A page whose folio was not read takes label T when a 下转T
    marker names no page whose folio was read, this page's 上接 marker names that
    marker's page, no other page qualifies, and T lies between the read numbers of the
    pages before and after it (printed numbers rise through the issue).
    """
    values = [page_value(r) if r is not None else None for r in read]

    def in_order(k: int, t: str) -> bool:
        v = page_value(t)
        return v is not None and all(
            (j < k and u < v) or (j > k and u > v)
            for j, u in enumerate(values)
            if u is not None and j != k
        )

    proposed: dict[int, set[str]] = {}
    for src in modules:
        for mk in src.outs:
            t = normalize_page_label(mk.marker.target_page)
            if t is None or any(r is not None and same_page_number(r, t) for r in read):
                continue
            for dst in modules:
                if (
                    read[dst.index] is None
                    and dst.index != src.index
                    and any(_points_back(m.marker, src, dst) for m in dst.ins)
                    and in_order(dst.index, t)
                ):
                    proposed.setdefault(dst.index, set()).add(t)
    out = list(labels)
    for k, found in proposed.items():
        if len(found) != 1:
            continue
        (t,) = found
        if not any(t in v for j, v in proposed.items() if j != k):
            out[k] = t
    return out


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
    modules: list[Module] = []
    read = [folio_label(page) for page in issue.pages]
    for index, page in enumerate(issue.pages):
        modules.extend(page_modules(page, index, page_label(page), early))
    labels = _labels_named_by_jumps(modules, read, [page_label(p) for p in issue.pages])
    for module in modules:
        module.label = labels[module.index]
    for page, label in zip(issue.pages, labels, strict=True):
        if page.printed_number is None:
            page.printed_number = label

    linker = _Linker(issue, modules, labels)
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
                unresolved_jump(
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
            unresolved_jump(
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
