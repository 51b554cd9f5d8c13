"""Staging: the symbolic `Tensor`, the tracer, and NumPy dispatch.

While a converted function is traced, arrays are `Tensor`s and every operation on them
appends a node to an `ir` graph. The operators (`autograph/operators/`) call into this
package whenever they meet a tensor: a staged `if` (`cond`), `while` (`while_loop`), `for`
(`for_loop`, `stages_loop`), `and`/`or`/`not`, `assert`, list mutation, and the builtins
(`call_builtin`). `trace` records one call as a graph; the api compiles and caches it.

Modules: context (the trace, regions, origins), tensor (Tensor and its operators),
indexing, dispatch + numpy_api (the NumPy API) with its composites numpy_math,
numpy_rearrange, numpy_linalg and numpy_random (np.random as RANDOM nodes), scalar_math
(math.* and round on traced scalars), api_table (the generated list of all of it), creation (np.zeros, np.arange, ... with
plain arguments, staged while tracing), pytrees, state + branches + loops (the
state of staged branches and loops), control_flow, iterables, builtins, lists, concrete
(needing concrete values), unrolling (which loops over static ranges are staged, the
budget of unrolled ones), undefined (possibly-undefined variables), dynamic with
dynamic_numpy, dynamic_indexing and dynamic_protocols (values whose length is known only at
run time: `x[mask]`, np.unique), tracing (one call),
captures (where captured arrays are read at call time), guards (one signature's
argument check and program call, the api's per-call fast path).

Layering: imports `autograph.ir`, `autograph.errors`, `autograph.staging.variables` and
NumPy only.
"""

from __future__ import annotations

from autograph.errors import StagingError
from autograph.staging import context, unrolling  # noqa: F401 - staging.unrolling
# dispatch and indexing install NumPy's protocols and indexing on Tensor (numpy_api, which
# dispatch imports, the ndarray methods): imported here, before anything can be traced.
from autograph.staging import dispatch, indexing  # noqa: F401
# Values of run-time length (x[mask], np.nonzero, np.unique): their protocols and NumPy table.
from autograph.staging import dynamic_protocols  # noqa: F401
# The supported-API table; it installs the "did you mean" of unsupported NumPy functions.
from autograph.staging import api_table  # noqa: F401
from autograph.staging.builtins import call_builtin
from autograph.staging.concrete import NeedsStaticArgument
from autograph.staging.context import current, set_origin_resolver
from autograph.staging.checks import assert_
from autograph.staging.control_flow import (cond, for_loop, if_exp, logical_and,
                                            logical_not, logical_or, while_loop)
from autograph.staging.creation import (FUNCTIONS as CREATION_FUNCTIONS,
                                        routes as routes_creation, stage as stage_creation)
from autograph.staging.scalar_math import OVERLOADS as SCALAR_MATH
from autograph.staging.iterables import StagedIterable, stages_loop
from autograph.staging.lists import in_staged_region, is_staged_list, list_append, list_pop
from autograph.staging.tensor import Tensor
from autograph.staging.tracing import Trace, signature_key, trace


def is_tensor(value) -> bool:
    """True for traced values: tensors and staged iterables (`range(n)` with a traced `n`)."""
    return isinstance(value, (Tensor, StagedIterable))


def is_tracing() -> bool:
    """Whether a trace is being recorded on this thread."""
    return context.active_traces > 0 and current() is not None


__all__ = [
    "CREATION_FUNCTIONS", "NeedsStaticArgument", "SCALAR_MATH", "StagingError", "Tensor", "Trace",
    "assert_", "routes_creation",
    "call_builtin", "cond", "current", "for_loop", "if_exp", "in_staged_region",
    "is_staged_list", "is_tensor", "is_tracing",
    "list_append", "list_pop", "logical_and", "logical_not", "logical_or",
    "set_origin_resolver", "signature_key", "stage_creation", "stages_loop", "trace",
    "while_loop",
]
