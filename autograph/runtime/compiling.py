"""A graph becomes a program on a backend, timed phase by phase, with word of long compiles.

A first call's time goes to tracing, the passes, writing the program text, importing
Numba (once per process), and Numba compiling it — or loading the machine code Numba's
disk cache kept from an earlier process. `compile_program` times the last three apart,
into the `Stopwatch` the api keeps for `explain()`:

    time: trace 41.2 ms, optimise 6.3 ms, import numba 480.1 ms, codegen 9.8 ms,
          Numba compile 812.5 ms

A compile that runs past `progress_delay()` seconds (2 by default) says so on stderr,
once, from a timer thread started before Numba compiles and cancelled after, so a user
looking at a silent prompt knows what is happening; a fast compile prints nothing.
`AUTOGRAPH_PROGRESS=0` silences it, `AUTOGRAPH_PROGRESS=5` waits 5 s.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref

from autograph import ir
from autograph.errors import AutographError
from autograph.runtime.optimization import Optimization

PROGRESS_VARIABLE = "AUTOGRAPH_PROGRESS"
DEFAULT_PROGRESS_DELAY_S = 2.0


class _Interpreted:
    """The `python` backend: the IR's reference interpreter, as a program."""

    def __init__(self, graph: ir.Graph):
        self.graph = graph
        self.source = str(graph)

    def __call__(self, *flat):
        return ir.run(self.graph, *flat)


def progress_delay() -> float | None:
    """Seconds of compiling before the progress message; None when it is silenced."""
    text = os.environ.get(PROGRESS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_PROGRESS_DELAY_S
    try:
        delay = float(text)
    except ValueError:
        raise AutographError(f"{PROGRESS_VARIABLE}={text!r}: expected seconds (0: never "
                             f"print)") from None
    return delay if delay > 0 else None


class Progress:
    """A message on stderr if the block runs past the delay (and a closing line then)."""

    def __init__(self, what: str, delay: float | None = None):
        self.what = what
        self.delay = progress_delay() if delay is None else delay
        self.printed = False
        self._timer: threading.Timer | None = None
        self._started = 0.0

    def _say(self) -> None:
        self.printed = True
        print(f"autograph: {self.what}, {self.delay:g} s so far (set "
              f"{PROGRESS_VARIABLE}=0 to silence)...", file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        self._started = time.perf_counter()
        if self.delay:
            self._timer = threading.Timer(self.delay, self._say)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.printed:
            print(f"autograph: done in {time.perf_counter() - self._started:.1f} s",
                  file=sys.stderr, flush=True)


def compile_program(graph: ir.Graph, backend: str, optimization: Optimization | None = None,
                    clock=None, name: str = "the function", threads: int | None = None,
                    notes: list | None = None):
    """The program for `graph` on `backend`, its code generator's features switched as
    `optimization` says (default: all on). `clock` (views.explanation.Stopwatch) gets
    laps "import numba", "codegen", then "Numba compile", "Numba cache load" or
    "program in memory" (the same text compiled earlier in this process). `threads`
    pins the thread count of a CPU program with parallel loops; `notes` gets a line per
    loop nest the cost model ran in parallel (or left serial near the threshold)."""
    optimization = optimization or Optimization.of(True)
    lap = clock.lap if clock is not None else (lambda phase: None)
    if backend == "python":
        program = _Interpreted(graph)
        lap("codegen")
        return program
    if backend == "cpu":
        return _compile_cpu(graph, optimization, lap, name, threads,
                            notes if notes is not None else [])
    try:
        from autograph.codegen.cuda import backend as numba_cuda
    except ImportError:
        raise AutographError("no CUDA device backend is available (autograph.codegen.cuda.backend "
                             "is not installed); use backend='cpu'") from None
    program = numba_cuda.compile_graph(graph, fuse=optimization.cuda_fuse())
    lap("codegen")
    return program


def _compile_cpu(graph, optimization, lap, name, threads, notes):
    from autograph.codegen.cpu import backend as numba_cpu
    from autograph.codegen.cpu.program import load_program
    from autograph.codegen.cpu.writer import ProgramWriter

    if "numba" not in sys.modules:
        import numba  # noqa: F401  (once per process: most of a warm start)
        lap("import numba")
    writer = ProgramWriter(graph, numba_cpu.EMITTERS, optimization.cpu_options())
    source = writer.text()
    lap("codegen")
    ops = sum(1 for _ in graph.walk())
    with Progress(f"Numba is compiling `{name}` ({ops} ops)"):
        program = load_program(writer, source=source)
    dispatcher = getattr(program.function, "function", program.function)  # AdaptiveThreads
    if dispatcher in _SEEN:
        lap("program in memory")  # the same text compiled earlier in this process
    else:
        _SEEN.add(dispatcher)
        lap("Numba cache load" if _from_disk_cache(dispatcher) else "Numba compile")
    if threads is not None:
        function = program.function
        if hasattr(function, "pin"):
            function.pin(threads)
    notes.extend(writer.parallel_choices.lines())
    if writer.uses_parallel:
        notes.append(f"threads: {threads} (convert(threads=))" if threads is not None else
                     "threads: chosen per call from the measured durations (threads.py)")
    return program


_SEEN: weakref.WeakSet = weakref.WeakSet()  # the jitted functions already timed


def _from_disk_cache(dispatcher) -> bool:
    """Whether Numba loaded the program's machine code from its disk cache."""
    stats = getattr(dispatcher, "stats", None)
    return stats is not None and sum(stats.cache_hits.values()) > 0


def check_threads(threads):
    """`convert(threads=)` checked when converting, without importing Numba."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise AutographError(f"threads must be a positive whole number of threads or None, "
                             f"got {threads!r}")
    return threads
