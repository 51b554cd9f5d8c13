"""List mutation written as rebinding (`l = ag__.list_append(l, x)`).

The rewrite makes `l` visibly modified for the converters' analyses, so a list grown in a
staged loop becomes loop state; on Python lists it is the ordinary in-place mutation.
"""

from __future__ import annotations

from autograph import staging


def list_append(target, item):
    if isinstance(target, list):
        target.append(item)
        return target
    if staging.is_staged_list(target):
        return staging.list_append(target, item)
    target.append(item)  # any other object with an append method keeps its own meaning
    return target


def list_pop(target, *index):
    """Returns (target, popped item)."""
    if staging.is_staged_list(target) or (isinstance(target, list)
                                          and staging.in_staged_region()):
        return staging.list_pop(target, *index)  # refused: it would pop once, while tracing
    item = target.pop(*index)
    return target, item
