"""The seed chapter ("Compilers and Interpreters", D2L 12.1), end to end with autograph.

Run with `make demo`. Each section prints what the chapter shows and what autograph adds.
Sections that need staging and compilation run when those parts of autograph are present.
"""

from __future__ import annotations

import numpy as np

import autograph


def add(a, b):
    return a + b


@autograph.convert
def fancy_func(a, b, c, d):
    e = add(a, b)
    f = add(c, d)
    g = add(e, f)
    return g


@autograph.convert
def collatz_steps(n):
    """The chapter's exercise on Python `if` and `while` inside a converted function."""
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main() -> None:
    section("1. Imperative programming: fancy_func(1, 2, 3, 4)")
    print("plain Python:", fancy_func.__wrapped__(1, 2, 3, 4) if hasattr(fancy_func, "__wrapped__")
          else add(add(1, 2), add(3, 4)))

    section("2. The evoke_ idea: autograph writes the program text for you")
    print("autograph.to_source(fancy_func):\n")
    print(autograph.to_source(fancy_func))
    print("autograph.to_source(collatz_steps) — control flow becomes explicit functions:\n")
    print(autograph.to_source(collatz_steps))

    section("3. The converted function gives the same answers")
    print("fancy_func(1, 2, 3, 4) =", fancy_func(1, 2, 3, 4))
    print("collatz_steps(27) =", collatz_steps(27))


if __name__ == "__main__":
    main()
