"""Evaluations per second of seqzoo's Ehrlich against pytorch-holo's, on one thread.

For each size it draws a batch of Markov-chain (DMP) samples with ``initial_solution``, times
seqzoo's evaluation, then runs the reference on the *same* batch in its own interpreter
(pytorch-holo pins numpy<2, so it lives in a separate venv) and checks that every value is
identical. It also measures the extra memory seqzoo needs for a million sequences of L=256.

    python benchmarks/ehrlich_speed.py [--batch 20000] [--reference-python /work/holo/bin/python]

The reference interpreter defaults to ``$SEQZOO_HOLO_PYTHON``, else ``/work/holo/bin/python``
when it exists; without one only seqzoo's side is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch

from seqzoo_ehrlich import Ehrlich

SIZES = [(32, 32, 4, 4), (32, 128, 4, 4), (32, 256, 8, 8)]  # (v, L, c, k)

# Runs in the reference's interpreter: must import holo, never seqzoo.
REFERENCE = """
import json, sys, time
import numpy as np, torch
from holo.test_functions.closed_form import Ehrlich
torch.set_num_threads(1)
v, L, c, k, repeats, path = *map(int, sys.argv[1:6]), sys.argv[6]
x = torch.from_numpy(np.load(path + ".x.npy"))
f = Ehrlich(num_states=v, dim=L, num_motifs=c, motif_length=k, random_seed=0)
same_batch = bool(torch.equal(f.initial_solution(len(x)), x))
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    y = f(x)
    best = min(best, time.perf_counter() - start)
np.save(path + ".y.npy", y.numpy())
print(json.dumps({"seconds": best, "same_batch": same_batch}))
"""


def best_seconds(f, x: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    best, y = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        y = f(x)
        best = min(best, time.perf_counter() - start)
    return best, y


def reference(python: str, size: tuple[int, ...], x: np.ndarray, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "batch")
        np.save(path + ".x.npy", x)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        out = subprocess.run([python, "-c", REFERENCE, *map(str, size), str(repeats), path],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            raise SystemExit(f"the reference failed:\n{out.stderr}")
        result = json.loads(out.stdout)
        result["y"] = np.load(path + ".y.npy")
    return result


def million_memory(rows: int = 1_000_000, length: int = 256) -> tuple[float, float]:
    """Peak extra MB and seconds to score ``rows`` uint8 sequences of L=256 (c=8, k=8)."""
    f = Ehrlich(32, length, 8, 8, random_seed=0)
    x = np.resize(f.initial_solution(1000).numpy().astype(np.uint8), (rows, length))
    tracemalloc.start()
    start = time.perf_counter()
    f(x)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5, help="seqzoo timings (best kept)")
    parser.add_argument("--reference-repeats", type=int, default=2)
    default = os.environ.get("SEQZOO_HOLO_PYTHON") or (
        "/work/holo/bin/python" if Path("/work/holo/bin/python").exists() else None)
    parser.add_argument("--reference-python", default=default,
                        help="interpreter with pytorch-holo (default: %(default)s)")
    parser.add_argument("--skip-million", action="store_true",
                        help="skip the 1M x 256 memory measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)

    print(f"one thread, batch of {args.batch:,} DMP samples, torch {torch.__version__}, "
          f"numpy {np.__version__}")
    header = f"{'size':<16}{'seqzoo evals/s':>16}{'holo evals/s':>14}{'ratio':>9}  identical"
    print(header)
    for v, length, c, k in SIZES:
        f = Ehrlich(v, length, c, k, random_seed=0)
        x = f.initial_solution(args.batch).numpy()
        seconds, y = best_seconds(f, x, args.repeats)
        ours = len(x) / seconds
        label = f"v{v} L{length} c{c} k{k}"
        if args.reference_python is None:
            print(f"{label:<16}{ours:>16,.0f}{'-':>14}{'-':>9}  -")
            continue
        ref = reference(args.reference_python, (v, length, c, k), x, args.reference_repeats)
        theirs = len(x) / ref["seconds"]
        identical = ref["same_batch"] and np.array_equal(ref["y"], y)
        print(f"{label:<16}{ours:>16,.0f}{theirs:>14,.0f}{ours / theirs:>8.1f}x  {identical}")
    if not args.skip_million:
        peak, seconds = million_memory()
        print(f"1,000,000 x 256 (c8 k8, uint8 input of 244 MiB): peak extra memory "
              f"{peak:.1f} MiB, {seconds:.2f} s")


if __name__ == "__main__":
    main()
