"""`autograph.grad` / `autograph.value_and_grad`: derivatives of converted functions.

    dloss = autograph.grad(loss, argnums=(0, 1))     # loss: plain or @autograph.convert'ed
    dw, db = dloss(w, b, x)
    value, (dw, db) = autograph.value_and_grad(loss, argnums=(0, 1))(w, b, x)

A call traces `f` for its signature exactly as `convert` does (staging.trace), turns the
graph into its VJP graph (`autodiff.vjp_graph`: the original outputs, then the gradients),
optimises and compiles that like any graph, and caches it per signature. So gradients go
through staged `if`/`while`/`for` and run on the same backends as everything else.

Called while a converted function is being traced, with tensors of that trace among
its arguments (a training step that calls `grad` inside, or `convert(grad(loss))`), the
gradient is not compiled on its own: `f` is traced with placeholders of the tensors'
types, and its VJP graph is inlined into the trace being recorded (`_inline`), so the
whole step becomes one program that the outer pipeline optimises and compiles.

`f` must return one 0-d float (a NumPy scalar or 0-d array; a float Python scalar too).
Each differentiated argument gets a gradient of its own structure: an array gets an array
of its shape and dtype, a Python float a float, a list/tuple/dict of arrays the same
container of gradients (None for leaves that are not arrays: those are static). Integer
arguments cannot be differentiated (AutographError naming the argument).
"""

from __future__ import annotations

import inspect
import threading
from typing import Callable

import numpy as np

from autograph import autodiff, ir, staging
from autograph.runtime import api, conversion
from autograph.errors import AutographError
from autograph.staging import pytrees, tracing


def grad(f: Callable, argnums: int | tuple[int, ...] = 0, *, backend: str | None = None,
         optimize: bool = True, loop_strategy: str = "store") -> Callable:
    """A function computing the gradient of `f`'s scalar result with respect to the
    arguments `argnums` (one gradient for an int, a tuple for a tuple).

    `backend` defaults to the backend `f` was converted with, else "cpu";
    `loop_strategy` is `autodiff.vjp_graph`'s ("store" or "recompute").
    """
    differentiated = _Differentiated(f, argnums, backend, optimize, loop_strategy)

    def gradient(*args, **kwargs):
        return differentiated(args, kwargs)[1]

    return _named(gradient, f, "grad")


def value_and_grad(f: Callable, argnums: int | tuple[int, ...] = 0, *,
                   backend: str | None = None, optimize: bool = True,
                   loop_strategy: str = "store") -> Callable:
    """Like `grad`, but the function returns `(f(*args), gradient)` from one run."""
    differentiated = _Differentiated(f, argnums, backend, optimize, loop_strategy)

    def value_and_gradient(*args, **kwargs):
        return differentiated(args, kwargs)

    return _named(value_and_gradient, f, "value_and_grad")


def _named(wrapper, f, prefix: str):
    name = getattr(f, "__name__", "f")
    wrapper.__name__ = wrapper.__qualname__ = f"{prefix}_{name}"
    wrapper.__doc__ = f"{prefix} of {name}"
    try:  # `convert(grad(f))` binds calls by f's parameters, not (*args, **kwargs)
        wrapper.__signature__ = inspect.signature(f)
    except (TypeError, ValueError):
        pass
    return wrapper


class _Plan:
    """One traced signature: the compiled VJP program and how to read its outputs."""

    def __init__(self, trace: staging.Trace, program, output_index: int,
                 wrt_slots: list[tuple[int, int | None]]):
        self.trace = trace
        self.program = program
        self.output_index = output_index
        self.wrt_slots = wrt_slots     # per gradient output: (param, leaf) it belongs to
        graph_inputs = trace.graph.inputs
        self.scalar_inputs = [i for i, p in enumerate(graph_inputs)
                              if p.type.shape == () and not p.type.weak]


