"""Notebook display: what a converted function and a specialisation look like in Jupyter.

Evaluating `f` in a notebook cell should show what autograph made of it, not
`<autograph.convert f>`: the converted source (highlighted, `ag__` calls marked); for a
`Lowered`, the picture of its graph (inline SVG when Graphviz's `dot` is installed, the
text form otherwise) and the generated program. `ConvertedFunction._repr_html_` and
`Lowered._repr_html_` are one-line delegations to the functions here; `ir.Graph`'s own
reprs live in `autograph.ir.dot`, since `ir` must not import this layer.

The HTML is self-contained (inline styles, no scripts), so it survives notebook
sanitisers, `nbconvert` and static renderers alike. Nothing here raises: a function whose
source cannot be converted shows the error instead.
"""

from __future__ import annotations

import html

from autograph.views import highlight
from autograph.errors import AutographError
from autograph.ir import dot

_BOX = ('<div class="autograph-display" style="font-family:sans-serif;'
        'border-left:3px solid #a78bfa;padding-left:8px">')


def _title(text: str) -> str:
    return f'<div style="font-weight:bold;margin:4px 0">{html.escape(text)}</div>'


def _details(summary: str, body: str, open_: bool = False) -> str:
    flag = " open" if open_ else ""
    return (f"<details{flag}><summary>{html.escape(summary)}</summary>{body}</details>")


def _pre(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def source_html(source: str) -> str:
    """Python source as highlighted HTML."""
    return highlight.to_html(source)


def graph_html(graph) -> str:
    """A graph's picture as inline SVG when `dot` is installed, else its text form."""
    return dot.repr_html(graph)


def converted_function_html(function, to_source) -> str:
    """A converted function: its name, backend and traces, and its converted source
    (`to_source(user_function)`, handed in by the caller: views sit below the runtime)."""
    name = getattr(function, "__qualname__", None) or repr(function)
    backend = getattr(function, "_backend", "?")
    try:
        # The user's function: `to_source` does not unwrap a ConvertedFunction itself.
        body = source_html(to_source(getattr(function, "__wrapped__", function)))
    except (AutographError, OSError, TypeError) as error:
        body = _pre(f"(cannot show the converted source: {error})")
    explanation = function.explain() if hasattr(function, "explain") else ""
    parts = [_BOX, _title(f"autograph.convert {name} (backend {backend!r})"),
             _details("converted source", body, open_=True)]
    if explanation and not explanation.endswith("not traced yet"):
        parts.append(_details("traces (explain())", _pre(explanation)))
    parts.append("</div>")
    return "".join(parts)


def lowered_html(lowered) -> str:
    """A specialisation: the picture of its optimised graph, its text, and its program."""
    parts = [_BOX, _title(repr(lowered)), graph_html(lowered.graph),
             _details("graph (text)", _pre(str(lowered.graph))),
             _details("generated program", source_html(lowered.source), open_=True),
             "</div>"]
    return "".join(parts)
