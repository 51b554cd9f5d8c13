"""Every stage of one function of a file, as text: what `autograph dump --stage` prints.

    converted   the converted source (AST only; the file is never run — see cli.py)
    graph       the traced graph, before any pass
    optimized   the graph after the optimisation passes
    program     the generated program (Numba source for the cpu backend)

The last three need a trace, so the file is imported (its module-level code runs, under
a private module name, so an `if __name__ == "__main__":` block does not) and the
function is lowered with example arguments (`example_args.py`) exactly as a call with
them would: the function's own backend, static arguments and automatic static
arguments apply. A plain (undecorated) function is converted with the defaults.

`passes_log` replays the default pipeline on the traced graph and shows the graph after
every pass that changed it, with the pass manager's report, so a reader sees which pass
did what.

Every failure — the file does not import, the function does not trace, an argument
given as `int` turned out to need a concrete value — is a `DumpError` with one line of
message; the CLI prints it without a traceback.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
from pathlib import Path

from autograph.runtime import api
from autograph.cli import example_args
from autograph.errors import AutographError
from autograph.ir.graph import Graph
from autograph.ir.printer import format_graph
from autograph.passes import manager as pass_manager
from autograph.passes.common import count_ops

STAGES = ("converted", "graph", "optimized", "program")
TRACED_STAGES = STAGES[1:]
GRAPH_STAGES = ("graph", "optimized")

_module_numbers = itertools.count()


class DumpError(AutographError):
    """A stage cannot be shown: the file does not import, or the function does not trace."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def import_file(path: str):
    """Imports the file at `path` as a fresh module (its directory first on sys.path)."""
    resolved = Path(path).resolve()
    name = f"_autograph_dump_{next(_module_numbers)}_{resolved.stem}"
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise DumpError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    directory = str(resolved.parent)
    sys.path.insert(0, directory)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:  # the user's module: anything can happen
        sys.modules.pop(name, None)
        raise DumpError(f"importing {path} failed: {_first_line(error)}") from None
    finally:
        try:
            sys.path.remove(directory)
        except ValueError:
            pass
    return module


def converted(module, name: str) -> api.ConvertedFunction:
    """The module's function `name` as a converted function (converting a plain one)."""
    obj = getattr(module, name, None)
    if isinstance(obj, api.ConvertedFunction):
        return obj
    if inspect.isfunction(obj):
        return api.convert(obj)
    raise DumpError(f"{name!r} is not a function after importing the file "
                    f"(it is {type(obj).__name__})")


def lower(function: api.ConvertedFunction, specs, name: str) -> api.Lowered:
    """`function.lower(...)` with the example arguments of `specs` (text, see --args)."""
    args, kwargs, words = example_args.parse_all(specs)
    shown = ", ".join(s.strip() for s in specs)
    try:
        lowered = function.lower(*args, **kwargs)
    except Exception as error:  # the user's function: anything can happen
        raise DumpError(f"cannot trace {name}({shown}): {_first_line(error)}") from None
    _check_words(function, args, kwargs, words, lowered, name)
    return lowered


def _check_words(function, args, kwargs, words, lowered, name: str) -> None:
    """An argument given as bare `int`/`float` must not have been made static."""
    if not words:
        return
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        return
    positions = list(bound.arguments)
    for word in words:
        param = word if isinstance(word, str) else (
            positions[word] if word < len(positions) else None)
        if param in lowered.static_args:
            raise DumpError(f"{name}: argument {param!r} needs a concrete value while tracing "
                            f"(it is static), so give its value in --args (such as 20), "
                            f"not a type")


def stage_text(lowered: api.Lowered, stage: str) -> str:
    """The text of a traced stage of `lowered`."""
    if stage == "graph":
        return format_graph(lowered.traced_graph)
    if stage == "optimized":
        return format_graph(lowered.graph)
    if stage == "program":
        source = lowered.source
        return source if source.endswith("\n") else source + "\n"
    raise DumpError(f"unknown stage {stage!r} (choose from {', '.join(TRACED_STAGES)})")


def stage_graph(lowered: api.Lowered, stage: str) -> Graph:
    """The graph a picture of `stage` shows."""
    if stage == "graph":
        return lowered.traced_graph
    if stage == "optimized":
        return lowered.graph
    raise DumpError(f"--stage {stage} is not a graph: pictures are of --stage graph or "
                    f"optimized")


class _RecordingManager(pass_manager.PassManager):
    """The pass manager, keeping the graph's text after each pass that changed it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps: list[tuple[object, str | None]] = []

    def _run_one(self, p, graph, round_):
        record = super()._run_one(p, graph, round_)
        self.steps.append((record, format_graph(graph) if record.changed else None))
        return record


def passes_log(graph: Graph) -> str:
    """The default pipeline on `graph`, pass by pass: what changed, and the graph after.

    Timings are left out, so the log is the same on every run (golden-testable).
    """
    manager = _RecordingManager(pass_manager.DEFAULT_PIPELINE, False,
                                pass_manager.DEFAULT_ROUNDS)
    optimized, report = manager.run(graph)
    parts = [f"# traced graph: {count_ops(graph)} ops\n{format_graph(graph)}\n"]
    for record, text in manager.steps:
        what = "; ".join(record.changes) if record.changes else (
            "changed" if record.changed else "no change")
        parts.append(f"# round {record.round}, {record.name}: {record.ops_before} -> "
                     f"{record.ops_after} ops: {what}\n")
        if text is not None:
            parts.append(text + "\n")
    rounds = max((r.round for r in report.records), default=0)
    changed = sum(1 for r in report.records if r.changed)
    parts.append(f"# {len(report.records)} pass runs in {rounds} round(s), {changed} changed "
                 f"the graph: {count_ops(graph)} -> {count_ops(optimized)} ops\n")
    return "".join(parts)
