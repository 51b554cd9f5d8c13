"""The `ag__` runtime that converted code calls.

Each operator runs plain Python semantics for Python values and hands tensors to the
staging layer. `autograph.runtime.conversion` assembles these, plus `converted_call`, into the
module object converted code sees as `ag__`.
"""

from autograph.operators.control_flow import for_stmt, if_exp, if_stmt, while_stmt
from autograph.operators.data_structures import list_append, list_pop
from autograph.operators.exceptions import assert_stmt
from autograph.operators.logical import and_, compare_chain, not_, or_
from autograph.operators.py_builtins import static_range
from autograph.operators.side_effects import caught, outer_write, resumable
from autograph.staging.variables import Undefined, UndefinedReturnValue, ld, return_value

__all__ = [
    "for_stmt", "if_exp", "if_stmt", "while_stmt", "list_append", "list_pop", "assert_stmt",
    "and_", "compare_chain", "not_", "or_", "static_range", "Undefined",
    "UndefinedReturnValue", "ld", "return_value", "caught", "outer_write", "resumable",
]
