"""`digitize validate` and safe XML parsing: schema validity plus the references, boxes
and reading order a schema cannot check; hostile XML is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_samples import write_issue
from lxml import etree
from paths import SCHEMA_DIR

from digitize.archive.rebuild import rebuild_issue
from digitize.archive.validate import Schemas, validate_paths
from digitize.cli import main
from digitize.serialize.alto import ALTO_NS
from digitize.serialize.page_xml import PAGE_NS
from digitize.serialize.xmlsafe import Limits, UnsafeXmlError, XmlError, parse_bytes

NS = {"a": ALTO_NS, "m": "http://www.loc.gov/METS/"}


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


@pytest.fixture
def schemas() -> Schemas:
    if not (SCHEMA_DIR / "alto-4-4.xsd").is_file():
        pytest.skip(f"schemas not found at {SCHEMA_DIR}")
    return Schemas(SCHEMA_DIR)


def _messages(paths: list[Path], schemas: Schemas) -> list[str]:
    return [str(p) for p in validate_paths(paths, schemas).errors]


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_our_output_is_valid(issue_dir: Path, schemas: Schemas) -> None:
    report = validate_paths([issue_dir], schemas)
    checked = sorted(Path(p).relative_to(issue_dir).as_posix() for p in report.checked)
    assert checked == ["mets.xml", "page-1.xml", "page-2.xml", "page/page-1.xml", "page/page-2.xml"]
    assert report.problems == []
    assert main(["validate", str(issue_dir), "--schemas", str(SCHEMA_DIR)]) == 0


def test_dangling_duplicate_and_outside_box_are_caught(issue_dir: Path, schemas: Schemas) -> None:
    p1 = issue_dir / "page-1.xml"
    tree = etree.parse(str(p1))
    (h1,) = tree.xpath("//a:TextBlock[@ID='h1']", namespaces=NS)
    h1.set("IDNEXT", "gone")  # dangling reference
    (j1,) = tree.xpath("//a:TextBlock[@ID='j1']", namespaces=NS)
    j1.set("ID", "body1")  # duplicate id
    (m1,) = tree.xpath("//a:TextBlock[@ID='m1']", namespaces=NS)
    m1.set("HPOS", "1100")  # 1100 + width > page width 1200
    m1.set("TAGREFS", m1.get("TAGREFS", "") + " NO_SUCH_TAG")
    tree.write(str(p1), xml_declaration=True, encoding="UTF-8")

    msgs = _messages([p1], schemas)
    h1_line = _line_of(p1, 'ID="h1"')
    assert f"{p1}:{h1_line}: TextBlock/@IDNEXT refers to missing ID 'gone'" in msgs
    j1_line = _line_of(p1, 'TAGREFS="TYPE_jump')
    assert any(m.startswith(f"{p1}:{j1_line}: duplicate ID 'body1'") for m in msgs)
    m1_line = _line_of(p1, 'ID="m1"')
    assert any(m.startswith(f"{p1}:{m1_line}: TextBlock 'm1' ends outside the page") for m in msgs)
    assert any("TAGREFS refers to missing ID 'NO_SUCH_TAG'" in m for m in msgs)
    assert any("schema:" in m for m in msgs)  # the XSD sees the duplicate xsd:ID too
    assert main(["validate", str(p1), "--schemas", str(SCHEMA_DIR)]) == 1


def test_reading_order_and_empty_content(issue_dir: Path, schemas: Schemas) -> None:
    p1 = issue_dir / "page-1.xml"
    tree = etree.parse(str(p1))
    (ref,) = tree.xpath("//a:ElementRef[@REF='body3']", namespaces=NS)
    ref.getparent().remove(ref)
    (st,) = tree.xpath("//a:TextLine[@ID='b2_1']/a:String", namespaces=NS)
    st.set("CONTENT", " ")
    tree.write(str(p1), xml_declaration=True, encoding="UTF-8")
    msgs = _messages([p1], schemas)
    body3 = _line_of(p1, 'ID="body3"')
    assert f"{p1}:{body3}: TextBlock 'body3' is missing from the ReadingOrder" in msgs
    assert any("has empty CONTENT" in m for m in msgs)
    # The ad is deliberately outside the reading order and is not reported.
    assert not any("'ad1'" in m for m in msgs)


def test_mets_area_must_name_a_block_of_its_alto_file(issue_dir: Path, schemas: Schemas) -> None:
    mets = issue_dir / "mets.xml"
    tree = etree.parse(str(mets))
    areas = tree.xpath("//m:area[@BEGIN='body4']", namespaces=NS)
    areas[0].set("BEGIN", "body1")  # exists, but in page-1.xml, not in page-2.xml
    tree.write(str(mets), xml_declaration=True, encoding="UTF-8")
    msgs = _messages([mets], schemas)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"{mets}:")
    assert "area/@BEGIN 'body1' is not an ID in page-2.xml" in msgs[0]


def test_external_entity_is_refused(tmp_path: Path, schemas: Schemas) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    doc = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE alto [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        f'<alto xmlns="{ALTO_NS}"><Layout><Page ID="P" WIDTH="10" HEIGHT="10" '
        'PHYSICAL_IMG_NR="1"><PrintSpace><TextBlock ID="b"><TextLine ID="l">'
        '<String ID="s" CONTENT="x"/>&xxe;</TextLine></TextBlock></PrintSpace></Page>'
        "</Layout></alto>\n"
    ).encode()
    with pytest.raises(UnsafeXmlError) as exc:
        parse_bytes(doc, path="evil.xml")
    assert exc.value.line == 2 and "entities" in str(exc.value)
    assert "TOP-SECRET" not in str(exc.value)

    evil = tmp_path / "evil.xml"
    evil.write_bytes(doc)
    msgs = _messages([evil], schemas)
    assert len(msgs) == 1 and msgs[0].startswith(f"{evil}:2: DOCTYPE declares entities")
    assert main(["validate", str(evil), "--schemas", str(SCHEMA_DIR)]) == 1

    # rebuild refuses it too, with file and line, and never reads the secret
    issue = tmp_path / "issue"
    issue.mkdir()
    (issue / "page-1.xml").write_bytes(doc)
    res = rebuild_issue(issue)
    assert res.errors and res.errors[0].startswith(f"{issue / 'page-1.xml'}:2:")
    assert not (issue / "page-1.txt").exists()


def test_entity_expansion_and_size_limit() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    with pytest.raises(UnsafeXmlError):
        parse_bytes(bomb)
    with pytest.raises(XmlError, match="over the"):
        parse_bytes(b"<a>" + b"x" * 2000 + b"</a>", limits=Limits(max_bytes=1000))
    with pytest.raises(XmlError) as exc:
        parse_bytes(b"<a>\n<b></a>")
    assert exc.value.line == 2


def test_schema_folder_from_environment(
    issue_dir: Path, schemas: Schemas, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DIGITIZE_SCHEMAS", str(SCHEMA_DIR))
    assert main(["validate", str(issue_dir)]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "all valid" in out.err
    monkeypatch.delenv("DIGITIZE_SCHEMAS")
    assert main(["validate", str(issue_dir)]) == 0  # schema skipped: a warning, not a failure
    assert "not checked against the schema" in capsys.readouterr().out


def test_page_xml_is_validated_with_its_references(issue_dir: Path, schemas: Schemas) -> None:
    page = issue_dir / "page" / "page-1.xml"
    report = validate_paths([issue_dir], schemas)
    assert str(page) in report.checked and report.problems == []

    tree = etree.parse(str(page))
    p = {"p": PAGE_NS}
    first = tree.xpath("//p:RegionRefIndexed", namespaces=p)[0]
    first.set("regionRef", "gone")  # a region deleted in an editor, its order entry left
    tree.xpath("//p:Page", namespaces=p)[0].set("imageFilename", "../../nowhere.png")
    tree.xpath("//p:TextLine", namespaces=p)[0].set("Bogus", "1")  # not in the schema
    tree.write(str(page), xml_declaration=True, encoding="UTF-8")
    messages = _messages([page], schemas)
    assert any("regionRef 'gone' names no region" in m for m in messages), messages
    assert any("nowhere.png does not exist" in m for m in messages), messages
    assert any("schema:" in m and "Bogus" in m for m in messages), messages
