"""Place methods on the ladder -- hill-climb, ga, ga:elitism=true, adalead -- at equal evaluations
from one shared warm start.

    python benchmarks/ladder.py [--method lambo2 --method lambo2-lite ...]
        [--oracle ehrlich:preset=f2] [--seeds 10-14] [--budget 10000]
        [--warm-start ga] [--warm-start-budget 2000] [--checkpoints 5000,10000]
        [--out runs/ladder]

Runs one ``zoo compare`` grid (so the warm start is evaluated once per seed and shared, and
the store refuses to reuse runs made with other settings or other code) of the ladder plus
each ``--method``, then prints, per proposer, the median best value over the seeds (with its
range, or with ``--iqr`` its interquartile range) after each checkpoint's evaluations (read
off the run logs: the warm start's rows count), the seeds solved, the median distinct
evaluations after the warm start, their duplicate share, the median wall seconds and the
significance group of the final best value (``zoo compare``'s Friedman and Nemenyi tests on
the seeds: proposers that share a letter are not told apart at alpha 0.05; ``untested``
below 5 seeds). Runs stop early when they solve the function. The header names the CPU.

The default seeds (10-14) are not the ones any default in this repository was tuned on
(0-2), so the table reports held-out seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

import numpy as np

from seqzoo.compare import compare, resolve
from seqzoo.compare.grid import parse_seeds
from seqzoo.compare.store import Store
from seqzoo.errors import SeqzooError

from reproducibility import cpu_model

LADDER = ("hill-climb", "ga", "ga:elitism=true", "adalead")


def best_after(log: Path, checkpoints: list[int]) -> list[float]:
    """The best value after each checkpoint's evaluations (a solved run keeps its best)."""
    values = [-np.inf if r["value"] is None else r["value"]
              for r in map(json.loads, log.read_text().splitlines())]
    best = np.maximum.accumulate(values)
    return [float(best[min(c, len(best)) - 1]) for c in checkpoints]


def _cell(values: list[float], iqr: bool = False) -> str:
    med = statistics.median(values)
    if iqr:  # the interquartile range, numpy's linear interpolation between order statistics
        low, high = np.percentile(values, [25, 75])
        return f"{med:.3f} [{low:.3f}-{high:.3f}]"
    return f"{med:.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", action="append", default=[],
                        help="a proposer spec to place on the ladder (repeatable)")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--seeds", default="10-14")
    parser.add_argument("--budget", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--warm-start", default="ga")
    parser.add_argument("--warm-start-budget", type=int, default=2000)
    parser.add_argument("--checkpoints", default=None,
                        help="evaluation counts to report (default: half the budget and all)")
    parser.add_argument("--out", default="runs/ladder")
    parser.add_argument("--iqr", action="store_true",
                        help="print the interquartile range [q1-q3] instead of (min-max)")
    parser.add_argument("--allow-mixed", action="store_true",
                        help="read back stored runs made by other code (zoo compare's option)")
    parser.add_argument("--overwrite", action="store_true",
                        help="redo every run of the grid (zoo compare's option)")
    parser.add_argument("--workers", type=int, default=None,
                        help="runs at once (zoo compare's option; default 1)")
    args = parser.parse_args()
    checkpoints = sorted(int(c) for c in (args.checkpoints or
                                          f"{args.budget // 2},{args.budget}").split(","))
    proposers = list(dict.fromkeys([*LADDER, *args.method]))
    try:
        grid = resolve(oracles=[args.oracle], proposers=proposers,
                       seeds=parse_seeds(args.seeds), budget=args.budget,
                       batch_size=args.batch_size, warm_start=args.warm_start,
                       warm_start_budget=args.warm_start_budget, workers=args.workers)
        outcome = compare(grid, args.out, progress=False, say=print,
                          allow_mixed=args.allow_mixed, overwrite=args.overwrite)
    except SeqzooError as exc:
        raise SystemExit(f"ladder.py: error: {exc}") from None
    with open(Path(args.out) / "summary.csv", newline="") as fh:
        summary = list(csv.DictReader(fh))
    tasks = {(t.proposer, t.seed): Path(t.folder) for t in Store(args.out).tasks(grid)}

    with open(Path(args.out) / "stats.csv", newline="") as fh:
        stats = {r["proposer"]: r for r in csv.DictReader(fh)}

    print(f"\n{args.oracle}: budget {args.budget}, shared warm start {args.warm_start} of "
          f"{args.warm_start_budget} evaluations, seeds {args.seeds}; "
          f"{outcome.ran} runs done, {outcome.skipped} read back; {cpu_model()}, one thread "
          f"a run\n")
    head = [f"best@{c}" for c in checkpoints]
    print("| proposer | " + " | ".join(head) + " | solved | distinct evals | duplicates "
          "| wall s | group |")
    print("|---" * (len(head) + 6) + "|")
    for proposer in proposers:
        rows = [r for r in summary if r["proposer"] == proposer]
        bests = [best_after(tasks[(proposer, int(r["seed"]))] / "evaluations.jsonl",
                            checkpoints) for r in rows]
        cells = [_cell([b[i] for b in bests], args.iqr) for i in range(len(checkpoints))]
        distinct = statistics.median(int(r["distinct_evaluations"]) for r in rows)
        asked = statistics.median(int(r["evaluations"]) - int(r["warm_start_evaluations"])
                                  for r in rows)
        solved = sum(r["solved"].lower() == "true" for r in rows)
        wall = statistics.median(float(r["wall_seconds"]) for r in rows)
        print(f"| `{proposer}` | " + " | ".join(cells) + f" | {solved}/{len(rows)} | "
              f"{distinct:.0f} | {1 - distinct / max(asked, 1):.0%} | {wall:.1f} | "
              f"{stats[proposer]['group'] or 'untested'} |")
    first = stats[proposers[0]]
    if first["friedman_p"]:
        print(f"\nFriedman p = {float(first['friedman_p']):.2g} over {first['blocks']} seeds; "
              f"Nemenyi's critical difference {float(first['critical_difference']):.2f} "
              f"mean ranks (pairwise p-values: {Path(args.out) / 'significance.csv'})")


if __name__ == "__main__":
    main()
