"""Input discovery and decoding; every fixture is generated here in tmp_path."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import imagecodecs
import numpy as np
import numpy.typing as npt
import pytest
import tifffile
from pdf_samples import encrypted_pdf
from PIL import Image as PilImage

from digitize.errors import (
    CorruptImageError,
    ImageTooLargeError,
    InputError,
    UnsupportedFormatError,
    UsageError,
)
from digitize.stages.load import MAX_PIXELS, PageSource, discover, load_page, natural_key


def _page(w: int = 120, h: int = 80, seed: int = 0) -> npt.NDArray[np.uint8]:
    """A grey test page: white with a dark bar and a gradient, so decoding errors show."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w), 230, np.uint8)
    img[h // 4 : h // 2, w // 5 : w // 2] = 20
    img[-10:, :] = np.linspace(0, 255, w).astype(np.uint8)
    img[:5, :5] = rng.integers(0, 255, (5, 5), dtype=np.uint8)
    return img


def _src(path: Path, index: int = 0) -> PageSource:
    return PageSource(file=path, index=index, stem=path.stem, number=1)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --------------------------------------------------------------------------- discovery


def test_natural_sort() -> None:
    names = ["page-10.png", "page-2.png", "Page-1.png", "page-2a.png"]
    assert sorted(names, key=natural_key) == [
        "Page-1.png",
        "page-2.png",
        "page-2a.png",
        "page-10.png",
    ]


def test_issue_folder_sorted_and_non_images_skipped(tmp_path: Path) -> None:
    issue = tmp_path / "jintan-20191219"
    issue.mkdir()
    for n in (10, 2, 1):
        PilImage.fromarray(_page()).save(issue / f"page-{n}.png")
    (issue / "gt.json").write_text("{}")
    (issue / "notes.txt").write_text("x")
    (issue / ".DS_Store").write_bytes(b"\0")
    (issue / "README").write_text("x")
    found = discover([issue])
    assert [i.name for i in found.issues] == ["jintan-20191219"]
    pages = found.issues[0].pages
    assert [p.stem for p in pages] == ["page-1", "page-2", "page-10"]
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.index == 0 for p in pages)
    skipped = {s.path.name: s.reason for s in found.skipped}
    assert set(skipped) == {"gt.json", "notes.txt", ".DS_Store", "README"}
    assert "hidden" in skipped[".DS_Store"]
    assert ".json" in skipped["gt.json"]


def test_folder_of_issue_folders(tmp_path: Path) -> None:
    for name, n in (("issue-b", 2), ("issue-a", 1), ("issue-10", 1)):
        (tmp_path / name).mkdir()
        for k in range(n):
            PilImage.fromarray(_page()).save(tmp_path / name / f"p{k + 1}.jpg")
    (tmp_path / "empty").mkdir()
    (tmp_path / "index.html").write_text("<html/>")
    found = discover([tmp_path])
    assert [(i.name, len(i.pages)) for i in found.issues] == [
        ("issue-10", 1),
        ("issue-a", 1),
        ("issue-b", 2),
    ]
    assert {s.path.name for s in found.skipped} == {"empty", "index.html"}


def test_single_files_pdf_and_multipage_tiff(tmp_path: Path) -> None:
    PilImage.fromarray(_page()).save(tmp_path / "one.png")
    frames = [PilImage.fromarray(_page(seed=k)) for k in range(3)]
    frames[0].save(tmp_path / "paper.pdf", save_all=True, append_images=frames[1:])
    tifffile.imwrite(
        tmp_path / "scan.tif", np.stack([_page(seed=k) for k in range(2)]), photometric="minisblack"
    )
    found = discover([tmp_path / "one.png", tmp_path / "paper.pdf", tmp_path / "scan.tif"])
    assert [i.name for i in found.issues] == ["one", "paper", "scan"]
    one, pdf, tif = found.issues
    assert [p.stem for p in one.pages] == ["one"]
    assert [(p.stem, p.index, p.number) for p in pdf.pages] == [
        ("page-1", 0, 1),
        ("page-2", 1, 2),
        ("page-3", 2, 3),
    ]
    assert [(p.stem, p.index) for p in tif.pages] == [("scan-1", 0), ("scan-2", 1)]


def test_multipage_tiff_inside_issue_folder_numbers_pages(tmp_path: Path) -> None:
    tifffile.imwrite(
        tmp_path / "a.tif", np.stack([_page(seed=k) for k in range(2)]), photometric="minisblack"
    )
    tifffile.imwrite(tmp_path / "b.tif", _page())
    PilImage.fromarray(_page()).save(tmp_path / "b.png")  # same stem as b.tif
    pages = discover([tmp_path]).issues[0].pages
    assert [(p.file.name, p.index, p.stem, p.number) for p in pages] == [
        ("a.tif", 0, "a-1", 1),
        ("a.tif", 1, "a-2", 2),
        ("b.png", 0, "b", 3),
        ("b.tif", 0, "b-tif", 4),
    ]


