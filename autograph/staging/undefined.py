"""A variable that staged control flow leaves possibly undefined.

After a staged `if` where only one branch assigns `y`, or a staged loop that is the first
to assign `x`, the variable has no value on every path. That is fine as long as nothing
reads it; this marker takes its place and raises a StagingError naming the variable and
the statement the moment it is used. It is an `operators.variables.Undefined`, so the
operators keep treating it as "no value" when it flows on as state.
"""

from __future__ import annotations

from autograph.errors import StagingError
from autograph.staging.variables import Undefined
from autograph.staging import context


class UndefinedAfterStaging(Undefined):
    __slots__ = ("message", "origin")

    def __init__(self, name: str, message: str, origin=None):
        super().__init__(name)
        self.message = message
        self.origin = origin  # the statement that left the variable undefined

    def __repr__(self) -> str:
        return f"UndefinedAfterStaging({self.name!r})"

    def error(self) -> StagingError:
        return StagingError(self.message, context.user_origin() or self.origin)

    def _fail(self, *args, **kwargs):
        raise self.error()

    __call__ = __bool__ = __iter__ = __len__ = __getitem__ = __index__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __mod__ = __pow__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail
    __array__ = __float__ = __int__ = __matmul__ = __rmatmul__ = __setitem__ = _fail

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise self.error()
