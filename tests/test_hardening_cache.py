"""The program cache runs only the text this process generated (issue 19, item 5): a
`.pyc` planted in its `__pycache__` never runs, none is written, and the folders it
creates are private (0700)."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import stat

from autograph.codegen import cache

TEXT = "VALUE = 1\n"
EVIL = "VALUE = 9\n"  # same size: a .pyc's header checks only timestamp and size


def _plant_pyc(path, tmp_path):
    """A .pyc of EVIL at the place Python's import looks for `path`'s bytecode, with a
    header that matches `path` (same timestamp, same size)."""
    evil = tmp_path / "evil.py"
    evil.write_text(EVIL)
    os.utime(evil, (1_000_000, 1_000_000))
    os.utime(path, (1_000_000, 1_000_000))
    pyc = importlib.util.cache_from_source(os.fspath(path))
    py_compile.compile(os.fspath(evil), cfile=pyc, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    return pyc


def test_a_planted_pyc_never_runs(tmp_path):
    folder = tmp_path / "programs"
    path = cache.write_program(TEXT, folder)
    _plant_pyc(path, tmp_path)
    # Python's own import would run it: the plant is a real one ...
    spec = importlib.util.spec_from_file_location("planted_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.VALUE == 9
    # ... and the cache does not
    assert cache.load_module(TEXT, folder).VALUE == 1


def test_no_bytecode_is_written(tmp_path):
    cache.load_module("WRITTEN = 2\n", tmp_path)
    assert not list(tmp_path.rglob("*.pyc"))


def test_new_cache_folders_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = cache.write_program("PRIVATE = 3\n", tmp_path / "a" / "b")
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_existing_folder_keeps_its_mode(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    cache.write_program("KEPT = 4\n", folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_the_module_still_names_its_file(tmp_path):
    module = cache.load_module("def f():\n    return 5\n", tmp_path)
    assert module.__file__ == os.fspath(cache.program_path("def f():\n    return 5\n", tmp_path))
    assert module.f.__code__.co_filename == module.__file__ and module.f() == 5
