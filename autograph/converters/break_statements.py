"""`break` → a flag: `break_ = True`, the rest of the iteration guarded, the loop's test
extended with `not break_`, and the loop's `else` run only when the flag is unset.

Example:
    while x > 0:                     break_ = False
        if x == 3:                   while not break_ and x > 0:
            break          →             if x == 3:
        x -= 1                               break_ = True
    else:                                if not break_:
        x = 100                              x -= 1
                                     if not break_:
                                         x = 100
"""

from __future__ import annotations

import ast

from autograph.converters import base, guards, loop_tests


class BreakTransformer(base.Converter):
    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def visit_While(self, node):
        return self._visit_loop(node)

    def visit_For(self, node):
        return self._visit_loop(node)

    def _visit_loop(self, node):
        self.generic_visit(node)  # inner loops first: their breaks are theirs
        breaks = [n for n in base.walk_loop_body(node.body) if isinstance(n, ast.Break)]
        if not breaks:
            return node
        flag = self.ctx.namer.new_name("break_")
        node.body = guards.replace_jumps(node.body, ast.Break, flag)
        guards.guard_nested_blocks(node, flag)
        loop_tests.add_stop_flag(node, flag)
        result = [base.located(base.assign_name(flag, ast.Constant(value=False)), node), node]
        if node.orelse:
            orelse = ast.If(
                test=ast.UnaryOp(op=ast.Not(), operand=base.name(flag)), body=node.orelse, orelse=[]
            )
            node.orelse = []
            result.append(base.located(orelse, orelse.body[0]))
        return result


def transform(node, ctx):
    return BreakTransformer(ctx).visit(node)
