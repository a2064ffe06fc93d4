"""Input discovery and page loading.

`discover` turns the command-line inputs into issues of pages without decoding any pixels
(multi-page files are only opened far enough to count their pages). `load_page` decodes
one page into an 8-bit grey image.

Pages are returned grey (HxW uint8), never BGR: the scans this pipeline targets are
greyscale newspaper pages, the OCR models read grey just as well, and one channel is a
third of the memory on a 300 dpi broadsheet. Colour scans are reduced with the ITU-R 601
luma weights; transparency is composited on white first, so transparent margins read as
paper, not ink.

The file format is decided by the file's leading bytes, not by its name, so a PNG saved
as ``.jpg`` still loads, and a file whose content does not match its name is reported
as corrupt rather than mis-decoded.
"""

from __future__ import annotations

import os
import re
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitize.errors import (
    CorruptImageError,
    ImageTooLargeError,
    InputError,
    UnsupportedFormatError,
    UsageError,
)
from digitize.model import Image
from digitize.stages.decode import MAX_PIXELS_ENV, check_size, load_tiff, scale_to_8bit, to_grey

IMAGE_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".jpe",
        ".tif",
        ".tiff",
        ".jp2",
        ".j2k",
        ".j2c",
        ".jpx",
        ".jpf",
        ".bmp",
        ".webp",
    }
)
PDF_SUFFIXES = frozenset({".pdf"})
TIFF_SUFFIXES = frozenset({".tif", ".tiff"})

MAX_PIXELS = 300_000_000
"""Decompression-bomb guard: larger images are refused before their pixels are decoded.
A broadsheet at 600 dpi is about 70 megapixels, so this only stops absurd headers.
`DIGITIZE_MAX_MEGAPIXELS` (or `load_page(max_pixels=...)`) changes it."""

PDF_DPI = 300


@dataclass(frozen=True, slots=True)
class PageSource:
    """One physical page: a file, and the page inside it for multi-page TIFF and PDF."""

    file: Path
    index: int  # page (frame) index inside a multi-page file, 0-based
    stem: str  # output file stem
    number: int  # 1-based physical page number within the issue


@dataclass(slots=True)
class IssueSource:
    name: str
    path: Path
    pages: list[PageSource] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass(slots=True)
class Discovery:
    issues: list[IssueSource] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


# --------------------------------------------------------------------------- discovery


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts page-2 before page-10 (digit runs compare as numbers)."""
    parts = re.split(r"(\d+)", name.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    return None


def _skip_reason(path: Path) -> str:
    if path.name.startswith("."):
        return "hidden file"
    if path.suffix:
        return f"not a page image ({path.suffix.lower()} files are not read)"
    return "not a page image (no file extension)"


def _frame_count(path: Path) -> int:
    """Pages in a TIFF; 1 when the file cannot be parsed (load_page then reports why)."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            return max(1, len(tif.pages))
    except Exception:  # any parse failure is reported later, per page
        return 1


def _pdf_page_count(path: Path) -> int:
    """Pages in a PDF; 1 when pdfinfo fails, so the failure surfaces as a page error."""
    from pdf2image import pdfinfo_from_path

    try:
        return max(1, int(pdfinfo_from_path(str(path))["Pages"]))
    except Exception:  # encrypted/broken PDFs are reported by load_page
        return 1


def _image_pages(files: Sequence[Path], first_number: int = 1) -> list[PageSource]:
    pages: list[PageSource] = []
    used: set[str] = set()
    number = first_number
    for f in sorted(files, key=lambda p: natural_key(p.name)):
        frames = _frame_count(f) if f.suffix.lower() in TIFF_SUFFIXES else 1
        base = f.stem
        if base in used:  # page-1.png next to page-1.tif: keep both, distinct outputs
            base = f"{f.stem}-{f.suffix.lower().lstrip('.')}"
        for k in range(frames):
            stem = f"{base}-{k + 1}" if frames > 1 else base
            used.add(stem)
            pages.append(PageSource(file=f, index=k, stem=stem, number=number))
            number += 1
        used.add(base)
    return pages


def _pdf_issue(path: Path) -> IssueSource:
    n = _pdf_page_count(path)
    pages = [PageSource(file=path, index=k, stem=f"page-{k + 1}", number=k + 1) for k in range(n)]
    return IssueSource(name=path.stem, path=path, pages=pages)


