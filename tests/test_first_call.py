"""First-call latency made visible (issue 17): explain() splits a build into trace, passes,
codegen, importing Numba and Numba's compile or cache load (runtime/compiling.py); a
compile running past ~2 s says so on stderr once, and never for a fast one."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from autograph.runtime import compiling
from autograph.views import explanation


def test_a_slow_block_says_so_once_and_a_fast_one_never(capsys):
    with compiling.Progress("Numba is compiling `f` (3 ops)", delay=0.05):
        time.sleep(0.4)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("autograph: Numba is compiling `f` (3 ops), 0.05 s so far")
    assert "AUTOGRAPH_PROGRESS=0" in err[0] and re.fullmatch(r"autograph: done in [\d.]+ s",
                                                              err[1])
    with compiling.Progress("quick", delay=0.5):
        pass
    time.sleep(0.6)  # the cancelled timer never fires
    assert capsys.readouterr().err == ""


def test_the_environment_variable_silences_or_sets_the_delay(monkeypatch):
    monkeypatch.setenv("AUTOGRAPH_PROGRESS", "0")
    assert compiling.progress_delay() is None
    monkeypatch.setenv("AUTOGRAPH_PROGRESS", "5")
    assert compiling.progress_delay() == 5.0
    monkeypatch.setenv("AUTOGRAPH_PROGRESS", "soon")
    with pytest.raises(AutographError, match="AUTOGRAPH_PROGRESS"):
        compiling.progress_delay()
    monkeypatch.delenv("AUTOGRAPH_PROGRESS")
    assert compiling.progress_delay() == compiling.DEFAULT_PROGRESS_DELAY_S


def test_explain_splits_codegen_from_numba():
    f = autograph.convert(lambda x: np.sqrt(x) * 3.0 + 0.5)
    f(np.ones(7, np.float64))
    (spec,) = f._cache.values()
    phases = set(spec.build.seconds)
    assert {"trace", "optimise", "codegen"} <= phases
    assert len(phases & {"Numba compile", "Numba cache load", "program in memory"}) == 1
    line = next(line for line in f.explain().splitlines() if "time:" in line)
    assert re.search(r"codegen [\d.]+ ms, Numba (compile|cache load) [\d.]+ ms|"
                     r"codegen [\d.]+ ms, program in memory", line)
    g = autograph.convert(lambda x: np.sqrt(x) * 3.0 + 0.5)  # the same program text
    g(np.ones(7, np.float64))
    assert "program in memory" in g.explain()


def test_the_phases_are_listed_in_pipeline_order():
    build = explanation.Build({"Numba compile": 0.5, "codegen": 0.01, "trace": 0.02,
                               "import numba": 0.3, "optimise": 0.001})
    (line,) = [line for line in explanation.describe_build(build, None) if "time:" in line]
    assert line == ("time: trace 20.0 ms, optimise 1.0 ms, import numba 300.0 ms, "
                    "codegen 10.0 ms, Numba compile 500.0 ms")
