"""Start-up time of `zoo --help` and the run engine's overhead per batch.

    python benchmarks/core_overhead.py [--batches 2000] [--batch-size 100]

The engine is timed with the built-in `hamming` oracle and a proposer that returns a fixed
batch, so nearly all the time measured is the engine's own: validation, logging (JSON lines,
flush and fsync), bookkeeping and the observer call.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from seqzoo import engine, plugins


class Fixed:
    """Returns the same batch every time: costs nothing, so the engine's cost shows."""

    def __init__(self, problem, batch: int = 100):
        self.x = np.repeat(problem.initial_solutions[:1], batch, axis=0)

    def ask(self, n):
        return self.x[:n]

    def tell(self, x, y):
        pass


def help_seconds(repeats: int = 10) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "seqzoo.cli", "--help"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_overhead(batches: int, batch: int, logged: bool) -> float:
    reg = plugins.registry()
    reg.entries["proposer"]["fixed"] = plugins.Entry("proposer", "fixed", Fixed, "bench")
    spec = "hamming:num_states=20,dim=32"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        engine.run(spec, f"fixed:batch={batch}", 1 + batches * batch, batch_size=batch,
                   out=tmp if logged else None, stop_on_optimum=False)
        return (time.perf_counter() - start) / batches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=100)
    args = ap.parse_args()
    print(f"zoo --help (median of 10, incl. interpreter start): {help_seconds() * 1e3:.1f} ms")
    print(f"python -c pass (for comparison):                    "
          f"{statistics.median(_bare() for _ in range(10)) * 1e3:.1f} ms")
    engine_overhead(10, args.batch_size, False)  # warm-up: plugin discovery, imports
    for logged in (False, True):
        per = engine_overhead(args.batches, args.batch_size, logged)
        print(f"engine per batch of {args.batch_size} ({'with' if logged else 'without'} "
              f"run log): {per * 1e6:.0f} us ({per / args.batch_size * 1e6:.1f} us/evaluation)")


def _bare() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
