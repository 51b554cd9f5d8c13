"""`trace(fn, args, kwargs, ...)`: one call of a converted function, recorded as a graph.

The arguments decide what is traced (DESIGN.md, "Semantics contract"):

- NumPy arrays and NumPy scalars are traced as strong values of their shape and dtype;
- top-level Python `int` / `float` / `complex` are traced as weak 0-d values (NEP 50);
- containers (tuples, lists, dicts, namedtuples) are traced leaf by leaf — arrays inside
  are traced, Python numbers inside are weak scalars (keyed by type, not value), other
  leaves are static;
- everything else (bool, None, str, callables, objects) and `static_argnames` is static;
  objects compared by identity are keyed by class and attributes, and the function sees
  a view whose array attributes are graph inputs (argument_keys.py).

`signature_key` turns that classification into the cache key the api uses, so "same key"
means "same graph". The resulting `Trace` knows how to turn a call's arguments into the
graph's flat inputs (captured arrays last, read at call time where captures.py located
them) and the graph's outputs back into the Python result (weak outputs as Python
scalars, 0-d outputs as NumPy scalars).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable

import numpy as np

from autograph import ir
from autograph.errors import StagingError
from autograph.ir.types import DTYPE_NAMES, TensorType
from autograph.staging.variables import Undefined
from autograph.staging import argument_keys, captures, context, inputs, pytrees
from autograph.staging import view_writes
from autograph.staging.caller_arrays import CallerArray, PathDependent
from autograph.staging.dynamic import DynamicArray
from autograph.staging.tensor import Tensor
from autograph.staging.undefined import UndefinedAfterStaging

ARRAY, WEAK, STATIC = "array", "weak", "static"
_WEAK_TYPES = (int, float, complex)
_CONTAINERS = (tuple, list, dict)


def _is_traceable_array(value) -> bool:
    return (isinstance(value, (np.ndarray, np.generic)) and value.dtype in DTYPE_NAMES)


def leaf_kind(value, top_level: bool) -> str:
    if _is_traceable_array(value):
        return ARRAY
    if type(value) in _WEAK_TYPES:
        # Inside a container, an int beyond int64 stays static (top level: an error).
        if top_level or type(value) is not int or -2 ** 63 <= value < 2 ** 63:
            return WEAK
    return STATIC


def static_key(value):
    """A cache key for a static value: by type and value if hashable, containers by
    content and objects by structure (argument_keys.py), else by identity."""
    return argument_keys.static_value_key(value)


def is_plain_static(value) -> bool:
    """Whether `value` is static as an argument, by kind alone: not an array, not a Python
    int/float/complex, not a container (those are traced or traced inside)."""
    return not (_is_traceable_array(value) or type(value) in _WEAK_TYPES or _is_container(value)
                or isinstance(value, np.ndarray))


def _leaf_key(value, kind: str):
    if kind == ARRAY:
        return (value.shape, value.dtype)
    if kind == WEAK:
        if type(value) is int and not -2 ** 63 <= value < 2 ** 63:
            # Traced as a weak int64 (NEP 50): NumPy itself refuses such an int next to
            # an int64 ("Python integer out of bounds"); say so rather than overflow later.
            raise StagingError(f"the Python int {value} does not fit in int64, the type a "
                               f"Python int argument is traced as; pass it as a NumPy "
                               f"scalar of a wider type (np.uint64, np.float64) or mark "
                               f"the argument static")
        return type(value)
    return static_key(value)


def _is_container(value) -> bool:
    return type(value) in _CONTAINERS or (isinstance(value, tuple)
                                          and hasattr(type(value), "_fields"))


def param_key(value, static: bool, pinned: bool = False):
    if pinned or (static and argument_keys.is_keyed_object(value)):
        return argument_keys.identity_key(value)  # named static: not viewed, so by identity
    if static:
        return static_key(value)
    if _is_container(value):
        flat = argument_keys.numbers_key(value)  # a list of numbers: no tree walk
        if flat is not None:
            return flat
        leaves, treedef = pytrees.flatten(value)
        return ("tree", treedef, tuple(_leaf_key(v, leaf_kind(v, False)) for v in leaves))
    return _leaf_key(value, leaf_kind(value, True))


def bind(sig: inspect.Signature, args, kwargs) -> inspect.BoundArguments:
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound


def signature_key(bound: inspect.BoundArguments, static_names, pinned=()) -> tuple:
    """`pinned`: arguments keyed by identity (objects whose arrays a trace could not
    locate through their attributes, argument_keys.unlocated_attributes)."""
    inputs.check_arguments(bound, static_names)  # masked, object, big-endian arrays: refused
    return tuple(param_key(v, n in static_names, n in pinned)
                 for n, v in bound.arguments.items())


def describe_key(bound: inspect.BoundArguments, static_names) -> str:
    """`x: f32[3], n: int (weak), mode: 'fast' (static)`, for explain()."""
    parts = []
    for name, value in bound.arguments.items():
        kind = STATIC if name in static_names else (
            "tree" if _is_container(value) else leaf_kind(value, True))
        if kind == ARRAY:
            parts.append(f"{name}: {TensorType.of_array(value)}")
        elif kind == WEAK:
            parts.append(f"{name}: {type(value).__name__} (weak)")
        elif kind == "tree":
            leaves, treedef = pytrees.flatten(value)
            shown = [str(TensorType.of_array(v)) if _is_traceable_array(v) else
                     type(v).__name__ if leaf_kind(v, False) == WEAK else repr(v)
                     for v in leaves]
            parts.append(f"{name}: {pytrees.unflatten(treedef, shown)!r}".replace("'", ""))
        else:
            text = argument_keys.describe_type(value)
            parts.append(f"{name}: {text if len(text) <= 60 else text[:57] + '...'} (static)")
    return ", ".join(parts)


@dataclasses.dataclass
class _Input:
    """Where graph input i comes from: parameter `param`, leaf `leaf` (None: the value)."""

    param: int
    leaf: int | None


@dataclasses.dataclass
class Trace:
    """A traced specialisation: its graph and how calls map onto it."""

    graph: ir.Graph
    inputs: list[_Input]
    captured: list[np.ndarray]
    output_tree: pytrees.TreeDef
    output_leaves: list  # per leaf: ("out", graph output index, converter) or ("static", value)
    static_args: dict[str, Any]
    param_names: list[str]
    # Where each captured array is read at call time (captures.py); none: held as traced.
    sites: list[captures.Site] = dataclasses.field(default_factory=list)
    # What tracing decided that explain() shows (loops left unrolled and why): context.notes.
    notes: list[str] = dataclasses.field(default_factory=list)
    # The graph outputs the user's code made fresh (not an argument's handle, not a view):
    # NumPy hands those out as new arrays, so the runtime copies any the program could
    # return sharing a buffer the caller sees (ir/analysis/aliasing.py).
    fresh_outputs: frozenset = frozenset()
    # Arguments the function writes in place, as (graph output holding the array's final
    # value, graph input of the array): the runtime copies each output into the caller's
    # array after the program ran (caller_arrays.py).
    writebacks: tuple = ()
    # The graph outputs that are views of an array (NumPy hands out a new view object).
    view_outputs: frozenset = frozenset()
    # (graph output, graph input) where the function returns an argument itself: the
    # runtime hands back the caller's object (export and grad read the output's value).
    caller_outputs: tuple = ()
    # Views of arrays the function made (`y = x + 1; return y[1:]`): never an input's memory.
    fresh_view_outputs: frozenset = frozenset()

    def flat_inputs(self, bound: inspect.BoundArguments) -> list:
        """The graph's inputs for a call: traced argument leaves, then captured arrays
        (read now; raises captures.StaleCapture if one no longer fits the graph)."""
        values = list(bound.arguments.values())
        flat = []
        cache: dict[int, list] = {}
        for spec in self.inputs:
            value = values[spec.param]
            if spec.leaf is not None:
                leaves = cache.get(spec.param)
                if leaves is None:
                    leaves = cache[spec.param] = pytrees.flatten(value)[0]
                value = leaves[spec.leaf]
            flat.append(value)
        flat.extend(self.captured_now(values))
        return flat

    def captured_now(self, values) -> list:
        """The captured arrays bound now, for a call with these parameter values."""
        if not self.sites:
            return list(self.captured)
        types = self.graph.inputs[len(self.inputs):]
        now = []
        for site, param in zip(self.sites, types):
            value = site.read(values)
            captures.check(site, value, param.type)
            now.append(value)
        return now

    def finisher(self) -> tuple[str, Callable | None]:
        """How a program's output tuple becomes the result, as cheaply as the output's
        structure allows: ("first", None) for one array (`outputs[0]`), ("convert", c)
        for one scalar (`c(outputs[0])`), else ("build", self.build_outputs)."""
        if self.writebacks or self.caller_outputs:
            return "writeback", self.build_outputs
        if self.output_tree.kind == "leaf" and self.output_leaves[0][0] == "out":
            converter = self.output_leaves[0][2]
            return ("first", None) if converter is _identity else ("convert", converter)
        return "build", self.build_outputs

    def build_outputs(self, outputs) -> Any:
        leaves = []
        for entry in self.output_leaves:
            if entry[0] == "out":
                leaves.append(entry[2](outputs[entry[1]]))
            elif entry[0] == "dyn":  # a buffer and its run-time length (staging/dynamic.py)
                leaves.append(outputs[entry[1]][:int(outputs[entry[2]])].copy())
            else:
                value = entry[1]
                leaves.append(value.copy() if isinstance(value, np.ndarray) else value)
        return pytrees.unflatten(self.output_tree, leaves)


def _converter(ttype: TensorType) -> Callable:
    """How a backend's output of this type is handed to the user."""
    if ttype.weak:
        return {"b": bool, "i": int, "u": int, "f": float, "c": complex}[ttype.dtype.kind]
    if ttype.shape == ():
        return ttype.dtype.type
    return _identity


