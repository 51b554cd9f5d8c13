"""Where each captured array lives, so that a call reads the array bound there *now*.

A converted function may use NumPy arrays it does not take as arguments: a global `W`,
a closure's `bias`, a method's `self.w`. The tracer makes each one a graph input
(`TraceContext.capture`) and every call passes one in. DESIGN.md promises they are read
at call time. An in-place update (`self.w *= 0.9`) is seen because the same object is
passed; a rebinding (`self.w = self.w - lr * g`, `W = np.load(...)`) is seen because each
captured array is located once, at trace time — a closure cell of the function, one of
its globals, an attribute of a static argument — and a call reads that place: one
attribute or dict read, never a search through Python objects. An array found in none of
those places (reached through a container, a helper's module, a deeper attribute path)
is held as it was traced, and so is one bound in two of those places (which of them the
code reads cannot be told).

A call checks what it read against the traced array (`Site.read` / `check`): the same
object, or another array of the same shape and dtype, is passed in; anything else means
the specialisation no longer fits (`StaleCapture`) and the api traces again.
"""

from __future__ import annotations

import hashlib
import types
from typing import Any, Sequence

import numpy as np

from autograph.errors import StagingError
from autograph.ir.types import TensorType

CELL, GLOBAL, ATTRIBUTE, HELD = "cell", "global", "attribute", "held"
MISSING = object()  # what `Site.read` gives when the place is empty


class StaleCapture(StagingError):
    """A captured array was rebound to something of another shape, dtype or kind: the
    specialisation no longer fits (the api traces again; a `Lowered` cannot)."""

    def __init__(self, site: Site, value):
        self.site = site
        self.value = value
        if isinstance(value, np.ndarray):
            now = f"is now {TensorType.of_array(value)}, not {TensorType.of_array(site.traced)}"
        elif value is MISSING:
            now = "is no longer bound"
        else:
            now = f"is now a {type(value).__name__}, not an array"
        super().__init__(f"captured `{site.name}` {now}")


class Site:
    """One captured array's place: a cell, a globals entry, an attribute of the static
    argument at parameter `param`, or nothing (HELD: the traced array itself)."""

    __slots__ = ("kind", "name", "holder", "param", "traced")

    def __init__(self, kind: str, name: str, holder: Any, traced: np.ndarray, param: int = -1):
        self.kind = kind
        self.name = name      # as the user's code spells it: `W`, `bias`, `self.w`
        self.holder = holder  # the cell, the globals dict, the attribute name, the array
        self.param = param
        self.traced = traced

    def read(self, arguments: Sequence) -> Any:
        """The object bound at this place for a call with these parameter values."""
        try:
            if self.kind == CELL:
                return self.holder.cell_contents
            if self.kind == GLOBAL:
                return self.holder[self.name]
            if self.kind == ATTRIBUTE:
                return vars(arguments[self.param])[self.holder]
        except (ValueError, KeyError, TypeError, IndexError):
            return MISSING
        return self.holder

    def __repr__(self) -> str:
        return f"<capture {self.name} ({self.kind})>"


def check(site: Site, value, ttype: TensorType) -> None:
    """Raises StaleCapture unless `value` can stand for the traced array of type `ttype`."""
    if value is site.traced:
        return
    if type(value) is not np.ndarray or value.shape != ttype.shape or value.dtype != ttype.dtype:
        raise StaleCapture(site, value)