def _scan_folder(folder: Path, found: Discovery, *, nested: bool) -> None:
    """Read one folder: its images are one issue; PDFs are issues of their own.

    A folder without page images is taken as a folder of issue folders (one level deep).
    """
    try:
        entries = sorted(folder.iterdir(), key=lambda p: natural_key(p.name))
    except OSError as exc:
        found.skipped.append(SkippedFile(folder, f"cannot list folder: {exc.strerror or exc}"))
        return
    images: list[Path] = []
    pdfs: list[Path] = []
    subdirs: list[Path] = []
    for entry in entries:
        if entry.name.startswith("."):
            found.skipped.append(SkippedFile(entry, "hidden file"))
        elif entry.is_dir():
            subdirs.append(entry)
        elif _kind(entry) == "image":
            images.append(entry)  # broken links too: load_page says what is wrong
        elif _kind(entry) == "pdf":
            pdfs.append(entry)
        else:
            found.skipped.append(SkippedFile(entry, _skip_reason(entry)))
    if images:
        found.issues.append(IssueSource(name=folder.name, path=folder, pages=_image_pages(images)))
    found.issues.extend(_pdf_issue(p) for p in pdfs)
    for sub in subdirs:
        if images or nested:
            why = "subfolder of an issue folder" if images else "folder nested too deep"
            found.skipped.append(SkippedFile(sub, f"{why}; pass it as an input of its own"))
        else:
            _scan_folder(sub, found, nested=True)
    if not images and not pdfs and not subdirs:
        found.skipped.append(SkippedFile(folder, "no page images in this folder"))


def _unique_names(issues: list[IssueSource]) -> None:
    seen: dict[str, int] = {}
    for issue in issues:
        n = seen.get(issue.name, 0) + 1
        seen[issue.name] = n
        if n > 1:
            issue.name = f"{issue.name}-{n}"


def discover(inputs: Sequence[Path]) -> Discovery:
    """Find the issues and pages in the inputs.

    An input is an issue folder of page images, a folder of issue folders, a single page
    image (an issue named after the file) or a PDF (an issue of its own, pages ``page-N``).
    Files that are not page images are listed in `skipped` with the reason. Issue names
    are made unique by a numeric suffix, since they become output folder names.
    """
    found = Discovery()
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            what = "a broken link" if path.is_symlink() else "not found"
            raise UsageError(
                f"input {what}",
                path=path,
                hint="pass an issue folder, a folder of issue folders, page images or a PDF",
            )
        if path.is_dir():
            _scan_folder(path, found, nested=False)
        elif _kind(path) == "pdf":
            found.issues.append(_pdf_issue(path))
        elif _kind(path) == "image":
            found.issues.append(IssueSource(name=path.stem, path=path, pages=_image_pages([path])))
        else:
            found.skipped.append(SkippedFile(path, _skip_reason(path)))
    _unique_names(found.issues)
    return found


# --------------------------------------------------------------------------- loading


def pixel_limit() -> int:
    """The page size limit: `DIGITIZE_MAX_MEGAPIXELS` megapixels if set, else MAX_PIXELS."""
    raw = os.environ.get(MAX_PIXELS_ENV, "").strip()
    if not raw:
        return MAX_PIXELS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise UsageError(
            f"{MAX_PIXELS_ENV}={raw!r} is not a positive number of megapixels",
            hint=f"e.g. {MAX_PIXELS_ENV}=300",
        )
    return round(value * 1_000_000)


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jp2"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


_NAMED = {
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".jp2": "jp2",
    ".j2k": "jp2",
    ".j2c": "jp2",
    ".jpx": "jp2",
    ".jpf": "jp2",
    ".pdf": "pdf",
    ".bmp": "bmp",
    ".webp": "webp",
}


def _open_check(path: Path) -> bytes:
    """The first bytes of the file, or an InputError saying why it cannot be read."""
    hint = "check that the file exists, is a regular file and is readable"
    if not path.exists():
        what = "broken link" if path.is_symlink() else "file not found"
        raise InputError(what, path=path, hint=hint)
    if not path.is_file():
        raise InputError("not a regular file (a folder?)", path=path, hint=hint)
    try:
        with path.open("rb") as fh:
            return fh.read(64)
    except PermissionError as exc:
        raise InputError("permission denied", path=path, hint="make the file readable") from exc
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path, hint=hint) from exc