def _identity(x):
    return x


def _input_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_")
    return cleaned or "arg"


def trace(fn: Callable, args: tuple, kwargs: dict, static_argnames=(), name: str | None = None,
          signature: inspect.Signature | None = None) -> Trace:
    """Traces `fn` (a converted function) called with `args`/`kwargs` into a verified graph."""
    sig = signature if signature is not None else inspect.signature(fn)
    bound = bind(sig, args, kwargs)
    static_names = set(static_argnames)
    statics: dict[int, tuple[str, Any]] = {}  # filled below, read by the first capture
    locator = captures.Locator(fn, statics)
    ctx = context.TraceContext(_input_name(name or getattr(fn, "__name__", "f")), locator)
    inputs: list[_Input] = []
    static_args: dict[str, Any] = {}
    views = argument_keys.ObjectViews(ctx)
    with ctx:
        for p, (pname, value) in enumerate(list(bound.arguments.items())):
            if pname in static_names:
                static_args[pname] = value
                statics[p] = (pname, value)
                continue
            if _is_container(value):
                leaves, treedef = pytrees.flatten(value)
                new = []
                for i, (leaf, path) in enumerate(zip(leaves, pytrees.paths(treedef, pname))):
                    kind = leaf_kind(leaf, False)
                    if kind == ARRAY:
                        inputs.append(_Input(p, i))
                        new.append(_argument(ctx, leaf, path, False))
                    elif kind == WEAK:  # static as a whole if a value is needed
                        inputs.append(_Input(p, i))
                        new.append(_weak_leaf(ctx, leaf, path, pname))
                    else:
                        new.append(leaf)
                bound.arguments[pname] = pytrees.unflatten(treedef, new)
                continue
            kind = leaf_kind(value, True)
            if kind == STATIC:
                static_args[pname] = value
                statics[p] = (pname, value)
                continue
            inputs.append(_Input(p, None))
            bound.arguments[pname] = _argument(ctx, value, pname, kind == WEAK)
        views.view_all(bound, static_names)  # captured inputs: after the arguments'
        watch = captures.WriteWatch(locator)
        result = fn(*bound.args, **bound.kwargs)
        _refuse_trace_time_writes(watch, fn)
        views.finish()
        outputs, tree, leaves, (fresh, views, callers, fresh_views) = _outputs(result, ctx)
        writebacks = _written_arguments(ctx, outputs)
        graph = ctx.builder.finish(outputs)
    ir.verify(graph)
    return Trace(graph, inputs, list(ctx.captured), tree, leaves, static_args,
                 list(bound.arguments), list(ctx.sites), list(ctx.notes), fresh, writebacks, views, callers, fresh_views)


