"""`autograph.Benchmark`: the seed chapter's timing context manager, kept as simple as there.

    with autograph.Benchmark("converted"):
        for _ in range(1000):
            f(x)

prints `converted: 0.2012 sec`. For measurements worth quoting use `benchmarks/`, which
takes medians of repeats.
"""

from __future__ import annotations

import time


class Benchmark:
    def __init__(self, description: str = "Done", *, quiet: bool = False):
        self.description = description
        self.quiet = quiet
        self.seconds: float | None = None

    def __enter__(self) -> "Benchmark":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info) -> None:
        self.seconds = time.perf_counter() - self._start
        if not self.quiet:
            print(f"{self.description}: {self.seconds:.4f} sec")
