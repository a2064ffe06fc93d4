"""Make a hand-corrected ALTO file agree with itself again after an edit to String/@CONTENT.

ALTO editors correct `CONTENT` and leave the String's `Glyph`s (one per character of the old
reading) and its `CC` (one digit per old character) behind, so the file then holds two
texts for one word, and viewers, search highlighting and `digitize validate` disagree
about it. `repair_strings` changes exactly those Strings and nothing else in the file:

- the corrected `CONTENT` is never changed: it is the archivist's text;
- same number of characters: each Glyph keeps its box; a glyph whose character was
  corrected takes the new character with `GC="1"` (typed by a person) and loses its
  `Variant`s (runners-up for the old reading);
- a different number of characters: the Glyphs are dropped (there is no box for a typed
  character, and partial glyphs would be misread one-to-one);
- `CC` gets one digit per character of `CONTENT`: the old digit where the character is
  unchanged (aligned with difflib), 0 (sure) where the archivist typed it; without the old
  glyphs to align against, a CC of the wrong length is dropped rather than guessed;
- `CS="true"` (ALTO's correction status) marks the String as corrected by hand.

`digitize rebuild` writes the result in place after keeping the editor's file as a backup.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from digitize.serialize.xmlsafe import local_name, parse_bytes

_SURE = "0"


@dataclass(slots=True)
class Repair:
    """The repaired file and which Strings changed (ids, or "line N" for Strings without)."""

    data: bytes
    strings: list[str] = field(default_factory=list)


def _glyph_text(g: etree._Element) -> str:
    return (g.get("CONTENT") or "").strip()


def _cc_values(cc: str) -> list[str]:
    """CC digits: space-separated (as digitize and most tools write them) or run together."""
    return cc.split() if " " in cc.strip() else list(cc.strip())


def _cc_digit(gc: str | None) -> str:
    """A CC digit (0 sure .. 9 unsure) from a glyph's GC, when the old CC is unusable."""
    try:
        c = float(gc) if gc is not None else 0.0
    except ValueError:
        c = 0.0
    c = min(1.0, max(0.0, c)) if math.isfinite(c) else 0.0
    return str(round(9 * (1.0 - c)))


def _remove(el: etree._Element) -> None:
    """Remove an element and keep the indentation of what remains tidy."""
    parent = el.getparent()
    if parent is None:
        return
    if el.getnext() is None:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = el.tail
        else:
            parent.text = None  # no children left: written as an empty element
    parent.remove(el)


def consistent(st: etree._Element) -> bool:
    """The String's Glyphs and CC match its CONTENT (the rule `digitize validate` checks)."""
    content = st.get("CONTENT") or ""
    chars = "".join(c for c in content if not c.isspace())
    glyphs = [g for g in st if local_name(g) == "Glyph"]
    if glyphs and "".join(_glyph_text(g) for g in glyphs) != chars:
        return False
    if glyphs and len(glyphs) != len(chars):
        return False
    cc = st.get("CC")
    return cc is None or len(_cc_values(cc)) in (len(chars), len(content))


def _repair(st: etree._Element) -> None:
    content = st.get("CONTENT") or ""
    chars = [c for c in content if not c.isspace()]
    glyphs = [g for g in st if local_name(g) == "Glyph"]
    st.set("CS", "true")
    if not glyphs:
        # No record of the old reading: which characters were typed is unknown.
        if "CC" in st.attrib:
            del st.attrib["CC"]
        return
    old = [_glyph_text(g) for g in glyphs]
    cc = _cc_values(st.get("CC") or "")
    old_cc = cc if len(cc) == len(glyphs) else [_cc_digit(g.get("GC")) for g in glyphs]
    if len(glyphs) == len(chars):
        digits = list(old_cc)
        for k, (g, ch) in enumerate(zip(glyphs, chars, strict=True)):
            if old[k] == ch:
                continue
            g.set("CONTENT", ch)
            g.set("GC", "1")
            for v in [v for v in g if local_name(v) == "Variant"]:
                _remove(v)
            digits[k] = _SURE
    else:
        digits = [_SURE] * len(chars)
        matcher = difflib.SequenceMatcher(None, old, chars, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                digits[block.b + k] = old_cc[block.a + k]
        for g in glyphs:
            _remove(g)
    if len(digits) == len(content):
        st.set("CC", " ".join(digits))
    else:  # CONTENT holds spaces: CC counts every character, spaces as sure
        it = iter(digits)
        st.set("CC", " ".join(_SURE if c.isspace() else next(it) for c in content))


def repair_strings(raw: bytes, path: Path | str | None = None) -> Repair | None:
    """The file with every String whose Glyphs or CC no longer match its CONTENT repaired
    (see the module docstring); None when nothing needs repair or the file is not ALTO.

    The input is untrusted: parsed with `xmlsafe` (size limit, no entities); raises its
    XmlError for malformed input. Comments, processing instructions, attribute order and
    whitespace elsewhere are kept as the editor wrote them.
    """
    tree = parse_bytes(raw, path=path)
    root = tree.getroot()
    if local_name(root) != "alto":
        return None
    changed: list[str] = []
    for st in root.iter():
        if local_name(st) != "String" or consistent(st):
            continue
        _repair(st)
        changed.append(st.get("ID") or f"line {st.sourceline}")
    if not changed:
        return None
    encoding = tree.docinfo.encoding or "UTF-8"
    out = etree.tostring(tree, xml_declaration=True, encoding=encoding)
    data = out if isinstance(out, bytes) else out.encode(encoding)
    return Repair(data if data.endswith(b"\n") else data + b"\n", changed)
