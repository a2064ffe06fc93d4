"""The package layering stays as documented: lower layers never import higher ones.

Layers, low to high: model/errors/text (the base) < layout, synth < engines < config
< stages < serialize < pipeline < batch < archive < cli and the package's API
(`digitize/__init__.py`). `text` and `model` form the base together (`Region.text` joins
lines with `text.textutil`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from paths import REPO

SRC = REPO / "src" / "digitize"
LAYER = {
    "__init__": 9,  # the package's API (digitize.run, digitize.read_issue), beside cli
    "model": 0,
    "errors": 0,
    "text": 0,
    "layout": 1,
    "synth": 1,
    "engines": 2,
    "config": 3,
    "stages": 4,
    "serialize": 5,
    "pipeline": 6,
    "batch": 7,
    "archive": 8,
    "cli": 9,
}


def _unit(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    return rel.parts[0]


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("digitize"):
            if node.module == "digitize":
                names = [f"digitize.{a.name}" for a in node.names]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("digitize")]
        for name in names:
            parts = name.split(".")
            out.add(parts[1] if len(parts) > 1 else "__init__")
    return out


def test_every_unit_has_a_layer() -> None:
    units = {_unit(p) for p in SRC.rglob("*.py")}
    assert units <= set(LAYER), units - set(LAYER)


def test_no_import_reaches_a_higher_layer() -> None:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        unit = _unit(path)
        for target in _imports(path) - {unit}:
            if target == "__version__":
                continue  # the version is metadata, readable from any layer
            if LAYER.get(target, 99) > LAYER[unit]:
                bad.append(f"{path.relative_to(SRC)} imports digitize.{target}")
    assert not bad, "\n".join(bad)


def test_synth_is_a_leaf() -> None:
    for path in (SRC / "synth").rglob("*.py"):
        assert _imports(path) <= {"synth"}, path


def test_stages_do_not_call_each_other() -> None:
    """Stages share geometry through `layout`, not through another stage's module
    (`stages.modules` is the link stage's helper, `stages.decode` the load stage's,
    `stages.vertical_types` the classify stage's)."""
    allowed = {"modules", "decode", "vertical_types"}
    for path in (SRC / "stages").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "digitize.stages."
            ):
                other = (node.module or "").split(".")[2]
                assert other in allowed, f"{path.name} imports stages.{other}"
