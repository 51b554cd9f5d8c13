"""Each `except` handler first hands what it caught to `ag__.caught`:

    try:                             try:
        ...                              ...
    except IndexError:       →       except IndexError as exc:
        y = -1.0                         ag__.caught(exc)
                                         y = -1.0

A handler may not swallow what tracing raised: an AutographError (the trace could not be
built), or an exception raised while tracing a staged branch or loop body, which the
program may never run (Python would not have raised at all). `ag__.caught` raises those
again, naming the user's line (operators/side_effects.py); anything else is the user's
exception and the handler runs as written. A `try` whose body is traced without raising
needs nothing: its `except` clauses are Python's, run while tracing.
"""

from __future__ import annotations

import ast

from autograph.converters import base


class TryHandlers(base.Converter):
    STATEMENTS_ONLY = True

    def visit_ExceptHandler(self, node):
        self.generic_visit(node)
        if node.name is None:
            node.name = self.ctx.namer.new_name("exc")
        check = base.located(ast.Expr(value=base.ag_call("caught", base.name(node.name))), node)
        node.body = [check] + node.body
        return node


def transform(node, ctx):
    return TryHandlers(ctx).visit(node)
