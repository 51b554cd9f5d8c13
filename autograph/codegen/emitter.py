"""One emitter and one namer: how every code generator writes program text.

Generated programs are read by people (`lowered.source`, tracebacks into the cache
folder), so two things are centralised here, as torch.fx does in `graph.py`:

- `Namer` gives every IR value one stable Python name: the user's name when the value
  has a usable hint (`x`, `acc`, then `acc_1`), otherwise `a, b, ..., z, ba, bb, ...` in
  order of definition, the scheme the IR printer uses, so the program and the printed
  graph read alike. Names never collide with Python keywords, builtins, the modules the
  program imports, or the scratch names code generators use (`i0`, `j1`, `t3`, `_c0`).
- `Emitter` is an indented line writer with aligned trailing comments.

`CodegenError` is here too, being what both raise.
"""

from __future__ import annotations

import builtins
import contextlib
import keyword
import re
from typing import Iterator

from autograph.errors import AutographError
from autograph.ir.printer import letters  # one naming scheme: programs use the IR's names


class CodegenError(AutographError):
    """A graph cannot be turned into a program for this backend (an unsupported dtype or
    op/dtype combination); the message names the op and the types."""


# Scratch names belong to code generators: loop indices (i0, j2), temporaries (t5) and
# module-level constants (_c0). Values never get them.
_SCRATCH = re.compile(r"^(?:[ijt]\d+|_.*)$")
_MODULES = frozenset({"np", "numba", "math", "cmath", "base64"})
_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(
    dir(builtins)) | _MODULES


def enclosed(text: str) -> bool:
    """Whether one pair of parentheses encloses all of `text` (`(a + b)`, not `(a) + (b)`):
    both generators drop such a pair where the context already delimits the expression."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for k, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and k < len(text) - 1:
            return False
    return True


def is_usable(name) -> bool:
    """Whether `name` may name a value as it is (an identifier nobody else claims)."""
    return (isinstance(name, str) and name.isidentifier() and name not in _RESERVED
            and not _SCRATCH.match(name))


class Namer:
    """Stable, readable, collision-free Python names for values (any hashable keys)."""

    def __init__(self, reserved=(), avoid=()):
        self._names: dict[object, str] = {}
        self._taken: set[str] = set(reserved)
        self._avoid = frozenset(avoid)  # names letters skip: hints that come later
        self._counter = 0
        self._scratch: dict[str, int] = {}

    def define(self, value, preferred: str | None = None) -> str:
        """Names `value`: `preferred`, else its `hint`, else the next free letter name."""
        base = preferred if isinstance(preferred, str) else getattr(value, "hint", None)
        if isinstance(base, str) and base.isidentifier() and not is_usable(base):
            base = base.lstrip("_") + "_" if base.lstrip("_") else None
        if is_usable(base):
            name, k = base, 0
            while name in self._taken:
                k += 1
                name = f"{base}_{k}"
        else:
            while True:
                name = letters(self._counter)
                self._counter += 1
                if name not in self._taken and name not in self._avoid and is_usable(name):
                    break
        self._taken.add(name)
        self._names[value] = name
        return name

    def alias(self, value, name: str) -> None:
        """Gives `value` a name already in use (loop-carried state shares one variable)."""
        self._names[value] = name

    def scratch(self, prefix: str) -> str:
        """A fresh scratch name `t0`, `t1`, ... (one counter per prefix, never reused)."""
        k = self._scratch.get(prefix, 0)
        self._scratch[prefix] = k + 1
        return f"{prefix}{k}"

    def __getitem__(self, value) -> str:
        return self._names[value]

    def __contains__(self, value) -> bool:
        return value in self._names


class Emitter:
    """Writes indented lines; trailing comments line up at `comment_column`."""

    def __init__(self, indent: str = "    ", comment_column: int = 44):
        self._lines: list[str] = []
        self._depth = 0
        self._indent = indent
        self._column = comment_column

    @property
    def depth(self) -> int:
        return self._depth

    def line(self, text: str = "", comment: str | None = None) -> None:
        text = self._indent * self._depth + text if text else ""
        if comment:
            text = text.ljust(self._column - 2) + "  # " + comment
        self._lines.append(text)

    def lines(self, texts) -> None:
        for text in texts:
            self.line(text)

    @contextlib.contextmanager
    def block(self, header: str, comment: str | None = None) -> Iterator[None]:
        """`header:` then an indented body; an empty body gets `pass`."""
        self.line(header + ":", comment)
        start = len(self._lines)
        self._depth += 1
        try:
            yield
        finally:
            if len(self._lines) == start:
                self.line("pass")
            self._depth -= 1

    @contextlib.contextmanager
    def indented(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
