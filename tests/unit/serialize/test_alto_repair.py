"""`alto_repair.repair_strings`: a String whose CONTENT was corrected gets Glyphs and CC that
agree with it again; nothing else in the editor's file changes."""

from __future__ import annotations

import pytest
from lxml import etree

from digitize.serialize.alto_repair import repair_strings
from digitize.serialize.xmlsafe import XmlError

NS = "http://www.loc.gov/standards/alto/ns-v4#"
A = f"{{{NS}}}"


def _alto(strings: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="{NS}">
  <!-- corrected by hand -->
  <Layout>
    <Page ID="p" WIDTH="100" HEIGHT="100" PHYSICAL_IMG_NR="1">
      <PrintSpace>
        <TextBlock ID="b">
          <TextLine ID="l">
{strings}
          </TextLine>
        </TextBlock>
      </PrintSpace>
    </Page>
  </Layout>
</alto>
""".encode()


def _glyph(ch: str, gc: str, variants: str = "") -> str:
    end = f">{variants}</Glyph>" if variants else "/>"
    return f'<Glyph CONTENT="{ch}" GC="{gc}" HPOS="0" VPOS="0" WIDTH="1" HEIGHT="1"{end}'


OLD = (
    '<String ID="s1" CONTENT="{content}" WC="0.8" CC="1 5 2">'
    + _glyph("八", "0.9")
    + _glyph("十", "0.4", '<Variant CONTENT="千" VC="0.3"/>')
    + _glyph("条", "0.8")
    + "</String>"
)


def _string(data: bytes) -> etree._Element:
    st = etree.fromstring(data).find(f".//{A}String")
    assert st is not None
    return st


def test_a_corrected_character_keeps_its_glyph_box_and_becomes_certain() -> None:
    fixed = repair_strings(_alto(OLD.format(content="八千条")))
    assert fixed is not None and fixed.strings == ["s1"]
    st = _string(fixed.data)
    glyphs = st.findall(f"{A}Glyph")
    assert [g.get("CONTENT") for g in glyphs] == ["八", "千", "条"]
    assert [g.get("GC") for g in glyphs] == ["0.9", "1", "0.8"]
    assert glyphs[1].findall(f"{A}Variant") == [] and glyphs[1].get("HPOS") == "0"
    assert st.get("CONTENT") == "八千条" and st.get("CC") == "1 0 2" and st.get("CS") == "true"
    assert st.get("WC") == "0.8"


def test_typed_characters_drop_the_glyphs_and_keep_the_old_digits_where_aligned() -> None:
    fixed = repair_strings(_alto(OLD.format(content="约八十余条")))
    assert fixed is not None
    st = _string(fixed.data)
    assert st.findall(f"{A}Glyph") == []
    assert st.get("CC") == "0 1 5 0 2" and st.get("CS") == "true"
    assert st.get("CONTENT") == "约八十余条"
    # The emptied String is written as an empty element; the editor's comment stays.
    assert b'CS="true"/>' in fixed.data and b"<!-- corrected by hand -->" in fixed.data
    assert repair_strings(fixed.data) is None  # repaired once, consistent after


def test_a_wrong_length_cc_without_glyphs_is_dropped_not_guessed() -> None:
    fixed = repair_strings(_alto('<String ID="s1" CONTENT="九十余条" WC="0.8" CC="1 5 2"/>'))
    assert fixed is not None
    st = _string(fixed.data)
    assert st.get("CC") is None and st.get("CS") == "true" and st.get("CONTENT") == "九十余条"


def test_spaces_in_content_count_in_cc() -> None:
    fixed = repair_strings(_alto(OLD.format(content="八 千条")))
    assert fixed is not None
    st = _string(fixed.data)
    assert st.get("CC") == "1 0 0 2"  # the space is a character of CONTENT: sure
    assert [g.get("CONTENT") for g in st.findall(f"{A}Glyph")] == ["八", "千", "条"]


def test_consistent_and_foreign_files_are_left_alone() -> None:
    assert repair_strings(_alto(OLD.format(content="八十条"))) is None
    assert repair_strings(_alto('<String ID="s" CONTENT="八十" CC="01"/>')) is None
    assert repair_strings(b"<notes>kept by the archivist</notes>") is None
    with pytest.raises(XmlError):
        repair_strings(b'<!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]><alto/>')


def test_only_the_repaired_strings_change() -> None:
    other = '<String ID="s2" CONTENT="年" WC="0.7" CC="3">' + _glyph("年", "0.7") + "</String>"
    raw = _alto(OLD.format(content="八千条") + "\n            <SP/>\n            " + other)
    fixed = repair_strings(raw)
    assert fixed is not None and fixed.strings == ["s1"]
    before = raw.decode().splitlines()
    after = fixed.data.decode().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(before) == len(after)
    # The XML declaration's quotes (lxml writes its own) and the corrected String's line.
    assert len(changed) == 2 and changed[0][0].startswith("<?xml")
    assert 'ID="s1"' in changed[1][1] and 'ID="s2"' not in changed[1][1]
