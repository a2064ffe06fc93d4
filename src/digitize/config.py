"""Run settings and output options, validated once where they are made (CLI, config file,
library callers, tests).

`Settings` is the one place the engine, its preset and the options that shape a run
live; stages, engines and the batch runner read them and never supply defaults of their
own (the preset default used to be "fast" here and "accurate" in the engines). Only
`engines/` is imported, for the names of engines and presets.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digitize.engines import DEFAULT_ENGINE, ENGINES, PRESETS
from digitize.errors import UsageError

# The preset each engine runs when none is asked for (the first): the float recognizer. The
# int8 one ("fast") misreads small, blurred punctuation and characters (，as ·): on the
# corpus benchmark, seeds 0-5, it lost char F1 0.994 -> 0.967 and reading-order CER
# 0.014 -> 0.043 on the report half for no measured gain in time (models/README.md).
ENGINE_PRESETS = {"rapidocr": ("accurate", "fast"), "paddleocr": ("accurate",)}


def default_preset(engine: str) -> str:
    return ENGINE_PRESETS.get(engine, ("accurate",))[0]


DEFAULT_PRESET = default_preset(DEFAULT_ENGINE)


@dataclass(frozen=True, slots=True)
class Settings:
    """How a run reads pages. `as_dict` is what changes the output (recorded in ALTO and in
    the run manifest); `overlay` adds a file and `workers` changes speed only.

    An empty `preset` means the engine's default; after construction it always names one.
    """

    engine: str = DEFAULT_ENGINE
    preset: str = ""
    detect_orientation: bool = True
    overlay: bool = False
    workers: int = 0  # 0 = one worker process per core
    # Pages over this many megapixels are refused before decoding (0: $DIGITIZE_MAX_MEGAPIXELS,
    # else 300, see stages/load.py); carried to every worker, local or Dask.
    max_megapixels: float = 0.0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise UsageError(
                f"unknown OCR engine {self.engine!r}", hint=f"choose one of: {', '.join(ENGINES)}"
            )
        preset = self.preset or default_preset(self.engine)
        if preset not in PRESETS:
            raise UsageError(
                f"unknown preset {preset!r}", hint=f"choose one of: {', '.join(PRESETS)}"
            )
        if preset not in ENGINE_PRESETS[self.engine]:
            raise UsageError(
                f"preset {preset!r} is not available with the {self.engine} engine",
                hint=f"use --preset {' or '.join(ENGINE_PRESETS[self.engine])}",
            )
        if self.workers < 0:
            raise UsageError("--workers must be 0 (one per core) or more")
        if not self.max_megapixels >= 0:
            raise UsageError("--max-megapixels must be 0 (the default limit) or more")
        object.__setattr__(self, "preset", preset)

    @property
    def max_pixels(self) -> int | None:
        """The page size limit in pixels, None for the default."""
        return round(self.max_megapixels * 1_000_000) if self.max_megapixels else None

    def as_dict(self) -> dict[str, str]:
        return {
            "engine": self.engine,
            "detect_orientation": str(self.detect_orientation).lower(),
            "preset": self.preset,
        }


# --- what a run or rebuild writes ------------------------------------------------------------

# Every output format, in the order they are listed in help texts.
FORMATS: tuple[str, ...] = ("alto", "text", "mets", "records", "page", "pdf", "iiif")
# Written unless --formats says otherwise: what correction tools, readers and search need
# (README, "Output formats", gives the cost). IIIF needs the URL the issue is published at
# to be of use beyond this machine, so it is asked for explicitly.
DEFAULT_FORMATS: frozenset[str] = frozenset(
    ("alto", "text", "mets", "records", "page", "pdf")
)
DEFAULT_LIST = ",".join(f for f in FORMATS if f in DEFAULT_FORMATS)  # in help texts
MODS_KEYS: tuple[str, ...] = ("title", "date", "issue_number", "edition", "script")


def parse_formats(value: str | Sequence[str]) -> frozenset[str]:
    """`alto,page` (or a list of names) as a set of formats; `all` is every format and
    `default` the default ones, so `default,iiif` adds one. UsageError naming an unknown
    one."""
    names = value.split(",") if isinstance(value, str) else list(value)
    out: set[str] = set()
    for raw in names:
        name = raw.strip().lower()
        if name == "all":
            out.update(FORMATS)
        elif name == "default":
            out.update(DEFAULT_FORMATS)
        elif name in FORMATS:
            out.add(name)
        elif name:
            raise UsageError(
                f"unknown output format {raw.strip()!r}",
                hint=f"choose from: {', '.join(FORMATS)}, all, default",
            )
    if not out:
        raise UsageError("--formats names no format", hint=f"e.g. --formats {','.join(FORMATS)}")
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """Which files an issue gets and what goes into them beyond the page models: they
    change no page's OCR (so they are not in `Settings.as_dict`), only the issue's files.

    `iiif_base_url` is the absolute URL the issue folders are published under (the
    issue's name is appended); None means a `file:` URI of the output folder. `mods`
    overrides what MODS reads off the masthead (keys `MODS_KEYS`).
    """

    formats: frozenset[str] = DEFAULT_FORMATS
    iiif_base_url: str | None = None
    mods: Mapping[str, str] = field(default_factory=dict)
    pdf_lossless: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.formats) - set(FORMATS)
        if unknown or not self.formats:
            raise UsageError(
                f"unknown output format(s) {sorted(unknown)}" if unknown else "no output format",
                hint=f"choose from: {', '.join(FORMATS)}",
            )
        bad = set(self.mods) - set(MODS_KEYS)
        if bad:
            raise UsageError(
                f"unknown MODS field(s) {sorted(bad)}", hint=f"known: {', '.join(MODS_KEYS)}"
            )
        if self.mods.get("script", "Hans") not in ("Hans", "Hant"):
            raise UsageError("the MODS script must be Hans or Hant")
        if self.iiif_base_url is not None:
            parts = urlsplit(self.iiif_base_url)
            if parts.scheme not in ("http", "https", "file") or (
                parts.scheme != "file" and not parts.netloc
            ):
                raise UsageError(
                    f"--iiif-base-url must be an absolute http(s) or file URL, not "
                    f"{self.iiif_base_url!r}",
                    hint="e.g. https://example.org/iiif/",
                )
        object.__setattr__(self, "formats", frozenset(self.formats))
        object.__setattr__(self, "mods", {k: v for k, v in self.mods.items() if v})

    def as_dict(self) -> dict[str, object]:
        """What the files depend on (part of the key that says an issue is up to date)."""
        return {
            "formats": sorted(self.formats),
            "iiif_base_url": self.iiif_base_url,
            "mods": dict(sorted(self.mods.items())),
            "pdf_lossless": self.pdf_lossless,
        }


def read_config(path: Path) -> dict[str, Any]:
    """A TOML config file as a table; UsageError (naming the file) when it cannot be read."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise UsageError(f"cannot read the config file: {exc.strerror or exc}", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the config file is not valid TOML: {exc}", path=path) from exc
    return data


