"""Annotations on AST nodes: the results of analyses, read by converters.

Keys are enum members, never strings, so a typo is an AttributeError at import time
rather than a silently missing annotation. Other packages may define their own
`enum.Enum` of keys; any enum member is accepted. Annotations live in a dict attribute
`ag_anno` on the node; `copy.deepcopy` of a node copies them along.
"""

from __future__ import annotations

import ast
import enum

ANNO_ATTR = "ag_anno"


class Static(enum.Enum):
    """Keys set by the `pyct.analysis` modules.

    Scopes are `analysis.activity.Scope` objects; live and defined sets are frozensets
    of names.
    """

    SCOPE = "the activity of a statement as a whole"
    BODY_SCOPE = "the activity of a compound statement's body (for `for`: target included)"
    ORELSE_SCOPE = "the activity of an if/while/for/try `else` block"
    COND_SCOPE = "the activity of an if/while test"
    ITERATE_SCOPE = "the activity of a for loop's iterated expression"
    LIVE_IN = "names live before the statement"
    LIVE_OUT = "names live after the statement"
    DEFINED_IN = "names bound on every path reaching the statement"
    SKIP_PROCESSING = "the node was generated and converters must leave it alone"


Key = Static  # the generic name, for code that does not care who sets the key

# Short aliases: `anno.LIVE_IN` reads better than `anno.Static.LIVE_IN` at call sites.
SCOPE = Static.SCOPE
BODY_SCOPE = Static.BODY_SCOPE
ORELSE_SCOPE = Static.ORELSE_SCOPE
COND_SCOPE = Static.COND_SCOPE
ITERATE_SCOPE = Static.ITERATE_SCOPE
LIVE_IN = Static.LIVE_IN
LIVE_OUT = Static.LIVE_OUT
DEFINED_IN = Static.DEFINED_IN
SKIP_PROCESSING = Static.SKIP_PROCESSING


class _NoDefault:
    def __repr__(self) -> str:
        return "<no default>"


_NONE = _NoDefault()


def _check_key(key) -> None:
    if not isinstance(key, enum.Enum):
        raise TypeError(f"annotation keys are enum members, not {type(key).__name__} ({key!r})")


def getanno(node: ast.AST, key: enum.Enum, default=_NONE):
    """The annotation `key` of `node`; `default` if absent, or KeyError without one."""
    _check_key(key)
    annotations = getattr(node, ANNO_ATTR, None) or {}
    if key in annotations:
        return annotations[key]
    if default is _NONE:
        raise KeyError(f"{type(node).__name__} node has no annotation {key}")
    return default


def setanno(node: ast.AST, key: enum.Enum, value) -> None:
    _check_key(key)
    annotations = getattr(node, ANNO_ATTR, None)
    if annotations is None:
        annotations = {}
        setattr(node, ANNO_ATTR, annotations)
    annotations[key] = value


def hasanno(node: ast.AST, key: enum.Enum) -> bool:
    _check_key(key)
    return key in (getattr(node, ANNO_ATTR, None) or {})


def delanno(node: ast.AST, key: enum.Enum) -> None:
    """Removes the annotation if present (absent is fine)."""
    _check_key(key)
    annotations = getattr(node, ANNO_ATTR, None)
    if annotations:
        annotations.pop(key, None)


def copyanno(src: ast.AST, dst: ast.AST, key: enum.Enum) -> None:
    """Copies annotation `key` from `src` to `dst`, if `src` has it."""
    if hasanno(src, key):
        setanno(dst, key, getanno(src, key))
