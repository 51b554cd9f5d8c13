"""Newton's method for square roots on a whole array, iterated until every element has
converged: a `while` on a tensor condition (`np.max(...) > tol`)."""

import numpy as np

import autograph


@autograph.convert
def newton_sqrt(a, tol=1e-10):
    x = np.where(a > 1.0, a, 1.0)
    err = np.max(np.abs(x * x - a))
    while err > tol:
        x = 0.5 * (x + a / x)
        err = np.max(np.abs(x * x - a))
    return x


def main():
    a = np.linspace(0.5, 1000.0, 8)
    root = newton_sqrt(a)
    print("a        =", a)
    print("sqrt(a)  =", root)
    print("max error vs np.sqrt:", np.max(np.abs(root - np.sqrt(a))))
    print(newton_sqrt.lower(a).graph)


if __name__ == "__main__":
    main()