def add_output_options(p: argparse.ArgumentParser, *, rebuild: bool = False) -> None:
    """Options that choose the issue's files and their metadata, on the command lines of
    `run` and `rebuild` alike (so they are defined here, beside `OutputOptions`)."""
    default = "the formats the run wrote" if rebuild else DEFAULT_LIST
    p.add_argument(
        "--formats",
        metavar="LIST",
        help=f"comma-separated: {', '.join(FORMATS)}; all = every one, default = the "
        f"default ones (default: {default})",
    )
    p.add_argument(
        "--iiif-base-url",
        metavar="URL",
        help="absolute URL the output folder is published at; the IIIF manifest of an "
        "issue gets ids under URL/<issue>/ (default: the output folder's file: URI, which "
        "only works on this machine)",
    )
    p.add_argument(
        "--pdf-lossless",
        action="store_true",
        default=None,
        help="embed the scans in the PDF losslessly (default: JPEG files as they are, "
        "other scans as JPEG quality 92)",
    )
    p.add_argument("--title", help="MODS title (default: the nameplate on the masthead)")
    p.add_argument(
        "--date", help="MODS date issued, ISO or as printed (default: the masthead's date)"
    )
    p.add_argument("--issue-number", help="MODS issue number (default: the masthead's 第N期)")
    p.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML file with options (flags win)"
    )


def output_values(args: argparse.Namespace) -> dict[str, object]:
    """The output options given (by flag or config file), as OutputOptions fields."""
    mods = dict(getattr(args, "mods_table", None) or {})
    for key in ("title", "date", "issue_number"):
        if getattr(args, key, None):
            mods[key] = getattr(args, key)
    values: dict[str, object] = {
        "formats": args.formats,
        "iiif_base_url": args.iiif_base_url,
        "pdf_lossless": args.pdf_lossless,
    }
    if mods:
        values["mods"] = mods
    return {k: v for k, v in values.items() if v is not None}


