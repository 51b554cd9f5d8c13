"""List mutation as rebinding, so analyses see which lists a loop grows:
    l.append(x)      →  l = ag__.list_append(l, x)
    y = l.pop()      →  l, y = ag__.list_pop(l)
    l.pop()          →  l, _ = ag__.list_pop(l)     (a fresh name in place of _)
Only lists named by a plain variable are rewritten.
"""

from __future__ import annotations

import ast

from autograph.converters import base


def _method_call_on_name(expr, method):
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == method
        and isinstance(expr.func.value, ast.Name)
        and not expr.keywords
    )


class ListTransformer(base.Converter):
    def visit_Expr(self, node):
        self.generic_visit(node)
        call = node.value
        if _method_call_on_name(call, "append") and len(call.args) == 1:
            target = call.func.value.id
            new = base.assign_name(target, base.ag_call("list_append", base.name(target), call.args[0]))
            return base.located(new, node)
        if _method_call_on_name(call, "pop") and len(call.args) <= 1:
            return self._pop(call, self.ctx.namer.new_name("popped"), node)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        if (len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and _method_call_on_name(node.value, "pop") and len(node.value.args) <= 1):
            return self._pop(node.value, node.targets[0].id, node)
        return node

    def _pop(self, call, result_name, node):
        target = call.func.value.id
        value = base.ag_call("list_pop", base.name(target), *call.args)
        return base.located(base.assign(base.names_tuple([target, result_name], ast.Store()), value), node)


def transform(node, ctx):
    return ListTransformer(ctx).visit(node)
