"""Finding the source text of a user's function.

The converter works on source, so it must find the exact text a function object was
compiled from: a `def` in a file, a method, a closure, a lambda in the middle of a call
spanning several lines, a function typed into an IPython cell or `exec`'d from text that
was registered in `linecache`. All of these are found the same way: the code object's
`co_filename` and `co_firstlineno` index into `linecache`, and the whole file is parsed to
find the statement that holds the function (its `def` with decorators, or the smallest
statement around a lambda that parses on its own). Parsing whole lines, rather than
asking `inspect` for a block, copes with lambdas that start mid-statement.

The text is dedented so that it parses on its own, without changing the value of any
multi-line string literal: lines that continue a string are left as they are, and the
columns removed from each line are recorded so that parsing can restore real columns.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import inspect
import io
import linecache
import re
import sys
import tokenize
import types

from autograph.errors import ConversionError

_LAMBDA_NAME = "<lambda>"
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclasses.dataclass(frozen=True)
class FunctionSource:
    """Source text of one function and where it sits in its file.

    `source` is the dedented text of the whole lines holding the function: the `def`
    with its decorators, or for a lambda the smallest statement around it that parses
    on its own. `column_shifts[i]` is the number of columns removed from line `i` of
    `source` (normally `indent`; 0 on lines that continue a multi-line string, fewer on
    continuation lines indented less than the first line).
    """

    source: str
    filename: str
    first_lineno: int
    indent: int
    column_shifts: tuple[int, ...] = ()

    def shift_of(self, line_index: int) -> int:
        """Columns removed from line `line_index` (0-based) of `source`."""
        if 0 <= line_index < len(self.column_shifts):
            return self.column_shifts[line_index]
        return self.indent


def split_lines(text: str) -> list[str]:
    """Splits `text` into lines the way the Python parser counts them.

    `str.splitlines` also splits on form feeds and other separators that the parser
    treats as ordinary characters, which would shift every line number after them.
    """
    return _NEWLINE.split(text)


def unwrap(fn):
    """Returns the plain function behind `fn`.

    Follows bound methods, `staticmethod`/`classmethod` objects and the `__wrapped__`
    chain that `functools.wraps` leaves on wrapper *functions*. `__wrapped__` on other
    objects (Numba dispatchers, `functools.lru_cache` wrappers) is not followed: those
    objects do more than call the function, and converting the function would drop it.
    `functools.partial` objects are returned as they are.
    """
    seen = set()
    while id(fn) not in seen:
        seen.add(id(fn))
        if isinstance(fn, (staticmethod, classmethod, types.MethodType)):
            fn = fn.__func__
        elif isinstance(fn, types.FunctionType) and hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            break
    return fn


def _name_of(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _file_lines(fn: types.FunctionType) -> list[str]:
    """The lines of the file `fn` was compiled from, or [] if they cannot be found."""
    filename = fn.__code__.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename)
    if not lines:
        # Lets linecache ask the module's loader (zip imports, frozen modules), but only
        # when `fn` really comes from that module's file: for an `exec`'d function the
        # loader would return an unrelated module's text.
        module_globals = getattr(fn, "__globals__", None) or {}
        if module_globals.get("__file__") == filename:
            lines = linecache.getlines(filename, module_globals)
    return lines


def has_source(fn) -> bool:
    """Whether `get_source(fn)` can find text: a Python function whose lines exist."""
    fn = unwrap(fn)
    if not isinstance(fn, types.FunctionType):
        return False
    lines = _file_lines(fn)
    return 0 < fn.__code__.co_firstlineno <= len(lines)


def get_source(fn) -> FunctionSource:
    """Finds, dedents and returns the source text of `fn` (see `FunctionSource`)."""
    target = unwrap(fn)
    name = _name_of(fn)
    if not isinstance(target, types.FunctionType):
        kind = type(target).__name__
        raise ConversionError(
            f"cannot find the source of {name}: it is a {kind}, not a Python function"
        )
    code = target.__code__
    lines = _file_lines(target)
    if not 0 < code.co_firstlineno <= len(lines):
        raise ConversionError(
            f"cannot find the source of {name}: no source lines for {code.co_filename!r} "
            "(functions typed at the plain Python prompt or built by exec() of text "
            "not registered in linecache have none)"
        )
    if code.co_name == _LAMBDA_NAME:
        start, end = _lambda_span(lines, code)
    else:
        start, end = _def_span(lines, code)
    if start is None:
        raise ConversionError(
            f"cannot find the source of {name}: line {code.co_firstlineno} of "
            f"{code.co_filename!r} does not hold it (was the file edited after import?)"
        )
    text, indent, shifts = dedent(lines[start - 1 : end])
    return FunctionSource(text, code.co_filename, start, indent, shifts)


# --- locating the function in its file ---------------------------------------------


@functools.lru_cache(maxsize=16)
def _parse_file(text: str) -> ast.Module | None:
    """Parses a whole file once per text; None if it does not parse (edited, partial)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _file_tree(lines: list[str]) -> ast.Module | None:
    return _parse_file("".join(lines))


