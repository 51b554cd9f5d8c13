"""Placeholders for variables that a converted statement may leave unbound.

Functional bodies need every state variable to have a value when the statement starts. A
variable the user's code defines only inside the statement starts as `Undefined(name)`;
staged control flow uses the name to explain what is wrong, and Python code that reads it
gets the error the original would have raised.
"""

from __future__ import annotations


class Undefined:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Undefined({self.name!r})"

    def _fail(self, *args, **kwargs):
        raise UnboundLocalError(f"local variable '{self.name}' referenced before assignment")

    __getattr__ = _fail
    __call__ = __bool__ = __iter__ = __len__ = __getitem__ = __index__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __mod__ = __pow__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail


class UndefinedReturnValue:
    """The value of `retval_` before any `return` ran; a function that falls off its end returns None."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UndefinedReturnValue()"


def is_undefined(value) -> bool:
    return isinstance(value, (Undefined, UndefinedReturnValue))


def return_value(value):
    """What a converted function returns: None when no `return` statement ran."""
    return None if isinstance(value, UndefinedReturnValue) else value


def ld(value):
    """A read of a variable that may hold a placeholder: the original would have raised."""
    if isinstance(value, Undefined):
        value._fail()
    return value