class _Differentiated:
    def __init__(self, f, argnums, backend, optimize, loop_strategy):
        if isinstance(f, api.ConvertedFunction):
            fn = f.__wrapped__
            backend = backend or getattr(f, "_backend", None)
        elif hasattr(f, "__ag_python_function__"):  # a converted method, bound
            raise AutographError("grad: pass the converted function itself, not a bound "
                                 "method (bind `self` with functools.partial instead)")
        else:
            fn = f
        self.fn = fn
        self.backend = backend or "cpu"
        if self.backend not in api.BACKENDS:
            raise AutographError(f"unknown backend {self.backend!r} "
                                 f"(choose from {', '.join(api.BACKENDS)})")
        self.single = isinstance(argnums, int)
        self.argnums = (argnums,) if self.single else tuple(argnums)
        if not self.argnums or not all(isinstance(a, int) for a in self.argnums):
            raise AutographError(f"grad: argnums must be an int or a non-empty tuple of ints, "
                                 f"not {argnums!r}")
        self.optimize = optimize
        self.loop_strategy = loop_strategy
        self.signature = inspect.signature(fn)
        self._converted = None
        self._static: frozenset = frozenset()
        self._cache: dict = {}
        self._lock = threading.RLock()

    @property
    def converted(self):
        if self._converted is None:
            self._converted = conversion.to_function(self.fn)
        return self._converted

    def __call__(self, args: tuple, kwargs: dict):
        bound = tracing.bind(self.signature, args, kwargs)
        for a in self.argnums:
            if not -len(args) <= a < len(args):
                raise AutographError(f"grad: argnums {a} is out of range for "
                                     f"{len(args)} positional argument(s)")
        argnums = tuple(a % len(args) for a in self.argnums)
        if staging.is_tracing() and _holds_tensor(bound):
            return self._inline(bound, argnums)
        plan = self._plan(args, kwargs, bound, argnums)
        flat = plan.trace.flat_inputs(bound)
        for i in plan.scalar_inputs:
            if isinstance(flat[i], np.ndarray):
                flat[i] = flat[i][()]
        outputs = list(plan.program(*flat))
        n = len(plan.trace.graph.outputs) - len(plan.wrt_slots)
        value = plan.trace.build_outputs(outputs[:n])
        grads = self._structure(bound, argnums, plan, outputs[n:])
        return value, grads[0] if self.single else tuple(grads)

    # -- tracing ------------------------------------------------------------------------

    def _plan(self, args, kwargs, bound, argnums) -> _Plan:
        key = (argnums, tracing.signature_key(bound, self._static))
        plan = self._cache.get(key)
        if plan is not None:
            return plan
        with self._lock:
            names = list(bound.arguments)
            trace = self._trace(args, kwargs, names, argnums)
            plan = self._build(trace, argnums, names)
            self._cache[(argnums, tracing.signature_key(bound, self._static))] = plan
            self._cache[key] = plan
            return plan

    def _trace(self, args, kwargs, names, argnums, traced=None) -> staging.Trace:
        """Traces `f`, making Python scalar arguments static where tracing needs their value
        (not those differentiated, nor those in `traced`: tensors of an enclosing trace,
        name -> the enclosing function's weak arguments they derive from, or None)."""
        traced = traced or {}
        while True:
            try:
                return _pure(staging.trace(self.converted, args, kwargs, self._static,
                                           getattr(self.fn, "__name__", "f"), self.signature))
            except staging.NeedsStaticArgument as error:
                new = set(error.arg_names) - self._static
                wanted = new & {names[a] for a in argnums}
                if wanted:
                    raise AutographError(f"grad: cannot differentiate with respect to "
                                         f"{sorted(wanted)}: {error.reason}") from None
                outer = new & set(traced)
                if outer:
                    sources = [traced[n] for n in outer]
                    if all(sources):  # the enclosing function retraces with those static
                        raise staging.NeedsStaticArgument(frozenset().union(*sources),
                                                          error.reason, error.origin) from None
                    raise AutographError(f"grad inside a converted function: {sorted(outer)} "
                                         f"must be concrete, but is traced there "
                                         f"({error.reason})", error.origin) from None
                if not new:
                    raise
                self._static = self._static | new

    def _build(self, trace: staging.Trace, argnums, names) -> _Plan:
        vjp, slots = self._vjp(trace, argnums, names)
        if self.optimize:
            vjp = api._optimize(vjp)
        program = api._compile(vjp, self.backend)
        return _Plan(_with_graph(trace, vjp), program, trace.output_leaves[0][1], slots)

    def _vjp(self, trace: staging.Trace, argnums, names):
        """The VJP graph of a trace (its outputs, then the gradients) and, per gradient,
        the (param, leaf) it belongs to."""
        outs = [entry for entry in trace.output_leaves if entry[0] == "out"]
        graph = trace.graph
        if len(trace.output_leaves) != 1 or len(outs) != 1:
            raise AutographError(f"grad: {graph.name} must return one 0-d float, not "
                                 f"{len(trace.output_leaves)} value(s)"
                                 + ("" if outs else " that do not depend on its arguments"))
        for a in argnums:
            if names[a] in trace.static_args:
                raise AutographError(f"grad: cannot differentiate with respect to "
                                     f"'{names[a]}': it is static "
                                     f"({type(trace.static_args[names[a]]).__name__})")
        wrt = [i for i, slot in enumerate(trace.inputs) if slot.param in argnums]
        vjp = autodiff.vjp_graph(graph, wrt, outs[0][1], loop_strategy=self.loop_strategy)
        return vjp, [(trace.inputs[i].param, trace.inputs[i].leaf) for i in wrt]

    # -- inside an enclosing trace --------------------------------------------------------

    def _inline(self, bound, argnums):
        """(value, gradients) as tensors of the trace being recorded: `f`'s VJP graph,
        traced for placeholders of the arguments' types, copied into that trace."""
        ctx = staging.current()
        names = list(bound.arguments)
        example = {name: _placeholder_tree(value, name) for name, value in bound.arguments.items()}
        traced = {n: v._sources if isinstance(v, staging.Tensor) else None
                  for n, v in bound.arguments.items() if _holds_tensor_tree(v)}
        args = tuple(example[n] for n in names[:len(bound.args)])
        kwargs = {n: example[n] for n in names[len(bound.args):]}
        example_bound = tracing.bind(self.signature, args, kwargs)
        key = ("inline", argnums, tracing.signature_key(example_bound, self._static))
        with self._lock:
            found = self._cache.get(key)
            if found is None:
                trace = self._trace(args, kwargs, names, argnums, traced)
                found = self._cache[key] = (trace, *self._vjp(trace, argnums, names))
                self._cache[("inline", argnums,
                             tracing.signature_key(example_bound, self._static))] = found
        trace, vjp, slots = found
        values = list(bound.arguments.values())
        inputs = []
        for slot in trace.inputs:
            value = values[slot.param]
            if slot.leaf is not None:
                value = pytrees.flatten(value)[0][slot.leaf]
            inputs.append(_operand(ctx, value))
        inputs.extend(ctx.capture(array) for array in trace.captured)
        outputs = [staging.Tensor(v, None, None, ctx) for v in _splice(ctx, vjp, inputs)]
        n = len(outputs) - len(slots)
        value = pytrees.unflatten(trace.output_tree, [
            outputs[e[1]] if e[0] == "out" else e[1] for e in trace.output_leaves])
        found_grads = dict(zip(slots, outputs[n:]))
        grads = []
        for a in argnums:
            leaves, treedef = pytrees.flatten(values[a])
            if treedef.kind == "leaf":
                grads.append(found_grads.get((a, None)))
            else:
                grads.append(pytrees.unflatten(treedef, [found_grads.get((a, i))
                                                         for i in range(len(leaves))]))
        return value, grads[0] if self.single else tuple(grads)

    # -- results ------------------------------------------------------------------------

    def _structure(self, bound, argnums, plan: _Plan, grads) -> list:
        """Puts each gradient where its argument (or its container leaf) was."""
        values = list(bound.arguments.values())
        found: dict[tuple[int, int | None], object] = dict(zip(plan.wrt_slots, grads))
        result = []
        for a in argnums:
            value = values[a]
            leaves, treedef = pytrees.flatten(value)
            if treedef.kind == "leaf":
                result.append(_as_argument(found.get((a, None)), value))
            else:
                result.append(pytrees.unflatten(
                    treedef, [_as_argument(found.get((a, i)), leaf)
                              for i, leaf in enumerate(leaves)]))
        return result


