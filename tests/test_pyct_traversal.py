"""pyct.traversal: the faster walks and visitors must behave exactly as `ast`'s do."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from autograph.pyct import traversal

ROOT = Path(__file__).resolve().parent.parent

# Real code of every shape: this project's converters, analyses and a test full of syntax.
SOURCES = [
    ROOT / "autograph" / "converters" / "control_flow.py",
    ROOT / "autograph" / "pyct" / "analysis" / "activity.py",
    ROOT / "autograph" / "pyct" / "sources.py",
    ROOT / "tests" / "test_converter_golden.py",
]

SYNTAX = '''
async def f(a, /, b=1, *c, d: int = 2, **e):
    global g
    x = [i async for i in c if i] + [j for j in range(3)]
    y = {k: v for k, v in e.items()}
    async with a as (p, q), b:
        await p
    try:
        del x[0], y
    except* ValueError as err:
        raise err from None
    finally:
        pass
    match x:
        case [1, *rest] if rest:
            lambda: (yield)
        case {"k": v, **kw} | Point(x=0):
            pass
    return f"{x!r:>{b}}" if (n := len(x)) else ...
'''


def _trees():
    trees = [ast.parse(path.read_text(), str(path)) for path in SOURCES]
    trees.append(ast.parse(SYNTAX))
    return trees


@pytest.mark.parametrize("tree", _trees(), ids=[p.name for p in SOURCES] + ["syntax"])
def test_walk_and_child_nodes_match_ast(tree):
    walked = traversal.walk(tree)
    assert [id(n) for n in walked] == [id(n) for n in ast.walk(tree)]
    for node in walked:
        assert traversal.child_nodes(node) == list(ast.iter_child_nodes(node))


class _Renamer:
    """The same transformation written against either base class."""

    def visit_Name(self, node):
        if node.id == "x":
            return ast.copy_location(ast.Name(id="renamed", ctx=node.ctx), node)
        return node

    def visit_Pass(self, node):
        return None  # removed from its list

    def visit_Expr(self, node):
        self.generic_visit(node)
        return [node, ast.copy_location(ast.Expr(value=ast.Constant(value=1)), node)]  # spliced

    def visit_Constant(self, node):
        return ast.copy_location(ast.Constant(value=node.value), node) if node.value == 2 else node


class _AstRenamer(_Renamer, ast.NodeTransformer):
    pass


class _FastRenamer(_Renamer, traversal.NodeTransformer):
    pass


@pytest.mark.parametrize("tree", _trees(), ids=[p.name for p in SOURCES] + ["syntax"])
def test_transformer_matches_ast_node_transformer(tree):
    expected = _AstRenamer().visit(copy.deepcopy(tree))
    got = _FastRenamer().visit(copy.deepcopy(tree))
    assert ast.dump(got, include_attributes=True) == ast.dump(expected, include_attributes=True)


class _Counter:
    def __init__(self):
        self.seen = []

    def visit_Name(self, node):
        self.seen.append(("name", node.id))

    def visit_Load(self, node):  # a leaf with a visitor of its own must still be visited
        self.seen.append(("load",))

    def visit_FunctionDef(self, node):
        self.seen.append(("def", node.name))
        self.generic_visit(node)


class _AstCounter(_Counter, ast.NodeVisitor):
    pass


class _FastCounter(_Counter, traversal.NodeVisitor):
    pass


@pytest.mark.parametrize("tree", _trees(), ids=[p.name for p in SOURCES] + ["syntax"])
def test_visitor_matches_ast_node_visitor(tree):
    expected, got = _AstCounter(), _FastCounter()
    expected.visit(tree)
    got.visit(tree)
    assert got.seen == expected.seen
    assert ("load",) in got.seen


def test_each_visitor_class_has_its_own_dispatch():
    class A(traversal.NodeVisitor):
        def __init__(self):
            self.names = 0

        def visit_Name(self, node):
            self.names += 1

    class B(A):
        def visit_Name(self, node):
            self.names += 10

    tree = ast.parse("a + b")
    a, b = A(), B()
    a.visit(tree)
    b.visit(tree)
    assert (a.names, b.names) == (2, 20)


def test_statements_only_visitors_skip_expressions_but_not_statements():
    class Statements(traversal.NodeTransformer):
        STATEMENTS_ONLY = True

        def __init__(self):
            self.seen = []

        def generic_visit(self, node):
            self.seen.append(type(node).__name__)
            return super().generic_visit(node)

        def visit_Lambda(self, node):  # an expression type it asks for is still visited
            self.seen.append("lambda")
            return super().generic_visit(node)

    visitor = Statements()
    visitor.visit(ast.parse("while f(x):\n    if y:\n        break\n    g = lambda: z\n"))
    assert visitor.seen == ["Module", "While", "If", "Break", "Assign", "lambda", "arguments"]


def test_own_generic_visit_still_sees_leaves():
    class Leaves(traversal.NodeTransformer):
        def __init__(self):
            self.leaves = 0

        def generic_visit(self, node):
            if not node._fields:
                self.leaves += 1
            return super().generic_visit(node)

    visitor = Leaves()
    visitor.visit(ast.parse("x = a + b"))
    assert visitor.leaves == 4  # Store, Load, Add, Load


@pytest.mark.parametrize("tree", _trees(), ids=[p.name for p in SOURCES] + ["syntax"])
def test_statements_are_the_statements_of_ast_walk(tree):
    expected = {id(n) for n in ast.walk(tree) if isinstance(n, ast.stmt)}
    found = traversal.statements(tree)
    assert len(found) == len(expected) and {id(n) for n in found} == expected
    assert traversal.statements(ast.parse("lambda: (yield)", mode="eval")) == []
