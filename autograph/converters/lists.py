"""List mutation as rebinding, so analyses see which lists a loop grows:
    l.append(x)      →  l = ag__.list_append(l, x)
    y = l.pop()      →  l, y = ag__.list_pop(l)
    l.pop()          →  l, _ = ag__.list_pop(l)     (a fresh name in place of _)
Only lists held in a local variable of the function being converted are rewritten: for a
list a nested function reaches through its closure (or a global), the rebinding would make
the name local and break the closure.
"""

from __future__ import annotations

import ast

from autograph.converters import base
from autograph.pyct.analysis import activity


def _method_call_on_name(expr, method):
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == method
        and isinstance(expr.func.value, ast.Name)
        and not expr.keywords
    )


def _local_names(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    """Parameters and names bound in `fn`'s own scope (not global/nonlocal ones)."""
    params = activity.arg_names(fn.args)
    if isinstance(fn, ast.Lambda):
        return params
    scope = activity.block_scope(fn.body)
    return (params | scope.modified) - scope.nonlocals


class ListTransformer(base.Converter):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def __init__(self, ctx):
        super().__init__(ctx)
        self.locals: list[set[str]] = [set()]

    def visit_FunctionDef(self, node):
        self.locals.append(_local_names(node))
        self.generic_visit(node)
        self.locals.pop()
        return node

    def visit_Lambda(self, node):
        self.locals.append(_local_names(node))
        self.generic_visit(node)
        self.locals.pop()
        return node

    def _is_local(self, call) -> bool:
        return call.func.value.id in self.locals[-1]

    def visit_Expr(self, node):
        self.generic_visit(node)
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name) and self._is_local(call)):
            return node
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
                and _method_call_on_name(node.value, "pop") and len(node.value.args) <= 1
                and self._is_local(node.value)):
            return self._pop(node.value, node.targets[0].id, node)
        return node

    def _pop(self, call, result_name, node):
        target = call.func.value.id
        value = base.ag_call("list_pop", base.name(target), *call.args)
        return base.located(base.assign(base.names_tuple([target, result_name], ast.Store()), value), node)


def transform(node, ctx):
    return ListTransformer(ctx).visit(node)
