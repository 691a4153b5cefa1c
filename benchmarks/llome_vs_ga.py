"""LLOME (MargE, DPO, SFT) against the genetic algorithm at equal oracle evaluations on f2.

    nice python benchmarks/llome_vs_ga.py [--seeds 0,1,2] [--budget 30001]
        [--methods llome-marge,llome-dpo,llome-sft,ga] [--preset cpu] [--out runs/llome_vs_ga]

Every method gets the same budget on ``ehrlich:preset=f2`` (default 30,001: the initial
solution, LLOME's GA warm start of 10,000 and 10 rounds of 2,000 labels). LLOME runs the
tiny model with ``--preset`` (``cpu`` by default); ``ga`` is the reference GA (1,000
particles, mutation = recombination = 1.1/L, survival 0.1). Runs go one after another with
one torch thread, each logged in ``OUT/METHOD/seed_S`` (an existing finished run is read
back instead of rerun, so an interrupted benchmark picks up where it stopped).

Printed: per method over the seeds, the median regret with its range, the median
evaluations to the best value, and the wall seconds of each seed; then, per LLOME method,
the per-round medians over seeds of the fraction of outputs in range (valid), of labels
feasible and improved, of the mean edit distance (DPO's collapse shows as falling validity,
feasibility or edit distance), of the training loss and of the best value.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

ORACLE = "ehrlich:preset=f2"
METHODS = {"llome-marge": "llome:preset={preset},objective=marge",
           "llome-dpo": "llome:preset={preset},objective=dpo",
           "llome-sft": "llome:preset={preset},objective=sft",
           "ga": "ga:population=1000,survival_quantile=0.1"}


def run_one(spec: str, seed: int, budget: int, out: Path) -> dict:
    """Run (or read back) one method on one seed; the result as ``result.json`` holds it."""
    import seqzoo

    if (out / "result.json").exists():
        return json.loads((out / "result.json").read_text())
    seqzoo.run(ORACLE, spec, budget, seed=seed, out=out, overwrite=True)
    return json.loads((out / "result.json").read_text())


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
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--budget", type=int, default=30001)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--out", default="runs/llome_vs_ga")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    results: dict[str, list[tuple[dict, Path]]] = {}
    for method in methods:
        spec = METHODS[method].format(preset=args.preset)
        for seed in seeds:
            out = Path(args.out) / method / f"seed_{seed}"
            res = run_one(spec, seed, args.budget, out)
            results.setdefault(method, []).append((res, out))
            print(f"{method} seed {seed}: regret {_fmt(res['regret'])} best "
                  f"{_fmt(res['best_value'])} at {res['evaluations_to_best']} of "
                  f"{res['evaluations']} evaluations, {res['wall_seconds']:.0f} s", flush=True)

    print(f"\n{ORACLE}, budget {args.budget}, seeds {args.seeds}, llome preset {args.preset}")
    print(f"{'method':<12} {'median regret':>13} {'range':>13} {'evals to best':>13}  "
          f"wall seconds per seed")
    for method, runs in results.items():
        regret = [r["regret"] for r, _ in runs]
        rng = f"{_fmt(min(regret))}-{_fmt(max(regret))}"
        evals = _median([r["evaluations_to_best"] for r, _ in runs])
        wall = " ".join(f"{r['wall_seconds']:.0f}" for r, _ in runs)
        print(f"{method:<12} {_fmt(_median(regret)):>13} {rng:>13} {evals:>13.0f}  {wall}")

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
