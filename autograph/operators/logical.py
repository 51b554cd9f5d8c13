"""`and`, `or`, `not` and chained comparisons, keeping Python's short-circuit evaluation.

The right operand arrives as a function so that it is evaluated only when Python would
evaluate it; with a tensor on the left the staging layer decides (both sides become a
staged logical op).
"""

from __future__ import annotations

import operator

from autograph import staging


def and_(left, right):
    value = left()
    if staging.is_tensor(value):
        return staging.logical_and(value, right)
    return right() if value else value


def or_(left, right):
    value = left()
    if staging.is_tensor(value):
        return staging.logical_or(value, right)
    return value if value else right()


def not_(value):
    if staging.is_tensor(value):
        return staging.logical_not(value)
    return not value


_COMPARISONS = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not,
}


def compare_chain(first, *links):
    """`a < b <= c`: `links` alternate an operator symbol and a function giving the next
    operand; each operand is evaluated at most once, and not at all after a false link."""
    left = first
    result = True
    for i in range(0, len(links), 2):
        symbol, next_operand = links[i], links[i + 1]
        right = next_operand()
        link = _COMPARISONS[symbol](left, right)
        result = link if result is True else and_(lambda: result, lambda: link)
        if not staging.is_tensor(result) and not result:
            return result
        left = right
    return result
