"""Lists grown inside staged loops.

A Python list of tensors is ordinary state while its length stays fixed (pytrees.py). A
list that a *staged* loop grows with `append` would need a length known only at run time;
that is reported by the loop (loops.py) with the fix to apply — preallocate an array and
assign rows — and, when the loop is bounded by a Python scalar argument, by retracing with
that argument static, which unrolls the loop. No staged list type exists yet, so these
entry points of the operators only ever see Python lists.
"""

from __future__ import annotations

from autograph.staging import context


def is_staged_list(value) -> bool:
    return False


def list_append(target, item):
    raise context.staging_error("staged lists are not supported")


def list_pop(target, *index):
    raise context.staging_error("staged lists are not supported")
