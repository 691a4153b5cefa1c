"""LaMBO-2 (``lambo2``), its unguided ablation (``lambo2-lite``) and the GA on Ehrlich f2.

    python benchmarks/lambo_vs_ga.py [--budgets 2000,5000,10000] [--seeds 0,1,2]
        [--proposers lambo2,lambo2-lite,ga] [--oracle ehrlich:preset=f2] [--out DIR]

Each proposer runs once per seed with the largest budget; the regret and wall time at a
smaller budget ``B`` are read off the run log after its first ``B`` evaluations (anytime
regret: no proposer here looks at the budget). Prints one row per proposer and budget: the
median regret over seeds (with the range) and the median wall seconds. Runs stop early when
they solve the function (regret 0 from then on). Torch runs on one thread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np

from seqzoo import engine


def anytime(rundir: Path, budgets: list[int], optimum: float) -> dict[int, tuple[float, float]]:
    """``{budget: (regret, wall seconds)}`` after the first ``budget`` evaluations."""
    records = [json.loads(line) for line in (rundir / "evaluations.jsonl").open()]
    values = np.array([-np.inf if r["value"] is None else r["value"] for r in records])
    best = np.maximum.accumulate(values)
    out = {}
    for b in budgets:
        last = min(b, len(records)) - 1
        out[b] = (float(optimum - best[last]), float(records[last]["time"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budgets", default="2000,5000,10000")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--proposers", default="lambo2,lambo2-lite,ga")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--out", type=Path, default=None,
                        help="keep the run folders here (default: a temporary folder)")
    args = parser.parse_args()
    budgets = sorted(int(b) for b in args.budgets.split(","))
    seeds = [int(s) for s in args.seeds.split(",")]
    proposers = args.proposers.split(",")

    import torch

    torch.set_num_threads(1)
    root = args.out or Path(tempfile.mkdtemp(prefix="lambo_vs_ga-"))
    table: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for proposer in proposers:
        for seed in seeds:
            rundir = root / f"{proposer.replace(':', '_')}-seed{seed}"
            result = engine.run(args.oracle, proposer, budgets[-1], seed=seed, out=rundir,
                                overwrite=True)
            optimum = 1.0 if result.regret is None else result.best_value + result.regret
            points = anytime(rundir, budgets, optimum)
            for b, point in points.items():
                table.setdefault((proposer, b), []).append(point)
            marks = ", ".join(f"regret {r:.4f} at {b} ({t:.0f} s)" for b, (r, t) in points.items())
            print(f"# {proposer} seed {seed}: {marks}", flush=True)

    print(f"\n{args.oracle}, seeds {seeds}; regret = optimum - best value found")
    print(f"{'proposer':<14}{'evaluations':>12}{'median regret':>15}{'range':>18}"
          f"{'median wall s':>15}")
    for (proposer, b), points in table.items():
        regrets, walls = [p[0] for p in points], [p[1] for p in points]
        span = f"{min(regrets):.4f}-{max(regrets):.4f}"
        print(f"{proposer:<14}{b:>12}{statistics.median(regrets):>15.4f}{span:>18}"
              f"{statistics.median(walls):>15.1f}")


if __name__ == "__main__":
    main()
