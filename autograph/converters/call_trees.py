"""Every call `f(a, *b, k=c, **d)` → `ag__.converted_call(f, (a, *b), {'k': c, **d})`.

`converted_call` decides at run time what `f` is: a user function is converted (lazily,
once), a builtin with a tensor argument gets its staged overload, anything else is called
as it is. Calls whose meaning depends on the calling frame (`super()`, `locals()`, `eval`)
and calls into the runtime itself are left alone.
"""

from __future__ import annotations

import ast

from autograph.converters import base

_FRAME_SENSITIVE = {"super", "locals", "globals", "vars", "eval", "exec", "dir"}


class CallTransformer(base.Converter):
    def __init__(self, ctx):
        super().__init__(ctx)
        self.depth = 0

    def visit_FunctionDef(self, node):
        """The converted function's own defaults were evaluated when the user defined it
        (the loader reuses them); only nested functions' defaults run converted code."""
        self.depth += 1
        try:
            if self.depth == 1:
                node.body = [self.visit(s) for s in node.body]
                return node
            return self.generic_visit(node)
        finally:
            self.depth -= 1

    def visit_Call(self, node):
        self.generic_visit(node)
        if base.is_ag_call(node):
            return node
        if isinstance(node.func, ast.Name) and node.func.id in _FRAME_SENSITIVE:
            return node
        args = ast.Tuple(elts=list(node.args), ctx=ast.Load())
        if node.keywords:
            kwargs = ast.Dict(
                keys=[ast.Constant(value=k.arg) if k.arg is not None else None for k in node.keywords],
                values=[k.value for k in node.keywords],
            )
        else:
            kwargs = ast.Constant(value=None)
        return base.located(base.ag_call("converted_call", node.func, args, kwargs), node)


def transform(node, ctx):
    return CallTransformer(ctx).visit(node)
