"""Arrays the caller owns, which a converted function may write in place.

NumPy code writes into its arguments all the time: output buffers (`out[i] = ...`),
in-place stencils (`u[1:-1] = ...`), `x *= 2`, `np.copyto(x, y)`. The IR is functional, so
a write makes a new value; what the caller must see is the *last* value of each argument,
written back into the caller's array after the program ran (the runtime's write-back).

A `CallerArray` is the identity of one such array while tracing: every tensor handle that
is that array — the argument itself, the same array carried through a staged loop or out of
a staged `if` — has it as its `_alias`, and records itself here when created or written.
Where two paths join with different identities (`y = x` in one branch, `y = np.zeros(3)` in
the other), the joined value is not known to be the caller's array, so writes into it are
refused with a message saying why (`merge`): a write is either exactly NumPy's or refused.

`final_value` picks the argument's value at the end of the trace: the value of the last
handle recorded whose value lives in the graph's top region (handles of abandoned or closed
regions are skipped; their enclosing loop or branch recorded its own output handle later).
"""

from __future__ import annotations


class CallerArray:
    """The identity of one array the caller passed in (graph input `index`)."""

    __slots__ = ("path", "input", "index", "handles", "writes")

    def __init__(self, path: str, input_value, index: int):
        self.path = path
        self.input = input_value  # the graph input holding the array's value on entry
        self.index = index        # its position among the graph's inputs
        self.handles: list = []   # tensors that were this array, in the order they were made
        self.writes = 0

    def __str__(self) -> str:
        return f"the argument '{self.path}'"

    def record(self, tensor, write: bool = False) -> None:
        self.handles.append(tensor)
        if write:
            self.writes += 1

    def final_value(self, top_values) -> tuple:
        """(value at the end of the trace, the handle holding it or None if unwritten).

        `top_values` are the values defined in the graph's top region (node outputs)."""
        if not self.writes:
            return self.input, None
        for handle in reversed(self.handles):
            value = handle._value
            if value is self.input or value in top_values:
                return value, handle
        return self.input, None


class PathDependent(str):
    """The alias of a value that is the caller's array on some paths only."""


def merge(*aliases):
    """The alias of a value that is one of values with these aliases (a join of paths).

    None (a fresh local array) joined with None stays None; one caller array joined with
    itself stays that array; anything else involving a caller array becomes a refusal that
    names it, since the joined value may or may not be the caller's memory. Two views keep
    the first view's refusal, as before."""
    first = aliases[0]
    if all(a is first for a in aliases):
        return first
    callers = [a for a in aliases if isinstance(a, CallerArray)]
    if callers:
        names = " or ".join(dict.fromkeys(str(a) for a in callers))
        return PathDependent(f"an array that may be {names} or another array, depending on "
                             f"the path taken at run time (a branch or a loop iteration)")
    for alias in aliases:
        if alias is not None:
            return alias
    return None
