"""Writing a program's final argument values back into the caller's arrays.

A converted function that writes into an argument (`out[i] = ...`, `x *= 2`) is traced
into a functional graph whose extra outputs are the arguments' final values
(staging/caller_arrays.py); after the program ran, each is copied into the caller's array,
so the caller sees exactly NumPy's effect. The copy happens after the whole call, which is
the same as NumPy's writes during it unless the written array shares memory with another
input (`f(a, a)`, `f(a, a[1:])`): NumPy would then show each write through the other
name, so such calls are refused before anything runs — as are read-only arrays, with
NumPy's own error.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import AutographError


def run(spec, flat: list):
    """Calls `spec` (an api.Specialization) on the graph inputs `flat`: the caller's arrays
    receive their final values, and results that are those arrays are the arrays."""
    arrays = list(flat)
    check_targets(spec.trace, arrays)
    for i in spec.scalar_inputs:  # 0-d strong inputs go to programs as NumPy scalars
        if isinstance(flat[i], np.ndarray):
            flat[i] = flat[i][()]
    outputs = list(spec.program(*flat))
    for out, target in spec.trace.writebacks:
        copy_into(arrays[target], outputs[out])
    for out, source in spec.trace.caller_outputs:
        outputs[out] = arrays[source]
    return spec.finisher(outputs)


def donated_inputs(trace, graph) -> frozenset:
    """The graph inputs the program may write into: each written argument whose final
    value is written back into it, when the graph is the traced one or a copy of it (the
    passes keep inputs and outputs in place). The overlap check below makes it safe: no
    other input can see the writes while the program runs."""
    if len(graph.inputs) != len(trace.graph.inputs):
        return frozenset()
    return frozenset(target for _, target in trace.writebacks)


def check_targets(trace, arrays: list) -> None:
    """Refuses a call whose written arguments are read-only or overlap another input."""
    names = [trace.param_names[spec.param] for spec in trace.inputs]
    for _, target in trace.writebacks:
        array = arrays[target]
        if not isinstance(array, np.ndarray):
            continue  # a device array: written on the device, no overlap test here
        if not array.flags.writeable:
            raise ValueError("assignment destination is read-only")
        for other, value in enumerate(arrays):
            if other != target and isinstance(value, np.ndarray) \
                    and np.may_share_memory(array, value) and _shares(array, value):
                raise AutographError(
                    f"{_name(names, target)} is written by {trace.graph.name} and shares "
                    f"memory with {_name(names, other)}: NumPy would show each write "
                    f"through the other name while the function runs, which a compiled "
                    f"program does not do; pass a copy of one of them")


def _same_buffer(value, target) -> bool:
    return (isinstance(value, np.ndarray) and isinstance(target, np.ndarray)
            and value.__array_interface__["data"][0] == target.__array_interface__["data"][0]
            and value.strides == target.strides and value.shape == target.shape)


def _shares(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return np.shares_memory(a, b, max_work=10_000)
    except np.exceptions.TooHardError:
        return True


def _name(names: list, index: int) -> str:
    if index < len(names):
        return f"argument '{names[index]}'"
    return "a global or closure array it reads"


def copy_into(target, value) -> None:
    """Writes `value` (a program output) into the caller's array `target`."""
    if value is target or _same_buffer(value, target):
        return  # the program wrote into the caller's array itself (Graph.donated)
    if isinstance(target, np.ndarray):
        if hasattr(value, "copy_to_host"):  # a CUDA device array
            value = value.copy_to_host()
        np.copyto(target, value)
    elif hasattr(target, "copy_to_device"):  # the caller's CUDA device array
        target.copy_to_device(value)
    else:
        raise AutographError(f"cannot write a result back into a {type(target).__name__}")
