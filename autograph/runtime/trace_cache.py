"""The specialisations of one converted function: a bounded, least-recently-used table.

Each signature (staging/tracing.py `signature_key`) is a trace and a compiled program. A
function called with ever-new signatures (shapes that keep changing, a static argument
that takes many values) would otherwise keep every one of them, and their programs,
alive for as long as the function lives. The table keeps the `size` most recently used
(`convert(..., cache_size=N)`, else the environment variable `AUTOGRAPH_CACHE_SIZE`, else
`DEFAULT_CACHE_SIZE`); an evicted signature is traced and compiled again if it comes
back (its machine code is usually still in Numba's disk cache, so that costs a trace and
a cache load, not a compile). The RetraceWarning (retracing.py) tells the user when a
function keeps being traced.
"""

from __future__ import annotations

from collections import OrderedDict

from autograph.runtime.retracing import whole_number_setting

DEFAULT_CACHE_SIZE = 64
ENVIRONMENT_VARIABLE = "AUTOGRAPH_CACHE_SIZE"


def cache_size(setting: int | None) -> int:
    """The table's size: `setting` when given, else the environment variable, else the
    default."""
    return whole_number_setting(setting, "cache_size", ENVIRONMENT_VARIABLE,
                                DEFAULT_CACHE_SIZE, 1, "a positive whole number of "
                                "specialisations")


class TraceCache(OrderedDict):
    """key -> specialisation, most recently used last; `put` evicts beyond `size`."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.evicted = 0  # how many specialisations were dropped, for explain()

    def lookup(self, key):
        """The specialisation for `key` (now the most recently used), or None."""
        spec = self.get(key)
        if spec is not None:
            self.move_to_end(key)
        return spec

    def put(self, key, spec) -> list:
        """Stores `spec`; returns the specialisations evicted to make room."""
        self[key] = spec
        self.move_to_end(key)
        dropped = []
        while len(self) > self.size:
            dropped.append(self.popitem(last=False)[1])
            self.evicted += 1
        return dropped
