"""Every ```python block of README.md and docs/*.md runs (issue 19, item 9), so the docs
cannot go stale silently.

The blocks of one page run in order in one fresh interpreter, sharing their names the way
a reader's session would, from a temporary folder that shows the repository's `examples/`
(the pages say "run from the repository root"). A block that is a deliberate fragment is
marked by a `<!-- not-run -->` line just before it; such marks should stay rare. The
`autograph.NAME` spellings the pages use in inline code must name something that exists.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = "<!-- not-run -->"
MAX_NOT_RUN = 2  # fragments must stay the exception

_RUNNER = r"""
import json, linecache, sys, traceback
page, size, blocks = json.loads(sys.stdin.read())
# The page with every line outside its blocks blanked, registered as the blocks' source
# file: conversion reads a function's source, and tracebacks show the page's line numbers.
lines = [""] * size
for line, code in blocks:
    lines[line - 1:line - 1 + len(code.splitlines())] = code.splitlines()
linecache.cache[page] = (size, None, [l + "\n" for l in lines], page)
namespace = {"__name__": "__main__"}
for line, code in blocks:
    try:
        exec(compile("\n" * (line - 1) + code, page, "exec"), namespace)
    except BaseException:
        print(f"the block at {page}:{line} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


def python_blocks(page: Path) -> tuple[list[tuple[int, str]], int]:
    """(first line of the code, code) of each ```python block to run, and how many are
    marked not-run."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, skipped, i = [], 0, 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            previous = next((l.strip() for l in reversed(lines[:i]) if l.strip()), "")
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            if previous == NOT_RUN:
                skipped += 1
            else:
                blocks.append((i + 2, "\n".join(lines[i + 1:end]) + "\n"))
            i = end
        i += 1
    return blocks, skipped


def _pages_with_blocks():
    return [p for p in PAGES if python_blocks(p)[0]]


def test_the_pages_have_blocks_and_few_fragments():
    counts = {p.name: python_blocks(p) for p in PAGES}
    assert sum(len(b) for b, _ in counts.values()) >= 6
    assert sum(s for _, s in counts.values()) <= MAX_NOT_RUN, counts


@pytest.mark.parametrize("page", _pages_with_blocks(), ids=lambda p: p.name)
def test_every_python_block_runs(page, tmp_path):
    blocks, _ = python_blocks(page)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", _RUNNER],
                          input=json.dumps([page.relative_to(ROOT).as_posix(),
                                           len(page.read_text().splitlines()), blocks]),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-4000:]


_SPELLING = re.compile(r"`(autograph(?:\.[A-Za-z_]\w*)+)")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_autograph_spellings_in_the_pages_exist(page):
    text = page.read_text(encoding="utf-8")
    spelled = {m.group(1) for m in _SPELLING.finditer(text)}
    missing = sorted(s for s in spelled if not _resolves(s))
    assert not missing, f"{page.name} spells names that do not exist: {missing}"
