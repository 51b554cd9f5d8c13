"""Staged checks: a condition on a traced value that Python would test while the function
runs (`assert t > 0, "msg"`, `int(t)` of a NaN) becomes a CHECK node, which raises the same
exception with the same message every time the program runs and the condition is false.
Tested once while tracing it would be tested on symbolic values (meaningless) or not at
all (a silent wrong answer: `int(nan)` is INT_MIN in compiled code).
"""

from __future__ import annotations

from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.staging import context
from autograph.staging.control_flow import truth
from autograph.staging.tensor import Tensor, apply


def check(condition: Tensor, error: str, message: str = "") -> None:
    """Emits CHECK(condition): `error(message)` is raised when the program runs and the
    0-d bool `condition` is false."""
    ctx = context.require()
    ctx.emit(Op.CHECK, [condition.value], error=error, message=message)


def assert_(condition, message=None) -> None:
    """`assert condition, message()` with a traced condition: a staged check.

    The message is made while tracing, so it must not need a traced value (an f-string of
    a tensor is refused, naming the line)."""
    value, sources = truth(condition, "the condition of `assert`")
    text = ""
    if message is not None:
        try:
            made = message()
        except StagingError as error:
            raise context.staging_error(
                "the message of an `assert` on a traced value is made when the function is "
                "traced, so it cannot show a traced value; use a fixed message") from error
        text = made if isinstance(made, str) else repr(made)
    check(Tensor(value, sources), "AssertionError", text)


def int_of_float(t: Tensor) -> None:
    """The errors Python's `int()` raises for a float that is NaN or infinite, staged
    (compiled code would return INT_MIN instead)."""
    if t.dtype.kind != "f":
        return
    check(apply(Op.LOGICAL_NOT, apply(Op.ISNAN, t)), "ValueError",
          "cannot convert float NaN to integer")
    check(apply(Op.LOGICAL_NOT, apply(Op.ISINF, t)), "OverflowError",
          "cannot convert float infinity to integer")


__all__ = ["assert_", "check", "int_of_float"]
