"""docs/seeing_inside.md stays true: each `$ python -m autograph dump ...` command in a
console block is run, and its output must match the block (`...` stands for lines left
out); the committed pictures must be SVG pictures of the two example graphs."""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograph.cli import commands as cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "seeing_inside.md"
PROMPT = "$ python -m autograph dump "


def console_blocks() -> list[tuple[str, str]]:
    blocks = re.findall(r"^```console\n(.*?)^```$", DOC.read_text(encoding="utf-8"),
                        re.M | re.S)
    found = []
    for block in blocks:
        command, _, expected = block.partition("\n")
        assert command.startswith(PROMPT), command
        found.append((command[len(PROMPT):], expected))
    return found


def matches(expected: str, actual: str) -> bool:
    """Whether `actual` is `expected` with each `...` line standing for any lines."""
    chunks = re.split(r"^\.\.\.\n", expected, flags=re.M)
    pattern = r"(?:.*\n)*?".join(re.escape(c) for c in chunks)
    return re.fullmatch(pattern, actual) is not None


def test_matcher():
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n...\n", "a\nb\n")
    assert not matches("a\n...\nd\n", "a\nb\nc\n")
    assert not matches("a\nb\n", "a\nb\nc\n")


BLOCKS = console_blocks()


def test_the_page_has_commands_for_every_stage():
    commands = " ".join(c for c, _ in BLOCKS)
    for stage in ("graph", "optimized", "program"):
        assert f"--stage {stage}" in commands
    assert any("--stage" not in c for c, _ in BLOCKS)  # converted
    assert "--passes" in commands
    assert len(BLOCKS) >= 7


@pytest.mark.parametrize("command, expected", BLOCKS, ids=[c[:60] for c, _ in BLOCKS])
def test_console_block_is_current(command, expected, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status = cli.main(["dump", *shlex.split(command), "--color", "never"])
    out, err = capsys.readouterr()
    assert status == (2 if expected.startswith("autograph: ") else 0), err
    actual = out + err
    assert matches(expected, actual), f"docs/seeing_inside.md is out of date:\n{actual}"


@pytest.mark.parametrize("name, clusters", [("mlp", 0), ("mandelbrot", 10)])
def test_committed_pictures(name, clusters):
    root = ET.parse(ROOT / "docs" / "images" / f"{name}.svg").getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    groups = root.findall(".//svg:g", ns)
    assert sum(g.get("class") == "cluster" for g in groups) == clusters
    assert root.find("svg:g/svg:title", ns).text == name
    assert f"images/{name}.svg" in DOC.read_text(encoding="utf-8")
