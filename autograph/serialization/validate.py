"""Checks on parsed JSON values that raise LoadError naming where in the file they failed.

The reader never indexes, iterates or converts a value from a file before one of these
has said what it is, so a wrong type is a LoadError with a location ("node 4 (sum) >
attrs > axes: expected a list, got str"), never a TypeError from deep inside.
"""

from __future__ import annotations

from typing import Any

from autograph.errors import LoadError

INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1


def fail(where: str, message: str) -> LoadError:
    """The error to raise (`raise fail(...)`), prefixed with its location."""
    return LoadError(f"{where}: {message}" if where else message)


def _kind(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "bool", int: "int",
             float: "float", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def expect_object(value: Any, where: str, required: tuple[str, ...] | frozenset,
                  optional: tuple[str, ...] | frozenset = ()) -> dict:
    """A JSON object with every `required` key, perhaps `optional` ones, and no others."""
    if not isinstance(value, dict):
        raise fail(where, f"expected an object, got {_kind(value)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise fail(where, f"missing field(s) {', '.join(map(repr, sorted(missing)))}")
    allowed = set(required) | set(optional)
    extra = [k for k in value if k not in allowed]
    if extra:
        shown = ", ".join(repr(k[:40]) for k in sorted(extra)[:5])
        raise fail(where, f"unknown field(s) {shown}")
    return value


def expect_list(value: Any, where: str, max_len: int, exact: int | None = None) -> list:
    if not isinstance(value, list):
        raise fail(where, f"expected a list, got {_kind(value)}")
    if len(value) > max_len:
        raise fail(where, f"list of {len(value)} entries is longer than the limit {max_len}")
    if exact is not None and len(value) != exact:
        raise fail(where, f"expected {exact} entries, got {len(value)}")
    return value


def expect_int(value: Any, where: str, lo: int = INT64_MIN, hi: int = UINT64_MAX) -> int:
    """A JSON integer (not a bool, not a float) with lo <= value <= hi."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(where, f"expected an integer, got {_kind(value)}")
    if not lo <= value <= hi:
        raise fail(where, f"{value} is out of range [{lo}, {hi}]")
    return value


def expect_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise fail(where, f"expected true or false, got {_kind(value)}")
    return value


def expect_str(value: Any, where: str, max_len: int) -> str:
    if not isinstance(value, str):
        raise fail(where, f"expected a string, got {_kind(value)}")
    if len(value) > max_len:
        raise fail(where, f"string of {len(value)} characters is longer than the limit "
                          f"{max_len}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # JSON's "\\ud800" escapes decode to lone surrogates
            raise fail(where, "string holds a lone surrogate (not valid Unicode text)") from None
    return value


def expect_number(value: Any, where: str) -> float:
    """A JSON number, or one of the strings "nan", "inf", "-inf" (JSON has no such numbers)."""
    if isinstance(value, str):
        specials = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
        if value in specials:
            return specials[value]
        raise fail(where, f"expected a number or 'nan'/'inf'/'-inf', got {value[:20]!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, f"expected a number, got {_kind(value)}")
    if isinstance(value, int) and abs(value) > 2**1000:
        raise fail(where, "integer too large to be a number")
    return float(value)
