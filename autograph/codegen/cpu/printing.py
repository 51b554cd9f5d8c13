"""A staged `print` on the CPU: runs on every call, formatted as NumPy formats.

Numba's own `print` formats numbers its way; the program instead prints in
`with numba.objmode():`, so the output goes through `sys.stdout` with NumPy's
formatting, the same text the user's function prints. Kept apart from the other ops:
it is the one side effect, and the one emitter that leaves nopython mode.
"""

from __future__ import annotations

from autograph.codegen.cpu.text import dtype_ref, strip
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node


_PYTHON_SCALAR = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}


def emit_print(p: ProgramWriter, node: Node) -> None:
    """`print` in object mode: scalars rebuilt as NumPy scalars of their dtype (or the
    Python scalars they stand for, if weak), so the text is what NumPy would print."""
    pieces = []
    for piece in node.attrs.get("template", ()):
        if isinstance(piece, str):
            pieces.append(repr(piece))
            continue
        v = node.inputs[piece]
        expr = strip(p.ref(v))
        if v.type.shape:
            pieces.append(expr)
        elif v.type.weak:
            pieces.append(f"{_PYTHON_SCALAR[v.type.dtype.kind]}({expr})")
        else:
            pieces.append(f"{dtype_ref(v.type.dtype)}({expr})")
    sep, end = node.attrs.get("sep", " "), node.attrs.get("end", "\n")
    if sep != " ":
        pieces.append(f"sep={sep!r}")
    if end != "\n":
        pieces.append(f"end={end!r}")
    with p.em.block("with numba.objmode()", "print"):
        p.em.line(f"print({', '.join(pieces)})")


def emit_check(p: ProgramWriter, node: Node) -> None:
    """A staged check (`assert`, `int()` of NaN): raises the error with its message
    when the program runs and the condition is false (Numba raises constant exceptions
    in nopython mode)."""
    error, message = node.attrs["error"], node.attrs.get("message", "")
    with p.em.block(f"if not {strip(p.ref(node.inputs[0]))}", "check"):
        p.em.line(f"raise {error}({message!r})" if message else f"raise {error}")