def first_line(node: ast.AST) -> int:
    """First line of a statement, decorators included."""
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decorators])


@functools.lru_cache(maxsize=16)
def _def_spans(tree: ast.Module) -> dict[tuple[str, int], tuple[int, int]]:
    """(name, first line) -> lines [start, end] of every def in a parsed file.

    Made once per file, where walking the file for each function converted from it cost
    time growing with the file's size. The first def in `ast.walk` order wins.
    """
    spans: dict[tuple[str, int], tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = first_line(node)
            spans.setdefault((node.name, start), (start, node.end_lineno))
    return spans


def _def_span(lines: list[str], code: types.CodeType) -> tuple[int | None, int | None]:
    """Lines [start, end] of the `def` whose code is `code` (1-based, inclusive)."""
    tree = _file_tree(lines)
    if tree is not None:
        return _def_spans(tree).get((code.co_name, code.co_firstlineno), (None, None))
    # The file as a whole does not parse: fall back on inspect's tokenizer-based block.
    try:
        block = inspect.getblock(lines[code.co_firstlineno - 1 :])
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return None, None
    return code.co_firstlineno, code.co_firstlineno + len(block) - 1


def _lambda_span(lines: list[str], code: types.CodeType) -> tuple[int | None, int | None]:
    """Lines [start, end] of the smallest statement holding the lambda `code`.

    The statement must parse on its own once dedented (a statement in the body of a
    one-line compound statement whose header spans several lines does not; then its
    parent is used).
    """
    lineno = code.co_firstlineno
    tree = _file_tree(lines)
    if tree is None:
        return _lambda_span_by_search(lines, code)
    chains = [
        chain
        for chain in _statement_chains(tree)
        if isinstance(chain[-1], ast.Lambda) and chain[-1].lineno == lineno
    ]
    if not chains:
        return None, None
    lambdas = [chain[-1] for chain in chains]
    chosen = match_lambda(lambdas, code)
    chain = chains[lambdas.index(chosen)] if chosen is not None else chains[0]
    for stmt in reversed(chain[:-1]):
        start, end = first_line(stmt), stmt.end_lineno
        if _parses(lines[start - 1 : end]):
            return start, end
    return None, None


def _statement_chains(tree: ast.Module):
    """Yields, for every lambda, the list of statements enclosing it plus the lambda."""
    stack = [(tree, [])]
    while stack:
        node, chain = stack.pop()
        if isinstance(node, ast.stmt):
            chain = chain + [node]
        if isinstance(node, ast.Lambda):
            yield chain + [node]
        for child in ast.iter_child_nodes(node):
            stack.append((child, chain))


def _lambda_span_by_search(lines, code) -> tuple[int | None, int | None]:
    """Finds the smallest window of whole lines around the lambda that parses.

    Only used when the file as a whole does not parse; tries windows in order of size.
    """
    lineno = code.co_firstlineno
    for size in range(1, 41):
        for back in range(size):
            start, end = lineno - back, lineno - back + size - 1
            if start < 1 or end > len(lines):
                continue
            if _parses(lines[start - 1 : end]):
                text, _, _ = dedent(lines[start - 1 : end])
                tree = ast.parse(text)
                found = [
                    n
                    for n in ast.walk(tree)
                    if isinstance(n, ast.Lambda) and n.lineno + start - 1 == lineno
                ]
                if match_lambda(found, code) is not None:
                    return start, end
    return None, None


def _parses(lines: list[str]) -> bool:
    text, _, _ = dedent(lines)
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


# --- telling lambdas on one line apart ---------------------------------------------


def match_lambda(candidates: list[ast.Lambda], code: types.CodeType) -> ast.Lambda | None:
    """Picks the lambda node among `candidates` that compiles to `code`.

    Each candidate is compiled inside a function that binds `code.co_freevars`, so
    closures compile to the same instructions as the original; then the code objects
    are compared by instructions, names and constants (line numbers do not matter).
    A single candidate is taken as is. Returns None if none matches.
    """
    if len(candidates) == 1:
        return candidates[0]
    wanted = code_shape(code)
    for candidate in candidates:
        compiled = _compile_lambda(candidate, code)
        if compiled is not None and code_shape(compiled) == wanted:
            return candidate
    return None


def _compile_lambda(node: ast.Lambda, code: types.CodeType) -> types.CodeType | None:
    lam = copy.deepcopy(node)
    body: list[ast.stmt] = []
    if code.co_freevars:
        body.append(
            ast.Assign(
                targets=[ast.Name(id=name, ctx=ast.Store()) for name in code.co_freevars],
                value=ast.Constant(value=None),
            )
        )
    body.append(ast.Return(value=lam))
    outer = ast.FunctionDef(
        name="_ag_outer",
        args=ast.arguments(
            posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
            kwarg=None, defaults=[],
        ),
        body=body,
        decorator_list=[],
        returns=None,
        type_comment=None,
    )
    if sys.version_info >= (3, 12):
        outer.type_params = []
    module = ast.Module(body=[outer], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        compiled = compile(module, code.co_filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return None
    outer_code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    for const in outer_code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == _LAMBDA_NAME:
            return const
    return None


def code_shape(code: types.CodeType) -> tuple:
    """What identifies compiled code regardless of where it sits in a file."""
    return (
        code.co_code,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_varnames,
        code.co_names,
        code.co_freevars,
        tuple(_const_shape(c) for c in code.co_consts),
    )


def _const_shape(const) -> object:
    if isinstance(const, types.CodeType):
        return code_shape(const)
    if isinstance(const, (tuple, frozenset)):
        return (type(const).__name__, tuple(_const_shape(c) for c in const))
    return (type(const).__name__, repr(const))


# --- dedenting ---------------------------------------------------------------------


def dedent(lines: list[str]) -> tuple[str, int, tuple[int, ...]]:
    """Removes the first line's indentation from `lines`, leaving strings intact.

    Returns (text, indent, shifts) with shifts[i] the columns removed from line i.
    Lines that continue a multi-line string keep their text (shift 0): removing
    columns there would change the string's value. Other lines lose at most `indent`
    leading whitespace characters.
    """
    first = lines[0] if lines else ""
    indent = len(first) - len(first.lstrip(" \t\f"))
    inside = _string_continuation_lines(lines)
    out, shifts = [], []
    for index, line in enumerate(lines):
        if index in inside:
            out.append(line)
            shifts.append(0)
            continue
        body = line.lstrip(" \t\f")
        removed = min(indent, len(line) - len(body))
        if not body.strip():  # blank line: its whitespace does not matter
            removed = len(line) - len(line.lstrip(" \t\f"))
        out.append(line[removed:])
        shifts.append(removed)
    return "".join(out), indent, tuple(shifts)


def _string_continuation_lines(lines: list[str]) -> set[int]:
    """0-based indices of lines that begin inside a multi-line string token."""
    text = "".join(lines)
    if '"""' not in text and "'''" not in text and "\\\n" not in text and "\\\r" not in text:
        # Only a triple-quoted string or a backslash-newline inside quotes spans lines;
        # without either there is nothing to find, and tokenizing was a third of the
        # time spent fetching a function's source.
        return set()
    inside: set[int] = set()
    string_types = {tokenize.STRING}
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):
        if hasattr(tokenize, name):
            string_types.add(getattr(tokenize, name))
    readline = io.StringIO(text).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type in string_types and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))  # 1-based start+1..end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return inside
