"""The package's layering (docs/design_changes.md, "Layers"), checked on every import in
`autograph/` — module level and inside functions alike — plus the rules that keep the
layout readable: no import cycles, no module over 600 lines, and docs generated from the
op declarations that agree with them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "autograph"

# Which layers each layer may import (besides itself). Dependencies point down: a layer
# never imports one that may import it.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "version": set(),
    "pyct": {"errors"},
    "converters": {"pyct", "errors"},
    "ir": {"errors"},
    "staging": {"ir", "errors"},
    "operators": {"staging", "ir", "errors"},
    "passes": {"ir", "errors"},
    "codegen": {"ir", "errors"},
    "autodiff": {"ir", "errors"},
    "serialization": {"ir", "codegen", "errors", "version"},
    "views": {"ir", "passes", "errors"},
    "runtime": {"pyct", "converters", "ir", "staging", "operators", "passes", "codegen",
                "autodiff", "serialization", "views", "errors"},
    "cli": {"runtime", "views", "pyct", "converters", "ir", "passes", "codegen", "errors"},
    "integrations": {"runtime", "errors"},
}
# The package's entry points may import anything.
TOP = {"autograph", "autograph.__main__", "autograph.dask"}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skip.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skip


def _imports(name: str, path: Path) -> set[str]:
    """Every autograph module `name` imports, anywhere in the file (annotation-only
    imports under `if TYPE_CHECKING:` excepted); `from p import m` counts as `p.m` when
    `m` is a module."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in MODULES else module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and module not in TOP else None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in TOP))
def test_imports_follow_the_layer_table(module):
    layer = _layer(module)
    assert layer in MAY_IMPORT, f"{module} is in no layer: add `{layer}` to MAY_IMPORT and " \
                                f"to docs/design_changes.md"
    allowed = MAY_IMPORT[layer] | {layer}
    wrong = sorted(m for m in GRAPH[module] if _layer(m) not in allowed)
    assert wrong == [], f"{module} ({layer}) may import {sorted(allowed)}, not {wrong}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            connect(module)
    return cycles


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_check_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_too_long(module):
    lines = MODULES[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by job"


def test_codegen_has_a_package_per_backend():
    assert (PACKAGE / "codegen" / "cpu" / "backend.py").exists()
    assert (PACKAGE / "codegen" / "cuda" / "backend.py").exists()
    assert not list((PACKAGE / "codegen").glob("cpu_*.py"))
    assert not list((PACKAGE / "codegen").glob("cuda_*.py"))


def test_the_docs_attribute_table_is_generated_from_the_op_declarations():
    from autograph.serialization.schema import attribute_table

    text = (ROOT / "docs" / "graph_schema.md").read_text()
    assert attribute_table() in text, "regenerate the table in docs/graph_schema.md " \
                                      "with serialization.schema.attribute_table()"
