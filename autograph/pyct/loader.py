"""Turns a converted AST back into a live function that shares the original's world.

The converted function must see the same module globals (live, not a copy) and the same
closure cells as the original, so that a `nonlocal` write or a global rebinding is seen by
both. We compile the converted def inside a factory whose parameters are the original's
free variables plus any extra names the converted code needs (`ag__`), take the inner code
object, and build a new function from it with the original's globals and cells.

The generated text is registered in `linecache` under a unique file name, so tracebacks and
debuggers show the converted code (the torch.fx idea).
"""

from __future__ import annotations

import ast
import itertools
import linecache
import types
from typing import NamedTuple

_counter = itertools.count()


def _register_source(text: str, label: str) -> str:
    filename = f"<autograph {label} #{next(_counter)}>"
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    return filename


class CompiledFunction(NamedTuple):
    code: types.CodeType  # the converted function's code
    filename: str  # the name its text was registered under in linecache
    header_lines: int  # lines the factory adds before the converted text
    parsed: ast.AST  # the converted def (or lambda) as parsed from the registered text


def compile_function(
    def_node: ast.FunctionDef | ast.Lambda,
    source_text: str,
    original: types.FunctionType,
    extra_names: tuple[str, ...],
    label: str,
) -> CompiledFunction:
    """Compiles `source_text` (the rendering of `def_node`) inside a factory whose parameters
    are `extra_names` (like `ag__`) and `original`'s free variables, so that every free name
    of the converted code becomes a closure cell.

    The factory's text is parsed once, and both compiled and returned (`parsed`, with the
    line numbers of the registered file): source maps are built from that tree rather than
    by parsing the text again (which took as long as compiling it).
    """
    outer_names = list(extra_names) + [n for n in original.__code__.co_freevars if n not in extra_names]
    factory_name = "ag__factory"
    if isinstance(def_node, ast.Lambda):
        inner = f"    return (\n{_indent(source_text, 8)}\n    )\n"
        header_lines = 2
    else:
        # The def gets a private name inside the factory: under its own name, a recursive
        # call would bind to the factory's local instead of the module global.
        private = f"ag__converted_{def_node.name}"
        header = f"def {def_node.name}("
        if not source_text.startswith(header):
            raise AssertionError(f"expected the rendered def to start with {header!r}")
        source_text = f"def {private}(" + source_text[len(header):]
        inner = _indent(source_text, 4) + f"\n    return {private}\n"
        header_lines = 1
    factory_text = f"def {factory_name}({', '.join(outer_names)}):\n{inner}"
    filename = _register_source(factory_text, label)
    tree = ast.parse(factory_text, filename)
    factory_body = tree.body[0].body
    # A def is the factory's first statement; a lambda is what it returns.
    parsed = factory_body[0].value if isinstance(def_node, ast.Lambda) else factory_body[0]
    namespace: dict[str, object] = {}
    exec(compile(tree, filename, "exec"), original.__globals__, namespace)
    made = namespace[factory_name](*([None] * len(outer_names)))
    code = made.__code__
    if not isinstance(def_node, ast.Lambda):
        code = code.replace(co_name=def_node.name)
    return CompiledFunction(code, filename, header_lines, parsed)


def bind_function(code: types.CodeType, original: types.FunctionType, extra_freevars: dict[str, object]):
    """A function running `code` with `original`'s globals, defaults and closure cells;
    `extra_freevars` fill the cells of the names the converted code added."""
    original_cells = dict(zip(original.__code__.co_freevars, original.__closure__ or ()))
    cells = []
    for name in code.co_freevars:
        if name in extra_freevars:
            cells.append(types.CellType(extra_freevars[name]))
        elif name in original_cells:
            cells.append(original_cells[name])
        else:  # only our own converters could introduce a new free name
            raise AssertionError(f"converted code has an unexpected free variable {name!r}")
    fn = types.FunctionType(code, original.__globals__, original.__name__, original.__defaults__, tuple(cells))
    fn.__kwdefaults__ = original.__kwdefaults__
    fn.__qualname__ = original.__qualname__
    fn.__module__ = original.__module__
    fn.__doc__ = original.__doc__
    return fn


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line.strip() else line for line in text.splitlines())
