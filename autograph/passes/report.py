"""What running the optimiser did, pass by pass, in words a reader can check.

A pass counts its rewrites in a `Changes` under a phrase template
(`changes.add("folded {n} constant{s}")`), so the report reads "folded 3 constants" without
each pass formatting text; the manager adds op counts and time per pass into a `Report`.
"""

from __future__ import annotations

import collections
import dataclasses


class Changes:
    """Counts of rewrites by kind; a kind is a template with `{n}` (count), `{s}` (plural s)."""

    def __init__(self):
        self.counts: collections.Counter[str] = collections.Counter()

    def add(self, kind: str, count: int = 1) -> None:
        if count:
            self.counts[kind] += count

    def __bool__(self) -> bool:
        return bool(self.counts)

    def lines(self) -> list[str]:
        """One line per kind of rewrite, in the order the kinds first happened."""
        return [kind.format(n=n, s="" if n == 1 else "s") for kind, n in self.counts.items()]


@dataclasses.dataclass
class PassRecord:
    """One run of one pass: op counts around it, its rewrites, and how long it took."""

    name: str
    changed: bool
    ops_before: int
    ops_after: int
    changes: list[str]
    seconds: float
    round: int = 1

    def __str__(self) -> str:
        what = "; ".join(self.changes) if self.changes else "no change"
        return (f"{self.name:<18} {self.ops_before:>5} -> {self.ops_after:<5} "
                f"{self.seconds * 1e3:8.2f} ms  {what}")


@dataclasses.dataclass
class Report:
    """Every pass run, in order; `str()` is a small table, one line per pass run."""

    records: list[PassRecord] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.records)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.records)

    def changes(self) -> list[str]:
        """Every change line of every pass run, prefixed with the pass name."""
        return [f"{r.name}: {line}" for r in self.records for line in r.changes]

    def __str__(self) -> str:
        if not self.records:
            return "no passes run"
        header = f"{'pass':<18} {'ops':>5}    {'':<5} {'time':>11}  changes"
        return "\n".join([header] + [str(r) for r in self.records])
