"""`assert` as a function call, so that a tensor condition can be staged."""

from __future__ import annotations

from autograph import staging
from autograph.staging import checks


def assert_stmt(condition, message=None):
    """`assert condition, message()`; `message` is a function so it is evaluated only on failure."""
    if staging.is_tensor(condition):
        return checks.assert_(condition, message)
    if not condition:
        if message is None:
            raise AssertionError
        raise AssertionError(message())
    return None
