"""Python containers of values as (leaves, structure): lists, tuples, dicts, namedtuples.

Arguments, return values and the state of staged branches and loops may be containers of
arrays. Tracing works on the flat list of leaves; the structure (a hashable `TreeDef`) is
static — part of the signature key, and required to be the same on both sides of a branch
and around a loop. Everything that is not one of these containers is a leaf.
"""

from __future__ import annotations

from typing import Any, Iterator


class TreeDef:
    """The static structure of a container tree; hashable, comparable."""

    __slots__ = ("kind", "meta", "children", "_hash")

    def __init__(self, kind: str, meta, children: tuple):
        self.kind = kind          # "leaf", "tuple", "list", "dict", "namedtuple"
        self.meta = meta          # dict keys, namedtuple class, or None
        self.children = children
        self._hash = hash((kind, meta if kind != "namedtuple" else id(meta), children))

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeDef) and self._hash == other._hash
                and self.kind == other.kind and self.meta == other.meta
                and self.children == other.children)

    def __hash__(self) -> int:
        return self._hash

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        inner = ", ".join(map(repr, self.children))
        if self.kind == "list":
            return f"[{inner}]"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.meta, self.children)) + "}"
        if self.kind == "namedtuple":
            return f"{self.meta.__name__}({inner})"
        return f"({inner}{',' if len(self.children) == 1 else ''})"


LEAF = TreeDef("leaf", None, ())


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def flatten(tree) -> tuple[list, TreeDef]:
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves: list) -> TreeDef:
    kind = type(tree)
    if kind is tuple:
        return TreeDef("tuple", None, tuple(_flatten(c, leaves) for c in tree))
    if kind is list:
        return TreeDef("list", None, tuple(_flatten(c, leaves) for c in tree))
    if kind is dict:
        return TreeDef("dict", tuple(tree), tuple(_flatten(c, leaves) for c in tree.values()))
    if _is_namedtuple(tree):
        return TreeDef("namedtuple", kind, tuple(_flatten(c, leaves) for c in tree))
    leaves.append(tree)
    return LEAF


def unflatten(treedef: TreeDef, leaves) -> Any:
    it = iter(leaves)
    result = _build(treedef, it)
    return result


def _build(treedef: TreeDef, it: Iterator):
    kind = treedef.kind
    if kind == "leaf":
        return next(it)
    children = [_build(c, it) for c in treedef.children]
    if kind == "tuple":
        return tuple(children)
    if kind == "list":
        return children
    if kind == "dict":
        return dict(zip(treedef.meta, children))
    return treedef.meta(*children)


def paths(treedef: TreeDef, prefix: str = "") -> list[str]:
    """A readable path per leaf: `x`, `x[0]`, `x['w']`, `x.field`."""
    if treedef.kind == "leaf":
        return [prefix]
    out: list[str] = []
    for i, child in enumerate(treedef.children):
        if treedef.kind == "dict":
            step = f"[{treedef.meta[i]!r}]"
        elif treedef.kind == "namedtuple":
            step = f".{treedef.meta._fields[i]}"
        else:
            step = f"[{i}]"
        out.extend(paths(child, prefix + step))
    return out
