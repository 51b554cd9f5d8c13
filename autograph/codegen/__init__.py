"""Code generation: a typed graph becomes program text, written to a file in a cache
folder, imported and compiled.

`numba_cpu` is the Numba CPU backend (one `@numba.njit` function per graph); the
`python` backend is `autograph.ir`'s reference interpreter. Codegen depends on `ir`,
`errors`, NumPy and Numba only.
"""

from __future__ import annotations

from autograph.codegen.cache import default_cache_dir
from autograph.codegen.emitter import CodegenError
from autograph.codegen.cpu.backend import EMITTERS, CompiledProgram, compile_graph, generate

__all__ = ["EMITTERS", "CodegenError", "CompiledProgram", "compile_graph", "default_cache_dir",
           "generate"]
