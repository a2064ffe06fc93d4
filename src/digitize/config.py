"""Run settings, validated once where they are made (CLI, library callers, tests).

`Settings` is the one place the engine, its preset and the options that shape a run
live; stages, engines and the batch runner read them and never supply defaults of their
own (the preset default used to be "fast" here and "accurate" in the engines). Only
`engines/` is imported, for the names of engines and presets.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitize.engines import DEFAULT_ENGINE, ENGINES, PRESETS
from digitize.errors import UsageError

# The preset each engine runs when none is asked for: rapidocr's int8 recognizer meets the
# speed target at the float one's accuracy (models/README.md); paddleocr has no int8 one.
ENGINE_PRESETS = {"rapidocr": ("fast", "accurate"), "paddleocr": ("accurate",)}


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
        object.__setattr__(self, "preset", preset)

    def as_dict(self) -> dict[str, str]:
        return {
            "engine": self.engine,
            "detect_orientation": str(self.detect_orientation).lower(),
            "preset": self.preset,
        }
