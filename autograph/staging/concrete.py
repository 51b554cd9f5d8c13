"""What happens when tracing needs the concrete value of a tensor.

A tensor has no value while tracing; asking for one (`np.asarray(t)`, `t.item()`, a Python
list indexed by `t`, a shape `np.zeros(t)`) cannot work. If the tensor is derived only from
weakly typed Python scalar arguments, the fix is known — trace again with those arguments
static — so we raise `NeedsStaticArgument` and the api retraces, recording the reason.
Otherwise it is a StagingError pointing at the user's line.
"""

from __future__ import annotations

from autograph.errors import StagingError
from autograph.staging import context


class NeedsStaticArgument(StagingError):
    """Tracing needs a concrete value of the (weak scalar) arguments `arg_names`."""

    def __init__(self, arg_names, reason: str, origin=None):
        if isinstance(arg_names, str):
            arg_names = (arg_names,)
        self.arg_names = tuple(sorted(arg_names))
        self.arg_name = self.arg_names[0]
        self.reason = reason
        names = ", ".join(f"`{n}`" for n in self.arg_names)
        super().__init__(f"{names} must be static: {reason}", origin)


def describe(tensor) -> str:
    return f"a traced {tensor.type} value"


def fail(tensor, what: str, hint: str = "", needed: str | None = None):
    """Raises the error for needing `tensor`'s concrete value in `what` (never returns).

    `needed` says shortly what is needed ("an integer"), for the retrace reason.
    """
    origin = context.user_origin(3)
    sources = tensor._sources
    if sources:
        reason = f"{needed or what} needs a concrete value"
        if origin is not None:
            reason = (f"{needed or 'a concrete value'} is needed at line {origin.lineno}: "
                      f"`{origin.source_line.strip()}`")
        raise NeedsStaticArgument(sources, reason, origin)
    message = (f"{what} needs a concrete value, but this is {describe(tensor)}, known only "
               f"when the compiled function runs")
    if hint:
        message += f"; {hint}"
    raise StagingError(message, origin)
