"""Syntax highlighting of Python source for terminals and HTML, with `tokenize` only.

The converted source is Python, and what a reader looks for in it is the `ag__` runtime
calls among ordinary code; the generated program is Python too. One classifier splits a
text into (kind, piece) runs that cover it exactly; the terminal (ANSI colours, for
`autograph dump`) and HTML (inline-styled spans, for notebooks) renderers only map kinds
to styles. Inline styles rather than a `<style>` block, because notebook front ends and
static renderers drop or scope style sheets of untrusted output. Text that does not
tokenize (a fragment, an IR listing) comes back as one plain run.
"""

from __future__ import annotations

import html
import io
import keyword
import tokenize
from typing import Iterator

KINDS = ("keyword", "string", "number", "comment", "runtime", "definition")

_ANSI = {"keyword": "\033[1;34m", "string": "\033[32m", "comment": "\033[90m",
         "runtime": "\033[35m", "number": "\033[36m", "definition": "\033[1m"}
_ANSI_RESET = "\033[0m"

_CSS = {"keyword": "color:#7c3aed;font-weight:bold", "string": "color:#15803d",
        "comment": "color:#71717a;font-style:italic", "runtime": "color:#be185d",
        "number": "color:#0e7490", "definition": "color:#1d4ed8;font-weight:bold"}

RUNTIME_NAME = "ag__"


def pieces(text: str) -> Iterator[tuple[str | None, str]]:
    """(kind, text) runs covering `text` exactly; kind is one of KINDS or None."""
    lines = text.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        yield None, text
        return
    last = (1, 0)
    previous = None
    for tok in tokens:
        if tok.type == tokenize.ENDMARKER:
            break
        if tok.start > last:
            yield None, _slice(lines, last, tok.start)
        yield _kind(tok, previous), tok.string
        last = tok.end
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.COMMENT):
            previous = tok
    rest = _slice(lines, last, (len(lines) + 1, 0))
    if rest:
        yield None, rest


def _kind(tok: tokenize.TokenInfo, previous: tokenize.TokenInfo | None) -> str | None:
    if tok.type == tokenize.NAME:
        if keyword.iskeyword(tok.string):
            return "keyword"
        if tok.string == RUNTIME_NAME:
            return "runtime"
        if previous is not None and previous.string in ("def", "class"):
            return "definition"
        return None
    return {tokenize.STRING: "string", tokenize.NUMBER: "number",
            tokenize.COMMENT: "comment"}.get(tok.type)


def _slice(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    (srow, scol), (erow, ecol) = start, end
    if srow > len(lines):
        return ""
    if srow == erow:
        return lines[srow - 1][scol:ecol]
    parts = [lines[srow - 1][scol:]] + lines[srow:erow - 1]
    if erow - 1 < len(lines):
        parts.append(lines[erow - 1][:ecol])
    return "".join(parts)


def to_ansi(text: str) -> str:
    """`text` with terminal colours."""
    return "".join(f"{_ANSI[k]}{p}{_ANSI_RESET}" if k else p for k, p in pieces(text))


def to_html(text: str) -> str:
    """`text` as a `<pre>` block of HTML-escaped, inline-styled spans."""
    body = "".join(f'<span style="{_CSS[k]}">{html.escape(p)}</span>' if k else html.escape(p)
                   for k, p in pieces(text))
    return f'<pre class="autograph-source" style="line-height:1.3">{body}</pre>'
