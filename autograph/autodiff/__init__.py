"""Reverse-mode differentiation as a graph transformation (`vjp_graph`).

`rules.py` holds one VJP rule per op; `reverse.py` the sweeps over regions; `cond.py` and
`loops.py` the control-flow ops; `activity.py` which values depend on the inputs being
differentiated; `emitter.py` the region builder and cotangent idioms the others share.
Depends on `ir`, `errors` and NumPy only.
"""

from __future__ import annotations

from autograph.autodiff.reverse import LOOP_STRATEGIES, vjp_graph
from autograph.autodiff.rules import NON_DIFFERENTIABLE, VJP

__all__ = ["LOOP_STRATEGIES", "NON_DIFFERENTIABLE", "VJP", "vjp_graph"]