def load_page(src: PageSource, *, max_pixels: int | None = None) -> Image:
    """Decode one page to 8-bit grey (HxW uint8), upright as a viewer would show it.

    Pages over `max_pixels` (default: `pixel_limit()`) are refused with ImageTooLargeError
    from the size in the file's header, before any pixel is decoded, for every format.
    """
    limit = max_pixels if max_pixels is not None else pixel_limit()
    path = src.file
    head = _open_check(path)
    if not head:
        raise CorruptImageError("empty file", path=path, hint="re-export or re-scan the page")
    fmt = _sniff(head)
    named = _NAMED.get(path.suffix.lower())
    if fmt is None:
        if named is None:
            raise UnsupportedFormatError(
                f"unsupported file type {path.suffix or '(no extension)'}",
                path=path,
                hint="convert the page to TIFF, PNG, JPEG, JPEG 2000 or PDF",
            )
        raise CorruptImageError(
            f"not a valid {named.upper()} file (unrecognised header)",
            path=path,
            hint="the file is damaged or mislabelled; re-export or re-scan the page",
        )
    if fmt == "pdf":
        img = _load_pdf(path, src.index, limit)
    elif fmt == "tiff":
        img = _load_tiff(path, src.index, limit)
    elif fmt == "jp2":
        img = _load_jp2(path, limit)
    else:
        img = _load_pillow(path, fmt, limit)
    return np.ascontiguousarray(img, dtype=np.uint8)


# --- pixel conversions


# --- Pillow formats (PNG, JPEG, BMP, WebP)


def _header_size(path: Path, fmt: str) -> tuple[int, int] | None:
    """(width, height) read from the PNG IHDR or JPEG SOF marker, before Pillow sees the file.

    Pillow has its own, lower bomb limit; checking first keeps one limit for all formats.
    """
    with path.open("rb") as fh:
        if fmt == "png":
            head = fh.read(24)
            if len(head) == 24 and head[12:16] == b"IHDR":
                w, h = struct.unpack(">II", head[16:24])
                return int(w), int(h)
            return None
        if fmt != "jpeg":
            return None
        fh.seek(2)
        while True:
            marker = fh.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return None
            while marker[1] == 0xFF:  # fill bytes
                marker = marker[1:] + fh.read(1)
                if len(marker) < 2:
                    return None
            code = marker[1]
            if code in (0xD8, 0x01) or 0xD0 <= code <= 0xD7:
                continue
            raw = fh.read(2)
            if len(raw) < 2:
                return None
            (length,) = struct.unpack(">H", raw)
            if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
                sof = fh.read(5)
                if len(sof) < 5:
                    return None
                h, w = struct.unpack(">HH", sof[1:5])
                return int(w), int(h)
            if code == 0xDA or length < 2:
                return None
            fh.seek(length - 2, os.SEEK_CUR)


def _load_pillow(path: Path, fmt: str, limit: int) -> Image:
    from PIL import Image as PilImage
    from PIL import ImageOps, UnidentifiedImageError

    hint = "the file is truncated or damaged; re-export or re-scan the page"
    size = _header_size(path, fmt)
    if size is not None:
        check_size(*size, path, limit)
    # Pillow's own bomb limit (2 x 89.5 MP) would refuse pages under ours: one limit for all
    # formats, checked from the header above and again on Pillow's parsed size below.
    pillow_limit = PilImage.MAX_IMAGE_PIXELS
    PilImage.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PilImage.DecompressionBombWarning)
            with PilImage.open(path) as im:
                check_size(im.width, im.height, path, limit)
                im.load()
                img = ImageOps.exif_transpose(im)
                return _pil_to_grey(img)
    except PilImage.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc), path=path, hint="downsample the scan") from exc
    except UnidentifiedImageError as exc:
        raise CorruptImageError(f"cannot decode {fmt.upper()} data", path=path, hint=hint) from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        msg = f"cannot decode {fmt.upper()}: {exc}"
        raise CorruptImageError(msg, path=path, hint=hint) from exc
    finally:
        PilImage.MAX_IMAGE_PIXELS = pillow_limit


def _pil_to_grey(im: object) -> Image:
    from PIL import Image as PilImage

    assert isinstance(im, PilImage.Image)
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    elif mode == "1":
        return np.asarray(im.convert("L"), dtype=np.uint8)
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        im = im.convert("RGB")
        mode = "RGB"
    elif mode == "PA":
        im = im.convert("RGBA")
        mode = "RGBA"
    elif mode == "L" and "transparency" in im.info:
        im = im.convert("LA")
        mode = "LA"
    elif mode == "RGB" and "transparency" in im.info:
        im = im.convert("RGBA")
        mode = "RGBA"
    arr = np.asarray(im)
    if mode.startswith("I;16") or mode == "I":
        return scale_to_8bit(arr, 16)
    if mode == "F":
        return scale_to_8bit(arr)
    return to_grey(arr.astype(np.uint8, copy=False), alpha=mode in ("LA", "RGBA", "La", "RGBa"))


