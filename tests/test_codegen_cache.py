"""The disk cache of generated programs: files named by their text's hash, written
atomically and never rewritten, imported once per process, and Numba's own machine-code
cache reused by a second process."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograph.codegen import cache
from autograph.errors import AutographError

REPO = Path(__file__).resolve().parents[1]


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "xdg" / "autograph"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_cache_dir() == tmp_path / "home" / ".cache" / "autograph"


def test_program_file_is_named_by_the_hash_of_its_text(tmp_path):
    path = cache.write_program("X = 1\n", tmp_path / "new" / "folder")
    assert path.parent == tmp_path / "new" / "folder"
    assert path.name == cache.text_digest("X = 1\n") + ".py"
    assert path.read_text() == "X = 1\n"
    assert cache.text_digest("X = 2\n") != cache.text_digest("X = 1\n")
    assert os.listdir(path.parent) == [path.name]  # no temporary file left behind


def test_existing_file_is_not_rewritten(tmp_path):
    """Rewriting would change the timestamp Numba's index checks, losing its cache."""
    path = cache.write_program("Y = 2\n", tmp_path)
    os.utime(path, (1_000_000, 1_000_000))
    cache.write_program("Y = 2\n", tmp_path)
    assert path.stat().st_mtime == 1_000_000


def test_damaged_file_is_replaced(tmp_path):
    path = cache.program_path("Z = 3\n", tmp_path)
    path.write_text("garbage")
    assert cache.write_program("Z = 3\n", tmp_path) == path
    assert path.read_text() == "Z = 3\n"


def test_module_is_imported_once_per_text_and_folder(tmp_path):
    text = "VALUE = 41 + 1\n"
    first = cache.load_module(text, tmp_path)
    assert first.VALUE == 42
    assert cache.load_module(text, tmp_path) is first
    assert first.__name__ == "autograph_generated_" + cache.text_digest(text)
    assert Path(first.__file__) == cache.program_path(text, tmp_path)
    other = cache.load_module(text, tmp_path / "other")
    assert other is not first and other.VALUE == 42


def test_unwritable_folder_is_an_autograph_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AutographError, match="cannot write"):
        cache.write_program("A = 1\n", blocker / "sub")


_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    from autograph.codegen import compile_graph
    from autograph.ir import Builder, Op, TensorType

    b = Builder("disk_cache_probe")
    x = b.add_input(TensorType((3,), np.float32), "x")
    y = b.emit(Op.SUM, [b.emit(Op.EXP, [x])], axes=(0,))
    program = compile_graph(b.finish([y]), sys.argv[1])
    (value,) = program(np.arange(3, dtype=np.float32))
    stats = program.function.stats
    print(json.dumps({"hits": sum(stats.cache_hits.values()),
                      "misses": sum(stats.cache_misses.values()),
                      "value": float(value), "path": str(program.path)}))
""")


def _run_child(folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_numbas_cached_machine_code(tmp_path):
    first = _run_child(tmp_path)
    assert first["misses"] == 1 and first["hits"] == 0
    assert glob.glob(str(tmp_path / "__pycache__" / "*.nbi"))
    second = _run_child(tmp_path)
    assert second["hits"] == 1 and second["misses"] == 0
    assert second["path"] == first["path"]
    assert second["value"] == pytest.approx(1 + 2.718281828 + 7.389056099, rel=1e-6)
