"""The machine has every Debian package the code and the tests use.

A missing install step shows as one clear failure naming the package to install (and
`setup.sh` must list it), instead of dozens of "cannot open resource" errors elsewhere.
Font paths are collected from the source itself, so a new font cannot be forgotten here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from paths import REPO as ROOT

FONT_PATH = re.compile(r"/usr/share/fonts/[\w/.*-]+")
# NAME = "/usr/share/fonts/.../": a folder constant that file names are joined to
FONT_DIR_CONST = re.compile(r"(\w+)\s*=\s*\"(/usr/share/fonts/[^\"]*)\"")

# Font file (by name) -> the Debian package that ships it.
FONT_PACKAGES = {
    "NotoSerifCJK-Regular.ttc": "fonts-noto-cjk",
    "NotoSerifCJK-Bold.ttc": "fonts-noto-cjk",
    "NotoSansCJK-Regular.ttc": "fonts-noto-cjk",
    "NotoSansCJK-Bold.ttc": "fonts-noto-cjk",
    "NotoSansCJK-*.ttc": "fonts-noto-cjk",
    "NotoSerifCJK-Black.ttc": "fonts-noto-cjk-extra",
    "uming.ttc": "fonts-arphic-uming",
    "ukai.ttc": "fonts-arphic-ukai",
    "wqy-zenhei.ttc": "fonts-wqy-zenhei",
    "wqy-microhei.ttc": "fonts-wqy-microhei",
}
# Programs the code runs (pdf2image runs poppler's tools; review is checked in Chromium;
# the benchmark compares with Tesseract) -> their Debian package.
PROGRAM_PACKAGES = {
    "pdftoppm": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "chromium": "chromium",
    "tesseract": "tesseract-ocr",
}


def _setup_packages() -> set[str]:
    text = (ROOT / "setup.sh").read_text(encoding="utf-8")
    match = re.search(r"DEB_PACKAGES=\(([^)]*)\)", text)
    assert match, "setup.sh has no DEB_PACKAGES=(...) list"
    return set(match.group(1).split())


def _font_refs() -> dict[str, set[str]]:
    """Font path -> modules using it: literal paths, plus folder constants joined with a
    file name (`_NOTO + "x.ttc"`, `f"{NOTO}/x.ttc"`)."""
    refs: dict[str, set[str]] = {}
    for folder in ("src", "tests", "benchmarks"):
        for py in sorted((ROOT / folder).rglob("*.py")):
            text = py.read_text(encoding="utf-8")
            found = set(FONT_PATH.findall(text))
            for const, base in FONT_DIR_CONST.findall(text):
                found.discard(base)
                joined = re.findall(
                    rf"\b{const}\s*\+\s*\"([^\"]+)\"|\{{{const}\}}/?([\w.*-]+)", text
                )
                for plus, fstring in joined:
                    found.add(base.rstrip("/") + "/" + (plus or fstring))
            for path in found:
                if path.endswith((".ttc", ".ttf", ".otf")):
                    refs.setdefault(path, set()).add(py.name)
    return refs


def test_font_and_program_packages_are_listed_in_setup() -> None:
    packages = _setup_packages()
    needed = {*FONT_PACKAGES.values(), *PROGRAM_PACKAGES.values()}
    assert needed <= packages, f"setup.sh DEB_PACKAGES lacks {sorted(needed - packages)}"


def test_every_font_the_code_uses_is_installed() -> None:
    refs = _font_refs()
    assert refs, "no font paths found in the source: the scan is broken"
    problems: list[str] = []
    for path, users in sorted(refs.items()):
        name = Path(path).name
        package = FONT_PACKAGES.get(name)
        if package is None:
            problems.append(f"{path} (used in {sorted(users)}): add its package to FONT_PACKAGES")
            continue
        if not any(Path("/").glob(path.lstrip("/"))):
            problems.append(f"{path} missing: install the Debian package {package} (./setup.sh)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("program", sorted(PROGRAM_PACKAGES))
def test_program_is_installed(program: str) -> None:
    assert shutil.which(program), (
        f"{program} not found: install the Debian package {PROGRAM_PACKAGES[program]} (./setup.sh)"
    )
