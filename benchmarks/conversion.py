"""How long conversion takes, and what converted code costs per call on Python values.

    .venv/bin/python benchmarks/conversion.py [--repeats 7] [--quick] [--output PATH]

Measures, with medians of repeats:
- conversion time of `autograph.to_function` for every function of the test corpus
  (tests/corpus) and for a ~50-line function (target: under 20 ms; at least
  LARGE_REPEATS repeats), in process CPU time (`time.process_time`): conversion is
  single-threaded work, and on a shared machine wall time also counts other processes;
- per-call time of `to_function(f)` against `f` on the corpus inputs (Python values), and
  their ratio, the price of running converted code eagerly (`time.perf_counter`).

Conversion is cached (by function, and by code object, which compares by value), so each
repeat converts a fresh function whose code object carries one extra, unique constant:
equal behaviour, a cache miss. The "first" column is the very first conversion of the
original function in the process, which also pays for importing what conversion uses.

Prints a markdown table and writes JSON (default benchmarks/results/conversion.json).
Benchmarks are never run as tests (DESIGN.md, Testing).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import linecache
import math
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the corpus is a package there

import numpy as np  # noqa: E402

import autograph  # noqa: E402
from corpus import CASES, Args  # noqa: E402

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "conversion.json"
TARGET_LARGE_MS = 20.0
LARGE_REPEATS = 15  # the large function converts in milliseconds: more repeats, steadier median
CALL_BLOCK_S = 0.01  # aim for timed blocks of calls at least this long

# A ~50-line function mixing every kind of control flow the converter rewrites.
LARGE_SOURCE = '''\
def large_function(xs, threshold, limit):
    total = 0
    count = 0
    evens = []
    odds = []
    best = None
    log = []
    for i, x in enumerate(xs):
        if x is None:
            continue
        if x < 0:
            log.append(("negative", i))
            x = -x
        elif x == 0:
            log.append(("zero", i))
            continue
        else:
            log.append(("positive", i))
        if x % 2 == 0:
            evens.append(x)
        else:
            odds.append(x)
        total += x
        count += 1
        if best is None or x > best:
            best = x
        if total > limit:
            log.append(("limit", i))
            break
    else:
        log.append(("complete", len(xs)))
    steps = 0
    n = total
    while n > 1 and steps < 1000:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    mean = total / count if count else 0.0
    scaled = [v * threshold for v in evens if v > threshold]
    flags = [a and b or not a for a, b in zip(evens, odds)]
    j = 0
    while j < len(scaled):
        if scaled[j] > limit:
            return "overflow", j, log
        j += 1
    result = (total, count, best, mean, steps)
    assert count >= 0, "count cannot be negative"
    return result, scaled, flags, log
'''
LARGE_ARGS = ([3, -4, 0, None, 7, 12, 5, -9, 2], 2, 40)


def fresh(fn):
    """A copy of `fn` that no conversion cache has seen, with the same behaviour."""
    if isinstance(fn, types.MethodType):
        return types.MethodType(fresh(fn.__func__), fn.__self__)
    code = fn.__code__.replace(co_consts=fn.__code__.co_consts + (object(),))
    copy_ = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy_.__kwdefaults__ = fn.__kwdefaults__
    copy_.__qualname__ = fn.__qualname__
    copy_.__module__ = fn.__module__
    return copy_


def load_large_function():
    filename = "<autograph-benchmark-large-function>"
    linecache.cache[filename] = (len(LARGE_SOURCE), None, LARGE_SOURCE.splitlines(True), filename)
    namespace = {"__name__": "autograph_benchmark"}
    exec(compile(LARGE_SOURCE, filename, "exec"), namespace)  # noqa: S102 - our own text
    return namespace["large_function"]


def cpu_time_once(thunk) -> float:
    start = time.process_time()
    thunk()
    return time.process_time() - start


def conversion_times(fn, repeats: int) -> tuple[float, float]:
    """(first conversion of `fn`, median conversion of fresh copies), in CPU seconds."""
    first = cpu_time_once(lambda: autograph.to_function(fn))
    times = []
    for _ in range(repeats):
        copy_ = fresh(fn)
        times.append(cpu_time_once(lambda: autograph.to_function(copy_)))
    return first, statistics.median(times)


def _call_block(fn, calls) -> float:
    start = time.perf_counter()
    for args, kwargs in calls:
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001, S110 - raising inputs are part of the corpus
            pass
    return time.perf_counter() - start


def call_times(original, converted, inputs, repeats: int) -> tuple[float, float]:
    """Median seconds per call of `original` and of `converted` over `inputs`.

    Arguments are deep-copied before the timed block (the corpus mutates them), and
    prints go to a buffer, identically for both functions.
    """
    def prepared(rounds):
        return [copy.deepcopy((i.args, i.kwargs)) for _ in range(rounds) for i in inputs]

    with contextlib.redirect_stdout(io.StringIO()):
        one_round = _call_block(converted, prepared(1))  # also converts called helpers
        _call_block(original, prepared(1))
        rounds = max(1, min(200, math.ceil(CALL_BLOCK_S / max(one_round, 1e-9))))
        per_call = {}
        for name, fn in (("original", original), ("converted", converted)):
            samples = []
            for _ in range(repeats):
                calls = prepared(rounds)
                samples.append(_call_block(fn, calls) / len(calls))
            per_call[name] = statistics.median(samples)
    return per_call["original"], per_call["converted"]


def measure_case(name, fn, inputs, repeats):
    record = {"name": name}
    try:
        first, median = conversion_times(fn, repeats)
        record.update(first_ms=first * 1e3, convert_ms=median * 1e3)
        converted = autograph.to_function(fn)
        if inputs:
            t_orig, t_conv = call_times(fn, converted, inputs, repeats)
            record.update(call_us=t_orig * 1e6, converted_call_us=t_conv * 1e6, ratio=t_conv / t_orig)
    except Exception as error:  # noqa: BLE001 - report and go on with the other functions
        record["error"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return record


def _fmt(value, digits=3):
    return "-" if value is None else f"{value:.{digits}g}"


def markdown(records) -> str:
    lines = [
        "| function | first conversion (CPU ms) | conversion (CPU ms) | call f (µs) | call converted (µs) | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in records:
        if "error" in r:
            lines.append(f"| {r['name']} | error: {r['error']} | | | | |")
            continue
        lines.append(
            f"| {r['name']} | {_fmt(r.get('first_ms'))} | {_fmt(r.get('convert_ms'))} | "
            f"{_fmt(r.get('call_us'))} | {_fmt(r.get('converted_call_us'))} | {_fmt(r.get('ratio'))} |"
        )
    return "\n".join(lines)


def summarize(corpus_records, large_record) -> dict:
    ok = [r for r in corpus_records if "convert_ms" in r]
    ratios = [r["ratio"] for r in ok if "ratio" in r]
    summary = {
        "functions": len(corpus_records),
        "errors": len(corpus_records) - len(ok),
        "convert_ms_median": statistics.median(r["convert_ms"] for r in ok) if ok else None,
        "convert_ms_max": max(r["convert_ms"] for r in ok) if ok else None,
        "call_ratio_median": statistics.median(ratios) if ratios else None,
        "call_ratio_geomean": math.exp(statistics.fmean(math.log(r) for r in ratios)) if ratios else None,
        "large_convert_ms": large_record.get("convert_ms"),
        "large_target_ms": TARGET_LARGE_MS,
    }
    large = summary["large_convert_ms"]
    summary["large_within_target"] = None if large is None else large < TARGET_LARGE_MS
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per measurement")
    parser.add_argument("--quick", action="store_true", help="3 repeats, first 20 corpus functions")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results file")
    options = parser.parse_args(argv)
    repeats = 3 if options.quick else options.repeats
    cases = CASES[:20] if options.quick else CASES

    large = load_large_function()
    large_record = measure_case("large_function (50 lines)", large, [], max(repeats, LARGE_REPEATS))
    if "error" not in large_record:
        want = large(*copy.deepcopy(LARGE_ARGS))
        got = autograph.to_function(large)(*copy.deepcopy(LARGE_ARGS))
        large_record["same_result"] = got == want
        t_orig, t_conv = call_times(large, autograph.to_function(large),
                                    [Args(LARGE_ARGS)], repeats)
        large_record.update(call_us=t_orig * 1e6, converted_call_us=t_conv * 1e6, ratio=t_conv / t_orig)

    records = [measure_case(case.name, case.fn, case.inputs, repeats) for case in cases]
    summary = summarize(records, large_record)

    print(markdown([large_record] + records))
    print()
    print(f"- ~50-line function: conversion {_fmt(summary['large_convert_ms'])} ms "
          f"(target < {TARGET_LARGE_MS:g} ms: {'met' if summary['large_within_target'] else 'NOT met'})")
    print(f"- corpus conversion: median {_fmt(summary['convert_ms_median'])} ms, "
          f"max {_fmt(summary['convert_ms_max'])} ms, {summary['errors']} of "
          f"{summary['functions']} functions failed")
    print(f"- converted / original per call: median {_fmt(summary['call_ratio_median'])}x, "
          f"geometric mean {_fmt(summary['call_ratio_geomean'])}x")

    result = {
        "benchmark": "conversion",
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "repeats": repeats,
        "summary": summary,
        "large_function": large_record,
        "corpus": records,
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
