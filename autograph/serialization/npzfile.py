"""params.npz: written with `np.savez`, read back member by member, headers checked first.

`np.load(..., allow_pickle=False)` already refuses object arrays, but it believes each
member's header: a header claiming 10^15 elements makes it try to allocate them. So the
reader opens the zip itself, reads each member's `.npy` header (`np.lib.format`, which
parses it as a literal, never as code), checks name, dtype, shape and size against the
limits and the member's declared size, and only then reads the data, with
`allow_pickle=False`. NumPy allocates the whole array before reading, so the size a
header claims is bounded by the member's declared size, and that (for compressed
members) by what deflate can expand to.
"""

from __future__ import annotations

import math
import struct
import zipfile
import zlib
from typing import BinaryIO

import numpy as np

from autograph.errors import LoadError
from autograph.ir.types import DTYPE_NAMES
from autograph.serialization.schema import PARAM_KEY, Limits

# np.savez's own parameter names cannot be keys (they would be taken as arguments).
RESERVED_KEYS = frozenset({"file", "allow_pickle"})
_HEADER_LIMIT = 10000  # NumPy's own default max_header_size
_MAX_RATIO = 1100  # deflate expands at most ~1032:1; a bigger claim is a lie or a bomb
# What zipfile and np.lib.format raise on a damaged archive (TypeError: a header whose
# fields have the wrong types; RuntimeError: an encrypted member).
_ERRORS = (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile, zlib.error,
           struct.error, RuntimeError, NotImplementedError, KeyError, OverflowError)


def write_params(path, arrays: dict[str, np.ndarray]) -> None:
    """Writes `arrays` (keys already valid) to `path` with `np.savez`, never pickling."""
    np.savez(path, allow_pickle=False, **arrays)


def _read_header(fp, where: str):
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp, max_header_size=_HEADER_LIMIT)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp, max_header_size=_HEADER_LIMIT)
    raise LoadError(f"{where}: unsupported .npy format version {version}")


def _check_member(info: zipfile.ZipInfo, shape, fortran, dtype, where: str, limits: Limits):
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise LoadError(f"{where}: holds {dtype} values; only plain numeric arrays are "
                        f"allowed (never objects, which would need pickle)")
    native = dtype.newbyteorder("=") if not dtype.isnative else dtype
    if native not in DTYPE_NAMES:
        raise LoadError(f"{where}: dtype {dtype} is not supported "
                        f"(supported: {', '.join(DTYPE_NAMES.values())})")
    if len(shape) > limits.max_ndim or any(d > limits.max_dim for d in shape):
        raise LoadError(f"{where}: shape {shape} is beyond the limits")
    size = math.prod(shape)
    if size > limits.max_elements:
        raise LoadError(f"{where}: {size} elements exceed the limit {limits.max_elements}")
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > _MAX_RATIO * max(
            info.compress_size, 1):
        raise LoadError(f"{where}: claims {info.file_size} bytes from {info.compress_size} "
                        f"compressed, more than deflate can expand")
    if size * dtype.itemsize > info.file_size:
        raise LoadError(f"{where}: header claims {size * dtype.itemsize} bytes of data, but "
                        f"the member holds only {info.file_size}")
    return native


def read_params(file: str | BinaryIO, limits: Limits) -> dict[str, np.ndarray]:
    """Every member of a params.npz, as native-byte-order arrays; LoadError if unsafe."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_params:
                raise LoadError(f"params.npz holds {len(infos)} members, more than the "
                                f"limit {limits.max_params}")
            declared = sum(info.file_size for info in infos)
            if declared > limits.max_param_bytes:
                raise LoadError(f"params.npz holds {declared} bytes, more than the limit "
                                f"{limits.max_param_bytes}")
            arrays: dict[str, np.ndarray] = {}
            for info in infos:
                key, array = _read_member(archive, info, limits)
                if key in arrays:
                    raise LoadError(f"params.npz: member {key!r} appears twice")
                arrays[key] = array
            return arrays
    except LoadError:
        raise
    except _ERRORS as exc:
        raise LoadError(f"params.npz is not a valid .npz archive (truncated or corrupt?): "
                        f"{type(exc).__name__}: {exc}") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits):
    name = info.filename
    key = name[:-4] if name.endswith(".npy") else name
    where = f"params.npz member {name[:80]!r}"
    if not name.endswith(".npy") or not PARAM_KEY.fullmatch(key):
        raise LoadError(f"{where}: not a valid parameter name")
    with archive.open(info) as fp:
        shape, fortran, dtype = _read_header(fp, where)
    native = _check_member(info, shape, fortran, dtype, where, limits)
    with archive.open(info) as fp:
        array = np.lib.format.read_array(fp, allow_pickle=False, max_header_size=_HEADER_LIMIT)
    if array.shape != tuple(shape):
        raise LoadError(f"{where}: data does not match its header")
    return key, np.ascontiguousarray(array, dtype=native)