def _written_arguments(ctx, outputs: list) -> tuple:
    """Appends the final value of every argument the function wrote to `outputs`; returns
    the (output, input) pairs the runtime writes back."""
    top = {out for node in ctx.builder.current.nodes for out in node.outputs}
    pairs = []
    for array in ctx.caller_arrays:
        value, handle = array.final_value(top)
        if value is array.input:
            continue
        if handle._stale is not None:
            raise context.staging_error(
                f"cannot tell what {array} holds at the end of the function: {handle._stale}")
        pairs.append((len(outputs), array.index))
        outputs.append(value)
    return tuple(pairs)


def _refuse_trace_time_writes(watch: captures.WriteWatch, fn) -> None:
    written = watch.written()
    if written:
        names = ", ".join(f"`{n}`" for n in written)
        raise StagingError(
            f"{getattr(fn, '__name__', 'the function')} writes into {names} while it is traced, "
            f"an array it does not take as an argument (a global, a closure variable or an "
            f"attribute): the compiled program would not repeat that write on later calls. "
            f"Pass the array as an argument and return the new value (`{written[0]} = "
            f"f({written[0]}, ...)`), or call the function unconverted")


def _argument(ctx, value, path: str, weak: bool) -> Tensor:
    if weak:
        value_ = ctx.builder.add_input(TensorType.of_python(value), _input_name(path))
        return Tensor(value_, frozenset({path}), None, ctx)
    index = len(ctx.builder.graph.inputs)
    value_ = ctx.builder.add_input(TensorType.of_array(value), _input_name(path))
    alias = None
    if isinstance(value, np.ndarray):  # NumPy scalars are immutable
        alias = CallerArray(path, value_, index)
        ctx.caller_arrays.append(alias)
    return Tensor(value_, None, alias, ctx)


