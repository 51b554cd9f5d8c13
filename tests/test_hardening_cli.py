"""`autograph dump` on what a new user tries first (issue 19, item 6): a file that calls
`autograph.convert(fn)` instead of decorating, a file with nothing to select, a file that
is not UTF-8, an example argument too large to make, a repeated --function. Every failure
is one line on stderr and exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograph.cli import commands as cli

ROOT = Path(__file__).resolve().parents[1]


def _dump(capsys, *argv):
    status = cli.main(["dump", *map(str, argv), "--color", "never"])
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(status, out, err, match):
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert match in err, err


def test_the_seed_chapter_dumps_the_functions_it_converts_by_call(capsys):
    status, out, err = _dump(capsys, ROOT / "examples" / "seed_chapter.py")
    assert status == 0 and err == ""
    # converted in main() with autograph.convert(fancy_func), convert(mlp), ...
    for name in ("fancy_func", "scaled_by_fancy", "mlp", "hybrid_forward", "uses_asnumpy"):
        assert f" {name}\ndef {name}(" in out
    assert "def add(" not in out and "def main(" not in out  # never converted


def test_convert_calls_at_top_level_select_their_function(tmp_path, capsys):
    source = tmp_path / "m.py"
    source.write_text("import autograph\nfrom autograph import convert\n\n"
                      "def f(x):\n    return x + 1\n\ndef g(x):\n    return x\n\n"
                      "def h(x):\n    return -x\n\n"
                      "fast_f = autograph.convert(f, backend='cpu')\nfast_g = convert(g)\n")
    status, out, err = _dump(capsys, source)
    assert status == 0 and err == ""
    assert "def f(x)" in out and "def g(x)" in out and "def h(x)" not in out


def test_a_file_with_nothing_selected_says_so(tmp_path, capsys):
    source = tmp_path / "plain.py"
    source.write_text("def f(x):\n    return x\n")
    _one_line_error(*_dump(capsys, source), "no function selected")


def test_a_file_that_is_not_utf8(tmp_path, capsys):
    source = tmp_path / "latin.py"
    source.write_bytes(b"# caf\xe9\nimport autograph\n@autograph.convert\ndef f(x):\n"
                       b"    return x\n")
    _one_line_error(*_dump(capsys, source), f"cannot read {source}")


def test_a_declared_encoding_is_honoured(tmp_path, capsys):
    source = tmp_path / "latin.py"
    source.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport autograph\n"
                       b"@autograph.convert\ndef f(x):\n    return x\n")
    status, out, _ = _dump(capsys, source)
    assert status == 0 and "def f(x)" in out


def test_an_example_argument_too_large_to_make(tmp_path, capsys):
    source = tmp_path / "m.py"
    source.write_text("import autograph\n@autograph.convert\ndef f(x):\n    return x * 2\n")
    _one_line_error(*_dump(capsys, source, "--stage", "graph", "--run",
                           "--args", "f64[100000000000]"),
                    "more than the limit of 1073741824 for an example argument")


def test_a_repeated_function_option_is_an_error(tmp_path, capsys):
    source = tmp_path / "m.py"
    source.write_text("def f(x):\n    return x\n")
    _one_line_error(*_dump(capsys, source, "--function", "f", "--function", "f"),
                    "--function f is given more than once")


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    source = tmp_path / "latin.py"
    source.write_bytes(b"x = '\xff'\n")
    done = subprocess.run([sys.executable, "-m", "autograph", "dump", str(source)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("argv", [["--all"], ["--function", "f"]])
def test_options_still_select_undecorated_functions(tmp_path, capsys, argv):
    source = tmp_path / "m.py"
    source.write_text("def f(x):\n    return x\n")
    status, out, _ = _dump(capsys, source, *argv)
    assert status == 0 and "def f(x)" in out
