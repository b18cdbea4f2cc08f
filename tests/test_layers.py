"""The package's folders are the layers data passes through; imports run one way, down.

See docs/architecture.md. Every ``import``/``from ... import`` in the package (including
imports inside functions) is checked against :data:`ALLOWED`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backcare_analysis"

#: Layer of each top-level module or subpackage of backcare_analysis.
LAYER_OF: dict[str, str] = {
    "schema": "core",
    "episodes": "core",
    "panel": "core",
    "_quiet": "core",
    "readers": "readers",
    "stats": "stats",
    "advice": "questions",
    "claims": "questions",
    "safety": "questions",
    "summary": "questions",
    "small_log": "questions",
    "cohort": "cohort",
    "outputs": "outputs",
    "synthetic": "synthetic",
    "cli": "cli",
    "cli_common": "cli",
    "cli_cohort": "cli",
    "cli_plan": "cli",
    "__init__": "api",
}

#: Which layers each layer may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "readers": {"core"},
    "stats": {"core"},
    "questions": {"core", "stats"},
    "cohort": {"core", "readers", "stats", "questions"},
    "outputs": {"core", "readers", "stats", "questions", "cohort"},
    "synthetic": {"core", "readers", "stats"},
    "cli": {"core", "readers", "stats", "questions", "cohort", "outputs", "synthetic"},
    "api": {"core", "readers", "stats", "questions", "cohort", "outputs", "synthetic"},
}


def _module_name(path: Path, package: Path = PACKAGE) -> list[str]:
    parts = list(path.relative_to(package).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts


def _imported(path: Path, package_root: Path) -> list[tuple[int, list[str]]]:
    """(line, module parts inside the package) of every internal import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path, package_root)
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
                if not target:  # `from . import name`: each name is a module or attribute
                    found.extend((node.lineno, [alias.name]) for alias in node.names)
                    continue
                found.append((node.lineno, target))
            elif node.module and node.module.startswith("backcare_analysis"):
                found.append((node.lineno, node.module.split(".")[1:]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("backcare_analysis."):
                    found.append((node.lineno, alias.name.split(".")[1:]))
    return found


def _layer(parts: list[str]) -> str:
    top = parts[0] if parts else "__init__"
    if top not in LAYER_OF:
        raise AssertionError(
            f"backcare_analysis.{top} has no layer: add it to LAYER_OF in tests/test_layers.py "
            "and to docs/architecture.md"
        )
    return LAYER_OF[top]


def layer_violations(package: Path = PACKAGE) -> list[str]:
    """Every import in ``package`` that goes up or sideways against :data:`ALLOWED`."""
    problems: list[str] = []
    for path in sorted(package.rglob("*.py")):
        source = _layer(_module_name(path, package))
        for line, target in _imported(path, package):
            if not target or target == ["__version__"]:
                continue
            layer = _layer(target)
            if layer != source and layer not in ALLOWED[source]:
                rel = path.relative_to(package.parent)
                problems.append(
                    f"{rel}:{line}: {source} imports {layer} (backcare_analysis.{'.'.join(target)})"
                )
    return problems


def test_imports_run_down_the_layers() -> None:
    assert layer_violations() == []


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        if path.name.startswith((".", "_")) and name != "__init__":
            continue
        if path.is_dir() and not (path / "__init__.py").exists():
            continue
        if path.suffix not in (".py", "") or name in ("py", "data"):
            continue
        assert name in LAYER_OF, f"{path.name} has no layer in LAYER_OF"


def test_the_check_catches_a_reader_importing_stats(tmp_path: Path) -> None:
    fake = tmp_path / "backcare_analysis"
    (fake / "readers").mkdir(parents=True)
    (fake / "stats").mkdir()
    (fake / "outputs").mkdir()
    for init in ("__init__.py", "readers/__init__.py", "stats/__init__.py", "outputs/__init__.py"):
        (fake / init).write_text("")
    (fake / "readers" / "bad.py").write_text(
        "def f():\n    from ..stats.onset import onset_rate_ratios\n"
    )
    (fake / "readers" / "worse.py").write_text("from backcare_analysis.outputs import text\n")
    (fake / "stats" / "fine.py").write_text("from ..schema import Log\n")
    (fake / "schema.py").write_text("")
    problems = layer_violations(fake)
    assert len(problems) == 2
    assert "readers imports stats" in problems[0] or "readers imports stats" in problems[1]
    assert any("readers imports outputs" in p for p in problems)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_is_far_over_the_size_guideline(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 450, f"{path.relative_to(PACKAGE.parent)} has {lines} lines; split it"
