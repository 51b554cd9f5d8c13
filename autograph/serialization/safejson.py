"""Parsing graph.json as untrusted data: bounded size, bounded depth, strict JSON.

`json.loads` recurses once per nesting level, so a file of a million `[` would exhaust
the stack before it could fail cleanly; the nesting depth is therefore measured first, by
a flat scan that skips string literals, and too deep a file is refused before the parser
sees it. The parser itself is held to strict JSON: no NaN/Infinity tokens, no duplicate
keys (which would make "what the file says" depend on which copy wins), no integers
longer than 40 digits (int() of a huge digit string is slow).
"""

from __future__ import annotations

import itertools
import json
import re

from autograph.errors import LoadError

# A string literal; an unterminated one runs to the end of the text. The closing quote
# is optional so that a match never fails and is retried: linear time on any input.
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}
_MAX_INT_DIGITS = 40


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting in `text`, brackets inside string literals not counted.

    On the part of the text a JSON parser accepts, which is all it recurses on, strings
    are found exactly as the parser finds them, so the count is exact there; what follows
    an unterminated string is never parsed and is not counted. Linear time, at C speed
    (regex, accumulate): the check must not be a denial of service itself.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_DELTA.__getitem__, brackets)), default=0)


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
    if nesting_depth(text) > max_depth:
        raise LoadError(f"{what} is nested deeper than the limit of {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_reject_constant,
                          parse_int=_parse_int)
    except RecursionError:
        raise LoadError(f"{what} is nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise LoadError(f"{what} is not valid JSON (truncated or corrupt?): {exc}") from None
