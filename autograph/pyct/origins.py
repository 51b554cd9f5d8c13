"""Where a piece of converted code came from in the user's source.

Every AST node of a parsed user function gets an `Origin` (see `parsing.parse_function`);
converters copy origins onto the nodes they create, and the runtime maps a line of
generated code back to the user's line through a `SourceMap`.
"""

from __future__ import annotations

import ast
import dataclasses

from autograph.pyct import traversal

ORIGIN_ATTR = "ag_origin"


@dataclasses.dataclass(frozen=True)
class Origin:
    filename: str
    lineno: int
    col_offset: int
    function_name: str
    source_line: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def get_origin(node: ast.AST) -> Origin | None:
    return getattr(node, ORIGIN_ATTR, None)


def set_origin(node: ast.AST, origin: Origin | None) -> None:
    if origin is not None:
        setattr(node, ORIGIN_ATTR, origin)


def copy_origin(target: ast.AST, source: ast.AST) -> ast.AST:
    """Gives `target` and all its descendants without an origin the origin of `source`."""
    origin = get_origin(source)
    if origin is None:
        return target
    for node in traversal.walk(target):
        if get_origin(node) is None:
            set_origin(node, origin)
    return target


def build_source_map(converted: ast.AST, rendered_text: str, line_offset: int = 0) -> dict[int, Origin]:
    """Maps each line of `rendered_text` to the user's Origin it came from.

    Rendering and re-parsing keep the tree's shape, so the nodes of the re-parsed text and of
    the converted tree correspond one to one in `ast.walk` order; where a node type differs
    (a renderer quirk) the walk is abandoned for that subtree's remainder. `line_offset` is
    added to the re-parsed line numbers (the loader wraps the text in a factory).
    """
    reparsed = ast.parse(rendered_text)
    body = reparsed.body[0] if reparsed.body else reparsed
    if isinstance(body, ast.Expr):
        body = body.value
    return map_lines(converted, body, line_offset)


def map_lines(converted: ast.AST, parsed: ast.AST, line_offset: int = 0) -> dict[int, Origin]:
    """`build_source_map` from the rendered text already parsed: `parsed` is the node of the
    converted def (or lambda) in it, whose line numbers plus `line_offset` are the keys."""
    mapping: dict[int, Origin] = {}
    for generated, original in zip(traversal.walk(parsed), traversal.walk(converted)):
        if type(generated) is not type(original):
            break
        origin = get_origin(original)
        lineno = getattr(generated, "lineno", None)
        if origin is not None and lineno is not None and isinstance(generated, (ast.stmt, ast.expr)):
            mapping.setdefault(lineno + line_offset, origin)
    return mapping
