"""Ready-made issue specs: the committed sample issue and parametrised test layouts."""

from __future__ import annotations

import random

from digitize.synth.render import Degradation, IssueSpec, Module, PageSpec

SAMPLE_DEGRADATION = Degradation(paper=238.0, ink_level=28.0, blur_sigma=0.5,
                                 illum_amplitude=6.0)


def sample_issue() -> IssueSpec:
    """The two-page sample in scans/: masthead, photo, notice, label, vertical headline and
    two jumps from page 1 to page 2."""
    p1 = PageSpec(
        number=1, masthead=True, cols=5, skew_deg=0.35, degradation=SAMPLE_DEGRADATION,
        modules=(
            Module(article="a1", col=0, span=3, top=0.0, bottom=0.46, kicker=True,
                   headline_lines=2, headline_scale=2.6, photo=0.42, photo_cols=2, jump_to=2),
            Module(kind="commentary", article="c1", col=3, span=2, top=0.0, bottom=0.6),
            Module(article="a2", col=0, span=3, top=0.46, bottom=0.76, subtitle=True,
                   byline="end", jump_to=2),
            Module(kind="notice", article="n1", col=3, span=2, top=0.6, bottom=1.0),
            Module(article="a3", col=0, span=3, top=0.76, bottom=1.0, vertical_headline=True,
                   byline="top"),
        ),
    )
    p2 = PageSpec(
        number=2, section="综合", cols=5, skew_deg=-0.5, degradation=SAMPLE_DEGRADATION,
        modules=(
            Module(article="a1", col=0, span=3, top=0.0, bottom=0.38, jump_from=1),
            Module(article="a2", col=3, span=2, top=0.0, bottom=0.55, jump_from=1,
                   repeat_headline="short", byline="end"),
            Module(article="b1", col=0, span=3, top=0.38, bottom=0.74, byline="top",
                   photo=0.5, photo_cols=2, kicker=True),
            Module(kind="ad", col=3, span=2, top=0.55, bottom=0.74),
            Module(kind="vertical_article", article="v1", col=0, span=5, top=0.74, bottom=1.0),
        ),
    )
    return IssueSpec(name="yunxi-20240315-sample", pages=(p1, p2))


def _random_modules(rng: random.Random, cols: int, vertical: bool = False) -> tuple[Module, ...]:
    """Bands of modules across the grid; spans 1-4 columns; features drawn at random."""
    mods: list[Module] = []
    nbands = rng.choice((2, 3, 3))
    cuts = sorted(rng.uniform(0.25, 0.75) for _ in range(nbands - 1)) if nbands > 1 else []
    if nbands == 3:
        cuts = [rng.uniform(0.28, 0.38), rng.uniform(0.6, 0.72)]
    edges = [0.0, *cuts, 1.0]
    k = 0
    for b in range(nbands):
        col = 0
        while col < cols:
            span = min(cols - col, rng.choice((1, 2, 2, 3, 3, 4)))
            if cols - col - span == 1 and span < 4 and not vertical:
                span += 1  # avoid a lone narrow column at the right edge
            k += 1
            if vertical:
                mods.append(Module(kind="vertical_article", article=f"v{k}", col=col, span=span,
                                   top=edges[b], bottom=edges[b + 1]))
            else:
                photo = rng.random() < 0.35 and span >= 2
                mods.append(Module(
                    article=f"g{k}", col=col, span=span, top=edges[b], bottom=edges[b + 1],
                    kicker=rng.random() < 0.3, subtitle=rng.random() < 0.25,
                    headline_lines=2 if span >= 3 and rng.random() < 0.5 else 1,
                    headline_scale=rng.uniform(1.8, 2.8),
                    byline=rng.choice((None, None, "top", "end")),
                    photo=rng.uniform(0.3, 0.5) if photo else 0.0,
                    photo_cols=max(1, span - 1) if photo else 0,
                ))
            col += span
    return tuple(mods)


