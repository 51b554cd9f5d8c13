"""Analyses of a graph that change nothing in it.

Both the passes (which act on what they find) and the code generators (which read the
same facts while writing programs) use these, so they sit below both.
"""