def _weak_leaf(ctx, value, path: str, pname: str) -> Tensor:
    """A Python number inside a container argument: a weak scalar input whose concrete
    value, if tracing needs it, makes the whole argument `pname` static."""
    value_ = ctx.builder.add_input(TensorType.of_python(value), _input_name(path))
    return Tensor(value_, frozenset({pname}), None, ctx)


def _outputs(result, ctx):
    """(graph outputs, result tree, plan per leaf, (fresh, view) output indices).

    One tensor returned in two places is one graph output, so the caller gets one object
    twice, as from NumPy; a tensor without `_alias` (not an argument's handle, not a view)
    is a fresh result (`Trace.fresh_outputs`), one with a view's alias a view
    (`Trace.view_outputs`); the caller's own arrays are handed back as themselves."""
    leaves, tree = pytrees.flatten(result)
    outputs: list = []
    plan = []
    fresh, views, fresh_views, callers = set(), set(), set(), []
    seen: dict[int, int] = {}
    for leaf in leaves:
        if isinstance(leaf, UndefinedAfterStaging):
            raise leaf.error()
        if isinstance(leaf, Undefined):
            raise StagingError(f"the function returns '{leaf.name}', which has no value")
        if isinstance(leaf, DynamicArray):  # sliced to its count by build_outputs
            plan.append(("dyn", len(outputs), len(outputs) + 1))
            outputs.extend([leaf.buffer.value, leaf.count.value])
        elif isinstance(leaf, Tensor):
            value = leaf.value
            if id(leaf) in seen:
                plan.append(("out", seen[id(leaf)], _converter(value.type)))
                continue
            seen[id(leaf)] = len(outputs)
            if isinstance(leaf._alias, CallerArray):  # the caller's own array, as in NumPy
                callers.append((len(outputs), leaf._alias.index))
            elif leaf._alias is None:
                fresh.add(len(outputs))
            elif not isinstance(leaf._alias, PathDependent):
                views.add(len(outputs))
                if view_writes.fresh_root(leaf):  # a view of an array made here
                    fresh_views.add(len(outputs))
            plan.append(("out", len(outputs), _converter(value.type)))
            outputs.append(value)
        else:
            plan.append(("static", leaf))
    return outputs, tree, plan, (frozenset(fresh), frozenset(views), tuple(callers),
                                  frozenset(fresh_views))
