"""A CPU program once written: imported from the disk cache, compiled, and called.

Writing program text (`numba_cpu.generate`) needs neither Numba nor a file; running it
needs both. This module is the second half: `load_program` writes the text to the cache
folder (`cache.py`: named by the hash of the text, since Numba's `cache=True` cannot
cache `exec`'d functions) and imports it, and `CompiledProgram` is what the caller
holds. Its `__call__` is on every call's path, so it stays a dispatcher call plus the
least wrapping: results come back as a tuple, 0-d ones as NumPy scalars of their dtype,
and arguments Numba's signature rejects are converted as the reference interpreter
converts them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from autograph.codegen import cache
from autograph.codegen.cpu.writer import ProgramWriter, load_cpu_runtime
from autograph.errors import AutographError
from autograph.ir.graph import Graph


class CompiledProgram:
    """A generated, imported and Numba-compiled graph.

    Call it with one array or scalar per graph input; it returns a tuple with one value
    per graph output: arrays, and NumPy scalars for 0-d outputs. The program is compiled
    for one signature (C-contiguous arrays of the graph's dtypes, scalars), so the fast
    path hands the arguments straight to Numba's dispatcher; anything else (another
    dtype, a non-contiguous or read-only array, a 0-d array) is converted as the
    reference interpreter converts it, and a wrong shape is an AutographError.

    Calling `function` (the jitted function, or for a program with parallel loops a
    `threads.AdaptiveThreads` around it that picks the thread count) directly, as the
    API's guards do, skips all that; the rule for such a raw call is

        result = program.function(*graph_inputs, *(b.take() for b in program.result_buffers))

    and `result` is the one output itself when `bare` (a single-output graph: no tuple
    is boxed per call), else the tuple of outputs; 0-d outputs come back as Python
    scalars. `result_buffers` holds one `cpu_runtime.ResultBuffers` per output the
    program writes into a buffer it is given (`CpuOptions.recycle_results`: big outputs
    it allocates at its top level), in the order of the trailing parameters `out0`,
    `out1`, ... Those pools keep up to two buffers per such output alive between calls,
    the price of not faulting in a fresh result's pages on every call.
    """

    __slots__ = ("graph", "source", "path", "function", "bare", "result_buffers",
                 "_inputs", "_wrappers")

    def __init__(self, graph: Graph, source: str, path: Path, function,
                 result_buffers: Sequence = ()):
        self.graph = graph
        self.source = source
        self.path = path
        self.function = function
        self.bare = len(graph.outputs) == 1
        self.result_buffers = tuple(result_buffers)
        self._inputs = [(name, p.type.shape, p.type.dtype)
                        for name, p in zip(graph.input_names, graph.inputs)]
        self._wrappers = _output_wrapper(graph)

    def __call__(self, *args) -> tuple:
        try:
            if self.result_buffers:
                results = self.function(*args, *[b.take() for b in self.result_buffers])
            else:
                results = self.function(*args)
        except (TypeError, ValueError) as exc:
            results = self._call_converted(args, exc)
        if self.bare:
            results = (results,)
        return results if self._wrappers is None else self._wrappers(results)

    def _call_converted(self, args, error: Exception):
        if len(args) != len(self._inputs):
            raise AutographError(f"graph {self.graph.name} takes {len(self._inputs)} "
                                 f"argument(s), got {len(args)}") from None
        converted = []
        for (name, shape, dtype), arg in zip(self._inputs, args):
            if not shape:
                converted.append(dtype.type(arg))
                continue
            array = np.asarray(arg)
            if array.shape != shape:
                raise AutographError(f"graph {self.graph.name}: argument {name} has shape "
                                     f"{array.shape}, expected {shape}") from None
            if array.dtype != dtype or not array.flags.c_contiguous or not array.flags.writeable:
                array = np.array(array, dtype, order="C")
            converted.append(array)
        if all(c is a for c, a in zip(converted, args)):
            raise error  # the arguments were fine: the error came from the program itself
        return self.function(*converted, *[b.take() for b in self.result_buffers])

    def __repr__(self) -> str:
        return f"<CompiledProgram {self.graph.name} at {self.path}>"


def _output_wrapper(graph: Graph):
    """What turns Numba's results, as a tuple (a bare result wrapped in one first), into
    NumPy's: 0-d outputs come back as Python scalars and become NumPy scalars of their
    dtype. None when there is nothing to do (the common case stays one call: this is on
    every call's path)."""
    types = [v.type.dtype.type if not v.type.shape else None for v in graph.outputs]
    if all(t is None for t in types):
        return None
    if len(types) == 1:
        (scalar,) = types
        return lambda results: (scalar(results[0]),)
    return lambda results: tuple(r if t is None else t(r) for t, r in zip(types, results))


def load_program(writer: ProgramWriter, cache_dir=None, source: str | None = None
                 ) -> CompiledProgram:
    """Writes `writer`'s program to `cache_dir` (default: `cache.default_cache_dir()`) and
    imports it, which compiles it with Numba, or loads the machine code Numba's own cache
    kept from an earlier process; the result buffers its recycled outputs need come with
    it (one `cpu_runtime.ResultBuffers` pool each). `source`: `writer.text()` when the
    caller already wrote it (writing is done once per writer; the api times it apart)."""
    graph = writer.graph
    source = writer.text() if source is None else source
    directory = cache.default_cache_dir() if cache_dir is None else Path(cache_dir)
    module = cache.load_module(source, directory)
    function = getattr(module, ProgramWriter.function_name_of(graph))
    if writer.uses_parallel:
        from autograph.codegen.cpu.threads import AdaptiveThreads  # imports Numba

        function = AdaptiveThreads(function)
    buffers = ()
    if writer.result_params:
        runtime = load_cpu_runtime()
        buffers = tuple(runtime.ResultBuffers(v.type.shape, v.type.dtype,
                                              writer.options.huge_pages)
                        for v, _ in writer.result_params)
    return CompiledProgram(graph, source, Path(module.__file__), function, buffers)
