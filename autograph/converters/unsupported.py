"""Rejects, up front and with the user's file and line, what cannot be converted.

Running first means every later converter may assume supported syntax (the idea of
TensorFlow AutoGraph's unsupported_features_checker).
"""

from __future__ import annotations

import ast

from autograph.converters import base
from autograph.errors import ConversionError
from autograph.pyct import origins, traversal

_LOOPS = (ast.While, ast.For)


def _fail(node: ast.AST, what: str):
    raise ConversionError(f"{what} cannot be converted", origins.get_origin(node))


class UnsupportedChecker(traversal.NodeVisitor):
    def __init__(self):
        self.loop_depth = 0

    def visit_Yield(self, node):
        _fail(node, "a generator (`yield`)")

    def visit_YieldFrom(self, node):
        _fail(node, "a generator (`yield from`)")

    def visit_Await(self, node):
        _fail(node, "`await`")

    def visit_AsyncFunctionDef(self, node):
        _fail(node, "an `async def` function")

    def visit_AsyncFor(self, node):
        _fail(node, "`async for`")

    def visit_AsyncWith(self, node):
        _fail(node, "`async with`")

    def visit_Match(self, node):
        _fail(node, "a `match` statement (not supported yet; use if/elif)")

    def visit_FunctionDef(self, node):
        outer, self.loop_depth = self.loop_depth, 0
        self.generic_visit(node)
        self.loop_depth = outer

    visit_Lambda = visit_FunctionDef

    def visit_While(self, node):
        self.loop_depth += 1
        self.generic_visit(node)
        self.loop_depth -= 1

    visit_For = visit_While

    def visit_Try(self, node):
        for stmt in node.finalbody:
            for inner in base.walk_local(stmt):
                if isinstance(inner, (ast.Return, ast.Break, ast.Continue)):
                    _fail(inner, f"`{type(inner).__name__.lower()}` inside `finally`")
        if node.finalbody and self.loop_depth:
            for stmt in node.body + [h for h in node.handlers]:
                for inner in base.walk_loop_body([stmt] if isinstance(stmt, ast.stmt) else stmt.body):
                    if isinstance(inner, (ast.Return, ast.Break, ast.Continue)):
                        _fail(inner, f"`{type(inner).__name__.lower()}` inside `try`/`finally` in a loop")
        self.generic_visit(node)

    visit_TryStar = visit_Try


def transform(node, ctx):
    UnsupportedChecker().visit(node)
    return node
