"""Grouping lines and columns into connected sets: one union-find for the layout stages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from digitize.model import Box, Line

_T = TypeVar("_T")


class _Boxed(Protocol):
    @property
    def box(self) -> Box: ...


_B = TypeVar("_B", bound=_Boxed)


class DisjointSet:
    """Union-find over 0..n-1 with path halving."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        """Put a's set under b's root."""
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> dict[int, list[int]]:
        """Members by root; roots and members in index order of first appearance."""
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return out


def connected(items: list[_T], join: Callable[[_T, _T], bool]) -> list[list[_T]]:
    """Connected components of `items` under the pairwise relation `join`, in input order."""
    sets = DisjointSet(len(items))
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if sets.find(i) != sets.find(j) and join(items[i], items[j]):
                sets.union(i, j)
    return [[items[i] for i in members] for members in sets.groups().values()]


def bands(lines: Iterable[_B], *, across_x: bool) -> list[list[_B]]:
    """Rows (`across_x=False`) or columns (`across_x=True`) of lines, visited in the given
    order: a line joins the first band whose last line overlaps it across the band by
    half the smaller extent, else starts a new band. Lines or regions: anything boxed."""
    out: list[list[_B]] = []
    for ln in lines:
        b = ln.box
        for band in out:
            ref = band[-1].box
            if across_x:
                joined = b.x_overlap(ref) >= 0.5 * min(b.width, ref.width)
            else:
                joined = b.y_overlap(ref) >= 0.5 * min(b.height, ref.height)
            if joined:
                band.append(ln)
                break
        else:
            out.append([ln])
    return out


def merge_row(lines: list[Line]) -> Line:
    """Join fragments of one printed line (the detector splits at wide spaces) into one
    line, read as one crop."""
    lines = sorted(lines, key=lambda ln: ln.box.x0)
    first = lines[0]
    if len(lines) == 1:
        return first
    box = Box.hull(ln.box for ln in lines)
    return Line(
        id=first.id,
        box=box,
        vertical=False,
        polygon=box.corners(),
        text="".join(ln.text for ln in lines),
        confidence=min(ln.confidence for ln in lines),
    )
