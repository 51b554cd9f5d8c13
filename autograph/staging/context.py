"""The trace being recorded: its graph builder, open regions, captured arrays, origins.

One `TraceContext` exists per trace, per thread (`current()`); tensors remember the context
they belong to so a tensor leaked from one trace cannot silently end up in another graph.

Two bookkeeping jobs live here because every other staging module needs them:

- *Origins.* Every node gets the user's line. The converter keeps a source map per
  converted file; `set_origin_resolver` registers the lookup and `user_origin()` walks the
  Python stack to the first frame it maps — the user's statement being traced.
- *Frames.* Each open region (a branch, a loop body) is a frame. Item assignment rebinds a
  tensor handle to a new value; if a handle that lives *outside* the region is rebound
  inside it, its new value would escape the region. The frame logs such handles and, on
  close, puts their old value back and marks them stale, so a later use raises instead of
  producing an invalid graph (see `Tensor._rebind`).
"""

from __future__ import annotations

import contextlib
import keyword
import re
import sys
import threading
from typing import Callable, Sequence

import numpy as np

from autograph import ir
from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.ir.types import TensorType
from autograph.staging.captures import HELD, Locator, Site

_resolver: Callable | None = None
_local = threading.local()
# How many traces are being recorded in all threads: lets `is_tracing` answer "no" (the
# common case, on every call of a compiled function) without a thread-local lookup.
active_traces = 0


def set_origin_resolver(fn: Callable | None) -> None:
    """Registers `fn(filename, lineno) -> Origin | None`, the map from frames to user lines."""
    global _resolver
    _resolver = fn


def user_origin(depth: int = 2):
    """The Origin of the innermost frame on the stack that the resolver maps, or None."""
    resolver = _resolver
    if resolver is None:
        return None
    frame = sys._getframe(depth)
    while frame is not None:
        origin = resolver(frame.f_code.co_filename, frame.f_lineno)
        if origin is not None:
            return origin
        frame = frame.f_back
    return None


def staging_error(message: str, error_type=StagingError):
    """A StagingError (or subclass) located at the user's current line."""
    return error_type(message, user_origin(3))


def current() -> TraceContext | None:
    """The trace being recorded on this thread, or None."""
    return getattr(_local, "ctx", None)


def require() -> TraceContext:
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        raise StagingError("no trace is being recorded: tensors exist only while a converted "
                           "function is traced")
    return ctx


class Frame:
    """One open region: the outer tensor handles rebound inside it (id -> restore data)."""

    __slots__ = ("mutated", "what", "closed")

    def __init__(self, what: str = ""):
        self.mutated: dict[int, tuple] = {}
        self.what = what
        self.closed = False  # values made in a closed region are out of scope


class OpenRegion:
    """What `TraceContext.region` yields: the params; set `results` before the block ends."""

    __slots__ = ("params", "results", "region")

    def __init__(self, params):
        self.params = params
        self.results: list[ir.Value] = []
        self.region: ir.Region | None = None


class TraceContext:
    """The state of one trace: builder, region frames, captured arrays.

    `locator` (captures.Locator, set by the tracer) finds where each captured array is
    bound, so that calls read it there; without one, captured arrays are held as traced.
    """

    def __init__(self, name: str, locator: Locator | None = None):
        self.builder = ir.Builder(name)
        self.frames: list[Frame] = [Frame()]
        self._captures: dict[int, ir.Value] = {}
        self.captured: list[np.ndarray] = []  # in graph-input order, after the arguments
        self.sites: list[Site] = []  # where each captured array is read at call time
        self.locator = locator
        self.cond_depth = 0
        # What the trace decided that the user may want to know (loops left unrolled, ...),
        # one line each, shown by `f.explain()`.
        self.notes: list[str] = []
        self.caller_arrays: list = []  # caller_arrays.CallerArray of each array argument

    # -- activation ---------------------------------------------------------------------

    def __enter__(self) -> TraceContext:
        global active_traces
        self._outer = getattr(_local, "ctx", None)
        _local.ctx = self
        active_traces += 1
        return self

    def __exit__(self, *exc_info) -> None:
        global active_traces
        active_traces -= 1
        _local.ctx = self._outer

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    # -- emission -------------------------------------------------------------------------

    def emit(self, op: Op, inputs: Sequence[ir.Value], origin=None, **attrs):
        """Appends `op(inputs)` to the current region, located at the user's line."""
        if origin is None:
            origin = user_origin(2)
        return self.builder.emit(op, inputs, origin=origin, **attrs)

    def constant(self, value) -> ir.Value:
        """A CONSTANT node: Python scalars are weak, NumPy scalars and arrays strong."""
        if isinstance(value, np.generic):
            value = np.asarray(value)
        return self.emit(Op.CONSTANT, [], origin=user_origin(2), value=value)

    def capture(self, array: np.ndarray) -> ir.Value:
        """The graph input standing for a NumPy array met while tracing (read at call time).

        The same array object is captured once; the context keeps it alive, so its id is
        never reused during the trace.
        """
        found = self._captures.get(id(array))
        if found is not None:
            return found
        ttype = TensorType.of_array(array)
        site = (self.locator.site(array) if self.locator is not None
                else Site(HELD, "array", array, array))
        value = self.builder.add_input(ttype, self._capture_name(site))
        self._captures[id(array)] = value
        self.captured.append(array)
        self.sites.append(site)
        return value

    def _capture_name(self, site: Site) -> str:
        """The input's name: where the user's code reads the array (`W`, `self.w` as
        `self_w`), so that graphs, programs and exports say `W` and not `capture0`;
        `capture<n>` for an array with no such place. Unique among the graph's inputs."""
        name = f"capture{len(self.captured)}"
        if site.kind != HELD:
            spelled = re.sub(r"\W", "_", site.name)
            if spelled.isidentifier() and not keyword.iskeyword(spelled):
                name = spelled
        taken = set(self.builder.graph.input_names)
        unique, k = name, 0
        while unique in taken:
            k += 1
            unique = f"{name}_{k}"
        return unique

    # -- regions ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def region(self, param_types: Sequence[TensorType], hints=None, what: str = ""):
        """Opens a region (and its frame) for the block; closes both however it ends."""
        params = self.builder.open_region(list(param_types), hints)
        frame = Frame(what)
        self.frames.append(frame)
        holder = OpenRegion(params)
        try:
            yield holder
        finally:
            self.frames.pop()
            frame.closed = True
            _roll_back(frame)
            holder.region = self.builder.close_region(holder.results)


def _roll_back(frame: Frame) -> None:
    """Outer handles rebound inside a closed region get their old value back, marked stale."""
    for tensor, old_value, old_frame in frame.mutated.values():
        tensor._value = old_value
        tensor._frame = old_frame
        tensor._stale = (f"this array was modified inside {frame.what or 'a staged block'} "
                         f"without being part of its state (is it reachable under another "
                         f"name?); its value after the block is unknown")
