"""The typed graph IR: ops and their rules, graphs with regions, printer, verifier,
and the NumPy reference interpreter (the `python` backend).

`ir` depends on NumPy and `autograph.errors` only; everything else builds on it.
"""

from __future__ import annotations

from autograph.ir.graph import (Builder, Graph, Node, Region, Value, defined_values,
                                free_values, replace_all_uses, uses)
from autograph.ir.interpreter import run
from autograph.ir.ops import (BINARY, COMMUTATIVE, COMPARISON, CONTROL_FLOW, CREATION,
                              ELEMENTWISE, REDUCTION, SIDE_EFFECT, UNARY, Op)
from autograph.ir.printer import format_graph
from autograph.ir.rules import infer
from autograph.ir.types import TensorType, python_type_of
from autograph.ir.verifier import VerificationError, verify

__all__ = [
    "BINARY", "COMMUTATIVE", "COMPARISON", "CONTROL_FLOW", "CREATION", "ELEMENTWISE",
    "REDUCTION", "SIDE_EFFECT", "UNARY", "Builder", "Graph", "Node", "Op", "Region",
    "TensorType", "Value", "VerificationError", "defined_values", "format_graph",
    "free_values", "infer", "python_type_of", "replace_all_uses", "run", "uses", "verify",
]
