"""What `convert(f, optimize=...)` means: which graph passes run and which code-generation
features are on, decided once, when `convert` is called.

Why a switch per optimisation: to see what one of them does (`f.lower(*args).graph` and
`.source` with and without it), to measure it, and to rule it out when results look wrong.
So `optimize=` takes

- `True` (the default): the default pass pipeline (`passes.manager.DEFAULT_PIPELINE`,
  repeated while it changes something) and every code-generation feature;
- `False` (or `[]`): no pass at all and every code-generation feature off — the traced
  graph, generated as plainly as the generator can (`CpuOptions.plain()`, CUDA `fuse=False`);
- a list of names: exactly those, everything else off. Graph passes run once each, in the
  order given (a name may repeat); feature names switch their knob on.

The names. Graph passes are the keys of `passes.PASSES` (whatever is registered there):

- `constant_folding`, `simplify`, `cse`, `licm`, `batch_products`, `dce`: rewrite the graph
  (see each module).
- `memory_planning`, `parallel_loops`: only annotate the graph, for people to read; the
  CPU generator makes these decisions itself on the final graph. Naming them therefore
  does both: runs the annotating pass *and* switches the feature below on.

Code-generation features (the CPU generator's `CpuOptions` knobs; CUDA reads `fusion` only):

- `fusion`: elementwise chains computed in one loop nest (CUDA: one kernel), without
  temporaries; without it every elementwise op is its own loop writing its own array.
- `vecmath`: exp/tanh/log/expm1/log1p through `codegen/vecmath.py`'s vectorisable
  approximations instead of libm (the one feature that changes results, by a few ulps).
- `memory_planning`: `inplace` and `reuse_buffers` — item assignment in place when the old
  array is dead, loops carrying one buffer, elementwise results in dying operands' buffers.
- `parallel_loops`: `parallel` — `numba.prange` for big elementwise loop nests; staged FOR
  loops run in parallel only with `memory_planning` and `elide_checks` on as well (the
  proof that iterations are independent needs both).
- `huge_pages`: big fresh results advised onto 2-MiB pages.
- `elide_checks`: no wrap-around/bounds check where an index is provably in bounds.
- `recycle_results`: big results written into caller-side buffers from a pool, reused once
  the caller has dropped the earlier result (no fresh pages to fault in per call).

A new `CpuOptions` knob needs a name here (tests/test_api_optimize_option.py checks that
every knob has one), else no list could switch it on.

Anything else is an `AutographError` at `convert` time naming the unknown name and listing
the valid ones: a typo must not silently switch an optimisation off.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from autograph import passes
from autograph.errors import AutographError

# Each code-generation feature and the CpuOptions knobs it switches.
FEATURES: dict[str, tuple[str, ...]] = {
    "fusion": ("fusion",),
    "vecmath": ("vecmath",),
    "memory_planning": ("inplace", "reuse_buffers"),
    "parallel_loops": ("parallel",),
    "huge_pages": ("huge_pages",),
    "elide_checks": ("elide_checks",),
    "recycle_results": ("recycle_results",),
}


@dataclass(frozen=True)
class Optimization:
    """One `optimize=` argument, checked and resolved.

    `spec` is the argument in canonical form — True, False or a tuple of names — and is
    what pickles and compares (it is hashable). `passes` lists the graph passes to run
    once each, or is None for the default pipeline; `features` the code-generation
    features on.
    """

    spec: bool | tuple[str, ...]
    passes: tuple[str, ...] | None
    features: frozenset[str]

    @classmethod
    def of(cls, optimize) -> "Optimization":
        """The Optimization of a user's `optimize=` value (see the module docstring);
        raises AutographError for anything else, naming unknown names."""
        if isinstance(optimize, Optimization):
            return optimize
        if isinstance(optimize, (bool, np.bool_)):
            return ALL if optimize else NONE
        if isinstance(optimize, str):
            optimize = (optimize,)  # one name, as static_argnames takes one
        if not isinstance(optimize, Sequence):  # a set has no order: passes' order matters
            raise AutographError(f"optimize= takes True, False or a list of pass and feature "
                                 f"names, not {optimize!r}")
        names = tuple(optimize)
        if not names:
            return NONE
        wrong = [n for n in names if not isinstance(n, str)]
        if wrong:
            raise AutographError(f"optimize= names must be strings, not {wrong[0]!r}")
        unknown = [n for n in dict.fromkeys(names) if n not in passes.PASSES and n not in
                   FEATURES]
        if unknown:
            raise AutographError(_unknown_message(unknown))
        graph_passes = tuple(n for n in names if n in passes.PASSES)
        passes.PassManager(graph_passes)  # a pass that needs another before it fails now
        return cls(names, graph_passes, frozenset(n for n in names if n in FEATURES))

    def run(self, graph):
        """(the graph to generate code from, the passes' Report or None when no pass
        machinery ran at all: optimize=False)."""
        if self.passes is None:
            return passes.run_passes(graph)
        if self.spec is False:
            return graph, None
        return passes.run_passes(graph, list(self.passes))

    def cpu_options(self):
        """The CPU generator's `CpuOptions`: all knobs for True, only the named ones else."""
        from autograph.codegen.cpu.options import CpuOptions  # imports Numba: not at import

        if self.spec is True:
            return CpuOptions()
        knobs = {knob: True for name in self.features for knob in FEATURES[name]}
        return CpuOptions.plain().but(**knobs)

    def cuda_fuse(self) -> bool:
        """Whether the CUDA generator fuses elementwise chains into one kernel."""
        return "fusion" in self.features

    def describe(self) -> str:
        """One line for `explain()`: the argument and what it switched on; empty for the
        default (optimize=True), which needs no words (explain() then prints none)."""
        if self.spec is True:
            return ""
        if self.spec is False:
            return "optimize=False: no pass, no code-generation feature"
        ran = ", ".join(self.passes) or "none"
        on = ", ".join(n for n in FEATURES if n in self.features) or "none"
        return (f"optimize={list(self.spec)!r}: passes {ran}; code generation {on}; "
                f"everything else off")


def _unknown_message(unknown: list[str]) -> str:
    valid_passes = sorted(passes.PASSES)
    valid = sorted(set(valid_passes) | set(FEATURES))
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, valid, n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return (f"optimize=: unknown name{'s' if len(unknown) > 1 else ''} {', '.join(hints)}; "
            f"graph passes are {', '.join(valid_passes)}; code-generation features are "
            f"{', '.join(FEATURES)}")


ALL = Optimization(True, None, frozenset(FEATURES))
NONE = Optimization(False, (), frozenset())
