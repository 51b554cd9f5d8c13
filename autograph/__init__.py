"""autograph: imperative NumPy functions, converted, staged, optimised and compiled.

    import autograph, numpy as np

    @autograph.convert
    def f(x):
        if np.sum(x) > 0:
            return x * 2.0
        return -x

`autograph.to_source(f)` shows the converted code, `f.lower(x).graph` the traced graph,
`f.lower(x).source` the generated program.
"""

from autograph.errors import AutographError, ConversionError, LoadError, StagingError
from autograph.conversion import to_function, to_source
from autograph.operators.py_builtins import static_range
from autograph.api import RetraceWarning, convert
from autograph.bench import Benchmark
from autograph.differentiate import grad, value_and_grad
from autograph.export import export, load

__version__ = "0.1.0"

__all__ = [
    "AutographError", "ConversionError", "RetraceWarning", "LoadError", "StagingError", "Benchmark",
    "convert", "export", "grad", "load", "static_range", "to_function", "to_source", "value_and_grad",
]
