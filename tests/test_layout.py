"""The package's layout shows its architecture, and keeps showing it.

Subsystems are packages; dependencies point one way (HTTP and CLI -> use cases -> subsystems
-> store -> leaves); a package is entered only through its ``__init__`` (its ``__all__``);
each third-party engine is imported in one place; modules are small and say what they are for.
Read from the source with ``ast``: nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "supplychain_kg"
API = ROOT / "api"

LEAVES = frozenset({"config", "errors", "model", "namespaces", "csvsafe", "sparqltext", "__init__"})
RANK = {
    **dict.fromkeys(LEAVES, 0),
    "store": 1,
    "validate": 2,
    "paths": 3,
    "ingest": 3,
    "export": 4,
    "sparql": 4,
    "service": 5,
    "api": 6,
    "cli": 7,
}
"""A unit may import units of a lower rank (and, for leaves, other leaves); never a unit of
its own rank or above. Units: the leaf modules, the subsystem packages, ``api``."""

ENGINES = {
    "pyoxigraph": ("store/oxigraph",),
    "httpx": ("store/sparql",),
    "networkx": ("paths/", "export/"),
    "fastapi": (),
    "starlette": (),
}
"""Third-party engines and the only places under src/ that may import them."""


@dataclass(frozen=True)
class Import:
    source: Path
    line: int
    module: str
    names: tuple[str, ...]


def _unit(path: Path) -> str:
    if path.is_relative_to(API):
        return "api"
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _imports(path: Path) -> Iterator[Import]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield Import(path, node.lineno, node.module, tuple(a.name for a in node.names))
        elif isinstance(node, ast.ImportFrom) and node.level:
            yield Import(path, node.lineno, "." * node.level + (node.module or ""), ())
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name, ())


def _targets(imp: Import) -> list[tuple[str, int]]:
    """The units an import of ours reaches, with the depth of the module named (2 for
    ``supplychain_kg.<unit>``, more for a module inside a package)."""
    parts = imp.module.split(".")
    if parts[0] != "supplychain_kg":
        return []
    if len(parts) == 1:  # from supplychain_kg import errors, __version__
        return [(name if name in RANK else "__init__", 2) for name in imp.names]
    return [(parts[1], len(parts))]


def _where(imp: Import) -> str:
    return f"{imp.source.relative_to(ROOT)}:{imp.line}: {imp.module}"


def _all_imports() -> list[Import]:
    files = [*_modules(), *sorted(API.rglob("*.py"))]
    return [imp for path in files for imp in _imports(path)]


def test_no_relative_imports_cross_a_package() -> None:
    """Relative imports would hide where a module reaches; inside src they are not used."""
    relative = [
        _where(i)
        for i in _all_imports()
        if i.module.startswith(".") and i.source.is_relative_to(SRC)
    ]
    assert relative == []


def test_dependencies_point_one_way() -> None:
    upward = []
    for imp in _all_imports():
        mine = _unit(imp.source)
        for target, _ in _targets(imp):
            if target == mine:
                continue
            if target not in RANK:
                upward.append(f"{_where(imp)} (unknown unit {target!r}: add it to RANK)")
            elif RANK[target] > RANK[mine] or (RANK[target] == RANK[mine] and mine not in LEAVES):
                upward.append(f"{_where(imp)} ({mine} may not import {target})")
    assert upward == []


def test_other_packages_are_entered_only_through_their_public_api() -> None:
    private = []
    for imp in _all_imports():
        mine = _unit(imp.source)
        for target, depth in _targets(imp):
            if target == mine or target in LEAVES:
                continue
            if depth > 2:
                private.append(f"{_where(imp)} (import from supplychain_kg.{target})")
            private += [f"{_where(imp)} ({n} is private)" for n in imp.names if n.startswith("_")]
    assert private == []


def test_each_package_says_what_it_offers() -> None:
    for init in SRC.rglob("__init__.py"):
        tree = ast.parse(init.read_text("utf-8"))
        assert ast.get_docstring(tree), f"{init.relative_to(ROOT)} has no docstring"
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        assert "__all__" in names, f"{init.relative_to(ROOT)} has no __all__"


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_each_engine_is_imported_in_one_place(engine: str) -> None:
    allowed = ENGINES[engine]
    found = []
    for path in _modules():
        rel = path.relative_to(SRC).as_posix()
        for imp in _imports(path):
            if imp.module.split(".")[0] == engine and not rel.startswith(allowed or ("\0",)):
                found.append(_where(imp))
    assert found == []


def test_modules_are_small_and_say_what_they_are_for() -> None:
    problems = []
    for path in [*_modules(), *sorted(API.rglob("*.py"))]:
        text = path.read_text("utf-8")
        lines = text.count("\n")
        if lines > 400:
            problems.append(f"{path.relative_to(ROOT)}: {lines} lines (at most 400)")
        if not ast.get_docstring(ast.parse(text)):
            problems.append(f"{path.relative_to(ROOT)}: no docstring")
    assert problems == []


def test_the_top_of_the_package_holds_at_most_ten_modules() -> None:
    top = sorted(p.name for p in SRC.glob("*.py"))
    assert len(top) <= 10, top


def test_the_package_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for imp in _all_imports():
        mine = _unit(imp.source)
        for target, _ in _targets(imp):
            if target != mine:
                graph.setdefault(mine, set()).add(target)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(unit: str) -> None:
        assert unit not in visiting, f"cycle: {' -> '.join([*visiting, unit])}"
        if unit in done:
            return
        visiting.append(unit)
        for other in sorted(graph.get(unit, ())):
            visit(other)
        visiting.pop()
        done.add(unit)

    for unit in sorted(graph):
        visit(unit)
