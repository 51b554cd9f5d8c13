"""The CPU code generator's performance knobs, each one switchable on its own.

Every knob changes how fast a program runs, never what it computes (up to the few ulps
of `vecmath`'s functions), so each can be turned off to measure it or to rule it out
when hunting a bug: `numba_cpu.generate(graph, CpuOptions(parallel=False))`, or
`CpuOptions.plain()` for none of them.

- `fusion`: a chain of elementwise ops whose intermediate values have one use is computed
  in one loop nest, the producer's expression written into its consumer's (no
  temporaries); when off, every elementwise node is its own loop writing its own array.
- `vecmath`: exp, tanh, log, expm1, log1p on float32/float64 call `codegen/vecmath.py`'s
  branch-free approximations, so that loops vectorise (libm calls do not).
- `inplace`: memory planning (`ir/analysis/memory.py`): item assignment writes in
  place when the old array is dead, loops carry one buffer instead of copying it per
  assignment.
- `reuse_buffers`: an elementwise result is written into the buffer of an operand that
  dies there (a product's output becomes the activation's), instead of a new array.
- `parallel`: `numba.prange` for elementwise loop nests and for staged FOR loops
  `ir/analysis/parallel.py` proves independent, when their estimated serial work (its
  cost model) reaches `parallel_threshold` nanoseconds (300 µs); the function is
  compiled with `parallel=True` only when it has such a loop. `convert(threads=N)`,
  `AUTOGRAPH_THREADS` or, by default, `codegen/cpu/threads.py` decide how many run.
- `huge_pages`: fresh elementwise results of 4 MiB and more are advised onto 2-MiB
  pages (`cpu_runtime.huge_pages`, Linux), as NumPy does for its arrays: a 40 MB result
  then costs 20 page faults per call instead of 10,000.
- `elide_checks`: index wrap-around and bounds checks are dropped where
  `parallel_loops.index_range` proves the index in bounds (a loop index over a constant
  range); when off, every dynamic index is wrapped and checked as NumPy does.
- `recycle_results`: a result of 4 MiB and more that the program allocates at its top
  level is written into a buffer the caller passes (`out0`, ...), taken from a
  `cpu_runtime.ResultBuffers` pool that hands a buffer out again once the caller has
  dropped the earlier result (and every view of it): no fresh pages to fault in per
  call. Costs up to two such buffers per output kept alive between calls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CpuOptions:
    fusion: bool = True
    vecmath: bool = True
    inplace: bool = True
    reuse_buffers: bool = True
    parallel: bool = True
    parallel_threshold: float = 300_000  # ns: ir.analysis.parallel.DEFAULT_THRESHOLD_NS
    huge_pages: bool = True
    elide_checks: bool = True
    recycle_results: bool = True

    @classmethod
    def plain(cls) -> "CpuOptions":
        """No optimisation of the generated code: one loop per elementwise op, libm math,
        copies on every item assignment, fresh arrays on ordinary pages, serial loops,
        every index checked, a fresh array for every result."""
        return cls(fusion=False, vecmath=False, inplace=False, reuse_buffers=False,
                   parallel=False, huge_pages=False, elide_checks=False,
                   recycle_results=False)

    def but(self, **changes) -> "CpuOptions":
        """A copy with some knobs changed."""
        return replace(self, **changes)


DEFAULT = CpuOptions()
