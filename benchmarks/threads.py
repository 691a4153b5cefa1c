"""Wall time per 1,000 evaluations of the torch proposers at 1 and 2 threads, on a quiet
machine and beside one busy process -- the measurement behind ``seqzoo.threads.DEFAULT``.

    python benchmarks/threads.py [--threads 1,2] [--busy both|no|yes]
        [--lambo-budget 2000] [--llome-budget 3000]

Each cell is one ``zoo run`` (a fresh interpreter, so torch starts with the count it is
given) on ``ehrlich:preset=f2``: ``lambo2`` from the initial solution, ``llome:preset=cpu``
(rounds of 500 labels) from a 1,000-evaluation GA warm start, whose evaluations are left out
of its rate. The busy process is one pure-Python loop, the kind of neighbour a shared
machine has. ``OMP_NUM_THREADS`` is removed from the runs' environment, so ``--threads``
decides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ORACLE = "ehrlich:preset=f2"
BUSY = "while True: pass"


def one_run(proposer: str, budget: int, threads: int, out: Path, warm: int = 0) -> float:
    """Seconds per 1,000 evaluations the proposer chose (warm-start rows left out)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS",
                                                             "MKL_NUM_THREADS")}
    argv = [sys.executable, "-m", "seqzoo.cli", "run", "--oracle", ORACLE, "--proposer",
            proposer, "--budget", str(budget), "--threads", str(threads), "--seed", "0",
            "--out", str(out), "--overwrite", "--quiet", "--no-stop-on-optimum"]
    if warm:
        argv += ["--warm-start", "ga", "--warm-start-budget", str(warm)]
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    result = json.loads((out / "result.json").read_text())
    asked = result["evaluations"] - result["warm_start_evaluations"]
    return 1000 * result["wall_seconds"] / max(asked, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--busy", choices=("both", "no", "yes"), default="both")
    parser.add_argument("--lambo-budget", type=int, default=2000)
    parser.add_argument("--llome-budget", type=int, default=3000)
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    loads = {"both": [False, True], "no": [False], "yes": [True]}[args.busy]
    cases = [("lambo2", "lambo2", args.lambo_budget, 0),
             ("llome:preset=cpu", "llome:preset=cpu,labels_per_round=500", args.llome_budget,
              1000)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="seqzoo-threads-") as tmp:
        for busy in loads:
            neighbour = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
            try:
                time.sleep(0.5 if busy else 0)
                for label, spec, budget, warm in cases:
                    for n in counts:
                        rate = one_run(spec, budget, n, Path(tmp) / f"{label}-{n}-{busy}", warm)
                        rows.append((label, "busy" if busy else "quiet", n, rate))
                        print(f"{label} {'busy' if busy else 'quiet'} threads={n}: "
                              f"{rate:.1f} s per 1k", flush=True)
            finally:
                if neighbour is not None:
                    neighbour.kill()
    print(f"\n{os.cpu_count()} cores; s per 1,000 evaluations (lower is better)\n")
    print("| proposer | machine | " + " | ".join(f"{n} thread{'s' * (n > 1)}" for n in counts)
          + " |")
    print("|---|---|" + "---|" * len(counts))
    for label in dict.fromkeys(r[0] for r in rows):
        for machine in dict.fromkeys(r[1] for r in rows):
            cells = [next(r[3] for r in rows if r[:3] == (label, machine, n)) for n in counts]
            print(f"| `{label}` | {machine} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
