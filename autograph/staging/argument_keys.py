"""Cache keys for arguments that are not arrays: containers and objects, by structure.

A converted function is traced once per *signature*; what goes into the key decides
whether a new call reuses a compiled program or traces again. Keying by value where the
graph does not depend on the value makes every new value a trace and a compilation (a
200-number list argument: ~0.5 s per call), and keying by identity where the graph *does*
depend on the value silently reuses a stale trace. The rules (README, "What is traced"):

- Python numbers inside lists, tuples and dicts are traced as weak scalars, like a top-level
  `int`/`float` (tracing.py): the key holds the container's structure (length, dict keys)
  and each number's type, never its value. When tracing needs a concrete value of one (a
  shape, a list index) the whole argument becomes static, once, as for a top-level int.
- A static container (made static, or named in `static_argnames`) is keyed by its content
  when every leaf is hashable (`static_container_key`): a new list with the same numbers
  reuses the trace, the same list changed in place does not.
- An object compared by identity (an instance of a user class without its own `__eq__`),
  passed as an argument (`self` of a method, a simulation state), is keyed by its class
  and by what tracing can read from it (`object_key`): each array attribute by shape and
  dtype — the tracer makes it a graph input read from the attribute on every call
  (captures.py, ATTRIBUTE sites) — and every other attribute by value (numbers, strings,
  tuples; containers of those by content), or by identity where it has no value to
  compare (nested objects, lists of arrays). So a new object of the same class with
  same-shaped arrays and equal settings reuses the compiled program, and an object whose
  `self.n` changed is traced again. When the trace could not locate one of the object's
  arrays through its attribute (the array is also bound elsewhere), the api keys that
  argument by identity from then on (`unlocated_attributes`).
"""

from __future__ import annotations

import types

import numpy as np

from autograph.errors import StagingError
from autograph.ir.types import DTYPE_NAMES, TensorType
from autograph.staging import captures, pytrees
from autograph.staging.tensor import Tensor

MAX_KEYED_ATTRIBUTES = 64   # objects with more attributes are keyed by identity
MAX_KEYED_LEAVES = 256      # containers with more leaves are keyed by identity
_NOT_OBJECTS = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, np.ndarray, np.generic)


def identity_key(value) -> tuple:
    return ("id", id(value))


def hashable_key(value):
    """("s", type, value) when `value` hashes, else None."""
    try:
        hash(value)
    except TypeError:
        return None
    return ("s", type(value), value)


def is_keyed_object(value) -> bool:
    """Whether `value` is an object keyed by structure: an instance with a `__dict__`,
    compared by identity (its class keeps object's `__eq__`), not a function, class,
    module or array."""
    if isinstance(value, _NOT_OBJECTS):
        return False
    attributes = getattr(value, "__dict__", None)
    return type(attributes) is dict and type(value).__eq__ is object.__eq__ \
        and len(attributes) <= MAX_KEYED_ATTRIBUTES


def static_container_key(value):
    """The key of a list/tuple/dict static argument: its structure and leaves when every
    leaf is hashable (and there are few enough), else None."""
    leaves, treedef = pytrees.flatten(value)
    if len(leaves) > MAX_KEYED_LEAVES:
        return None
    keys = []
    for leaf in leaves:
        key = hashable_key(leaf)
        if key is None or is_keyed_object(leaf):
            return None
        keys.append(key)
    return ("tree", treedef, tuple(keys))


def _attribute_key(value):
    if type(value) is np.ndarray and value.dtype in DTYPE_NAMES:
        return ("a", value.shape, value.dtype)
    if type(value) in (list, tuple, dict):
        key = static_container_key(value)
        return key if key is not None else identity_key(value)
    if is_keyed_object(value):
        return identity_key(value)  # its arrays are not read through attributes
    key = hashable_key(value)
    return key if key is not None else identity_key(value)


_PLAIN = frozenset({int, float, complex, bool, str, bytes, type(None)})


def object_key(value) -> tuple:
    """("obj", class, ((attribute, key), ...)) for a keyed object (see the docstring).
    Guards call it on every call of a method: plain attributes take the short way."""
    parts = []
    for name, item in vars(value).items():
        kind = type(item)
        if kind in _PLAIN:
            parts.append((name, kind, item))
        elif kind is np.ndarray and item.dtype in DTYPE_NAMES:
            parts.append((name, item.shape, item.dtype))
        else:
            parts.append((name, _attribute_key(item)))
    return ("obj", type(value), tuple(parts))


def static_value_key(value):
    """The key of any static argument: objects and containers by structure (above),
    other hashable values by value, the rest by identity."""
    if type(value) in (list, dict) or (type(value) is tuple and hashable_key(value) is None):
        key = static_container_key(value)
        return key if key is not None else identity_key(value)
    if is_keyed_object(value):
        return object_key(value)
    key = hashable_key(value)
    return key if key is not None else identity_key(value)


def describe_object(value) -> str:
    """`Boids(pos: f64[100,2], dt: 0.1)` for explain() and the retrace warning."""
    parts = []
    for name, item in list(vars(value).items())[:6]:
        if type(item) is np.ndarray and item.dtype in DTYPE_NAMES:
            parts.append(f"{name}: {TensorType.of_array(item)}")
        else:
            text = repr(item)
            parts.append(f"{name}: {text if len(text) <= 20 else text[:17] + '...'}")
    more = ", ..." if len(vars(value)) > 6 else ""
    return f"{type(value).__name__}({', '.join(parts)}{more})"


