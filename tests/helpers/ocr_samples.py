"""What the engine and detect/recognize tests share: the font they render lines in and a
plain character error rate (every character counts, spaces included)."""

from __future__ import annotations

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"


def cer(got: str, want: str) -> float:
    """Edit distance between `got` and `want` per character of `want`."""
    prev = list(range(len(want) + 1))
    for i, a in enumerate(got, 1):
        cur = [i]
        for j, b in enumerate(want, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return prev[-1] / max(1, len(want))
