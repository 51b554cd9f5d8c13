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
