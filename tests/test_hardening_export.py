"""Loading an export opens only regular files, budgets the bytes a call would allocate,
and refuses strings that are not valid Unicode (issue 19, item 4)."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

from autograph.errors import LoadError
from autograph.ir import Builder, Op, TensorType
from autograph.serialization import Limits
from autograph.serialization.export import export_graph, load, load_graph

T = TensorType


def _small(tmp_path):
    b = Builder("model")
    x = b.add_input(T((3,), np.float64), "x")
    w = b.add_input(T((3,), np.float64), "w")
    b.emit_node(Op.PRINT, [x], template=("x =", 0), end="!\n")
    folder = tmp_path / "m"
    export_graph(b.finish([b.emit(Op.MUL, [x, w])]), {"w": np.ones(3)}, folder, program=False)
    return folder


def _load_with_timeout(folder, seconds=10.0):
    """load_graph on a thread: a loader that blocks fails the test instead of hanging it."""
    outcome: list = []

    def target():
        try:
            outcome.append(load_graph(folder))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "loading blocked"
    return outcome[0]


def test_the_unbroken_export_loads(tmp_path):
    graph, params = load_graph(_small(tmp_path))
    assert list(params) == ["w"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("name", ["graph.json", "params.npz"])
def test_a_fifo_is_refused_without_blocking(tmp_path, name):
    folder = _small(tmp_path)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    result = _load_with_timeout(folder)
    assert isinstance(result, LoadError), result
    assert "not a regular file" in str(result)


@pytest.mark.parametrize("name", ["graph.json", "params.npz"])
def test_a_symbolic_link_is_never_followed(tmp_path, name):
    folder = _small(tmp_path)
    outside = tmp_path / f"outside-{name}"
    (folder / name).rename(outside)  # a valid file, but outside the folder
    (folder / name).symlink_to(outside)
    with pytest.raises(LoadError, match="symbolic link"):
        load_graph(folder)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_link_to_dev_zero_says_what_it_is(tmp_path):
    folder = _small(tmp_path)
    (folder / "graph.json").unlink()
    (folder / "graph.json").symlink_to("/dev/zero")
    result = _load_with_timeout(folder)
    assert isinstance(result, LoadError) and "symbolic link" in str(result)
    assert "not found" not in str(result)


def test_a_folder_named_graph_json_is_not_a_regular_file(tmp_path):
    folder = _small(tmp_path)
    (folder / "graph.json").unlink()
    (folder / "graph.json").mkdir()
    with pytest.raises(LoadError, match="not a regular file"):
        load_graph(folder)


def test_size_is_checked_before_reading(tmp_path):
    folder = _small(tmp_path)
    size = (folder / "graph.json").stat().st_size
    with pytest.raises(LoadError, match=rf"is {size} bytes, larger than the limit of 100"):
        load_graph(folder, limits=Limits(max_json_bytes=100))


def _full_graph(shape):
    b = Builder("big")
    x = b.add_input(T((), np.float64), "x")
    filled = b.emit(Op.FULL, [], shape=shape, value=1.0, dtype=np.dtype(np.float64))
    return b.finish([b.emit(Op.ADD, [filled, x])])


def test_a_huge_full_is_refused_at_load_time(tmp_path):
    # 2**31 elements: within the element limit, but 16 GiB of float64 (twice, with the add)
    export_graph(_full_graph((2**20, 2**11)), {}, tmp_path / "m", program=False)
    with pytest.raises(LoadError, match=r"nodes\[0\] \(full\).*more than the limit of "
                                        r"8589934592 bytes"):
        load(tmp_path / "m", backend="python")


def test_the_byte_budget_counts_all_values_together(tmp_path):
    export_graph(_full_graph((1000,)), {}, tmp_path / "m", program=False)
    load_graph(tmp_path / "m", limits=Limits(max_value_bytes=16000))  # 8000 + 8000
    with pytest.raises(LoadError, match=r"nodes\[1\] \(add\)"):
        load_graph(tmp_path / "m", limits=Limits(max_value_bytes=15999))


@pytest.mark.parametrize("field", ["end", "template"])
def test_a_lone_surrogate_is_refused_at_load_time(tmp_path, field):
    folder = _small(tmp_path)
    doc = json.loads((folder / "graph.json").read_text())
    printed = next(n for n in doc["nodes"] if n["op"] == "print")
    if field == "end":
        printed["attrs"]["end"] = "\ud800"
    else:
        printed["attrs"]["template"][0] = "x \udfff"
    (folder / "graph.json").write_text(json.dumps(doc))  # ASCII: "\ud800" as an escape
    with pytest.raises(LoadError, match=r"\(print\) > attrs > .*lone surrogate"):
        load_graph(folder)
