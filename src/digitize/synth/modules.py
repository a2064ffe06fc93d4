"""The page grid and the modules drawn on it: articles (with photos, captions, labels and
jump lines), boxed notices, ads and vertical articles. Each drawing step records its region,
so the truth is exactly what was printed."""

from __future__ import annotations

import itertools
import math
import random

import cv2
import numpy as np
from PIL import Image

from digitize.synth import corpus
from digitize.synth.page import PageBase, _ArticleState
from digitize.synth.spec import Module
from digitize.synth.typeset import (
    Rect,
    _break,
    _Line,
    _Placed,
    advance,
    flow_h,
    flow_v,
    hull,
    keep_drawable,
    page_label,
    sentence_end_before,
    text_width,
)


class PageRenderer(PageBase):
    """Draws a page: head (masthead or folio), then every module of the grid."""

    def render(self) -> None:
        sp = self.spec
        top = self.masthead() if sp.masthead else self.folio()
        left, right = self.margin_x, sp.width - self.margin_x
        bottom = sp.height - self.margin_y
        g = self.gutter
        cw = (right - left - (sp.cols - 1) * g) / sp.cols
        vgap = self.em * 1.6
        h = bottom - top
        for m in sp.modules:
            ox0 = left + m.col * (cw + g)
            ox1 = ox0 + m.span * cw + (m.span - 1) * g
            oy0 = top + m.top * h
            oy1 = top + m.bottom * h
            iy0 = oy0 + (vgap / 2 if m.top > 0.001 else 0)
            iy1 = oy1 - (vgap / 2 if m.bottom < 0.999 else 0)
            box = (ox0, iy0, ox1, iy1)
            if m.kind == "ad":
                self.ad(m, box)
            elif m.kind == "notice":
                self.notice(m, box)
            elif m.kind == "vertical_article" or (sp.vertical and m.kind != "horizontal_article"):
                self.vertical_article(m, box)
            else:
                self.article(m, box)
                if sp.vertical:
                    self.hard.add("horizontal_on_vertical")
            if sp.rules and m.bottom < 0.999:
                self.cv.rule((ox0, oy1 - 1, ox1, oy1 + 1))
            if sp.rules and m.col + m.span < sp.cols:
                rx = ox1 + g / 2
                self.cv.rule((rx - 1, iy0, rx + 1, iy1))

    def article(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        kind = m.kind
        label = m.label if m.label is not None else ("时评评论" if kind == "commentary" else None)
        boxed = m.boxed or kind == "commentary"
        byline = m.byline if m.byline is not None else ("top" if kind == "commentary" else None)
        st = self.issue.article(m.article, kind, self.trad, cv.key("body"))
        aid = st.id
        start_regions = len(cv.regions)
        x0, y, x1, y1 = self.frame(box, aid) if boxed else box
        cont = m.jump_from is not None
        c = st.content
        if label:
            lpx = round(em * 1.1)
            lw = text_width(cv.key("label"), lpx, label)
            pad = em * 0.35
            lb = (x0, y, x0 + lw + 2 * pad, y + lpx + 2 * pad)
            cv.draw.rectangle(lb, fill=0)
            ln = cv.hline(label, x0 + pad, y + pad, "label", lpx, fill=255)
            cv.add("label", lb, aid, [ln], inverted=True)
            self.hard.add("label")
            y = lb[3] + em * 0.5
        if m.kicker and not cont:
            ind = em * 2.0
            kpx, parts = self.wrap_fit(c.kicker, x1 - x0 - ind, "kicker", em * 1.2, em * 0.9)
            lines = []
            for t in parts:
                lines.append(cv.hline(t, x0 + ind, y, "kicker", kpx))
                y += kpx * 1.15
            cv.add("kicker", hull(lines), aid, lines, text="".join(parts))
            y += em * 0.3
        # headline (horizontal, or a vertical strip at the right of the body)
        head_lines = c.title[:1] if (cont and m.repeat_headline == "short") else c.title
        if m.headline_lines == 1 or len(head_lines) == 1:
            head_lines = [" ".join(head_lines)]
        show_head = not (cont and m.repeat_headline == "none")
        body_x1 = x1
        if show_head and m.vertical_headline:
            text = "".join(head_lines).replace(" ", "")
            hpx = int(min(m.headline_scale * em, (y1 - y - em) / max(1, len(text))))
            hx = x1 - hpx - em * 0.3
            ln = cv.vline(text, hx, y, "vhead", hpx)
            ln.text = text
            cv.add("headline", ln.box, aid, [ln], vertical=True, continuation=cont)
            if not cont:
                st.title = text
            self.hard.add("vertical_headline")
            body_x1 = hx - self.gutter
        elif show_head:
            want = m.headline_scale * em * (0.75 if cont else 1.0)
            hpx = min(self.fit_px(t, x1 - x0, "head", want, em * 1.3) for t in head_lines)
            lines = []
            for phrase in head_lines:
                for t in self.wrap_fit(phrase, x1 - x0, "head", hpx, hpx)[1]:
                    lines.append(self.centered(t, x0, x1, y, "head", hpx))
                    y += hpx * 1.12
            y += em * 0.3
            reg = cv.add("headline", hull(lines), aid, lines, text=" ".join(head_lines),
                         continuation=cont)
            if not cont:
                st.title = reg.text
        if m.subtitle and not cont:
            spx, parts = self.wrap_fit(c.subtitle, x1 - x0, "subtitle", em * 1.25, em)
            lines = []
            for t in parts:
                lines.append(self.centered(t, x0, x1, y, "subtitle", spx))
                y += spx * 1.15
            cv.add("subtitle", hull(lines), aid, lines, text="".join(parts))
            y += em * 0.35
        if byline == "top" and not cont:
            ind = 0.0 if kind == "commentary" else em * 2.0
            bpx, parts = self.wrap_fit(c.byline, body_x1 - x0 - ind, "byline", em, em * 0.8)
            lines = []
            for t in parts:
                lines.append(self.centered(t, x0, body_x1, y, "byline", bpx)
                             if kind == "commentary" else cv.hline(t, x0 + ind, y, "byline", bpx))
                y += bpx * 1.15
            cv.add("byline", hull(lines), aid, lines, text=" ".join(parts))
            y += em * 0.45
        if cont:
            t = m.jump_in_text or f"（上接第{page_label(m.jump_from or 0)}版）"
            ln = cv.hline(t, x0, y, "jump", em)
            cv.add("jump", ln.box, aid, [ln], direction="in")
            y += self.pitch
        y += em * 0.2
        # body columns, photo at the right top
        ncol = m.sub_cols or m.span
        if m.vertical_headline:
            ncol = max(1, ncol - 1) if m.sub_cols is None else ncol
        cols = self.sub_columns(x0, body_x1, ncol)
        col_top = [y] * ncol
        caption_lines: list[_Line] = []
        photo_box: Rect | None = None
        if m.photo > 0:
            photo_box, caption_lines = self.photo(m, c.caption, cols, y, y1, col_top)
        last_reserve = (1 if m.jump_to else 0) + (1 if byline == "end" else 0)
        boxes = []
        for i, (cx0, cx1) in enumerate(cols):
            bot = y1 - (last_reserve * self.pitch if i == ncol - 1 else 0)
            boxes.append((cx0, col_top[i], cx1, bot))
        self.body_parts(st, m, boxes, aid, byline, last_reserve * self.pitch)
        if self.spec.col_rules:
            for left, right in itertools.pairwise(boxes):
                rx, top = (left[2] + right[0]) / 2, max(left[1], right[1])
                if top < y1 - em:
                    cv.rule((rx - 1, top, rx + 1, y1))
        if photo_box is not None:
            cv.add("photo", photo_box, aid)
            self.hard.add("photo")
            if caption_lines:
                cv.add("caption", hull(caption_lines), aid, caption_lines)
        part_ids = [r.id for r in cv.regions[start_regions:]]
        self.record_part(st, part_ids, m)

    def photo(self, m: Module, cap: str, cols: list[tuple[float, float]], y: float, y1: float,
              col_top: list[float]) -> tuple[Rect, list[_Line]]:
        """Draw the photo over the rightmost `photo_cols` sub-columns with its caption below,
        above or beside it (right of it); lower `col_top` of the covered columns."""
        em = self.em
        ncol = len(cols)
        pc = m.photo_cols or ncol
        px0, px1 = cols[ncol - pc][0], cols[-1][1]
        ph = (y1 - y) * m.photo
        pos = m.caption_pos
        if pos == "beside" and (px1 - px0) * 0.38 - em * 0.6 < em * 4:
            pos = "below"  # too narrow for a caption column
        if pos == "beside":
            pw = (px1 - px0) * 0.62
            photo_box = (px0, y, px0 + pw, y + ph)
            self.draw_photo(photo_box)
            lines, cy = self.caption_lines(cap, px0 + pw + em * 0.6, px1, y)
            bottom = max(y + ph, cy)
            self.hard.add("caption_beside")
        elif pos == "above":
            lines, cy = self.caption_lines(cap, px0, px1, y)
            photo_box = (px0, cy + em * 0.2, px1, cy + em * 0.2 + ph)
            self.draw_photo(photo_box)
            bottom = photo_box[3]
            self.hard.add("caption_above")
        else:
            photo_box = (px0, y, px1, y + ph)
            self.draw_photo(photo_box)
            lines, bottom = self.caption_lines(cap, px0, px1, y + ph + em * 0.3)
        for i in range(ncol - pc, ncol):
            col_top[i] = bottom + em * 0.6
        return photo_box, lines

    def caption_lines(self, cap: str, x0: float, x1: float, y: float) -> tuple[list[_Line], float]:
        """Set a caption in [x0, x1] from y (shrunk to fit down to 0.75 em); return its lines
        and the y below them."""
        cv, em = self.cv, self.em
        ckey = cv.key("caption")
        cpx = self.fit_px(cap, x1 - x0, "caption", round(em * 0.9), em * 0.75)
        lines: list[_Line] = []
        pos = 0
        while pos < len(cap):
            while pos < len(cap) and cap[pos] == " ":
                pos += 1
            end = _break(cap, pos, x1 - x0, lambda ch: advance(ckey, cpx, ch))
            lines.append(cv.hline(cap[pos:end].rstrip(" "), x0, y, "caption", cpx))
            pos = end
            y += cpx * 1.3
        return lines, y

    def body_parts(self, st: _ArticleState, m: Module, boxes: list[Rect], aid: str,
                   byline: str | None, reserve: float) -> None:
        cv, em = self.cv, self.em
        key = cv.key("body")
        capacity = sum(int((b[3] - b[1]) / self.pitch + 1) * int((b[2] - b[0]) / em)
                       for b in boxes)
        self.issue.extend(st, capacity + 200, self.trad, False, key)
        text = st.content.body
        start = st.cursor
        placed, end = flow_h(text, start, boxes, lambda ch: advance(key, em, ch), em, self.pitch)
        if m.jump_to is None:
            end = sentence_end_before(text, start, end)
            st.content.body = text = text[:end]
            placed = [p for p in placed if p.start < end]
            if placed:
                placed[-1].end = min(placed[-1].end, end)
        st.cursor = end
        by_col: dict[int, list[_Line]] = {}
        for p in placed:
            ln = cv.hline(text[p.start:p.end], p.x, p.y, "body", em)
            ln.para = p.para
            by_col.setdefault(p.col, []).append(ln)
        last: _Line | None = None
        last_col = 0
        for ci, lines in sorted(by_col.items()):
            bx0, _, bx1, _ = boxes[ci]
            rbox = (bx0, lines[0].box[1], bx1, lines[-1].box[3])
            lines[0].para = lines[0].para or ci == 0
            cv.add("body", rbox, aid, lines)
            last, last_col = lines[-1], ci
        y_next = (last.box[1] + self.pitch) if last else boxes[0][1]
        if byline == "end" and m.jump_to is None:
            bpx = em
            bx0, _, bx1, _ = boxes[last_col]
            full_bot = boxes[last_col][3] + (reserve if last_col == len(boxes) - 1 else 0)
            if y_next + bpx > full_bot and last_col + 1 < len(boxes):
                last_col += 1
                bx0, y_next, bx1, _ = boxes[last_col]
            if y_next + bpx <= full_bot + 1e-6:
                name = st.content.byline.split(" ", 1)[-1] if " " in st.content.byline else "记者"
                w = text_width(cv.key("byline"), bpx, name)
                ln = cv.hline(name, bx1 - w, y_next, "byline", bpx)
                cv.add("byline", ln.box, aid, [ln])
                y_next += self.pitch
        if m.jump_to is not None:
            t = m.jump_out_text or f"（下转第{page_label(m.jump_to)}版）"
            bx0, _, bx1, bot = boxes[-1]
            w = text_width(cv.key("jump"), em, t)
            ln = cv.hline(t, bx1 - w, bot + (self.pitch - em) / 2, "jump", em)
            cv.add("jump", ln.box, aid, [ln], direction="out")

    def record_part(self, st: _ArticleState, region_ids: list[str], m: Module) -> None:
        texts = [r for r in self.cv.regions if r.id in set(region_ids)
                 and r.type in ("body", "notice")]
        part_text = ""
        for r in texts:
            if part_text and r.lines and r.lines[0].para:
                part_text += "\n"
            part_text += r.text
        st.parts.append({"page": self.spec.number, "region_ids": region_ids, "text": part_text})
        st.part_para.append(bool(texts and texts[0].lines and texts[0].lines[0].para))
        if m.jump_to is not None:
            self.hard.add("jump")
            if m.jump_to not in self.issue.printed:
                self.issue.unresolved.append(
                    {"from": {"page": self.spec.number, "article": st.id},
                     "target_page": m.jump_to})
        if m.jump_from is not None and len(st.parts) >= 2:
            prev = st.parts[-2]["page"]
            self.issue.jumps.append({"from": {"page": prev, "article": st.id},
                                     "to": {"page": self.spec.number, "article": st.id}})

    def draw_photo(self, box: Rect) -> None:
        x0, y0, x1, y1 = (round(v) for v in box)
        w, h = x1 - x0, y1 - y0
        rng = np.random.default_rng([self.issue.seed, self.spec.number, x0, y0])
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, 2 * math.pi)
        img = 150 + 60 * ((xx * math.cos(a) + yy * math.sin(a)) / max(w, h) - 0.5)
        for _ in range(rng.integers(3, 7)):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            rx, ry = rng.uniform(0.08, 0.3) * w, rng.uniform(0.08, 0.3) * h
            mask = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1
            img[mask] = rng.uniform(30, 220)
        img += rng.normal(0, 12, img.shape)
        img = cv2.GaussianBlur(img, (0, 0), 1.2)
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        self.cv.img.paste(pil, (x0, y0))
        self.cv.draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=0, width=1)

    # -- notices and ads

    def notice(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        key = m.article or f"p{self.spec.number}-notice{len(cv.regions)}"
        title, body = corpus.notice_text(self.issue.rng("notice", key))
        st = _ArticleState(key, corpus.ArticleText([title], "", "", "", "", body,
                                                   random.Random(0), ""), kind="notice")
        self.issue.articles[key] = st
        start_regions = len(cv.regions)
        x0, y, x1, y1 = self.frame(box, key)
        hpx = self.fit_px(title, x1 - x0, "head", em * 1.6, em)
        ln = self.centered(title, x0, x1, y, "head", hpx)
        cv.add("headline", ln.box, key, [ln], continuation=False)
        st.title = title
        y += hpx + em * 0.6
        nkey = cv.key("notice_body")
        text = keep_drawable(body, nkey)
        placed, end = flow_h(text, 0, [(x0, y, x1, y1)], lambda ch: advance(nkey, em, ch), em,
                             self.pitch)
        end = sentence_end_before(text, 0, end) if end < len(text) else end
        placed = [p for p in placed if p.start < end]
        lines = []
        for p in placed:
            ln = cv.hline(text[p.start:min(p.end, end)], p.x, p.y, "notice_body", em)
            ln.para = p.para
            lines.append(ln)
        if lines:
            lines[0].para = True
            cv.add("notice", (x0, lines[0].box[1], x1, lines[-1].box[3]), key, lines)
        st.content.body = text[:end]
        self.hard.add("notice")
        self.record_part(st, [r.id for r in cv.regions[start_regions:]], m)

    def ad(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        texts = corpus.ad_text(self.issue.rng("ad", self.spec.number, m.col, m.top))
        x0, y0, x1, y1 = box
        pad = em * 0.3
        cv.rule((x0 + pad, y0 + pad, x1 - pad, y1 - pad), None, shape="box", width=3)
        sizes = [em * 2.4, em * 1.5, em * 1.0]
        total = sum(sizes) * 1.25
        scale = min(1.0, (y1 - y0 - 4 * pad) / total)
        y = y0 + max(2 * pad, (y1 - y0 - total * scale) / 2)
        lines = []
        for t, s in zip(texts, sizes, strict=True):
            px = self.fit_px(t, x1 - x0 - 6 * pad, "ad", s * scale, min(em, s * scale) * 0.6)
            ln = self.centered(t, x0, x1, y, "ad", px)
            ln.para = True
            lines.append(ln)
            y += px * 1.25
        cv.add("ad", hull(lines), None, lines)

    # -- vertical text

    def subheads(self, text: str, cursor: int, placed: list[_Placed], xs: list[float],
                 span: tuple[float, float], indent: int, rng: random.Random
                 ) -> tuple[list[_Placed], int, dict[int, str]]:
        """Set one or two subheads (小標, common in papers of the 1930s) into a long vertical
        article: each takes a column of its own before a paragraph, in display type larger
        than the body and much smaller than the headline. Returns the body columns set again
        around them, the end of the text set, and column slot -> subhead."""
        y0, y1 = span
        em = self.em
        starts = [k for k, p in enumerate(placed) if p.para and 2 <= k <= len(placed) - 3]
        if not starts or (y1 - y0) < 9 * em:
            return placed, placed[-1].end if placed else cursor, {}
        cuts = sorted(rng.sample(starts, min(len(starts), rng.choice((1, 2)))))
        out: list[_Placed] = []
        subs: dict[int, str] = {}
        slot = 0
        pos = cursor
        for c in [*cuts, None]:
            stop = placed[c].start if c is not None else len(text)
            got, pos = flow_v(text[:stop], pos, xs[slot:], y0, y1, em, indent=indent)
            out.extend(got)
            slot += len(got)
            if c is None or slot >= len(xs) - 1 or pos < stop:
                break
            subs[slot] = rng.choice(corpus.TRAD_SUBHEADS)
            slot += 1
        return out, pos, subs

    def heading_columns(self, phrases: list[str], title: str, trad: bool, aid: str
                        ) -> tuple[list[tuple[str, str, float, float]],
                                   list[tuple[str, str, float, float]]]:
        """The columns set beside a vertical headline, as (role, text, size against the
        headline, drop in headline ems): a smaller lead column before it (引題) and a
        smaller deck after it (副題), as 1930s papers set them. The columns together are
        the article's title, in reading order."""
        rng = self.issue.rng("heading-group", self.spec.number, aid)
        key = self.cv.key("vhead")
        lead: list[tuple[str, str, float, float]] = []
        deck: list[tuple[str, str, float, float]] = []
        first = phrases[0] if phrases and phrases[0] != title else ""
        if rng.random() < 0.3:
            text = keep_drawable(rng.choice(corpus.TRAD_LEADS) if trad else first, key)
            if text:
                lead.append(("kicker", text, rng.uniform(0.5, 0.75), 0.0))
        if trad and rng.random() < 0.4:
            text = keep_drawable(rng.choice(corpus.TRAD_DECKS), key)
            if text:
                deck.append(("subtitle", text, rng.uniform(0.5, 0.75), rng.uniform(0.5, 1.5)))
        return lead, deck

    def vertical_article(self, m: Module, box: Rect) -> None:
        """Headline column at the right, body columns top-to-bottom, right to left."""
        cv, em = self.cv, self.em
        trad = self.trad
        st = self.issue.article(m.article, "vertical", trad, cv.key("vbody"), vertical=True)
        aid = st.id
        start_regions = len(cv.regions)
        x0, y0, x1, y1 = self.frame(box, aid) if m.boxed else box
        title = st.content.title[0] if trad else st.content.title[-1]
        title = corpus.verticalize(title)
        sub_rng = self.issue.rng("subhead", self.spec.number, aid)
        with_subheads = trad and sub_rng.random() < 0.5
        # A long dispatch broken by subheads runs under a large headline.
        scale = sub_rng.uniform(2.4, 3.0) if with_subheads else m.headline_scale * 0.8
        hpx = int(min(em * scale, (y1 - y0) / max(1, len(title) + 1)))
        lead, deck = self.heading_columns(st.content.title, title, trad, aid)
        # Only a headline of two ems or more has lead and deck columns: they are display
        # type, 1.3 ems at least (1939 fold: leads 1.5-1.7 body ems, decks 2-3), and
        # smaller than the headline. The module must keep room for its body.
        if hpx < 2 * em or x1 - x0 < hpx + em * 9:
            lead, deck = [], []
        right = x1 - em * 0.2
        group: list[str] = []
        for role, text, scale_of_head, dy in (*lead, ("headline", title, 1.0, 0.0), *deck):
            px = hpx if role == "headline" else int(
                min(max(hpx * scale_of_head, em * 1.3), (y1 - y0 - dy * hpx) / (len(text) + 1)))
            ln = cv.vline(text, right - px, y0 + dy * hpx, "vhead", px)
            cv.add(role, ln.box, aid, [ln], vertical=True, continuation=False)
            group.append(text)
            right -= px + em * 0.4
        st.title = "".join(group)
        hx = right + em * 0.4
        col_pitch = round(em * 1.5)
        xs: list[float] = []
        x = hx - em * 0.9 - em
        while x >= x0 - 1e-6:
            xs.append(x)
            x -= col_pitch
        key = cv.key("vbody")
        cells = int((y1 - y0) // em)
        self.issue.extend(st, len(xs) * cells + 100, trad, True, key)
        text = st.content.body
        if not self.spec.punct:
            text = "".join(ch for ch in text if ch not in "，。、；：「」『』")
        indent = 2 if not trad else 1
        placed, end = flow_v(text, st.cursor, xs, y0, y1, em, indent=indent)
        subheads: dict[int, str] = {}
        if with_subheads:
            placed, end, subheads = self.subheads(text, st.cursor, placed, xs, (y0, y1), indent,
                                                  sub_rng)
        end = sentence_end_before(text, st.cursor, end)
        placed = [p for p in placed if p.start < end]
        if placed:
            placed[-1].end = min(placed[-1].end, end)
        st.content.body = text[:end]
        st.cursor = end
        # One body region per run of columns between subheads; a subhead is a body region of
        # its own (its text is part of the article's text, a paragraph of its own).
        runs: list[tuple[int, list[_Line]]] = []
        for p in placed:
            slot = xs.index(p.x)
            if not runs or slot - 1 in subheads:
                runs.append((slot, []))
            ln = cv.vline(text[p.start:p.end], p.x, p.y, "vbody", em)
            ln.para = p.para
            runs[-1][1].append(ln)
        for slot, run in runs:
            if slot - 1 in subheads:
                spx = round(em * sub_rng.uniform(1.25, 1.5))
                ln = cv.vline(subheads[slot - 1], xs[slot - 1] - (spx - em) / 2, y0 + em * 0.5,
                              "vhead", spx)
                ln.para = True
                cv.add("body", ln.box, aid, [ln], vertical=True, subtype="subhead")
                self.hard.add("subhead")
            run[0].para = True
            cv.add("body", hull(run), aid, run, vertical=True)
        self.hard.update(("vertical_headline", "vertical_body"))
        self.record_part(st, [r.id for r in cv.regions[start_regions:]], m)
