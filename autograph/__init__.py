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
from autograph.runtime.conversion import to_function, to_source
from autograph.operators.py_builtins import static_range
from autograph.runtime.api import RetraceWarning, convert
from autograph.integrations.bench import Benchmark
from autograph.runtime.differentiate import grad, value_and_grad
from autograph.serialization.export import export, load

from autograph.version import __version__
from autograph import staging as _staging
from autograph.runtime import conversion as _conversion

# Staging errors name the user's line; only conversion's source maps know where it is.
_staging.set_origin_resolver(_conversion.origin_of)

__all__ = [
    "AutographError", "ConversionError", "RetraceWarning", "LoadError", "StagingError", "Benchmark",
    "convert", "export", "grad", "load", "static_range", "to_function", "to_source", "value_and_grad",
]
