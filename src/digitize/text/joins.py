"""Whether two pieces of text join where a break cut them, judged by the issue's own words.

A jump cuts an article mid-sentence, often mid-word ("细化措" | "施，确保"). Which of two
continuations carrying the same 上接 marker takes up a given first part is then told
by the characters on both sides of the cut: a word split there is a word the issue uses
elsewhere ("措施" in other articles), while a wrong pairing joins characters that never
stand together ("措" + "众"). The statistics come from the issue itself, so the rule
needs no language model and holds for any paper, period or script.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from digitize.text.textutil import ends_sentence, is_han


def _runs(text: str) -> Iterable[str]:
    """Runs of consecutive Chinese characters (punctuation, digits and spaces end one)."""
    run: list[str] = []
    for ch in text:
        if is_han(ch):
            run.append(ch)
        elif run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


class JoinEvidence:
    """Character bigrams and trigrams of an issue's text, within runs of Chinese
    characters of one piece of text (no gram spans two pieces or a punctuation mark)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._grams: Counter[str] = Counter()
        for text in texts:
            for run in _runs(text):
                for n in (2, 3):
                    self._grams.update(run[i : i + n] for i in range(len(run) - n + 1))

    def support(self, before: str, after: str) -> float:
        """0..1: the share of the grams spanning the cut between `before` and `after`
        that the issue uses elsewhere; 0 where `before` ends its sentence (no word is
        split) or either side has no Chinese character at the cut."""
        tail, head = before.rstrip(), after.lstrip()
        if not tail or not head or ends_sentence(tail):
            return 0.0
        if not (is_han(tail[-1]) and is_han(head[0])):
            return 0.0
        a = tail[-2:] if len(tail) >= 2 and is_han(tail[-2]) else tail[-1]
        b = head[:2] if len(head) >= 2 and is_han(head[1]) else head[0]
        spans = {a[-1] + b[0], a[-2:] + b[0], a[-1] + b[:2]}
        spans = {g for g in spans if len(g) >= 2}
        return sum(self._grams[g] > 0 for g in spans) / len(spans)
