"""In-process libvips timings for scripts/bench-imaging.sh (pyvips, `pip install pyvips`).

Usage: bench_vips.py OP INPUT MARK X Y RUNS -- prints the median milliseconds of RUNS runs of
OP on INPUT, the same operations as examples/bench_imaging.rs, each ending in a quality-90
JPEG held in memory. libvips' operation cache is off, so no run reuses another's work.
"""
import statistics
import sys
import time

import pyvips

WHITE = [255, 255, 255]


def fit_on_white(data, inner, canvas):
    img = pyvips.Image.thumbnail_buffer(data, inner, height=inner)
    img = img.gravity("centre", canvas, canvas, extend="background", background=WHITE)
    return img.write_to_buffer(".jpg", Q=90)


def run(op, data, mark, x, y):
    if op == "fit1200":
        return fit_on_white(data, 1200, 1200)
    if op == "cover400":
        img = pyvips.Image.thumbnail_buffer(data, 400, height=400, crop="centre")
        return img.write_to_buffer(".jpg", Q=90)
    if op == "canvas800":
        return fit_on_white(data, 640, 800)
    if op == "watermark":
        base = pyvips.Image.new_from_buffer(data, "", access="sequential")
        return base.composite2(mark, "over", x=x, y=y).write_to_buffer(".jpg", Q=90)
    raise SystemExit(f"unknown operation {op}")


def main():
    op, path, mark_path, x, y, runs = sys.argv[1:7]
    pyvips.cache_set_max(0)
    data = open(path, "rb").read()
    mark = pyvips.Image.new_from_file(mark_path)
    times = []
    for _ in range(int(runs) + 1):
        start = time.perf_counter()
        run(op, data, mark, int(x), int(y))
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times[1:]):.1f}")


main()
