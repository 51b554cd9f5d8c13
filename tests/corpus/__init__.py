"""Plain functions with the inputs to call them on, shared by the converter's tests.

The corpus is the reference the converted code is checked against (Tangent's
`tests/functions.py` is the model): every function here is ordinary Python, so calling it
directly is the oracle, and one corpus serves the differential tests, the benchmarks and,
later, every backend. It lives in its own importable module (not inside a test file) so
that the converter can fetch its source like any user module's.
"""

from __future__ import annotations

from .python_functions import CASES, Args, Case

__all__ = ["CASES", "Args", "Case"]