def _as_argument(grad, like):
    """The gradient in the argument's own form: float for a float, NumPy scalar for one."""
    if grad is None:
        return None
    grad = np.asarray(grad)
    if isinstance(like, np.generic):      # before float: np.float64 is a float subclass
        return grad.dtype.type(grad[()])
    if isinstance(like, float):
        return float(grad)
    return grad


def _holds_tensor(bound) -> bool:
    return any(_holds_tensor_tree(v) for v in bound.arguments.values())


def _holds_tensor_tree(value) -> bool:
    if isinstance(value, staging.Tensor):
        return True
    if isinstance(value, (tuple, list, dict)):
        return any(isinstance(leaf, staging.Tensor) for leaf in pytrees.flatten(value)[0])
    return False


_WEAK_PLACEHOLDERS = {"i": 0, "f": 0.0, "c": 0j}


def _placeholder_tree(value, name: str):
    """`value` with each tensor replaced by a NumPy value (or Python scalar, for a weak
    tensor) of its type: what `f` is traced with, on its own, for the enclosing trace."""
    if isinstance(value, staging.Tensor):
        return _placeholder(value, name, top_level=True)
    if not _holds_tensor_tree(value):
        return value
    leaves, treedef = pytrees.flatten(value)
    return pytrees.unflatten(treedef, [_placeholder(v, name, top_level=False)
                                       if isinstance(v, staging.Tensor) else v
                                       for v in leaves])


