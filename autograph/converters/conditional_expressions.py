"""`a if cond else b` → `ag__.if_exp(cond, lambda: a, lambda: b)`.

Both branches become thunks so that, with a Python condition, only the branch taken runs,
and with a tensor condition both can be traced into a `cond`.
"""

from __future__ import annotations

from autograph.converters import base


class IfExpTransformer(base.Converter):
    def visit_IfExp(self, node):
        self.generic_visit(node)
        call = base.ag_call("if_exp", node.test, base.thunk(node.body), base.thunk(node.orelse))
        return base.located(call, node)


def transform(node, ctx):
    return IfExpTransformer(ctx).visit(node)
