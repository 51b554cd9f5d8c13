"""Collatz step counts: a `while` whose trip count depends on the data, with an `if` inside.

With a Python int the converted function behaves like the original; with a NumPy integer
the loop is staged into a `while` region and compiled, so the whole search runs without
the interpreter.
"""

import numpy as np

import autograph


@autograph.convert
def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@autograph.convert
def total_steps(limit):
    """The sum of step counts for 1..limit: a staged `for` around the staged `while`."""
    total = 0
    for start in range(1, limit + 1):
        n = start
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            total += 1
    return total


def main():
    print("collatz_steps(837799) =", collatz_steps(np.int64(837799)))
    print("total_steps(1000) =", total_steps(np.int64(1000)))
    print(collatz_steps.lower(np.int64(27)).graph)


if __name__ == "__main__":
    main()
