"""Mandelbrot escape times written the way a C programmer would: per-pixel loops, a
`while` with an `and` in its test, and item assignment into the output image."""

import numpy as np

import autograph


@autograph.convert
def mandelbrot(height, width, max_iter):
    image = np.zeros((height, width), dtype=np.int32)
    for i in range(height):
        for j in range(width):
            cr = -2.0 + 3.0 * j / width
            ci = -1.5 + 3.0 * i / height
            zr = 0.0
            zi = 0.0
            n = 0
            while n < max_iter and zr * zr + zi * zi <= 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                n += 1
            image[i, j] = n
    return image


def main():
    image = mandelbrot(24, 64, 50)
    chars = " .:-=+*#%@"
    for row in image:
        print("".join(chars[min(int(v) * len(chars) // 51, len(chars) - 1)] for v in row))
    print(mandelbrot.explain())


if __name__ == "__main__":
    main()
