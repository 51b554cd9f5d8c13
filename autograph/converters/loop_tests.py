"""The extra test a loop gets when a `break` or `return` inside it is lowered.

A `while` loop takes the flag into its own test (`while not break_ and test`). A `for`
loop has no test, so the check is kept *in the tree*, as a marker statement at the end of
its body:

    for x in xs:
        ...
        ag__.loop_test(not break_)

where the analyses see it for what it is — a read of the flag before the next iteration,
which makes the flag loop state — and the control-flow converter takes it out again and
passes it to `ag__.for_stmt` as `extra_test`. Guards never wrap the marker.
"""

from __future__ import annotations

import ast

from autograph.converters import base

MARKER = "loop_test"


def is_marker(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and base.is_ag_call(stmt.value)
            and stmt.value.func.attr == MARKER)


def add_stop_flag(loop: ast.For | ast.While, flag: str) -> None:
    """The loop stops before an iteration once `flag` is true."""
    keep_going = ast.UnaryOp(op=ast.Not(), operand=ast.Name(id=flag, ctx=ast.Load()))
    if isinstance(loop, ast.While):
        loop.test = ast.BoolOp(op=ast.And(), values=[keep_going, loop.test])
        return
    existing = pop_extra_test(loop)
    combined = keep_going if existing is None else ast.BoolOp(op=ast.And(), values=[keep_going, existing])
    marker = ast.Expr(value=base.ag_call(MARKER, combined))
    loop.body.append(base.located(marker, loop.body[-1] if loop.body else loop))


def pop_extra_test(loop: ast.For) -> ast.expr | None:
    """Removes the marker from the end of the loop's body and returns its test."""
    if loop.body and is_marker(loop.body[-1]):
        return loop.body.pop().value.args[0]
    return None
