"""Python side effects that a staged branch or loop body cannot keep: refused, never run once.

A staged region (an `if` on an array, a loop whose state holds arrays) is traced once, and
both branches of an `if` are traced whatever the data. A Python side effect inside it
would happen once, while tracing, on every path: a global assigned in the branch that is
not taken, an iterator advanced once for a loop that runs a thousand times, an exception
raised while tracing the branch that never runs, swallowed by the user's `except`. The
compiled program cannot rebind a Python name or advance a Python iterator, so these are
refused with an AutographError naming the user's line (the operators below are called by
converted code at the right place: `converters/outer_writes.py`, `converters/exceptions.py`,
and `converted_call` for `next`). Outside staged regions they are plain Python.
"""

from __future__ import annotations

from autograph import staging
from autograph.errors import AutographError, StagingError

REGION = ("inside a staged branch or loop (its condition, bounds or state depend on an "
          "array, so it is traced once, both branches of an `if` included)")


def in_staged_region() -> bool:
    """Whether tracing is inside a staged loop body or branch (a region of the graph)."""
    ctx = staging.current()
    return ctx is not None and len(ctx.frames) > 1


def outer_write(name: str, kind: str) -> None:
    """Called before converted code assigns (or deletes) `name`, declared `kind`
    ("global" or "nonlocal") by the user's function: refused inside a staged region."""
    if in_staged_region():
        raise staging.context.staging_error(
            f"assigning the {kind} `{name}` {REGION} would happen once, while tracing, "
            f"whether or not the program takes this path; return the value instead "
            f"(`{name} = f(...)` at the caller), or keep it in an array argument written in "
            f"place (`{name}_box[0] = ...`)")


def next_item(iterator, *default):
    """`next(iterator)` (what `converted_call` runs for the builtin `next`)."""
    if in_staged_region() and not staging.is_tensor(iterator):
        raise staging.context.staging_error(
            f"next() on a Python {type(iterator).__name__} {REGION} would advance it once, "
            f"while tracing, not every time the program runs this code; index a list or an "
            f"array with the loop's counter instead (`items[i]`)")
    return next(iterator, *default)


# -- try/except around staged code ------------------------------------------------------------

_STAGED = "_ag_staged_region"  # set on exceptions that left a staged region while tracing


def mark_staged(error: BaseException) -> None:
    """Marks an exception that propagates out of a staged region's trace."""
    try:
        setattr(error, _STAGED, True)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions without a __dict__
        pass


def caught(error: BaseException) -> None:
    """The first statement of each `except` handler of converted code.

    A handler may not swallow what tracing raised: an AutographError (the trace could not
    be built: swallowing it would run the fallback instead of the code the user wrote), or
    any exception raised while tracing a staged region (that branch or loop body may never
    run when the program does, and Python would not have raised at all). Both are raised
    again, the second as an AutographError naming the handler's line.
    """
    if isinstance(error, AutographError):
        raise error
    if getattr(error, _STAGED, False):
        raise staging.context.staging_error(
            f"this `except` would catch {type(error).__name__}: {error} — raised while "
            f"tracing code {REGION}; whether it is raised depends on the data, which the "
            f"trace does not know. Check the condition with NumPy instead of try/except "
            f"(`np.where`, an explicit bounds test), or move the try/except outside the "
            f"staged code") from error


class resumable:
    """What converted code passes to `for_stmt` for a `for` over a name read again after
    the loop (`for v in it: ... break` then `for v in it:`): it may be a Python iterator
    that a second loop resumes."""

    __slots__ = ("iterable",)

    def __init__(self, iterable):
        self.iterable = iterable

    @staticmethod
    def unwrap(iterable):
        """(the iterable, whether it is a Python iterator a later loop may resume)."""
        if type(iterable) is not resumable:
            return iterable, False
        inner = iterable.iterable
        try:
            is_iterator = iter(inner) is inner
        except TypeError:
            is_iterator = False
        return inner, is_iterator and not staging.is_tensor(inner)


def refuse_resumed_iterator(iterator) -> StagingError:
    return staging.context.staging_error(
        f"this loop over a Python {type(iterator).__name__} stops (`break`/`return`) on a "
        f"condition that depends on an array, so how many items it takes is known only when "
        f"the program runs, and the iterator is read again after the loop; make it a list "
        f"first (`items = list(it)`) and index it, or keep the position in a variable")
