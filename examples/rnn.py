"""An RNN over 100 time steps: `for t in range(steps)` carrying the hidden state `h` is
staged as one loop region with a symbolic index `t`, not unrolled 100 times."""

import numpy as np

import autograph


@autograph.convert
def rnn(x, h, wx, wh, b):
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ wx + h @ wh + b)
    return h


def main():
    rng = np.random.default_rng(0)
    steps, batch, inputs, hidden = 100, 4, 64, 128
    x = rng.standard_normal((steps, batch, inputs)).astype(np.float32)
    h = np.zeros((batch, hidden), np.float32)
    wx = (rng.standard_normal((inputs, hidden)) * 0.1).astype(np.float32)
    wh = (rng.standard_normal((hidden, hidden)) * 0.1).astype(np.float32)
    b = np.zeros(hidden, np.float32)
    out = rnn(x, h, wx, wh, b)
    expected = rnn.python_function(x, h, wx, wh, b)
    print("final hidden state", out.shape, out.dtype, "max |diff| vs NumPy:", np.abs(out - expected).max())
    print(rnn.lower(x, h, wx, wh, b).graph)


if __name__ == "__main__":
    main()
