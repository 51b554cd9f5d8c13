"""Parsing user code into ASTs whose every node knows its place in the user's file.

Converters copy these locations onto the code they generate, and every error the
library raises later names the user's file and line through them; so the line numbers
and columns here are the real ones in the file, not those of the dedented snippet that
was parsed, and every node carries an `origins.Origin`.
"""

from __future__ import annotations

import ast
import linecache

from autograph.errors import ConversionError
from autograph.pyct import origins, sources, traversal

_LAMBDA_NAME = "<lambda>"

# Nodes CPython's parser shares between all trees (one `Load()` for every load, one
# `Add()` for every addition): an origin or annotation set on one would show everywhere.
SHARED_NODE_TYPES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def parse_function(fn) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, sources.FunctionSource]:
    """Parses `fn`'s source; returns its node (with real locations and origins) and source.

    A `def` comes back with `decorator_list` emptied, so that converting it does not
    apply `@autograph.convert` again. `async def` comes back as `ast.AsyncFunctionDef`
    (the converter rejects it with a located error). For a lambda, the node of the
    lambda itself is returned; when several lambdas start on its line, the one whose
    compiled code matches `fn.__code__` is chosen.
    """
    src = sources.get_source(fn)
    target = sources.unwrap(fn)
    code = target.__code__
    function_name = getattr(fn, "__name__", None) or target.__name__
    try:
        tree = ast.parse(src.source, filename=src.filename)
    except (SyntaxError, ValueError) as exc:
        raise ConversionError(
            f"cannot parse the source of {function_name}: {exc}",
            _syntax_error_origin(exc, src.filename, function_name),
        ) from None
    _restore_locations(tree, src)

    if code.co_name == _LAMBDA_NAME:
        candidates = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno
        ]
        node = sources.match_lambda(candidates, code)
        if node is None:
            raise ConversionError(
                f"cannot tell which of the {len(candidates)} lambdas on line "
                f"{code.co_firstlineno} of {src.filename} is the one to convert"
            )
    else:
        node = tree.body[0] if tree.body else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != code.co_name:
            raise ConversionError(
                f"cannot find the source of {function_name}: line {src.first_lineno} of "
                f"{src.filename} does not start its definition"
            )
        node.decorator_list = []

    file_lines = linecache.getlines(src.filename) or sources.split_lines(src.source)
    _set_origins(node, src.filename, file_lines, lambda _node, _name: function_name)
    return node, src


def parse_module_source(text: str, filename: str) -> ast.Module:
    """Parses a whole file's text; every node gets an Origin.

    An origin's `function_name` is the name of the innermost `def` holding the node (the
    `def` statement itself included), or "<module>".
    """
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError) as exc:
        raise ConversionError(
            f"syntax error: {getattr(exc, 'msg', None) or exc}",
            _syntax_error_origin(exc, filename, "<module>"),
        ) from None
    lines = sources.split_lines(text)

    def name_for(node: ast.AST, enclosing: str) -> str:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
        return enclosing

    _set_origins(tree, filename, lines, name_for, default_name="<module>")
    return tree


def parse_expression(text: str) -> ast.expr:
    """Parses one Python expression, e.g. "ag__.ld(x)"."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError) as exc:
        raise ConversionError(f"not an expression: {text!r} ({exc})") from None


# --- helpers -----------------------------------------------------------------------


def _syntax_error_origin(exc: Exception, filename: str, function_name: str) -> origins.Origin | None:
    lineno = getattr(exc, "lineno", None)
    if not lineno:
        return None
    offset = getattr(exc, "offset", None) or 1
    return origins.Origin(
        filename=filename,
        lineno=lineno,
        col_offset=offset - 1,
        function_name=function_name,
        source_line=(getattr(exc, "text", None) or "").rstrip("\r\n"),
    )


def _restore_locations(tree: ast.AST, src: sources.FunctionSource) -> None:
    """Moves locations from the dedented snippet back to the file's lines and columns."""
    line_delta = src.first_lineno - 1
    for node in traversal.walk(tree):
        if getattr(node, "lineno", None) is None:
            continue
        start_index = node.lineno - 1
        node.lineno += line_delta
        node.col_offset += src.shift_of(start_index)
        if getattr(node, "end_lineno", None) is not None:
            end_index = node.end_lineno - 1
            node.end_lineno += line_delta
            if node.end_col_offset is not None:
                node.end_col_offset += src.shift_of(end_index)


def _set_origins(root, filename, lines, name_for, default_name: str = "") -> None:
    """Gives every node an Origin; nodes without a location inherit their parent's."""
    stack: list[tuple[ast.AST, origins.Origin | None, str]] = [(root, None, default_name)]
    while stack:
        node, parent_origin, enclosing = stack.pop()
        if isinstance(node, SHARED_NODE_TYPES):
            continue
        name = name_for(node, enclosing)
        lineno = getattr(node, "lineno", None)
        if lineno is not None:
            line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
            origin = origins.Origin(
                filename=filename,
                lineno=lineno,
                col_offset=node.col_offset,
                function_name=name,
                source_line=line.rstrip("\r\n"),
            )
        elif parent_origin is not None:
            origin = origins.Origin(
                parent_origin.filename,
                parent_origin.lineno,
                parent_origin.col_offset,
                name,
                parent_origin.source_line,
            )
        else:
            origin = None
        origins.set_origin(node, origin)
        for child in traversal.child_nodes(node):
            stack.append((child, origin, name))

