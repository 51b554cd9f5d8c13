"""What the codegen layout tests (tests/test_codegen_cpu_layout.py and
test_codegen_cuda_layout.py) check of every backend module: a docstring, and imports that
point one way (only modules earlier in the backend's order, or shared ones) and never to a
layer above codegen."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports at its top level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "autograph.codegen":  # `from autograph.codegen import cache`
                found.update(f"autograph.codegen.{alias.name}" for alias in node.names)
    return found


def assert_imports_point_one_way(codegen: Path, name: str, order: list[str], shared: set[str],
                                 forbidden: tuple[str, ...]) -> None:
    """Module `name` of a backend whose modules import each other in `order`."""
    path = codegen / f"{name}.py"
    assert ast.get_docstring(ast.parse(path.read_text())), \
        f"{name} needs a docstring saying why it exists"
    earlier = set(order[:order.index(name)]) | shared
    for module in imported_modules(path):
        assert not module.startswith(forbidden), f"{name} imports {module}"
        if module.startswith("autograph.codegen."):
            short = module.rsplit(".", 1)[1]
            assert short in earlier, f"{name} imports {short}, which comes after it"