# --- TIFF


def _load_tiff(path: Path, index: int, limit: int) -> Image:

    return load_tiff(path, index, limit)


# --- JPEG 2000


def _jp2_header(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, bits) from the JP2 'ihdr' box or the codestream SIZ marker."""
    i = data.find(b"ihdr")
    if data.startswith(b"\x00\x00\x00\x0cjP") and i >= 0 and i + 15 <= len(data):
        height, width, _nc, bpc = struct.unpack(">IIHB", data[i + 4 : i + 15])
        return width, height, (bpc & 0x7F) + 1
    j = data.find(b"\xff\x4f\xff\x51")
    if j >= 0 and j + 42 <= len(data):
        xsiz, ysiz, xo, yo = struct.unpack(">IIII", data[j + 8 : j + 24])
        ssiz = data[j + 42] if j + 42 < len(data) else 7
        return xsiz - xo, ysiz - yo, (ssiz & 0x7F) + 1
    return None


def _load_jp2(path: Path, limit: int) -> Image:
    import imagecodecs

    hint = "the file is truncated or damaged; re-export or re-scan the page"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    header = _jp2_header(data)
    if header is None:
        raise CorruptImageError("JPEG 2000 header not found", path=path, hint=hint)
    width, height, bits = header
    check_size(width, height, path, limit)
    try:
        arr = imagecodecs.jpeg2k_decode(data)
    except Exception as exc:  # imagecodecs raises its own error classes
        raise CorruptImageError(f"cannot decode JPEG 2000: {exc}", path=path, hint=hint) from exc
    arr = np.asarray(arr)
    data8 = scale_to_8bit(arr, bits if arr.dtype != np.uint8 else None)
    return to_grey(data8, alpha=data8.ndim == 3 and data8.shape[2] in (2, 4))


# --- PDF


def _pdf_error(exc: Exception, path: Path) -> InputError:
    from pdf2image.exceptions import PDFInfoNotInstalledError, PopplerNotInstalledError

    if isinstance(exc, PDFInfoNotInstalledError | PopplerNotInstalledError):
        return InputError(
            "cannot render PDF: poppler is not installed", path=path, hint="install poppler-utils"
        )
    text = str(exc)
    if "password" in text.lower() or "encrypt" in text.lower():
        return InputError(
            "the PDF is encrypted (password protected)",
            path=path,
            hint="remove the password first, e.g. `qpdf --decrypt in.pdf out.pdf`",
        )
    detail = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
    return CorruptImageError(
        f"cannot read PDF: {detail}", path=path, hint="the PDF is damaged; re-export it"
    )


def _load_pdf(path: Path, index: int, limit: int) -> Image:
    from pdf2image import convert_from_path, pdfinfo_from_path

    page_no = index + 1
    try:
        info = pdfinfo_from_path(str(path), first_page=page_no, last_page=page_no)
    except Exception as exc:  # pdf2image wraps poppler's stderr in several types
        raise _pdf_error(exc, path) from exc
    pages = int(info.get("Pages", 0))
    if page_no > pages:
        raise CorruptImageError(f"PDF has {pages} page(s), no page {page_no}", path=path)
    checked = False
    for key, value in info.items():
        m = re.fullmatch(r"Page\s+(\d+)\s+size", key)
        size = re.match(r"([\d.]+)\s*x\s*([\d.]+)\s*pts", str(value))
        if m and size and int(m.group(1)) == page_no:
            w_pt, h_pt = float(size.group(1)), float(size.group(2))
            check_size(round(w_pt * PDF_DPI / 72), round(h_pt * PDF_DPI / 72), path, limit)
            checked = True
    if not checked:
        raise CorruptImageError(
            f"pdfinfo gives no size for page {page_no}; not rasterised unchecked", path=path
        )
    try:
        images = convert_from_path(
            str(path), dpi=PDF_DPI, first_page=page_no, last_page=page_no, grayscale=True
        )
    except Exception as exc:
        raise _pdf_error(exc, path) from exc
    if not images:
        raise CorruptImageError(f"PDF page {page_no} rendered nothing", path=path)
    return _pil_to_grey(images[0])