def test_duplicate_issue_names_made_unique(tmp_path: Path) -> None:
    for parent in ("x", "y"):
        (tmp_path / parent / "issue").mkdir(parents=True)
        PilImage.fromarray(_page()).save(tmp_path / parent / "issue" / "p.png")
    found = discover([tmp_path / "x" / "issue", tmp_path / "y" / "issue"])
    assert [i.name for i in found.issues] == ["issue", "issue-2"]


def test_missing_input_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found") as err:
        discover([tmp_path / "nope"])
    assert "nope" in str(err.value)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".webp"])
def test_pillow_formats_grey(tmp_path: Path, suffix: str) -> None:
    page = _page()
    path = tmp_path / f"p{suffix}"
    if suffix == ".jpg":
        PilImage.fromarray(page).save(path, quality=95)
    else:
        PilImage.fromarray(page).save(path)
    img = load_page(_src(path))
    assert img.dtype == np.uint8 and img.shape == page.shape
    assert np.abs(img.astype(int) - page).mean() < 3


def test_colour_png_becomes_luma(tmp_path: Path) -> None:
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0] = 200
    PilImage.fromarray(rgb).save(tmp_path / "c.png")
    img = load_page(_src(tmp_path / "c.png"))
    assert img.shape == (10, 12)
    assert abs(int(img[0, 0]) - round(0.299 * 200)) <= 1


def test_png_16bit_palette_alpha(tmp_path: Path) -> None:
    ramp = np.linspace(0, 65535, 64 * 32).reshape(32, 64).astype(np.uint16)
    PilImage.fromarray(ramp).save(tmp_path / "deep.png")
    img = load_page(_src(tmp_path / "deep.png"))
    np.testing.assert_allclose(img, ramp / 257.0, atol=1)

    pal = PilImage.fromarray(_page()).convert("P", palette=PilImage.Palette.ADAPTIVE, colors=16)
    pal.save(tmp_path / "pal.png")
    assert np.abs(load_page(_src(tmp_path / "pal.png")).astype(int) - _page()).mean() < 8

    rgba = np.zeros((8, 8, 4), np.uint8)  # black, left half transparent
    rgba[:, 4:, 3] = 255
    PilImage.fromarray(rgba).save(tmp_path / "alpha.png")
    img = load_page(_src(tmp_path / "alpha.png"))
    assert (img[:, :4] == 255).all() and (img[:, 4:] == 0).all()


def test_tiff_multipage_16bit_bilevel_compressed(tmp_path: Path) -> None:
    pages = [_page(seed=k) for k in range(3)]
    tifffile.imwrite(
        tmp_path / "multi.tif", np.stack(pages), photometric="minisblack", compression="lzw"
    )
    for k in range(3):
        np.testing.assert_array_equal(load_page(_src(tmp_path / "multi.tif", k)), pages[k])

    deep = (_page().astype(np.uint16) * 257).astype(np.uint16)
    tifffile.imwrite(tmp_path / "deep.tif", deep)
    np.testing.assert_array_equal(load_page(_src(tmp_path / "deep.tif")), _page())

    bits = _page() > 128
    # tifffile stores bool as 1-bit MinIsWhite (True = ink), Pillow below as MinIsBlack.
    tifffile.imwrite(tmp_path / "bw.tif", bits)
    np.testing.assert_array_equal(
        load_page(_src(tmp_path / "bw.tif")), (~bits).astype(np.uint8) * 255
    )

    # Group 4 fax, the usual bilevel archive format, written through Pillow's libtiff.
    PilImage.fromarray(bits).convert("1").save(tmp_path / "g4.tif", compression="group4")
    np.testing.assert_array_equal(load_page(_src(tmp_path / "g4.tif")), bits.astype(np.uint8) * 255)

    rgb = np.dstack([_page()] * 3)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb", compression="zlib")
    np.testing.assert_array_equal(load_page(_src(tmp_path / "rgb.tif")), _page())


def test_tiff_missing_frame(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "one.tif", _page())
    with pytest.raises(CorruptImageError, match="no page 3"):
        load_page(_src(tmp_path / "one.tif", 2))


@pytest.mark.parametrize("suffix", [".jp2", ".j2k"])
def test_jpeg2000(tmp_path: Path, suffix: str) -> None:
    page = _page()
    codec = imagecodecs.JPEG2K.CODEC.JP2 if suffix == ".jp2" else imagecodecs.JPEG2K.CODEC.J2K
    (tmp_path / f"p{suffix}").write_bytes(
        imagecodecs.jpeg2k_encode(page, level=0, codecformat=codec, reversible=True)
    )
    np.testing.assert_array_equal(load_page(_src(tmp_path / f"p{suffix}")), page)


def test_jpeg2000_16bit(tmp_path: Path) -> None:
    deep = (_page().astype(np.uint16) * 257).astype(np.uint16)
    (tmp_path / "d.jp2").write_bytes(imagecodecs.jpeg2k_encode(deep, level=0, reversible=True))
    np.testing.assert_array_equal(load_page(_src(tmp_path / "d.jp2")), _page())


