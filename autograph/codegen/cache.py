"""The disk cache of generated programs: one real `.py` file per program text.

Numba's `cache=True` cannot cache functions made by `exec` (numba issue 3501): its cache
is keyed by the function's source file. So every generated program is written to
`<cache_dir>/<sha256-prefix>.py`, named by the hash of its text, and imported from there;
the `@numba.njit(..., cache=True)` in the file then stores the machine code in the
`__pycache__` folder beside it, and a later process that generates the same text skips
Numba's compilation entirely.

- Files are written atomically (temporary file + `os.replace`) and never rewritten when
  they already hold the text: a rewrite would change the file's timestamp, which Numba's
  index checks, and throw the machine code away.
- The module is registered in `sys.modules` under a name derived from the hash before it
  runs, as any import is: Numba re-imports a cached function's module by name to rebuild
  its globals (`objmode` blocks need them).
- An in-memory table by (folder, hash) means one process imports each program once.
- A program runs from the text this process generated, compiled here: never from a
  `.pyc` in `__pycache__` (Python's import would trust one whose header matches the
  source's timestamp and size), and no `.pyc` is written. Folders this module creates are
  private to the user (mode 0700).

What the cache still trusts: the folder itself. Numba's machine-code cache in
`__pycache__` (`*.nbi` index files are pickles, `*.nbc` hold machine code) is loaded as
Numba loads it, so anyone who can write to the cache folder can run code in processes
that use it. Keep it private (the default `~/.cache/autograph` is created 0700); pass a
fresh folder, or delete it, when in doubt.

The only environment read is in `default_cache_dir()`, which callers at the top level
use; code generation itself takes the folder as an argument.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

from autograph.errors import AutographError

_PREFIX_LENGTH = 24  # hex digits of sha256 in file and module names (96 bits)
_MODULE_PREFIX = "autograph_generated_"

_loaded: dict[tuple[str, str], ModuleType] = {}
_lock = threading.Lock()


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/autograph`, else `~/.cache/autograph`; callers may pass another."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "autograph"


def text_digest(text: str) -> str:
    """The hash that names a program: hex sha256 of its UTF-8 text, shortened."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_PREFIX_LENGTH]


def program_path(text: str, cache_dir) -> Path:
    """Where `text` lives in `cache_dir`."""
    return Path(cache_dir) / f"{text_digest(text)}.py"


def write_program(text: str, cache_dir) -> Path:
    """Writes `text` to its file unless the file already holds exactly that text."""
    path = program_path(text, cache_dir)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass  # missing or unreadable: (re)write it, which reports a real problem
    try:
        _make_private_folder(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise AutographError(f"cannot write the generated program to {path}: {exc}") from exc
    return path


def _make_private_folder(folder: Path) -> None:
    """Creates `folder` and any missing parents with mode 0700 (an existing folder keeps
    its mode: the user chose it)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(created, 0o700)


def load_module(text: str, cache_dir) -> ModuleType:
    """The module holding program `text`: from memory, else written (if needed) and imported."""
    digest = text_digest(text)
    key = (os.path.abspath(os.fspath(cache_dir)), digest)
    module = _loaded.get(key)
    if module is not None:
        return module
    with _lock:
        module = _loaded.get(key)
        if module is None:
            module = _import(write_program(text, cache_dir), _MODULE_PREFIX + digest, text)
            _loaded[key] = module
    return module


def _import(path: Path, name: str, text: str) -> ModuleType:
    """The module of program `text`, which is in the file `path`, run from `text` itself.

    The spec gives the module its file and name as an import would (Numba's cache is keyed
    by the file; it re-imports the module by name), but the code is compiled from the text
    here: the loader's bytecode cache (`__pycache__/*.pyc`) is never read or written."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AutographError(f"cannot import the generated program {path}")
    module = importlib.util.module_from_spec(spec)
    code = compile(text, os.fspath(path), "exec", dont_inherit=True)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
