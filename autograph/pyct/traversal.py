"""Tree walks and visitors with `ast`'s exact semantics, at about half its cost.

Converting one function walks its tree dozens of times (ten converters, three analyses,
rendering, the source map), and the standard library's helpers are generator chains:
`ast.walk` goes through `iter_child_nodes` and `iter_fields` per node, and
`NodeVisitor.visit` builds a method name and looks it up on every node. Those helpers took
nearly half of the ~40 ms that converting a 50-line function took. The versions here read
`_fields` directly, return lists, remember which method handles each node type, and skip
nodes whose visit could do nothing (see `_Dispatching`).

Orders and results are those of `ast`: `walk` is breadth-first like `ast.walk`,
`child_nodes` lists what `ast.iter_child_nodes` yields, and the visitor classes behave as
`ast.NodeVisitor` / `ast.NodeTransformer` do for subclasses that define no `visit_Num`,
`visit_Str`, ... (the deprecated names `ast.NodeVisitor.visit_Constant` checks for).
"""

from __future__ import annotations

import ast
from typing import ClassVar

_AST = ast.AST


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The direct children of `node`, in `ast.iter_child_nodes` order."""
    children = []
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, _AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend([item for item in value if isinstance(item, _AST)])
    return children


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node` (itself first), in `ast.walk`'s breadth-first order."""
    found = [node]
    # `child_nodes` written out in the loop: `walk` is the converter's hottest loop and a
    # call per node costs more than the body (conversion time, benchmarks/conversion.py).
    for current in found:  # a list iterator also yields what is appended while iterating
        for field in current._fields:
            value = getattr(current, field, None)
            if isinstance(value, _AST):
                found.append(value)
            elif isinstance(value, list):
                found.extend([item for item in value if isinstance(item, _AST)])
    return found


_HOLDS_STATEMENTS = (ast.mod, ast.stmt, ast.excepthandler, ast.match_case)


def statements(node: ast.AST) -> list[ast.stmt]:
    """The statements under `node` (itself included), nested ones too, in no promised
    order. Only modules, statements, `except` handlers and `case` clauses hold statements
    (a lambda's body is an expression), so expressions are not walked."""
    found, todo = [], [node]
    for current in todo:
        if isinstance(current, ast.stmt):
            found.append(current)
        todo.extend([c for c in child_nodes(current) if isinstance(c, _HOLDS_STATEMENTS)])
    return found


def _visit(self, node):
    """`ast.NodeVisitor.visit`, with the method lookup done once per node type."""
    node_type = type(node)
    method = self._ag_dispatch.get(node_type)
    if method is None:
        visitor_class = type(self)
        method = getattr(visitor_class, "visit_" + node_type.__name__, visitor_class.generic_visit)
        self._ag_dispatch[node_type] = method
    return method(self, node)


# Node types without fields: contexts (`Load`, `Store`), operators, `pass`, `break`, ...
# About a third of a tree's nodes, and visiting one with `generic_visit` does nothing.
_LEAF_BASES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop, ast.stmt)
_LEAF_TYPES = frozenset(
    t for t in vars(ast).values()
    if isinstance(t, type) and issubclass(t, _LEAF_BASES) and t not in _LEAF_BASES and not t._fields
)
_EXPRESSION_TYPES = frozenset(
    t for t in vars(ast).values() if isinstance(t, type) and issubclass(t, ast.expr) and t is not ast.expr
)


class _Dispatching:
    """Gives every visitor class its own `node type -> unbound visit method` cache, and
    the node types its `generic_visit` does not descend into (`_ag_skipped`), those it
    has no `visit_` method for among:

    - leaves (`_LEAF_TYPES`), unless the class has a `generic_visit` of its own;
    - expressions, if the class sets `STATEMENTS_ONLY`: a visitor that only looks at or
      rewrites statements need not walk expressions, which cannot hold statements (a
      lambda's body is an expression) and are most of a tree's nodes.

    Both are fixed when the class is made: visit methods added later are not seen.
    """

    STATEMENTS_ONLY: ClassVar[bool] = False
    _ag_dispatch: ClassVar[dict] = {}
    _ag_skipped: ClassVar[frozenset] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._ag_dispatch = {}
        skipped = set()
        if getattr(cls.generic_visit, "_ag_does_nothing_with_leaves", False):
            skipped |= _LEAF_TYPES
        if cls.STATEMENTS_ONLY:
            skipped |= _EXPRESSION_TYPES
        cls._ag_skipped = frozenset(t for t in skipped if not hasattr(cls, "visit_" + t.__name__))


class NodeVisitor(_Dispatching, ast.NodeVisitor):
    """`ast.NodeVisitor` with a cached dispatch and a generic visit that reads `_fields`."""

    visit = _visit

    def generic_visit(self, node):
        skipped = self._ag_skipped
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, _AST):
                if type(value) not in skipped:
                    self.visit(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _AST) and type(item) not in skipped:
                        self.visit(item)

    generic_visit._ag_does_nothing_with_leaves = True

    def visit_Constant(self, node):
        # ast.NodeVisitor's version looks for the deprecated visit_Num/visit_Str/... on
        # every constant; none of ours define them. A Constant has no child nodes.
        return self.generic_visit(node)


class NodeTransformer(_Dispatching, ast.NodeTransformer):
    """`ast.NodeTransformer` with a cached dispatch and a generic visit that reads
    `_fields`: a visit returning None removes the node, a list is spliced into a list
    field."""

    visit = _visit

    def generic_visit(self, node):
        skipped = self._ag_skipped
        for field in node._fields:
            try:
                old_value = getattr(node, field)
            except AttributeError:
                continue
            if isinstance(old_value, list):
                new_values = []
                for value in old_value:
                    if isinstance(value, _AST) and type(value) not in skipped:
                        value = self.visit(value)
                        if value is None:
                            continue
                        if not isinstance(value, _AST):
                            new_values.extend(value)
                            continue
                    new_values.append(value)
                old_value[:] = new_values
            elif isinstance(old_value, _AST) and type(old_value) not in skipped:
                new_node = self.visit(old_value)
                if new_node is None:
                    delattr(node, field)
                else:
                    setattr(node, field, new_node)
        return node

    generic_visit._ag_does_nothing_with_leaves = True

    def visit_Constant(self, node):
        # As in NodeVisitor above: skip the deprecated-name checks of ast's version.
        return self.generic_visit(node)
