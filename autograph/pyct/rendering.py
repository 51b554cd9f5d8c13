"""Turning an AST back into source text.

`astor` gives the stable, deterministic layout the golden files of `to_source` rely on,
but it predates newer syntax (`match`, `except*`, type parameters) and does not import
on Python 3.14 (it uses the removed `ast.Str`); `ast.unparse` handles everything the
running Python parses. "auto" uses astor where it can and `ast.unparse` otherwise.

Statements and modules render with one trailing newline, expressions with none, with
either renderer.
"""

from __future__ import annotations

import ast

from autograph.errors import AutographError, ConversionError
from autograph.pyct import traversal

try:  # astor is a declared dependency, but must not be needed where it cannot import
    import astor as _astor_module
except Exception:  # noqa: BLE001 - any import failure means "not available"
    _astor_module = None

# The astor module, or None when it is unavailable; tests set this to None.
ASTOR = _astor_module

RENDERERS = ("auto", "astor", "unparse")

# Syntax astor (0.8) renders wrongly or not at all; "auto" sends these to ast.unparse.
_ASTOR_UNSUPPORTED = frozenset(
    {"Match", "TryStar", "TypeAlias", "TypeVar", "ParamSpec", "TypeVarTuple"}
)
_ASTOR_UNSUPPORTED_TYPES = frozenset(getattr(ast, n) for n in _ASTOR_UNSUPPORTED if hasattr(ast, n))
# Where Python 3.12+ puts `type_params` (generic defs and classes, which astor cannot render).
_MAY_HAVE_TYPE_PARAMS = frozenset(
    t for t in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) if "type_params" in t._fields
)


def render(node: ast.AST | list[ast.stmt], renderer: str = "auto") -> str:
    """Returns the source text of `node` (a list of statements is a module body)."""
    if renderer not in RENDERERS:
        raise AutographError(f"unknown renderer {renderer!r}; expected one of {RENDERERS}")
    tree = ast.Module(body=list(node), type_ignores=[]) if isinstance(node, list) else node
    if renderer == "unparse":
        return _finish(tree, _unparse(tree))
    if renderer == "astor":
        if ASTOR is None:
            raise ConversionError("the 'astor' renderer was asked for, but astor cannot be imported")
        try:
            return _finish(tree, _astor_source(tree))
        except Exception as exc:  # noqa: BLE001 - astor fails in many ways on new syntax
            raise ConversionError(f"astor cannot render this code: {exc!r}") from exc
    if ASTOR is not None and astor_can_render(tree):
        try:
            return _finish(tree, _astor_source(tree))
        except Exception:  # noqa: BLE001 - fall back on ast.unparse below
            pass
    return _finish(tree, _unparse(tree))


def _unparse(tree: ast.AST) -> str:
    # ast.unparse reads the `lineno` of statements: a tree with nodes built without
    # locations is rendered from a located copy, leaving the caller's tree alone. (astor
    # reads no locations. Converted trees are located throughout; copying every tree
    # before rendering it was a tenth of the time a conversion took.)
    if any(_lacks_location(n) for n in traversal.walk(tree)):
        tree = _copy(tree)
        ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def _astor_source(tree: ast.AST) -> str:
    # astor's default pretty-printer wraps lines at 79 columns in odd places; one logical
    # line per statement reads better and matches ast.unparse's layout.
    return ASTOR.to_source(tree, pretty_source="".join)


def astor_can_render(tree: ast.AST) -> bool:
    """False if `tree` holds syntax that astor renders wrongly or not at all."""
    # All of it is statements (`match`, `try*`, `type X = ...`) or sits in the
    # `type_params` of a def or class statement: statements are all there is to check.
    for node in traversal.statements(tree):
        node_type = type(node)
        if node_type in _ASTOR_UNSUPPORTED_TYPES:
            return False
        if node_type in _MAY_HAVE_TYPE_PARAMS and getattr(node, "type_params", None):
            return False
    return True


def _lacks_location(node: ast.AST) -> bool:
    return "lineno" in node._attributes and not hasattr(node, "lineno")


def _copy(node):
    """Copies the tree's structure (not annotations or origins) so rendering changes nothing."""
    if isinstance(node, list):
        return [_copy(n) for n in node]
    if isinstance(node, ast.AST):
        fields = {f: _copy(getattr(node, f)) for f in node._fields if hasattr(node, f)}
        locations = {a: getattr(node, a) for a in node._attributes if hasattr(node, a)}
        return type(node)(**fields, **locations)
    return node


def _finish(tree: ast.AST, text: str) -> str:
    text = text.rstrip("\n")
    if isinstance(tree, (ast.mod, ast.stmt)) and not isinstance(tree, ast.Expression):
        return text + "\n"
    return text
