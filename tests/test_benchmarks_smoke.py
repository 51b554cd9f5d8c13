"""Smoke test of benchmarks/: every workload's correctness check at tiny sizes, no timings.

Benchmarks are never timed in tests (DESIGN.md, Testing). What is tested here is that
the workloads still compute what they claim — the user's function, its hand-written
Numba version and autograph's conversion agree — and that the runner's plumbing
(failures recorded, bars judged, JSON written) works, so `benchmarks/run.py` does not rot
between measurements. Peers (JAX, PyTorch) are never imported here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import peers, run, timing  # noqa: E402
from benchmarks.workloads import WORKLOADS, common, latency, load  # noqa: E402

# Workloads autograph does not run yet, with the first line of the error they raise (the
# benchmark report lists the same). strict: when one starts to pass, this test says so.
KNOWN_FAILURES: dict[str, str] = {}

CASES = [pytest.param(workload_id, case, id=case.title)
         for workload_id in WORKLOADS if workload_id != "latency"
         for case in load(workload_id).cases("test", peers.none())]


@pytest.mark.parametrize("workload_id, case", CASES)
def test_references_agree(workload_id, case):
    """The baseline, the hand-written Numba versions and other references agree."""
    names = [s.name for s in case.systems if s.kind != common.AUTOGRAPH]
    results = common.check_case(case, names)
    assert results, "no systems checked"
    for name, checked in results.items():
        assert checked.ok, f"{name}: {checked.error or checked.mismatch}"


@pytest.mark.parametrize("workload_id, case", [
    pytest.param(*p.values, id=p.id,
                 marks=pytest.mark.xfail(reason=KNOWN_FAILURES[p.values[0]], strict=True))
    if p.values[0] in KNOWN_FAILURES else p for p in CASES])
def test_autograph_matches_the_baseline(workload_id, case):
    checked = common.check_case(case, [common.AUTOGRAPH_NAME])[common.AUTOGRAPH_NAME]
    assert checked.ok, checked.error or checked.mismatch


def test_every_case_has_autograph_numba_and_a_bar():
    for param in CASES:
        case = param.values[1]
        kinds = {s.kind for s in case.systems}
        assert {common.BASELINE, common.AUTOGRAPH, common.NUMBA} <= kinds, case.title
        assert case.bars, case.title


# ---- the harness: failures are results, bars are judged on medians ------------------------


def _case(*systems, bars=()):
    return common.Case("T", "tiny", (np.arange(3.0),), [common.baseline(lambda x: x * 2), *systems],
                       calls=1, bars=list(bars))


def test_a_raising_system_is_recorded_with_the_first_line_of_its_error():
    def broken(x):
        raise ValueError("no such op\nsecond line")

    case = _case(common.System("autograph", common.AUTOGRAPH, make=lambda: broken))
    checked = common.check_case(case)["autograph"]
    assert checked.status == "FAILED"
    assert checked.error == "ValueError: no such op"


def test_a_wrong_result_or_dtype_is_recorded():
    case = _case(common.System("off", common.NUMBA, make=lambda: (lambda x: x * 2 + 1e-3)),
                 common.System("f32", common.NUMBA, make=lambda: (lambda x: (x * 2).astype(np.float32))))
    results = common.check_case(case)
    assert results["off"].status == "WRONG" and "max abs error" in results["off"].mismatch
    assert results["f32"].mismatch == "dtype float32 ≠ float64"
    assert results["NumPy"].ok


def test_bars_pass_miss_or_have_no_data():
    medians = common.Medians({"autograph": 1.0, "NumPy": 4.0, "JAX": 0.5, "torch": 2.0},
                             {"autograph": common.AUTOGRAPH, "NumPy": common.BASELINE,
                              "JAX": common.PEER, "torch": common.PEER})
    assert common.ratio_bar("", "NumPy", 0.5).judge(medians).status == "PASS"
    verdict = common.ratio_bar("", common.PEER, 1.0).judge(medians)
    assert (verdict.status, verdict.detail) == ("MISS", "2.00× JAX")
    assert common.ratio_bar("", "hand Numba", 1.3).judge(medians).status == "n/a"
    assert common.speedup_bar("", "NumPy", 50).judge(medians).status == "MISS"
    assert common.absolute_bar("", 0.3, "autograph").judge(medians).status == "MISS"
    assert common.overhead_bar("", "JAX", 1.5, 2e-6).judge(medians).status == "MISS"
    assert common.overhead_bar("", "JAX", 1.0, 0.6).judge(medians).status == "PASS"
    failed = common.Medians({"NumPy": 4.0}, {"NumPy": common.BASELINE})
    assert common.ratio_bar("", "NumPy", 0.5).judge(failed).status == "MISS"


def test_plan_cuts_calls_then_repeats_to_fit_the_budget():
    slow = timing.plan(lambda: None, (), calls=1000, repeats=7, warmup=0, budget_s=1.0,
                       estimate=0.01)
    assert (slow.calls, slow.repeats) == (14, 7)
    slower = timing.plan(lambda: None, (), calls=1000, repeats=7, warmup=0, budget_s=1.0,
                         estimate=0.4)
    assert (slower.calls, slower.repeats) == (1, 2)
    timings = timing.measure({"a": slower})
    assert len(timings["a"].samples) == 2


def test_formatting():
    assert timing.format_seconds(14.2e-6) == "14.2 µs"
    assert timing.format_seconds(5.512e-3) == "5.51 ms"
    assert timing.format_seconds(None) == "—"
    assert timing.format_ratio(0.434) == "0.43×"
    assert timing.format_ratio(1520.4) == "1520×"
    assert timing.Timing([1.0, 1.0, 1.0, 1.0, 10.0]).spread == 0.0  # one outlier: no spread


def test_runner_writes_tables_and_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert run.main(["--quick", "--no-peers", "--only", "overhead", "--repeats", "1",
                     "--budget", "0.01", "--json", str(out), "--markdown",
                     str(tmp_path / "r.md")]) == 0
    report = json.loads(out.read_text())
    (result,) = report["results"]
    assert {r["system"] for r in result["systems"]} == {
        "NumPy", "autograph", "hand Numba (direct call)"}
    assert all(r["median_s"] > 0 for r in result["systems"])
    assert result["bars"][0]["status"] in ("PASS", "MISS")
    assert "| autograph |" in capsys.readouterr().out
    assert "### Bars" in (tmp_path / "r.md").read_text()


def test_warm_start_in_a_new_process_gives_the_right_result(tmp_path):
    cold = latency.run_child(str(tmp_path), batch=1)
    warm = latency.run_child(str(tmp_path), batch=1)
    assert cold["mismatch"] is None and warm["mismatch"] is None
    assert any(tmp_path.rglob("*.py")), "the cold run wrote no generated program"
