"""What the codegen layout tests (tests/test_codegen_cpu_layout.py and
test_codegen_cuda_layout.py) check of every backend module: a docstring, and imports that
point one way (only modules earlier in the backend's order, or shared ones) and never to a
layer above codegen."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports at its top level (not inside functions); `from
    autograph.codegen.cpu import text` counts as `autograph.codegen.cpu.text`."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _is_module(candidate) else node.module)
    return found


def _is_module(dotted: str) -> bool:
    root = Path(__file__).parents[1]
    return (root / (dotted.replace(".", "/") + ".py")).exists() or \
        (root / dotted.replace(".", "/") / "__init__.py").exists()


def assert_imports_point_one_way(package: Path, name: str, order: list[str], shared: set[str],
                                 forbidden: tuple[str, ...]) -> None:
    """Module `name` of a backend package whose modules import each other in `order`;
    `shared` are the dotted names of modules outside the package it may also use."""
    path = package / f"{name}.py"
    assert ast.get_docstring(ast.parse(path.read_text())), \
        f"{name} needs a docstring saying why it exists"
    dotted = ".".join(package.relative_to(Path(__file__).parents[1]).parts)
    earlier = set(order[:order.index(name)])
    for module in imported_modules(path):
        assert not module.startswith(forbidden), f"{name} imports {module}"
        if module.startswith(dotted + "."):
            short = module[len(dotted) + 1:]
            assert short in earlier, f"{name} imports {short}, which comes after it"
        elif module.startswith("autograph.codegen"):
            assert module in shared, f"{name} imports {module}, outside its backend"
