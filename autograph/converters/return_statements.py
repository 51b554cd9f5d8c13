"""`return` anywhere → one exit at the end of the function.

A `return` inside a loop or a branch becomes `do_return = True; retval_ = value`; what
follows it is guarded by `if not do_return:`, loops containing it stop through their test,
and the function ends with `return ag__.return_value(retval_)`. A function whose only
`return` is its last statement is left alone.

A function whose end may be reached (`if c: return x` and nothing after it) gets the
`return None` Python runs there written out, so that a staged `if` that returns a tensor on
one path and falls off the end on the other meets None against the tensor and is refused
with an error naming the line (a graph output cannot be None on some calls), instead of
returning the placeholder zeros the return value holds on paths that did not return.

Example:
    def f(n):                        def f(n):
        for i in range(n):               do_return = False
            if i * i > n:                retval_ = ag__.UndefinedReturnValue()
                return i        →        for i in range(n):       # extra test: not do_return
        return -1                            if i * i > n:
                                                 retval_ = i
                                                 do_return = True
                                         if not do_return:
                                             retval_ = -1
                                             do_return = True
                                         return ag__.return_value(retval_)
"""

from __future__ import annotations

import ast

from autograph.converters import base, guards, loop_tests
from autograph.pyct import traversal


def _needs_lowering(fn: ast.FunctionDef) -> bool:
    returns = [n for n in base.walk_local(fn) if isinstance(n, ast.Return)]
    if not returns:
        return False
    return not (len(returns) == 1 and fn.body[-1] is returns[0])


class _ReturnReplacer(traversal.NodeTransformer):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def __init__(self, flag, retval):
        self.flag, self.retval = flag, retval

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Return(self, node):
        value = node.value if node.value is not None else ast.Constant(value=None)
        return base.located(
            # retval_ first: statements after an unconditional `flag = True` are dropped as dead
            [base.assign_name(self.retval, value), base.assign_name(self.flag, ast.Constant(value=True))],
            node,
        )

    def visit_While(self, node):
        self.generic_visit(node)
        if _sets(node.body, self.flag):
            loop_tests.add_stop_flag(node, self.flag)
            if node.orelse:  # the loop now also ends through its test: `else` must not run then
                guard = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=base.name(self.flag)),
                               body=node.orelse, orelse=[])
                node.orelse = [base.located(guard, node.orelse[0])]
        return node

    visit_For = visit_While


def _sets(stmts, flag):
    return any(guards.sets_flag(s, flag) for s in stmts)


def falls_through(stmts) -> bool:
    """Whether running `stmts` may reach their end (conservative: True when unsure)."""
    if not stmts:
        return True
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return False
    if isinstance(last, ast.If):
        return falls_through(last.body) or falls_through(last.orelse)
    if isinstance(last, ast.While) and isinstance(last.test, ast.Constant) and last.test.value:
        return any(isinstance(n, ast.Break) for n in _own_statements(last.body))
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return falls_through(last.body)
    return True


def _own_statements(stmts):
    """The statements of a loop body, not those of loops (or functions) nested in it."""
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, (ast.For, ast.While, ast.AsyncFor, ast.FunctionDef,
                             ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _own_statements(inner)


class ReturnTransformer(base.Converter):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def visit_FunctionDef(self, node):
        self.generic_visit(node)  # nested functions have their own returns
        if not _needs_lowering(node):
            return node
        flag = self.ctx.namer.new_name("do_return")
        retval = self.ctx.namer.new_name("retval_")
        if falls_through(node.body):  # the implicit `return None`, written out
            node.body.append(base.located(ast.Return(value=ast.Constant(value=None)),
                                          node.body[-1]))
        body = _ReturnReplacer(flag, retval).visit(ast.Module(body=node.body, type_ignores=[])).body
        holder = ast.Module(body=body, type_ignores=[])
        guards.guard_nested_blocks(holder, flag)
        docstring = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            docstring, holder.body = holder.body[:1], holder.body[1:]
        prologue = base.located([
            base.assign_name(flag, ast.Constant(value=False)),
            base.assign_name(retval, base.ag_call("UndefinedReturnValue")),
        ], node.body[0] if node.body else node)
        epilogue = base.located(
            ast.Return(value=base.ag_call("return_value", base.name(retval))), node.body[-1]
        )
        node.body = docstring + prologue + holder.body + [epilogue]
        return node


def transform(node, ctx):
    return ReturnTransformer(ctx).visit(node)
