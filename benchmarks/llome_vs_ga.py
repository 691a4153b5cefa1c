"""LLOME (MargE, DPO, SFT) on the ladder -- hill-climb, ga, ga:elitism=true, adalead -- at equal
oracle evaluations on f2, every method from the same GA warm start.

    nice python benchmarks/llome_vs_ga.py [--seeds 10,11,12] [--budget 30000]
        [--warm-start-budget 10000] [--methods llome-marge,llome-dpo,llome-sft]
        [--preset cpu] [--out runs/llome_vs_ga] [--workers 1] [--allow-mixed]

One ``zoo compare`` grid on ``ehrlich:preset=f2``: the GA (1,000 particles, the papers'
settings) runs once per seed for ``--warm-start-budget`` evaluations from the initial
solution, and every method of that seed starts from those rows -- LLOME's round 0, as in the
paper, and the ladder's population, pool or seeds -- then spends the rest of ``--budget``
(default: 10,000 warm-start evaluations and 10 rounds of 2,000 labels). LLOME runs the tiny
model with ``--preset`` (``cpu`` by default). The compare store in ``--out`` makes an
interrupted benchmark pick up where it stopped, and refuses a stored run made with other
settings or other code (so no result with a different config is ever reused).

Printed: the ladder table of ``benchmarks/ladder.py``; then, per LLOME method, the per-round
medians over seeds of the fraction of outputs in range (valid), of labels feasible and
improved, of the mean edit distance (DPO's collapse shows as falling validity, feasibility
or edit distance), of the training loss and of the best value.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from seqzoo.compare import resolve
from seqzoo.compare.grid import parse_seeds
from seqzoo.compare.store import Store

ORACLE = "ehrlich:preset=f2"
#: The reference code's loop choices (``preset=reference`` sets them at the paper's sizes;
#: here they go on the ``--preset`` sizes, so that only the choices differ).
REFERENCE_LOOP = ("seeds=round,trajectories=separate,dpo_pairs=all,checkpoints=best,"
                  "lr_schedule=linear,weight_decay=0")
METHODS = {"llome-marge": "llome:preset={preset},objective=marge",
           "llome-dpo": "llome:preset={preset},objective=dpo",
           "llome-sft": "llome:preset={preset},objective=sft",
           # the ablations of the reference pipeline (issue: LLOME part 3)
           "llome-marge-reference-loop": "llome:preset={preset},objective=marge," + REFERENCE_LOOP,
           "llome-marge-batch1x32": "llome:preset={preset},objective=marge,train_batch_size=1,"
                                    "grad_accum=32",
           "llome-marge-batch32": "llome:preset={preset},objective=marge,train_batch_size=32,"
                                  "grad_accum=1",
           "llome-marge-constrained": "llome:preset={preset},objective=marge,constrained=true"}
#: The default methods (the ablations are opt-in with ``--methods``).
DEFAULT_METHODS = ("llome-marge", "llome-dpo", "llome-sft")


def rounds(out: Path) -> list[dict]:
    path = out / "llome_rounds.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _median(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10,11,12")
    parser.add_argument("--budget", type=int, default=30000)
    parser.add_argument("--warm-start-budget", type=int, default=10000)
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help=f"comma-separated, of: {', '.join(METHODS)}")
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--out", default="runs/llome_vs_ga")
    parser.add_argument("--workers", type=int, default=1, help="runs at once")
    parser.add_argument("--allow-mixed", action="store_true",
                        help="read back stored runs made by other code (see ladder.py)")
    args = parser.parse_args()

    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    specs = {m: METHODS[m].format(preset=args.preset) for m in methods}
    argv = [sys.executable, str(Path(__file__).with_name("ladder.py")), "--oracle", ORACLE,
            "--seeds", args.seeds, "--budget", str(args.budget), "--warm-start", "ga",
            "--warm-start-budget", str(args.warm_start_budget),
            "--checkpoints", f"{args.budget // 2},{args.budget}", "--out", args.out,
            "--workers", str(args.workers)] + (["--allow-mixed"] if args.allow_mixed else [])
    for spec in specs.values():
        argv += ["--method", spec]
    subprocess.run(argv, check=True)

    grid = resolve(oracles=[ORACLE], proposers=list(specs.values()),
                   seeds=parse_seeds(args.seeds), budget=args.budget, warm_start="ga",
                   warm_start_budget=args.warm_start_budget)
    folders = {(t.proposer, t.seed): Path(t.folder) for t in Store(args.out).tasks(grid)}
    results = {m: [(None, folders[(spec, seed)]) for seed in grid.seeds]
               for m, spec in specs.items()}
    for method, runs in results.items():
        per_seed = [rounds(out) for _, out in runs]
        if not any(per_seed):
            continue
        print(f"\n{method}: per round, median over seeds")
        print(f"{'round':>5} {'in range':>8} {'feasible':>8} {'edit':>6} {'improved':>8} "
              f"{'accepted':>8} "
              f"{'loss':>7} {'best':>6}")
        for i in range(max(len(p) for p in per_seed)):
            rows = [p[i] for p in per_seed if len(p) > i]
            accepted = sum(r["accepted"] for r in rows)
            print(f"{i:>5} {_fmt(_median([r['in_range'] for r in rows]), 2):>8} "
                  f"{_fmt(_median([r['feasible'] for r in rows]), 2):>8} "
                  f"{_fmt(_median([r['edit_distance'] for r in rows])):>6} "
                  f"{_fmt(_median([r['improved'] for r in rows]), 2):>8} "
                  f"{accepted:>5}/{len(rows)} "
                  f"{_fmt(_median([r['train_loss'] for r in rows])):>7} "
                  f"{_fmt(_median([r['best_value'] for r in rows])):>6}")


if __name__ == "__main__":
    main()
