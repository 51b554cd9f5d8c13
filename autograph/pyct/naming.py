"""Fresh names for the code converters generate.

A generated helper (`if_true`, `loop_body`, ...) must not capture or shadow any name of
the user's function, and the same input must always give the same names so that
`to_source` output is stable; so names come from one `Namer` per function, seeded with
every name that appears in it, and are numbered in the order they are asked for.
"""

from __future__ import annotations

import ast
import keyword

from autograph.pyct import traversal


def names_in(node: ast.AST) -> set[str]:
    """Every identifier that can name a variable in `node`'s tree.

    Name ids, argument names, def/class names, import aliases (the bound name; for
    `import a.b` that is `a`), global/nonlocal names, `except ... as` names and match
    capture names.
    """
    found: set[str] = set()
    for sub in traversal.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.arg):
            found.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(sub.name)
        elif isinstance(sub, ast.alias):
            found.add(sub.asname or sub.name.split(".")[0])
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            found.update(sub.names)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            found.add(sub.name)
        else:
            for field in ("name", "rest"):  # MatchAs / MatchStar / MatchMapping
                value = getattr(sub, field, None)
                if isinstance(value, str) and type(sub).__name__.startswith("Match"):
                    found.add(value)
    found.discard("*")
    return found


class Namer:
    """Hands out names that collide neither with the function's names nor each other."""

    def __init__(self, used_names: set[str]):
        self._taken: set[str] = set(used_names)

    def new_name(self, base: str) -> str:
        """`base` if free, else `base_1`, `base_2`, ...; the result is then taken."""
        base = _as_identifier(base)
        candidate, counter = base, 0
        while candidate in self._taken or keyword.iskeyword(candidate):
            counter += 1
            candidate = f"{base}_{counter}"
        self._taken.add(candidate)
        return candidate

    def reserve(self, name: str) -> None:
        """Marks `name` as taken (e.g. a name a converter emits verbatim, like `ag__`)."""
        self._taken.add(name)


def _as_identifier(base: str) -> str:
    cleaned = "".join(ch if (ch.isalnum() or ch == "_") else "_" for ch in base) or "_"
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned
