"""`autograph dump --stage ...` on the examples (golden files) and its error cases.

The goldens show a reviewer what each stage of the Mandelbrot and MLP examples looks like
and how a change altered it. The error cases check the promise of the CLI: one line on
stderr, exit status 2, no traceback; and that `--stage converted` never runs the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograph.cli import commands as cli
from autograph.ir import dot

ROOT = Path(__file__).resolve().parents[1]
MANDELBROT = ["examples/mandelbrot.py"]
MANDELBROT_ARGS = ["--run", "--args", "24", "64", "50"]
MLP = ["examples/seed_chapter.py", "--function", "mlp"]
MLP_ARGS = ["--run", "--args", "f32[1,512]"]

CASES = {
    "mandelbrot_converted": MANDELBROT,
    "mandelbrot_graph": MANDELBROT + ["--stage", "graph"] + MANDELBROT_ARGS,
    "mandelbrot_optimized": MANDELBROT + ["--stage", "optimized"] + MANDELBROT_ARGS,
    "mandelbrot_passes": MANDELBROT + ["--stage", "optimized", "--passes"] + MANDELBROT_ARGS,
    "mandelbrot_program": MANDELBROT + ["--stage", "program"] + MANDELBROT_ARGS,
    "mlp_converted": MLP,
    "mlp_graph": MLP + ["--stage", "graph"] + MLP_ARGS,
    "mlp_optimized": MLP + ["--stage", "optimized"] + MLP_ARGS,
    "mlp_program": MLP + ["--stage", "program", "--passes"] + MLP_ARGS,
    "mlp_dot": MLP + ["--stage", "optimized", "--format", "dot"] + MLP_ARGS,
}


@pytest.fixture
def dump(capsys, monkeypatch):
    """Runs `autograph dump ARGS` in the repository root; returns (status, stdout, stderr)."""
    monkeypatch.chdir(ROOT)

    def run(*argv):
        status = cli.main(["dump", *argv, "--color", "never"])
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.mark.parametrize("name", sorted(CASES))
def test_dump_stage_golden(name, dump, golden):
    status, out, err = dump(*CASES[name])
    assert (status, err) == (0, "")
    golden.check(f"dump/{name}", out)


def test_stages_differ_as_expected(dump):
    _, graph, _ = dump(*CASES["mandelbrot_graph"])
    _, optimized, _ = dump(*CASES["mandelbrot_optimized"])
    _, program, _ = dump(*CASES["mandelbrot_program"])
    assert "graph mandelbrot(" in graph and "graph mandelbrot(" in optimized
    assert optimized.count("\n") < graph.count("\n")  # cse and dce removed ops
    assert "@numba.njit" in program and "def mandelbrot(" in program


def test_passes_log_shows_each_changing_pass_and_its_graph(dump):
    status, out, _ = dump(*CASES["mandelbrot_passes"])
    assert status == 0
    assert "# round 1, cse: " in out and "common subexpression" in out
    assert "# round 1, dce: " in out and "removed" in out
    # the traced graph plus one graph per pass that changed something
    changed = [line for line in out.splitlines()
               if line.startswith("# round") and not line.endswith("no change")]
    assert out.count("graph mandelbrot(") == 1 + len(changed)


def test_output_file(dump, tmp_path):
    target = tmp_path / "graph.txt"
    status, out, _ = dump(*CASES["mlp_graph"], "-o", str(target))
    assert (status, out) == (0, "")
    assert "matmul x W1" in target.read_text()


def _write_bomb(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "executed.marker"
    source = tmp_path / "bomb.py"
    source.write_text(
        "import autograph\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "raise RuntimeError('this file must not be executed')\n"
        "\n"
        "@autograph.convert\n"
        "def f(x):\n"
        "    if x > 0:\n"
        "        x = x * 2\n"
        "    return x\n")
    return source, marker


def test_converted_stage_never_executes_the_file(dump, tmp_path):
    source, marker = _write_bomb(tmp_path)
    for extra in ([], ["--run"]):
        status, out, err = dump(str(source), *extra)
        assert (status, err) == (0, "")
        assert "def f(x):" in out and "ag__.if_stmt" in out
        assert not marker.exists()


def test_traced_stage_executes_only_with_run_and_reports_import_errors(dump, tmp_path):
    source, marker = _write_bomb(tmp_path)
    status, out, err = dump(str(source), "--stage", "graph", "--args", "f64[3]")
    assert status == 2 and out == "" and "--run" in err
    assert not marker.exists()
    status, out, err = dump(str(source), "--stage", "graph", "--run", "--args", "f64[3]")
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "importing" in err and "RuntimeError: this file must not be executed" in err
    assert marker.exists()


def _one_error_line(status, out, err) -> str:
    assert status == 2 and out == ""
    assert err.startswith("autograph: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("argv, expected", [
    (MANDELBROT + ["--stage", "graph", "--args", "24", "64", "50"], "add --run"),
    (MANDELBROT + ["--stage", "optimized", "--run"], "needs example arguments"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "f32[24", "64", "50"],
     "bad argument type 'f32[24'"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "24", "64", "max_iter"],
     "bad argument 'max_iter'"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "f32[3]", "64", "50"],
     "cannot trace mandelbrot(f32[3], 64, 50): StagingError"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "24"],
     "cannot trace mandelbrot(24): TypeError: missing a required argument"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "int", "64", "50"],
     "argument 'height' needs a concrete value"),
    (MANDELBROT + ["--stage", "graph", "--run", "--args", "24", "64", "50",
                   "--function", "missing"], "no top-level function named 'missing'"),
    (["examples/seed_chapter.py", "--all", "--stage", "graph", "--run", "--args", "1"],
     "traces one function: choose it with --function"),
    (MANDELBROT + ["--stage", "graph", "--passes", *MANDELBROT_ARGS],
     "--passes needs --stage optimized or program"),
    (MANDELBROT + ["--format", "svg"], "--format svg draws a graph"),
    (MANDELBROT + ["--stage", "program", "--format", "dot", *MANDELBROT_ARGS],
     "--format dot draws a graph"),
    (MANDELBROT + ["--args", "1"], "--args is for the traced stages"),
    (["no/such/file.py"], "cannot read no/such/file.py"),
])
def test_errors_are_one_line_with_status_2(dump, argv, expected):
    err = _one_error_line(*dump(*argv))
    assert expected in err


def test_svg_without_graphviz_says_how_to_install(dump, monkeypatch):
    monkeypatch.setattr(dot.shutil, "which", lambda name: None)
    err = _one_error_line(*dump(*CASES["mlp_graph"], "--format", "svg"))
    assert "apt-get install graphviz" in err and "conda install graphviz" in err
    status, out, _ = dump(*CASES["mlp_graph"], "--format", "dot")
    assert status == 0 and out.startswith('digraph "mlp" {')


def test_help_says_traced_stages_import_the_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["dump", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "IMPORTS the file" in text and "--run" in text and "never executing" in text
