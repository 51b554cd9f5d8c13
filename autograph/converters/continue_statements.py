"""`continue` → a flag reset at the top of each iteration, set where `continue` was, and
the rest of the iteration guarded by `if not continue_:`.

Example:
    for i in range(n):             for i in range(n):
        if i % 2:                      continue_ = False
            continue        →          if i % 2:
        s += i                             continue_ = True
                                       if not continue_:
                                           s += i
"""

from __future__ import annotations

import ast

from autograph.converters import base, guards


class ContinueTransformer(base.Converter):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def visit_While(self, node):
        return self._visit_loop(node)

    def visit_For(self, node):
        return self._visit_loop(node)

    def _visit_loop(self, node):
        self.generic_visit(node)
        if not any(isinstance(n, ast.Continue) for n in base.walk_loop_body(node.body)):
            return node
        flag = self.ctx.namer.new_name("continue_")
        body = guards.replace_jumps(node.body, ast.Continue, flag)
        holder = ast.Module(body=body, type_ignores=[])
        guards.guard_nested_blocks(holder, flag)
        reset = base.located(base.assign_name(flag, ast.Constant(value=False)), node.body[0])
        node.body = [reset] + holder.body
        return node


def transform(node, ctx):
    return ContinueTransformer(ctx).visit(node)
