"""A CUDA program once written: imported from the disk cache, and called.

Writing program text (`numba_cuda.generate`) needs neither a GPU nor `numba.cuda`;
running it needs both (or the simulator). This module is the second half:
`load_program` writes the text to the cache folder (`cache.py`: named by the hash of
the text, so `@cuda.jit(cache=True)` keeps compiled kernels on disk across processes)
and imports it, and `CudaProgram` is what the caller holds. Its `__call__` copies NumPy
arguments in and results out, or, when any argument is already on the device, takes
them as they are and returns device arrays (`rt.prepare_inputs`, `rt.finish_outputs`).
"""

from __future__ import annotations

from pathlib import Path

from autograph.codegen import cache
from autograph.codegen.cuda import runtime as rt
from autograph.codegen.cuda.writer import GeneratedProgram
from autograph.errors import AutographError
from autograph.ir.graph import Graph


class CudaProgram:
    """A compiled graph: `program(*flat_args) -> tuple` of results (see `numba_cuda`)."""

    def __init__(self, graph: Graph, generated: GeneratedProgram, module, path: Path):
        self.graph = graph
        self.source = generated.text
        self.path = path
        self.module = module
        self.kernels = generated.kernels
        self._driver = getattr(module, generated.driver)
        self._kinds = generated.input_kinds
        self._in_types = [v.type for v in graph.inputs]
        self._out_types = [v.type for v in graph.outputs]
        self._names = list(graph.input_names)

    def __call__(self, *args) -> tuple:
        if len(args) != len(self._in_types):
            raise AutographError(f"graph {self.graph.name} takes {len(self._in_types)} "
                                 f"argument(s), got {len(args)}")
        prepared, on_device = rt.prepare_inputs(args, self._in_types, self._names, self._kinds)
        results = self._driver(*prepared)
        return rt.finish_outputs(results, self._out_types, on_device)

    def __repr__(self) -> str:
        return f"<CudaProgram {self.graph.name} at {self.path}>"


def load_program(graph: Graph, generated: GeneratedProgram, cache_dir=None) -> CudaProgram:
    """Writes `generated` to `cache_dir` (default: `cache.default_cache_dir()`), imports it
    and wraps it. Kernels compile on their first launch (and are cached on disk after)."""
    folder = cache.default_cache_dir() if cache_dir is None else cache_dir
    module = cache.load_module(generated.text, folder)
    return CudaProgram(graph, generated, module, cache.program_path(generated.text, folder))