def test_pdf_pages_render_one_at_a_time(tmp_path: Path) -> None:
    a = np.full((72, 50), 255, np.uint8)
    a[10:30, 10:40] = 0
    b = np.full((72, 50), 255, np.uint8)
    b[40:60, 5:20] = 0
    PilImage.fromarray(a).save(
        tmp_path / "x.pdf", save_all=True, append_images=[PilImage.fromarray(b)], resolution=72
    )
    issue = discover([tmp_path / "x.pdf"]).issues[0]
    assert len(issue.pages) == 2
    first, second = (load_page(p) for p in issue.pages)
    # 72 pt -> 300 px at 300 dpi
    assert first.shape[0] == 300 and abs(first.shape[1] - 208) <= 1 and first.dtype == np.uint8
    scale = 300 / 72
    assert first[int(20 * scale), int(25 * scale)] < 50 and first[int(50 * scale), 10] > 200
    assert second[int(50 * scale), int(12 * scale)] < 50 and second[int(20 * scale), 100] > 200


# --------------------------------------------------------------------------- failures


def test_truncated_jpeg_and_png(tmp_path: Path) -> None:
    for suffix in (".jpg", ".png"):
        buf = io.BytesIO()
        PilImage.fromarray(_page(400, 300)).save(buf, format="JPEG" if suffix == ".jpg" else "PNG")
        data = buf.getvalue()
        path = tmp_path / f"cut{suffix}"
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(CorruptImageError) as err:
            load_page(_src(path))
        assert err.value.path == str(path) and err.value.hint


def test_random_bytes_named_png(tmp_path: Path) -> None:
    path = tmp_path / "noise.png"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(CorruptImageError, match="not a valid PNG"):
        load_page(_src(path))
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    with pytest.raises(CorruptImageError, match="empty"):
        load_page(_src(empty))


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "page.xyz"
    path.write_bytes(b"hello world, not an image")
    with pytest.raises(UnsupportedFormatError):
        load_page(_src(path))


def test_content_decides_format_not_the_name(tmp_path: Path) -> None:
    PilImage.fromarray(_page()).save(tmp_path / "really-png.jpg", format="PNG")
    np.testing.assert_array_equal(load_page(_src(tmp_path / "really-png.jpg")), _page())


def test_unreadable_paths(tmp_path: Path) -> None:
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        load_page(_src(tmp_path / "dir.png"))
    (tmp_path / "link.png").symlink_to(tmp_path / "gone.png")
    with pytest.raises(InputError, match="broken link"):
        load_page(_src(tmp_path / "link.png"))
    # A broken link inside an issue folder is still listed as a page: loading says why.
    assert [p.stem for p in discover([tmp_path]).issues[0].pages] == ["link"]


def test_permission_denied(tmp_path: Path) -> None:
    import os

    path = tmp_path / "locked.png"
    PilImage.fromarray(_page()).save(path)
    path.chmod(0)
    try:
        if os.geteuid() == 0:
            pytest.skip("root reads files regardless of permissions")
        with pytest.raises(InputError, match="permission denied"):
            load_page(_src(path))
    finally:
        path.chmod(0o644)


def test_too_large_png_header(tmp_path: Path) -> None:
    """A 20000x20000 header over a few bytes of data: refused before decoding."""
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + _png_chunk(b"IEND", b"")
    )
    (tmp_path / "bomb.png").write_bytes(data)
    assert MAX_PIXELS < 20000 * 20000
    with pytest.raises(ImageTooLargeError, match="megapixel"):
        load_page(_src(tmp_path / "bomb.png"))


def test_too_large_jpeg_header(tmp_path: Path) -> None:
    buf = io.BytesIO()
    PilImage.fromarray(_page()).save(buf, format="JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)  # height, width
    (tmp_path / "bomb.jpg").write_bytes(bytes(data))
    with pytest.raises(ImageTooLargeError):
        load_page(_src(tmp_path / "bomb.jpg"))


def test_too_large_tiff_header(tmp_path: Path) -> None:
    """tifffile writes the header of a huge (sparse) image without its pixels."""
    tifffile.imwrite(tmp_path / "bomb.tif", shape=(30000, 30000), dtype=np.uint8)
    with pytest.raises(ImageTooLargeError):
        load_page(_src(tmp_path / "bomb.tif"))


def test_broken_and_encrypted_pdf(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")
    issue = discover([broken]).issues[0]
    assert len(issue.pages) == 1  # unknown page count: one page that fails with the reason
    with pytest.raises(InputError):
        load_page(issue.pages[0])

    # A standard-security /Encrypt entry whose password check fails for the empty
    # password: poppler refuses to open it, as it would a real password-protected file.
    enc = tmp_path / "locked.pdf"
    enc.write_bytes(encrypted_pdf())
    with pytest.raises(InputError, match="encrypted") as err:
        load_page(PageSource(enc, 0, "page-1", 1))
    assert "qpdf" in err.value.hint
