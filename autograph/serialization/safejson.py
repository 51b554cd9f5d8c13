"""Parsing graph.json as untrusted data: bounded size, bounded depth, strict JSON.

`json.loads` recurses once per nesting level, so a file of a million `[` would exhaust
the stack before it could fail cleanly; the nesting depth is therefore measured first, by
a flat scan that skips string literals, and too deep a file is refused before the parser
sees it. The parser itself is held to strict JSON: no NaN/Infinity tokens, no duplicate
keys (which would make "what the file says" depend on which copy wins), no integers
longer than 40 digits (int() of a huge digit string is slow).
"""

from __future__ import annotations

import json
import re

from autograph.errors import LoadError

# A string literal (so brackets inside strings are not counted) or one bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_MAX_INT_DIGITS = 40


def nesting_depth(text: str, limit: int) -> int:
    """The deepest bracket nesting in `text`; stops counting once past `limit`.

    On text that is not valid JSON the count may be too high, never too low for the part
    a JSON parser would accept, which is all that matters: that part is what it recurses on.
    """
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif token == "]" or token == "}":
            depth -= 1
    return deepest


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"integer literal of {len(text)} digits")
    return int(text)


def _object(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def loads(data: bytes, max_depth: int, what: str = "graph.json"):
    """The JSON value in `data` (UTF-8); LoadError when it is not strict, shallow JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{what} is not UTF-8 text: {exc}") from None
    if nesting_depth(text, max_depth) > max_depth:
        raise LoadError(f"{what} is nested deeper than the limit of {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_reject_constant,
                          parse_int=_parse_int)
    except RecursionError:
        raise LoadError(f"{what} is nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise LoadError(f"{what} is not valid JSON (truncated or corrupt?): {exc}") from None
