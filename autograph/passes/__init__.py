"""The optimiser: a small pass manager and one module per pass.

`run_passes(graph)` returns an optimised copy of a graph and a report of what each pass
did; see `manager.py` for the pipeline and its order, and each pass module's docstring
for a before/after example (run as a test).
"""

from __future__ import annotations

from autograph.passes.manager import (DEFAULT_PIPELINE, PASSES, PassError, PassManager,
                                      register, run_passes)
from autograph.passes.report import Changes, PassRecord, Report

__all__ = ["DEFAULT_PIPELINE", "PASSES", "Changes", "PassError", "PassManager", "PassRecord",
           "Report", "register", "run_passes"]
