"""What ``--executor ray`` adds to each run and each round, against the same runs in one
process -- the figures in docs/scaling.md.

    python benchmarks/ray_overhead.py [--runs 20] [--rounds 1,50]

A local one-CPU Ray instance (so its runs go one at a time, as the serial ones do) runs a
grid of ``--runs`` runs of the core's ``random`` on ``hamming`` twice: the first pass pays
for starting Ray's workers and is left out; the second is compared with the same grid run
serially. With one round the difference is the cost per run (submit, pre-run messages,
config and result through the driver); the growth with more rounds is the cost per round
(each logged batch travels to the driver and is stored before the next is proposed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["SEQZOO_LOAD_PLUGINS"] = ""  # the core's plugin only: no torch, quick imports

ORACLE = "hamming:num_states=4,dim=32"
BATCH = 10


def grid_seconds(root: Path, runs: int, rounds: int, executor: str) -> float:
    from seqzoo.compare import compare, resolve

    out = root / f"{executor}-{rounds}-{time.monotonic_ns()}"
    grid = resolve(oracles=[ORACLE], proposers=["random"], seeds=list(range(runs)),
                   budget=1 + BATCH * rounds, batch_size=BATCH, executor=executor,
                   workers=1, warm_start="none")
    CHECKED[-1] = 0.0
    start = time.perf_counter()
    result = compare(grid, out, progress=False)
    seconds = time.perf_counter() - start - _report_seconds(out) - CHECKED[-1]
    assert not result.failures, result.failures
    shutil.rmtree(out)
    return seconds


#: Seconds the last grid spent in the pre-flight check (once per grid, not per run).
CHECKED = [0.0]


def _timed_check(check):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return check(*args, **kwargs)
        finally:
            CHECKED[-1] = time.perf_counter() - start
    return timed


def _report_seconds(out: Path) -> float:
    """The report is the same work for both executors: time it again and take it off."""
    from seqzoo.compare import report

    start = time.perf_counter()
    report.build(out)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", default="1,50")
    parser.add_argument("--repeat", type=int, default=5,
                        help="alternate the two executors this often and take medians "
                             "(a busy machine's noise is larger than the difference)")
    args = parser.parse_args()
    import ray

    from seqzoo.compare.executors import preflight

    preflight.check_nodes = _timed_check(preflight.check_nodes)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        grid_seconds(root, 2, 1, "ray")  # start the workers
        print(f"pre-flight check, once per grid: {CHECKED[-1]:.2f} s cold", end="")
        grid_seconds(root, 2, 1, "ray")
        print(f", {CHECKED[-1]:.2f} s warm")
        print(f"{'rounds':>6} {'serial s/run':>13} {'ray s/run':>10} {'added ms/run':>13}")
        for rounds in (int(r) for r in args.rounds.split(",")):
            pairs = [(grid_seconds(root, args.runs, rounds, "local") / args.runs,
                      grid_seconds(root, args.runs, rounds, "ray") / args.runs)
                     for _ in range(args.repeat)]
            serial = statistics.median(p[0] for p in pairs)
            remote = statistics.median(p[1] for p in pairs)
            print(f"{rounds:>6} {serial:>13.4f} {remote:>10.4f} "
                  f"{1000 * (remote - serial):>13.1f}", flush=True)
    ray.shutdown()


if __name__ == "__main__":
    sys.exit(main())