def unlocated_attributes(value, param: int, sites) -> list[str]:
    """The array attributes of the keyed object `value` (parameter `param`) that a trace
    captured but does not read through the attribute on each call (`sites`, captures.py):
    while any exist, the object must be keyed by identity, or a new object would run with
    the old object's arrays."""
    arrays = {id(item): name for name, item in vars(value).items()
              if type(item) is np.ndarray}
    return [arrays[id(site.traced)] for site in sites
            if id(site.traced) in arrays
            and not (site.kind == captures.ATTRIBUTE and site.param == param)]


class ObjectViews:
    """The objects a trace hands the function in place of keyed object arguments.

    A view is a new instance of the object's class (no `__init__` run) with the same
    attributes, except that each array attribute is a tensor: the graph input captured
    from that attribute, read from the caller's object on every call. So what the
    function computes from `self.x` is in the graph, never computed once by NumPy while
    tracing and frozen (which would make a new object, or the same object after
    `self.x[:] = ...`, return the old result). Writing into such an array raises
    StagingError (the tensor's alias names the attribute). After the trace, `finish`
    copies attributes the function rebound to Python values back to the caller's object
    (a trace-time side effect, run once as DESIGN.md says) and refuses rebinding one to a
    traced value, which the compiled program could not repeat.
    """

    def __init__(self, ctx):
        self._ctx = ctx
        self._views: list[tuple[str, object, object, dict]] = []

    def view_all(self, bound, static_names) -> None:
        """Replaces each keyed object argument (not named static) by its view."""
        for pname, value in list(bound.arguments.items()):
            if pname not in static_names and is_keyed_object(value):
                bound.arguments[pname] = self.view(value, pname)

    def view(self, value, pname: str):
        try:
            view = object.__new__(type(value))
        except TypeError:
            return value  # a class object.__new__ cannot make: traced as the object itself
        given = {}
        for name, item in vars(value).items():
            if type(item) is np.ndarray and item.dtype in DTYPE_NAMES:
                item = Tensor(self._ctx.capture(item), None,
                              f"the attribute `{pname}.{name}` (an array the function reads "
                              f"from its argument, not one it was passed)", self._ctx)
            given[name] = item
        view.__dict__.update(given)
        self._views.append((pname, value, view, dict(given)))
        return view

    def finish(self) -> None:
        for pname, original, view, given in self._views:
            now = vars(view)
            for name in set(given) | set(now):
                new = now.get(name, _ABSENT)
                if new is given.get(name, _ABSENT):
                    continue
                if any(isinstance(leaf, Tensor) for leaf in pytrees.flatten(new)[0]):
                    raise StagingError(
                        f"the function sets `{pname}.{name}` to a traced value: the compiled "
                        f"program cannot rebind an attribute of an argument on later calls; "
                        f"return the new value and assign it outside "
                        f"(`{pname}.{name} = f(...)`)")
                if new is _ABSENT:
                    vars(original).pop(name, None)
                else:
                    setattr(original, name, new)


_ABSENT = object()


def describe_type(value) -> str:
    """How an object argument shows in a signature: its class and array attributes."""
    return describe_object(value) if is_keyed_object(value) else repr(value)


def keyed_objects(bound, static, pinned, sites) -> tuple[frozenset, frozenset, list[str]]:
    """(arguments keyed by structure, arguments to key by identity from now on, a note
    per newly pinned one) for a trace whose captured arrays are read at `sites`: an
    object with an array the trace could not locate through its attribute is pinned."""
    keyed, pin, notes = set(), set(), []
    for p, (name, value) in enumerate(bound.arguments.items()):
        if name in static or name in pinned or not is_keyed_object(value):
            continue
        unlocated = unlocated_attributes(value, p, sites)
        if unlocated:
            pin.add(name)
            notes.append(f"`{name}` keyed by identity: its array `{name}.{unlocated[0]}` is "
                         f"bound elsewhere too, so a call cannot tell where the function "
                         f"reads it")
        else:
            keyed.add(name)
    return frozenset(keyed), frozenset(pin), notes


def guard_argument(i: int, value, structural: bool):
    """A guard's check of a static positional argument: by value (guards.static), or for
    an object keyed by structure, by class and `object_key` (~1 µs: an object whose
    `self.n` changed must not run the program traced for the old value)."""
    from autograph.staging import guards

    if not structural:
        return guards.static(i, value)
    return guards.Argument(f"a{i}.__class__ is _t{i} and _okey(a{i}) == _k{i}",
                           {f"_t{i}": type(value), f"_k{i}": object_key(value),
                            "_okey": object_key}, None)


_NUMBERS = frozenset({int, float, complex})
_INT64 = (-2 ** 63, 2 ** 63 - 1)


def numbers_key(value):
    """The key of a flat list or tuple of Python numbers, computed without walking a tree
    (a 200-number list is keyed in a few µs): ("numbers", list or tuple, the types), or
    None for anything else (nested, other leaves, an int beyond int64: static)."""
    kind = type(value)
    if kind is not list and kind is not tuple:
        return None
    types = tuple(map(type, value))
    present = set(types)
    if not present <= _NUMBERS:
        return None
    if int in present:
        ints = [v for v, t in zip(value, types) if t is int] if len(present) > 1 else value
        if min(ints) < _INT64[0] or max(ints) > _INT64[1]:
            return None
    return ("numbers", kind, types)
