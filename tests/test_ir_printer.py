"""Golden text of printed graphs: what a reviewer reads in diffs and the CLI shows."""

from __future__ import annotations

import textwrap

import numpy as np

from autograph.ir import Builder, Op, TensorType, format_graph

T = TensorType
F32 = np.float32


def test_mlp_golden():
    b = Builder("mlp")
    x = b.add_input(T((1, 512), F32), "x")
    w1 = b.add_input(T((512, 256), F32), "w1")
    b1 = b.add_input(T((256,), F32), "b1")
    a = b.emit(Op.MATMUL, [x, w1])
    h = b.emit(Op.ADD, [a, b1])
    r = b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)])
    r.hint = "relu"
    s = b.emit(Op.SUM, [r], axes=(0, 1), keepdims=False)
    c = b.emit(Op.CAST, [s], dtype=np.dtype(np.float64))
    k = b.emit(Op.CONSTANT, [], value=np.array([1, 2, 3], np.int8))
    row = b.emit(Op.INDEX, [r], index=(("int", 0), ("slice", None, 3, None)))
    g = b.finish([r, c, b.emit(Op.MUL, [row, k])])
    assert str(g) == format_graph(g) == textwrap.dedent("""\
        graph mlp(x:f32[1,512], w1:f32[512,256], b1:f32[256]) {
          a:f32[1,256] = matmul x w1
          b:f32[1,256] = add a b1
          relu:f32[1,256] = maximum b 0.0:f64~[]
          c:f32[] = sum relu [axes=(0, 1) keepdims=False]
          d:f64[] = cast c [dtype=f64]
          e:i8[3] = constant [value=[1,2,3]]
          f:f32[3] = index relu [index=[0, :3]]
          g:f32[3] = mul f e
          return (relu, d, g)
        }
        """)


def test_control_flow_golden():
    b = Builder("loop")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(T((), np.int64, True), "n")
    i, acc = b.open_region([T((), np.int64, True), T((3,), F32)], ["i", "acc"])
    odd = b.emit(Op.EQ, [b.emit(Op.MOD, [i, b.emit(Op.CONSTANT, [], value=2)]),
                         b.emit(Op.CONSTANT, [], value=1)])
    b.open_region([])
    then = b.close_region([b.emit(Op.ADD, [acc, x])])
    b.open_region([])
    other = b.close_region([acc])
    new = b.emit(Op.COND, [odd], regions=[then, other])
    new.hint = "acc"
    body = b.close_region([new])
    out = b.emit(Op.FOR, [b.emit(Op.CONSTANT, [], value=0), n,
                          b.emit(Op.CONSTANT, [], value=1), x], regions=[body])
    b.emit(Op.PRINT, [out], template=("acc =", 0), sep=" ", end="\n")
    g = b.finish([out])
    assert str(g) == textwrap.dedent("""\
        graph loop(x:f32[3], n:i64~[]) {
          a:f32[3] = for 0:i64~[] n 1:i64~[] x {
            body ^(i:i64~[], acc:f32[3]):
              b:i64~[] = mod i 2:i64~[]
              c:b1~[] = eq b 1:i64~[]
              acc_1:f32[3] = cond c {
                then ^():
                  d:f32[3] = add acc x
                  yield d
                else ^():
                  yield acc
              }
              yield acc_1
          }
          print a [end='\\n' sep=' ' template=('acc =', 0)]
          return (a,)
        }
        """)


def test_letter_names_continue_past_z_and_skip_hints():
    b = Builder("many")
    v = b.add_input(T((), F32), "x")
    for _ in range(28):
        v = b.emit(Op.NEG, [v])
    v.hint = "ba"  # a hint that collides with a generated name keeps it; the letters skip it
    text = str(b.finish([v]))
    assert "  z:f32[] = neg y\n  bb:f32[] = neg z\n  bc:f32[] = neg bb\n" in text
    assert "  ba:f32[] = neg bc\n  return (ba,)" in text