def _placeholder(tensor, name: str, top_level: bool):
    ttype = tensor.type
    if not ttype.weak:
        return np.zeros(ttype.shape, ttype.dtype)
    scalar = _WEAK_PLACEHOLDERS.get(ttype.dtype.kind)
    if scalar is None or not top_level or ir.TensorType.of_python(scalar) != ttype:
        raise AutographError(f"grad inside a converted function: argument '{name}' holds a "
                             f"Python-scalar tensor ({ttype}) that cannot be passed on; "
                             f"make it an array (np.float64(...)) or pass it on its own")
    return scalar


def _pure(trace: staging.Trace) -> staging.Trace:
    """The trace, if its function leaves its arguments alone: a gradient program computes
    values only, so the writes the function makes would silently not happen."""
    if trace.writebacks:
        names = sorted({trace.param_names[trace.inputs[i].param] for _, i in trace.writebacks})
        raise AutographError(f"grad: {trace.graph.name} writes into its argument(s) "
                             f"{', '.join(names)}; differentiate a function that returns new "
                             f"values (`y = x * 2` rather than `x *= 2`)")
    return trace


def _operand(ctx, value):
    """The enclosing trace's IR value for one argument leaf: a tensor's own value, a NumPy
    array captured, a scalar as a constant."""
    if isinstance(value, staging.Tensor):
        return value.value
    if isinstance(value, np.ndarray):
        return ctx.capture(value)
    return ctx.constant(value)


def _splice(ctx, graph: ir.Graph, inputs) -> list:
    """Copies `graph`'s nodes into the region being recorded, its inputs replaced by
    `inputs`; returns the values of its outputs there."""
    body = graph.copy().body
    for param, value in zip(body.params, inputs):
        ir.replace_all_uses(param, value, body)
    ctx.builder.current.nodes.extend(body.nodes)
    return list(body.results)


def _with_graph(trace: staging.Trace, graph) -> staging.Trace:
    """The trace, reading outputs from `graph` (its first outputs are the original ones)."""
    return staging.Trace(graph, trace.inputs, trace.captured, trace.output_tree,
                         trace.output_leaves, trace.static_args, trace.param_names)
