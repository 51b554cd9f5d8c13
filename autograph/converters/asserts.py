"""`assert test, msg` → `ag__.assert_stmt(test, lambda: msg)`: the message stays lazy and
a tensor condition can be staged."""

from __future__ import annotations

import ast

from autograph.converters import base


class AssertTransformer(base.Converter):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def visit_Assert(self, node):
        self.generic_visit(node)
        args = [node.test] + ([base.thunk(node.msg)] if node.msg is not None else [])
        return base.located(ast.Expr(value=base.ag_call("assert_stmt", *args)), node)


def transform(node, ctx):
    return AssertTransformer(ctx).visit(node)
