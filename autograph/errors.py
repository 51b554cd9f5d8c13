"""The exceptions autograph raises.

Every error the library itself raises derives from `AutographError` and, where it is
about the user's code, carries the `Origin` (file, line, source text) of the user's line,
so messages point at what the user wrote, never at generated code. This module is a leaf:
every layer may import it.
"""

from __future__ import annotations


class AutographError(Exception):
    """Base of every error autograph raises on purpose.

    `origin` is a `pyct.origins.Origin` (or anything with `filename`, `lineno` and
    `source_line`) naming the user's line the error is about, or None.
    """

    def __init__(self, message: str, origin=None):
        self.message = message
        self.origin = origin
        super().__init__(self._render())

    def _render(self) -> str:
        if self.origin is None:
            return self.message
        where = f"{self.origin.filename}:{self.origin.lineno}"
        text = f"{where}: {self.message}"
        line = getattr(self.origin, "source_line", None)
        if line:
            text += f"\n    {line.strip()}"
        return text

    def with_origin(self, origin) -> "AutographError":
        """Attaches a location if the error does not have one yet; returns self."""
        if self.origin is None and origin is not None:
            self.origin = origin
            self.args = (self._render(),)
        return self


class ConversionError(AutographError):
    """The user's function cannot be converted (unsupported syntax, missing source)."""


class StagingError(AutographError):
    """Tracing failed: an unsupported op, a concrete value needed from a tensor,
    inconsistent loop or branch state."""


class LoadError(AutographError):
    """An exported file is missing, malformed or unsafe to load."""
