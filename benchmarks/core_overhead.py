"""Start-up times of `zoo --help`, `zoo list proposers` and a numpy-only run's first
logged evaluation, and the run engine's overhead per batch.

    python benchmarks/core_overhead.py [--batches 2000] [--batch-size 100]

Start-up is measured with every installed plugin discovered: `zoo list proposers` reads
every factory's signature, and `zoo run --oracle hamming --proposer ga` must import neither
torch nor anything else heavy before its first evaluation is on disk (the time from the
command's start until `evaluations.jsonl` holds a line).

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
from pathlib import Path

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


def command_seconds(*args: str, repeats: int = 10) -> float:
    """Median wall time of ``zoo ARGS``, interpreter start included."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


RUN = ["run", "--oracle", "hamming:num_states=20,dim=32", "--proposer", "ga", "--quiet",
       "--no-stop-on-optimum"]
HEAVY = ("torch", "transformers", "lightning", "pytorch_lightning", "botorch", "nevergrad")


def first_evaluation_seconds(repeats: int = 5) -> float:
    """Median time from a numpy-only run's start until its first evaluation is logged."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "run" / "evaluations.jsonl"
            start = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-m", "seqzoo.cli", *RUN, "--budget",
                                      "10000000", "--out", f"{tmp}/run"],
                                     stdout=subprocess.DEVNULL)
            while not (log.exists() and b"\n" in log.read_bytes()[:4096]):
                time.sleep(0.002)
            times.append(time.perf_counter() - start)
            child.kill()
            child.wait()
    return statistics.median(times)


def heavy_modules_of_a_run() -> list[str]:
    """The heavy modules a whole (short) numpy-only run imports."""
    probe = ("import runpy, sys\n"
             "sys.argv = ['zoo'] + sys.argv[1:]\n"
             "try:\n"
             "    runpy.run_module('seqzoo.cli', run_name='__main__')\n"
             "except SystemExit:\n"
             "    pass\n"
             f"print('HEAVY:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", probe, *RUN, "--budget", "3000", "--out",
                               f"{tmp}/run"], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("HEAVY:"))
    return line.removeprefix("HEAVY:").split()


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
    print(f"zoo --help (median of 10, incl. interpreter start): "
          f"{command_seconds('--help') * 1e3:.1f} ms")
    print(f"zoo list proposers (median of 10):                  "
          f"{command_seconds('list', 'proposers') * 1e3:.1f} ms")
    print(f"first logged evaluation, hamming + ga (median of 5): "
          f"{first_evaluation_seconds() * 1e3:.1f} ms")
    print(f"heavy modules a hamming + ga run imports:           "
          f"{', '.join(heavy_modules_of_a_run()) or 'none'}")
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
