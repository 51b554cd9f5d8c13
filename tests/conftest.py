"""Project-wide pytest setup: golden files.

Golden files let a reviewer see what a change did to generated text (converted source,
printed graphs, generated programs) as a diff in the commit, instead of trusting a
test that only says "different". `golden.check(name, text)` compares `text` with
`tests/golden/<name>.txt`; `pytest --update-goldens` (re)writes the files instead, and
the person who ran it reviews `git diff tests/golden` before committing. A missing file
is a failure without the option, so a new golden test cannot pass before its file has
been written and reviewed.
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="write tests/golden/*.txt from the current output instead of comparing with it",
    )


class GoldenFiles:
    """Compares text with, or writes it to, `<directory>/<name>.txt`."""

    def __init__(self, directory: Path, update: bool):
        self.directory = Path(directory)
        self.update = update
        self._checked: dict[str, str] = {}

    def path(self, name: str) -> Path:
        """The file for `name`; `name` may contain `/` to group files in folders."""
        parts = PurePosixPath(name).parts
        if not name or PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
            raise ValueError(f"bad golden file name {name!r}: use a relative a/b/c name")
        return self.directory.joinpath(*parts).with_name(parts[-1] + ".txt")

    def check(self, name: str, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"golden text must be str, not {type(text).__name__}")
        previous = self._checked.setdefault(name, text)
        if previous != text:
            pytest.fail(f"golden {name!r} was checked twice in this run with different texts")
        path = self.path(name)
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or _read(path) != text:
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
            return
        if not path.exists():
            pytest.fail(
                f"golden file {path} is missing: run `pytest --update-goldens` and review it",
                pytrace=False,
            )
        expected = _read(path)
        if expected != text:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True),
                fromfile=f"{path} (golden)", tofile="actual",
            ))
            pytest.fail(
                f"text differs from golden file {path}"
                f" (run `pytest --update-goldens` to accept it):\n{diff}",
                pytrace=False,
            )


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@pytest.fixture(scope="session")
def golden(request) -> GoldenFiles:
    """`golden.check(name, text)`: compare with tests/golden/<name>.txt (see module doc)."""
    return GoldenFiles(GOLDEN_DIR, request.config.getoption("--update-goldens"))
