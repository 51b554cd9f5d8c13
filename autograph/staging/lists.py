"""Lists grown inside staged loops.

A Python list of tensors is ordinary state while its length stays fixed (pytrees.py). A
list that a *staged* loop grows with `append` would need a length known only at run time;
that is reported by the loop (loops.py) with the fix to apply — preallocate an array and
assign rows — and, when the loop is bounded by a Python scalar argument, by retracing with
that argument static, which unrolls the loop. No staged list type exists yet, so these
entry points of the operators only ever see Python lists; `list_pop` is called for a
Python list popped inside a staged region, and refuses (`in_staged_region`).
"""

from __future__ import annotations

from autograph.staging import context


def is_staged_list(value) -> bool:
    return False


def list_append(target, item):
    raise context.staging_error("staged lists are not supported")


def in_staged_region() -> bool:
    """Whether tracing is inside a staged loop body or branch (a region of the graph)."""
    ctx = context.current()
    return ctx is not None and len(ctx.frames) > 1


def list_pop(target, *index):
    """`list.pop` inside a staged loop or branch: refused, naming the line. Performed while
    tracing it would pop once, not on every iteration the program runs (issue 15)."""
    raise context.staging_error(
        "list.pop inside a staged loop or branch would run once, while the function is "
        "traced, not every time the program runs it; read the list with an index that the "
        "loop advances (`lst[n - 1 - i]`), or keep the items in an array and a count")
