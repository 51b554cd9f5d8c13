"""Placeholder: the tracer-backed `convert` lands with the staging work."""
from autograph.conversion import to_function


def convert(fn=None, **options):
    if fn is None:
        return lambda f: convert(f, **options)
    return to_function(fn)
