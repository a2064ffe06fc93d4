"""Safe parsing of ALTO/METS that come from outside (edited by hand, made by other tools).

Such files are untrusted: a DOCTYPE can declare external entities (XXE: reading local
files or URLs into the document) or nested ones (billion laughs), and a huge file can
exhaust memory. Our own files never carry a DOCTYPE, so any DOCTYPE that declares
entities or points at an external DTD is rejected outright, before libxml2 sees it,
and the parser itself never resolves entities, loads DTDs or touches the network.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from digitize.errors import InputError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_BYTES_ENV = "DIGITIZE_XML_MAX_BYTES"

# Everything before the root element: XML declaration, comments, PIs and a DOCTYPE.
_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECL = re.compile(rb"<!ENTITY\b")
_EXTERNAL_ID = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b", re.IGNORECASE)


class XmlError(InputError):
    """An XML file that cannot or must not be parsed; `line` is 1-based where known."""

    kind = "xml"

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        super().__init__(message, path=path, hint="")
        self.line = line

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def location(self) -> str:
        where = self.path or "<bytes>"
        return f"{where}:{self.line}" if self.line else where


class UnsafeXmlError(XmlError):
    kind = "unsafe-xml"


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES

    @staticmethod
    def from_env() -> Limits:
        raw = os.environ.get(MAX_BYTES_ENV, "").strip()
        if not raw:
            return Limits()
        try:
            value = int(raw)
        except ValueError:
            return Limits()
        return Limits(max_bytes=value) if value > 0 else Limits()


def safe_parser(*, strip: bool = False) -> etree.XMLParser:
    """Parser that never resolves entities, loads a DTD or opens a network connection.

    `strip` drops comments and processing instructions, for readers that take text from
    elements (an editor's comment would otherwise split it); validators keep them.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=strip,
        remove_pis=strip,
    )


def check_prolog(raw: bytes, path: Path | str | None = None) -> None:
    """Reject a DOCTYPE that declares entities or names an external DTD.

    Done on the bytes so that entity definitions are never handed to libxml2 at all.
    UTF-16 documents are decoded first; other encodings are ASCII-compatible here.
    """
    head = raw
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return  # libxml2 will report the encoding error with a line number
    m = _DOCTYPE.search(head)
    if m is None:
        return
    root = _ROOT_START.search(head)
    if root is not None and root.start() < m.start():
        return  # "<!DOCTYPE" inside the document is text/CDATA, not a declaration
    line = head.count(b"\n", 0, m.start()) + 1
    end = root.start() if root is not None else len(head)
    decl = head[m.start() : end]
    if _ENTITY_DECL.search(decl):
        raise UnsafeXmlError(
            "DOCTYPE declares entities (possible XXE / entity expansion attack); refusing to "
            "parse. ALTO and METS need no DOCTYPE: remove it",
            path=path,
            line=line,
        )
    if _EXTERNAL_ID.search(decl):
        raise UnsafeXmlError(
            "DOCTYPE refers to an external DTD; refusing to load it. Remove the DOCTYPE",
            path=path,
            line=line,
        )


def parse_bytes(
    raw: bytes,
    *,
    path: Path | str | None = None,
    limits: Limits | None = None,
    strip: bool = False,
) -> etree._ElementTree:
    """Parse untrusted XML bytes; XmlError (with line) for malformed, oversized or unsafe.

    `strip`: see `safe_parser`.
    """
    limits = limits or Limits.from_env()
    if len(raw) > limits.max_bytes:
        raise XmlError(
            f"file is {len(raw) / 1e6:.0f} MB, over the {limits.max_bytes / 1e6:.0f} MB limit "
            f"(set {MAX_BYTES_ENV} to raise it)",
            path=path,
        )
    check_prolog(raw, path)
    try:
        root = etree.fromstring(raw, safe_parser(strip=strip))
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"not well-formed XML: {exc.msg}", path=path, line=exc.lineno) from None
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in getattr(dtd, "iterentities", list)()):
        raise UnsafeXmlError("DOCTYPE declares entities; refusing to use it", path=path, line=1)
    return tree


def read_bytes(path: Path, limits: Limits | None = None) -> bytes:
    """File contents, refusing files over the size limit before reading them."""
    limits = limits or Limits.from_env()
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise XmlError(
                f"file is {size / 1e6:.0f} MB, over the {limits.max_bytes / 1e6:.0f} MB limit "
                f"(set {MAX_BYTES_ENV} to raise it)",
                path=path,
            )
        return path.read_bytes()
    except OSError as exc:
        raise XmlError(f"cannot read file: {exc.strerror or exc}", path=path) from None


def parse_file(
    path: Path, limits: Limits | None = None, *, strip: bool = False
) -> etree._ElementTree:
    limits = limits or Limits.from_env()
    return parse_bytes(read_bytes(path, limits), path=path, limits=limits, strip=strip)


# -- reading elements of such files: tolerant, since anything may have been edited -------


def local_name(el: etree._Element) -> str:
    """Tag without namespace; "" for comments and processing instructions."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def source_line(el: etree._Element) -> int | None:
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else None


def float_attr(el: etree._Element, name: str) -> float | None:
    """The attribute as a number; None when it is absent or not a number."""
    raw = el.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def polygon_numbers(el: etree._Element) -> list[float]:
    """The numbers in a Polygon's POINTS ("x,y x,y" or "x y x y"); ValueError for one
    that is not a number. Pairing and counting are left to the caller."""
    return [float(v) for v in (el.get("POINTS") or "").replace(",", " ").split()]


# -- names read from output folders and edited files ----------------------------------


class UnsafePathError(InputError):
    """A file name read from an output folder or an edited file that leads outside it."""

    kind = "unsafe-path"


def inside(folder: Path, name: str, *, what: str = "file name") -> Path:
    """`folder / name`, refused unless it stays inside `folder`.

    Output folders are copied between machines and people, and ALTO, METS and article
    records are edited by hand, so every file name read from them is untrusted: an
    absolute path, `..` or a symbolic link out of the folder would make a command read
    (or index, or embed in a web page) a file that was never part of the issue.
    """
    if not name or "\x00" in name:
        raise UnsafePathError(f"empty or invalid {what} {name!r}", path=folder)
    base = folder.resolve()
    target = (base / name).resolve()
    if Path(name).is_absolute() or not target.is_relative_to(base):
        raise UnsafePathError(
            f"{what} {name!r} points outside the issue folder; refusing to read it",
            path=folder,
            hint="the file was edited or planted; fix the name",
        )
    return target
