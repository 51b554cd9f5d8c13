"""The extra test a `for` loop gets when a `break` or `return` inside it is lowered.

A `while` loop takes the flag into its own test (`while not break_ and test`); a `for`
loop has no test, so the flag check is kept on the node and the control-flow converter
passes it to `ag__.for_stmt` as `extra_test`.
"""

from __future__ import annotations

import ast

_ATTR = "ag_extra_test"


def add_stop_flag(loop: ast.For | ast.While, flag: str) -> None:
    """The loop stops before an iteration once `flag` is true."""
    keep_going = ast.UnaryOp(op=ast.Not(), operand=ast.Name(id=flag, ctx=ast.Load()))
    if isinstance(loop, ast.While):
        loop.test = ast.BoolOp(op=ast.And(), values=[keep_going, loop.test])
        return
    existing = getattr(loop, _ATTR, None)
    combined = keep_going if existing is None else ast.BoolOp(op=ast.And(), values=[keep_going, existing])
    setattr(loop, _ATTR, combined)


def extra_test(loop: ast.For) -> ast.expr | None:
    return getattr(loop, _ATTR, None)
