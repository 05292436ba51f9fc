"""No import cycle in `reference_impl/`: its modules depend on each other one way only.

The graph is read from the source with `ast`, without importing anything. Every import
statement of a module counts, wherever it stands: at module level, under
`if TYPE_CHECKING:`, and inside functions. A function-level import that closes a loop is
still a loop in the layering; deferring it only hides it from the interpreter. `from X
import name` depends on the submodule `X.name` when there is one, else on `X` itself.

A cycle is reported for each package of `reference_impl/` it passes through (`test_no_cycle`
is parametrized by package), so each package's part is enforced on its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "reference_impl"


@cache
def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's `__init__`)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _base(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module a (maybe relative) `from` import names."""
    if not level:
        return name or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([name] if name else []))


@cache
def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, (path, is_package) in modules.items():
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                graph[module] |= {a.name for a in node.names if a.name in modules}
                continue
            base = _base(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:
                    graph[module].add(sub)
                elif base in modules:
                    graph[module].add(base)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), or a module
    importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package_of(module: str) -> str:
    """The package of `reference_impl/` a module is in; "" for its top-level modules."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (ROOT / PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return ""


PACKAGES = [*sorted({_package_of(m) for m in _modules()} - {""}), ""]


@pytest.mark.parametrize("package", PACKAGES, ids=[p or "top-level" for p in PACKAGES])
def test_no_cycle(package: str) -> None:
    involved = [c for c in cycles(import_graph()) if any(_package_of(m) == package for m in c)]
    assert not involved, "import cycles:\n" + "\n".join(", ".join(c) for c in involved)


def test_the_graph_sees_a_cycle() -> None:
    """The check itself: a cycle through a TYPE_CHECKING import and one through a
    function-level import are both found."""
    a = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    b = ast.parse("def f():\n    from .a import A\n")
    graph: dict[str, set[str]] = {"p.a": set(), "p.b": set()}
    for module, tree in (("p.a", a), ("p.b", b)):
        for node in _imports(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                graph[module].add(_base(module, False, node.level, node.module))
    assert cycles(graph) == [["p.a", "p.b"]]
    assert cycles({"p.a": {"p.b"}, "p.b": set()}) == []
