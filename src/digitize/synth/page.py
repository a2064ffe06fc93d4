"""Issue-wide state (articles shared across pages, jumps) and the page frame: masthead or
folio line, and the layout helpers that the module drawing in `modules` builds on."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from digitize.synth import corpus
from digitize.synth.spec import IssueSpec, PageSpec
from digitize.synth.typeset import (
    MODERN_FONTS,
    TRAD_FONTS,
    Rect,
    _break,
    _Canvas,
    _Line,
    advance,
    keep_drawable,
    page_label,
    text_width,
)


@dataclass
class _ArticleState:
    id: str
    content: corpus.ArticleText
    cursor: int = 0
    title: str = ""
    parts: list[dict[str, Any]] = field(default_factory=list)
    part_para: list[bool] = field(default_factory=list)  # part starts a paragraph
    kind: str = "article"


class _IssueRenderer:
    def __init__(self, spec: IssueSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed
        self.articles: dict[str, _ArticleState] = {}
        self.jumps: list[dict[str, Any]] = []
        self.unresolved: list[dict[str, Any]] = []
        self.auto = 0
        self.printed = {p.number for p in spec.pages}

    def rng(self, *salt: object) -> random.Random:
        return random.Random(f"{self.seed}|{self.spec.name}|" + "|".join(map(str, salt)))

    def article(self, key: str | None, kind: str, trad: bool, body_key: str,
                vertical: bool = False) -> _ArticleState:
        if key is None:
            self.auto += 1
            key = f"x{self.auto}"
        st = self.articles.get(key)
        if st is None:
            rng = self.rng("article", key)
            if trad:
                head = rng.choice(corpus.TRAD_HEADLINES)
                body = corpus.trad_paragraph(rng) + "\n" + corpus.trad_paragraph(rng)
                content = corpus.ArticleText([head], "", "", "", "", body, rng, "")
            elif kind == "commentary":
                content = corpus.commentary_text(rng)
            else:
                content = corpus.article_text(rng)
            if vertical and not trad:
                content.body = corpus.verticalize(content.body)
                content.title = [corpus.verticalize(t) for t in content.title]
            content.body = keep_drawable(content.body, body_key)
            taken = {s.content.title[-1] for s in self.articles.values()}
            tries = 0
            while content.title[-1] in taken and tries < 50 and not trad:
                content.title = corpus.article_text(rng).title
                tries += 1
            if trad:
                pool = [t for t in corpus.TRAD_HEADLINES if t not in taken] or corpus.TRAD_HEADLINES
                content.title = [rng.choice(pool)]
            st = _ArticleState(key, content, kind=kind)
            self.articles[key] = st
        return st

    def extend(self, st: _ArticleState, need: int, trad: bool, vertical: bool, key: str) -> None:
        c = st.content
        while len(c.body) < st.cursor + need:
            para = corpus.trad_paragraph(c.rng) if trad else corpus.paragraph(c.rng)
            if vertical and not trad:
                para = corpus.verticalize(para)
            c.body += "\n" + keep_drawable(para, key)


# --------------------------------------------------------------------------- page drawing


class PageBase:
    """A page being drawn: canvas, metrics, the page head and layout helpers."""

    def __init__(self, issue: _IssueRenderer, spec: PageSpec) -> None:
        self.issue = issue
        self.spec = spec
        self.trad = spec.vertical
        self.fonts = dict(TRAD_FONTS if self.trad else MODERN_FONTS)
        self.fonts.update(dict(spec.fonts))
        self.cv = _Canvas(spec.number, spec.width, spec.height, self.fonts)
        self.em = spec.body_px or round(spec.dpi * 10.5 / 72)
        self.pitch = round(self.em * 1.42)
        self.gutter = round(self.em * spec.gutter_em)
        self.margin_x = round(spec.width * 0.055)
        self.margin_y = round(spec.height * 0.04)
        self.rng = issue.rng("page", spec.number)
        self.hard: set[str] = set()

    # -- top of page

    def masthead(self) -> float:
        cv, em, sp = self.cv, self.em, self.spec
        x0, x1 = self.margin_x, sp.width - self.margin_x
        y: float = self.margin_y
        paper = corpus.PAPER_TRAD if self.trad else self.issue.spec.paper
        npx = round(em * 4.2)
        if sp.nameplate_inverted:
            pad = round(em * 0.5)
            nw = text_width(cv.key("nameplate"), npx, paper)
            banner = (x0, y, x0 + nw + 2 * pad, y + npx + 2 * pad)
            cv.draw.rectangle(banner, fill=0)
            cv.add("rule", banner, None, shape="banner")
            ln = cv.hline(paper, x0 + pad, y + pad, "nameplate", npx, fill=255)
            cv.add("masthead", ln.box, None, [ln], subtype="nameplate", inverted=True)
            self.hard.add("inverted_nameplate")
            npx += 2 * pad
        else:
            ln = cv.hline(paper, x0, y, "nameplate", npx)
            cv.add("masthead", ln.box, None, [ln], subtype="nameplate")
        # synthetic QR code with its label, top right
        q = round(em * 3.2)
        qx, qy = x1 - q, round(y)
        rng = np.random.default_rng(self.issue.seed + 7)
        cells = (rng.random((21, 21)) > 0.5).astype(np.uint8) * 255
        for cx, cy in ((0, 0), (14, 0), (0, 14)):
            cells[cy:cy + 7, cx:cx + 7] = 0
            cells[cy + 1:cy + 6, cx + 1:cx + 6] = 255
            cells[cy + 2:cy + 5, cx + 2:cx + 5] = 0
        qr = Image.fromarray(cells).resize((q, q), Image.Resampling.NEAREST)
        cv.img.paste(qr, (qx, qy))
        cv.add("photo", (qx, qy, qx + q, qy + q), None, subtype="qr")
        lpx = round(em * 0.8)
        label = "扫码关注"
        lw = text_width(cv.key("small"), lpx, label)
        ln = cv.hline(label, qx + (q - lw) / 2, qy + q + em * 0.2, "small", lpx)
        cv.add("masthead", ln.box, None, [ln], subtype="qr_label")
        y += max(npx, q + em * 1.2) + em * 0.4
        spx = round(em * 0.85)
        ln = cv.hline("主办：中共云溪区委员会 云溪区人民政府", x0, y, "small", spx)
        cv.add("masthead", ln.box, None, [ln], subtype="sponsor")
        y += spx + em * 0.5
        cv.rule((x0, y, x1, y + max(3, em // 6)))
        y += max(3, em // 6) + em * 0.4
        d = self.issue.spec.date
        week = "一二三四五六日"[d.weekday()]
        total = self.issue.spec.total_pages or max(self.issue.printed)
        items = [f"{d.year}年{d.month}月{d.day}日 星期{week}",
                 f"第{self.issue.spec.issue_no}期 今日{page_label(total)}版"]
        dpx = round(em * 0.95)
        ln = cv.hline(items[0], x0, y, "small", dpx)
        cv.add("masthead", ln.box, None, [ln], subtype="dateline")
        w = text_width(cv.key("small"), dpx, items[1])
        ln = cv.hline(items[1], x1 - w, y, "small", dpx)
        cv.add("masthead", ln.box, None, [ln], subtype="dateline")
        if sp.folio != "default":  # the front page's own page number, centred in the date line
            label = self.folio_label()
            w = text_width(cv.key("small"), dpx, label)
            ln = cv.hline(label, (x0 + x1 - w) / 2, y, "small", dpx)
            cv.add("masthead", ln.box, None, [ln], subtype="folio")
        y += dpx + em * 0.4
        cv.rule((x0, y, x1, y + 2))
        return y + 2 + em * 0.8

    def folio(self) -> float:
        cv, em, sp = self.cv, self.em, self.spec
        x0, x1 = self.margin_x, sp.width - self.margin_x
        y: float = self.margin_y
        fpx = round(em * 0.95)
        if self.trad:
            items = [corpus.PAPER_TRAD, *corpus.TRAD_FOLIO]
            items[1] = f"第{page_label(sp.number)}版"
        else:
            d = self.issue.spec.date
            week = "一二三四五六日"[d.weekday()]
            editor = corpus.person(self.rng, spaced=True)
            items = [self.issue.spec.paper, f"{d.year}年{d.month}月{d.day}日 星期{week}",
                     f"第{page_label(sp.number)}版 {sp.section}", f"责任编辑：{editor}"]
            if sp.folio in ("ordinal", "section"):
                items[2] = self.folio_label()
            elif sp.folio in ("letter", "bare"):  # the page number at the outer edge
                items[2] = sp.section
                if sp.number % 2:
                    items.append(self.folio_label())
                else:
                    items.insert(0, self.folio_label())
        widths = [text_width(cv.key("small"), fpx, t) for t in items]
        free = (x1 - x0 - sum(widths)) / (len(items) - 1)
        x = float(x0)
        for t, w in zip(items, widths, strict=True):
            ln = cv.hline(t, x, y, "small", fpx)
            cv.add("masthead", ln.box, None, [ln], subtype="folio")
            x += w + free
        y += fpx + em * 0.4
        cv.rule((x0, y, x1, y + 3))
        return y + 3 + em * 0.8

    def folio_label(self) -> str:
        """The printed page number in this page's folio style (default: 第X版 section)."""
        sp = self.spec
        num = str(sp.number) if sp.folio_arabic else page_label(sp.number)
        if sp.folio == "ordinal":
            return f"第{num}版"
        if sp.folio == "section":
            return f"第{num}版·{sp.section}"
        if sp.folio == "letter":
            return f"A{sp.number}"
        if sp.folio == "bare":
            return str(sp.number)
        return f"第{page_label(sp.number)}版 {sp.section}"

    # -- grid

    def sub_columns(self, x0: float, x1: float, n: int) -> list[tuple[float, float]]:
        g = self.gutter
        w = (x1 - x0 - (n - 1) * g) / n
        return [(x0 + i * (w + g), x0 + i * (w + g) + w) for i in range(n)]

    def centered(self, text: str, x0: float, x1: float, y: float, role: str, px: int) -> _Line:
        w = text_width(self.cv.key(role), px, text)
        return self.cv.hline(text, x0 + max(0.0, (x1 - x0 - w) / 2), y, role, px)

    def fit_px(self, text: str, width: float, role: str, want: float, least: float) -> int:
        w1 = text_width(self.cv.key(role), 100, text) / 100
        return int(max(least, min(want, width / max(w1, 1e-6))))

    def wrap_fit(self, text: str, width: float, role: str, want: float,
                 least: float) -> tuple[int, list[str]]:
        """Largest size in [least, want] that fits one line, else lines wrapped at `least`."""
        px = self.fit_px(text, width, role, want, least)
        key = self.cv.key(role)
        if text_width(key, px, text) <= width + 0.5:
            return px, [text]
        out: list[str] = []
        pos = 0
        while pos < len(text):
            while pos < len(text) and text[pos] == " ":
                pos += 1
            end = _break(text, pos, width, lambda ch: advance(key, px, ch))
            if end > pos:
                out.append(text[pos:end].rstrip(" "))
            pos = end
        return px, out

    def frame(self, box: Rect, article: str | None) -> Rect:
        """Draw a box frame; return the inner content box."""
        x0, y0, x1, y1 = box
        pad = self.em * 0.3
        self.cv.rule((x0 + pad, y0 + pad, x1 - pad, y1 - pad), article, shape="box", width=2)
        inner = self.em * 1.0
        return (x0 + inner, y0 + inner, x1 - inner, y1 - inner)

    # -- article modules
