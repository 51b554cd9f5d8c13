"""Notebook display (`_repr_html_`) and the highlighter behind it and `autograph dump`."""

from __future__ import annotations

import html
import inspect
import re

import numpy as np
import pytest

import autograph
from autograph.runtime import api
from autograph.views import display, highlight
from autograph.ir import dot


@autograph.convert(backend="python")
def clipped(x, limit):
    """A docstring with <html> & "quotes"."""
    if np.sum(x) > limit:
        x = x * 0.5
    return x


def _text(page: str) -> str:
    """The page's text: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_pieces_cover_the_text_exactly():
    samples = [inspect.getsource(api), inspect.getsource(highlight), "", "x = 1", "a\n\n\n",
               "def f(x):\n    return x  # no newline at the end",
               "graph f(x:f32[3]) {\n  a:f32[3] = mul x 2.0:f64~[]\n}\n",
               "s = '''unterminated", "\tif x:\n\t\ty = (1,\n 2)\n"]
    for text in samples:
        assert "".join(p for _, p in highlight.pieces(text)) == text


def test_pieces_classify_python():
    kinds = {p: k for k, p in highlight.pieces(
        "def f(x):\n    return ag__.ld(x) + 'a'  # note\n") if p.strip()}
    assert kinds["def"] == kinds["return"] == "keyword"
    assert kinds["f"] == "definition"
    assert kinds["ag__"] == "runtime"
    assert kinds["'a'"] == "string" and kinds["# note"] == "comment"
    assert kinds["x"] is None


def test_html_highlight_escapes():
    page = highlight.to_html("s = '<b>&'\n")
    assert "&lt;b&gt;&amp;" in page and "<b>" not in page
    assert page.startswith("<pre") and _text(page) == "s = '<b>&'\n"


def test_ansi_highlight_marks_runtime_calls():
    assert highlight.to_ansi("ag__.if_stmt") == "\033[35mag__\033[0m.if_stmt"


def test_converted_function_html():
    page = clipped._repr_html_()
    assert page == display.converted_function_html(clipped, autograph.to_source)
    text = _text(page)
    assert "autograph.convert clipped (backend 'python')" in text
    assert "ag__.if_stmt" in text and 'A docstring with <html> & "quotes".' in text
    assert '<span style="color:#be185d">ag__</span>' in page
    assert "<html>" not in page  # the docstring is escaped
    assert "traces (explain())" not in text  # nothing traced yet
    clipped(np.ones(3), 1.0)
    assert "traces (explain())" in _text(clipped._repr_html_())


def test_converted_function_html_shows_conversion_errors():
    f = autograph.convert(eval("lambda x: x"))  # no source to convert
    text = _text(f._repr_html_())
    assert "cannot show the converted source" in text


def test_lowered_html(monkeypatch):
    lowered = clipped.lower(np.ones(3), 1.0)
    page = lowered._repr_html_()
    assert page == display.lowered_html(lowered)
    text = _text(page)
    assert "<Lowered clipped(" in text
    assert "generated program" in text and "graph (text)" in text
    assert "graph clipped(" in text and "cond" in text
    if dot.available():
        assert "<svg" in page
    monkeypatch.setattr(dot.shutil, "which", lambda name: None)
    page = lowered._repr_html_()
    assert "<svg" not in page and "apt-get install graphviz" in _text(page)


def test_lowered_html_shows_the_numba_program():
    f = autograph.convert(lambda x: x * 2.0 + 1.0)
    text = _text(f.lower(np.ones(3, np.float32))._repr_html_())
    assert "@numba.njit" in text and "def " in text


@pytest.mark.skipif(not dot.available(), reason="Graphviz's dot is not installed")
def test_graph_html_is_inline_svg():
    lowered = clipped.lower(np.ones(4), 1.0)
    page = display.graph_html(lowered.graph)
    assert page.startswith('<div class="autograph-graph"><svg')