class Locator:
    """Finds, once per trace, where the arrays a trace captures are bound.

    `fn` is the converted function being traced (its cells and globals are the user's:
    the loader shares them), `statics` the static arguments by parameter index. The
    places are indexed lazily, on the first capture: most traces capture nothing.
    """

    def __init__(self, fn, statics: dict[int, tuple[str, Any]]):
        self._fn = fn
        self._statics = statics
        self._index: dict[int, tuple] | None = None

    def site(self, array: np.ndarray) -> Site:
        if self._index is None:
            self._index = self._build_index()
        found = self._index.get(id(array))
        if found is None or found[-1] is not array:
            return Site(HELD, _held_name(array), array, array)
        kind, name, holder, param, _ = found
        return Site(kind, name, holder, array, param)

    def reachable(self) -> dict[int, tuple[str, np.ndarray]]:
        """id(array) -> (name, array) for every array bound in the function's cells, its
        globals or the static arguments' attributes (ambiguous ones included)."""
        found: dict[int, tuple[str, np.ndarray]] = {}
        self._scan(lambda value, entry: found.setdefault(id(value), (entry[1], value))
                   if type(value) is np.ndarray else None)
        return found

    def _build_index(self) -> dict[int, tuple]:
        """id(array) -> (kind, name, holder, param, array) for arrays bound in exactly one
        place among the function's cells, its globals and the static arguments' attributes."""
        index: dict[int, tuple] = {}
        ambiguous: set[int] = set()

        def offer(value, entry):
            if type(value) is not np.ndarray:
                return
            if id(value) in index:  # bound in two places (each is offered once): which
                ambiguous.add(id(value))  # one the code reads is unknown, so neither is used
            else:
                index[id(value)] = (*entry, value)

        self._scan(offer)
        for key in ambiguous:
            del index[key]
        return index

    def _scan(self, offer) -> None:
        """Calls `offer(value, (kind, name, holder, param))` for each place's value."""
        function = _plain_function(self._fn)
        if function is not None:
            for name, cell in zip(function.__code__.co_freevars, function.__closure__ or ()):
                try:
                    offer(cell.cell_contents, (CELL, name, cell, -1))
                except ValueError:  # an empty cell
                    continue
            namespace = function.__globals__
            for name in _global_names(function.__code__):
                offer(namespace.get(name), (GLOBAL, name, namespace, -1))
        for param, (pname, value) in self._statics.items():
            attributes = getattr(value, "__dict__", None)
            if type(attributes) is dict and not isinstance(value, (type, types.ModuleType)):
                for attr, item in list(attributes.items()):
                    offer(item, (ATTRIBUTE, f"{pname}.{attr}", attr, param))


class WriteWatch:
    """Notices arrays the function reaches without taking them as arguments (globals,
    closure cells, attributes of `self`) being written *while it is traced*.

    Such a write (`Z[...] = Z + 1` on a global, `self.position += self.velocity`) runs
    in NumPy on the real array during the trace, once, and is not in the graph: every
    later call would skip it, silently. Until these writes are staged, the trace stops
    with an error naming the array instead. Arrays are compared bit for bit (a digest
    for big ones), before and after the trace.
    """

    _COPY_LIMIT = 1 << 24  # bytes: smaller arrays are compared by a copy, bigger by a digest

    def __init__(self, locator: Locator):
        self._before = {key: (name, array, self._fingerprint(array))
                        for key, (name, array) in locator.reachable().items()}

    @classmethod
    def _fingerprint(cls, array: np.ndarray) -> tuple[str, bytes]:
        """("copy", the bytes in C order) for small arrays, ("digest", a hash) for big ones."""
        if array.nbytes <= cls._COPY_LIMIT:
            return "copy", array.tobytes()
        return "digest", hashlib.blake2b(np.ascontiguousarray(array).data,
                                         digest_size=16).digest()

    def written(self) -> list[str]:
        """The names of the arrays whose contents changed since the watch began; those
        compared by a copy get their contents back (the failed call leaves no trace)."""
        names = []
        for name, array, (kind, data) in self._before.values():
            if self._fingerprint(array) != (kind, data):
                names.append(name)
                if kind == "copy" and array.flags.writeable:
                    array[...] = np.frombuffer(data, array.dtype).reshape(array.shape)
        return names


def _plain_function(fn):
    """The Python function behind a converted function (its code, cells and globals)."""
    fn = getattr(fn, "__ag_raw__", fn)
    fn = getattr(fn, "__func__", fn)
    return fn if isinstance(fn, types.FunctionType) else None


def _global_names(code: types.CodeType) -> list[str]:
    """The global names `code` and the functions nested in it may load."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return list(dict.fromkeys(names))


def _held_name(array: np.ndarray) -> str:
    return f"array {TensorType.of_array(array)}"
