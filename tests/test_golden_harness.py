"""The golden-file fixture of conftest.py, on a scratch folder.

The golden tests are only as trustworthy as the harness: a missing or different file must
fail, `--update-goldens` must write exactly the text given. A fresh `GoldenFiles` (the
fixture's own class) pointed at `tmp_path` checks that without touching tests/golden.
"""

from __future__ import annotations

import pytest

Failed = pytest.fail.Exception


def make(golden, tmp_path, update):
    return type(golden)(tmp_path, update=update)


def test_missing_file_fails_without_update(golden, tmp_path):
    files = make(golden, tmp_path, update=False)
    with pytest.raises(Failed, match="missing"):
        files.check("absent", "text\n")
    assert not (tmp_path / "absent.txt").exists()


def test_update_writes_exact_text_then_check_passes(golden, tmp_path):
    text = "line one\r\nline two\n  trailing spaces  \n"
    make(golden, tmp_path, update=True).check("group/name", text)
    path = tmp_path / "group" / "name.txt"
    assert path.read_bytes() == text.encode()
    make(golden, tmp_path, update=False).check("group/name", text)


def test_difference_fails_with_a_diff(golden, tmp_path):
    (tmp_path / "g.txt").write_text("a\nb\nc\n")
    files = make(golden, tmp_path, update=False)
    with pytest.raises(Failed) as excinfo:
        files.check("g", "a\nB\nc\n")
    message = str(excinfo.value)
    assert "-b" in message and "+B" in message and "--update-goldens" in message


def test_update_overwrites_a_stale_file(golden, tmp_path):
    (tmp_path / "g.txt").write_text("old\n")
    make(golden, tmp_path, update=True).check("g", "new\n")
    assert (tmp_path / "g.txt").read_text() == "new\n"


def test_same_name_twice_with_different_text_fails(golden, tmp_path):
    files = make(golden, tmp_path, update=True)
    files.check("twice", "one\n")
    with pytest.raises(Failed, match="twice"):
        files.check("twice", "two\n")


@pytest.mark.parametrize("name", ["", "../escape", "/abs/path", "a/../../b", "a\\b"])
def test_bad_names_are_rejected(golden, tmp_path, name):
    with pytest.raises(ValueError):
        make(golden, tmp_path, update=True).check(name, "x\n")


def test_non_text_is_rejected(golden, tmp_path):
    with pytest.raises(TypeError):
        make(golden, tmp_path, update=True).check("bytes", b"x")
