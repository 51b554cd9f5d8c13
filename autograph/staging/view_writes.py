"""Writes through views: `a[i][j] = v`, `row = a[i]; row[:] = 0`, `v = x[1:]; v += 1`.

In NumPy a basic index (`a[i]`, `a[1:]`), a reshape or a transpose is a view: writing into
it writes into the array it views. The IR is functional, so a view is a new value; a write
into it becomes a write into its base — recursively, up to an array that owns its memory
(a local array, or an argument, whose writes go back to the caller: caller_arrays.py) —
and the view is then the base's new contents seen through the same index.

Each view remembers its base handle and how to write a whole new value of the view into
the base (`ViewOf.store`): basic indexes and transposes, which NumPy makes views of any
array. A reshape is a view only where the array's memory layout allows, which the IR does
not track, so writes into reshapes stay refused (`mark_reshape` records the base only). `a[i][j] = v` with an integer base index is written as the one
assignment `a[i, j] = v`; other views write their whole new value back. Views the write
does not go through are outdated as for any write into the base (Tensor._outdate_views);
writing through a view whose base was written since it was taken is refused the same way.
"""

from __future__ import annotations

import numpy as np

from autograph.staging.tensor import Tensor, track_view


class ViewOf:
    """How a view was taken of `base`: `key` for a basic index (else None), and `store`,
    which writes a whole new value of the view into the base."""

    __slots__ = ("base", "key", "store")

    def __init__(self, base: Tensor, store, key=None):
        self.base = base
        self.store = store
        self.key = key


def mark_index(view: Tensor, base: Tensor, key) -> None:
    """`view` is `base[key]` (a basic index)."""

    def store(base_, new):
        base_[key] = new

    view._base = ViewOf(base, store, key)


def mark_reshape(view: Tensor, base: Tensor) -> None:
    """`view` is a reshape of `base`: a view or a copy by `base`'s layout, which the IR does
    not know, so writes into it are refused (no `store`); its base is still recorded."""
    view._base = ViewOf(base, None)


def fresh_root(view: Tensor) -> bool:
    """Whether the array a chain of views ends in is one the function made (no alias):
    returning the view then hands out memory nobody else can see, as NumPy's does."""
    while view._base is not None:
        view = view._base.base
    return view._alias is None


def mark_transpose(view: Tensor, base: Tensor, perm) -> None:
    inverse = tuple(int(i) for i in np.argsort(perm))

    def store(base_, new):
        base_[...] = new.transpose(inverse)

    view._base = ViewOf(base, store)


def write_through(view: Tensor, key, value) -> None:
    """`view[key] = value` for a view: the write lands in the base, as in NumPy."""
    of = view._base
    current = view.value  # raises if the base was written since the view was taken
    direct = _direct_key(of.key, key)
    if direct is None and of.store is None:
        view._check_writable()  # a reshape: refused, naming why
    if direct is not None:  # a[i][j] = v is a[i, j] = v
        of.base[direct] = value
        new = of.base[of.key]
    else:
        new = Tensor(current, view._sources, None, view._ctx)  # a stand-in we may write
        new[key] = value
        of.store(of.base, new)
    # The base's write outdated its views, this one too; it is current again.
    view._rebind(new.value, new._sources)
    view._stale = None
    track_view(of.base, view)


def _direct_key(base_key, key):
    """`base_key + key` as one index of the base when `base_key` picks integer positions on
    leading axes only (so the view's axes are the base's remaining ones), else None."""
    if base_key is None:
        return None
    parts = base_key if isinstance(base_key, tuple) else (base_key,)
    if not parts or not all(_is_integer(p) for p in parts):
        return None
    rest = key if isinstance(key, tuple) else (key,)
    return tuple(parts) + tuple(rest)


def _is_integer(part) -> bool:
    if isinstance(part, Tensor):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)