def grid_page(cols: int = 5, *, seed: int = 0, dpi: int = 200, body_px: int | None = None,
              width: int | None = None, height: int | None = None, skew_deg: float = 0.0,
              degradation: Degradation | None = None, masthead: bool = True,
              number: int = 1) -> IssueSpec:
    """One horizontal page with a random module layout on a `cols`-column grid (3-6)."""
    if not 3 <= cols <= 6:
        raise ValueError("cols must be 3..6")
    rng = random.Random(f"grid|{cols}|{seed}")
    w = width or round(8.5 * dpi)
    h = height or round(12.0 * dpi)
    page = PageSpec(number=number, modules=_random_modules(rng, cols), cols=cols, width=w,
                    height=h, dpi=dpi, body_px=body_px, masthead=masthead, skew_deg=skew_deg,
                    degradation=degradation or Degradation())
    return IssueSpec(name=f"grid-{cols}col-{seed}", pages=(page,))


def vertical_page(*, seed: int = 0, cols: int = 4, dpi: int = 200, body_px: int | None = None,
                  punct: bool = True, skew_deg: float = 0.0,
                  degradation: Degradation | None = None, number: int = 3) -> IssueSpec:
    """A traditional page set entirely in vertical columns, read right to left."""
    rng = random.Random(f"vertical|{seed}")
    page = PageSpec(number=number, modules=_mirror(_random_modules(rng, cols, vertical=True), cols),
                    cols=cols, width=round(8.5 * dpi), height=round(12.0 * dpi), dpi=dpi,
                    body_px=body_px, vertical=True, punct=punct, skew_deg=skew_deg,
                    degradation=degradation or Degradation())
    return IssueSpec(name=f"vertical-{seed}", pages=(page,))


def _mirror(mods: tuple[Module, ...], cols: int) -> tuple[Module, ...]:
    """Reorder each band right to left, the reading order of a vertical page."""
    out: list[Module] = []
    bands: dict[float, list[Module]] = {}
    for m in mods:
        bands.setdefault(m.top, []).append(m)
    for top in sorted(bands):
        out.extend(sorted(bands[top], key=lambda m: -m.col))
    return tuple(out)


def multi_page_jumps(*, seed: int = 0, dpi: int = 150,
                     degradation: Degradation | None = None) -> IssueSpec:
    """Pages 1, 4 and 6 of an eight-page issue: a chain 1 -> 4 -> 6, two jumps leaving page 1
    for page 4, a continuation without a repeated headline and a jump to missing page 8."""
    deg = degradation or Degradation()
    w, h = round(8.5 * dpi), round(12.0 * dpi)
    p1 = PageSpec(number=1, masthead=True, cols=4, width=w, height=h, dpi=dpi, degradation=deg,
                  modules=(
                      Module(article="j1", col=0, span=2, top=0.0, bottom=0.5, jump_to=4,
                             kicker=True),
                      Module(article="j2", col=2, span=2, top=0.0, bottom=0.5, jump_to=4),
                      Module(article="j3", col=0, span=2, top=0.5, bottom=1.0, jump_to=8),
                      Module(article="s1", col=2, span=2, top=0.5, bottom=1.0, byline="end"),
                  ))
    p4 = PageSpec(number=4, cols=4, width=w, height=h, dpi=dpi, degradation=deg, modules=(
        Module(article="j1", col=0, span=2, top=0.0, bottom=0.45, jump_from=1, jump_to=6),
        Module(article="j2", col=2, span=2, top=0.0, bottom=0.45, jump_from=1,
               repeat_headline="none"),
        Module(article="s4", col=0, span=4, top=0.45, bottom=1.0, photo=0.4, photo_cols=2),
    ))
    p6 = PageSpec(number=6, cols=4, width=w, height=h, dpi=dpi, degradation=deg, modules=(
        Module(article="j1", col=0, span=2, top=0.0, bottom=0.5, jump_from=4,
               repeat_headline="short"),
        Module(article="s6", col=2, span=2, top=0.0, bottom=0.5, subtitle=True),
        Module(kind="notice", article="n6", col=0, span=2, top=0.5, bottom=1.0),
        Module(kind="ad", col=2, span=2, top=0.5, bottom=1.0),
    ))
    return IssueSpec(name=f"jumps-{seed}", pages=(p1, p4, p6), total_pages=8)
