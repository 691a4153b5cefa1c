"""Load a run's evaluation log into pandas: the best-so-far curve and feasibility per step.

    python examples/api_log_pandas.py                 # makes a small run first: runs/api-log
    zoo run --oracle hamming --proposer hill-climb --budget 500 --out runs/r1
    python examples/api_log_pandas.py runs/r1         # any run folder

Each line of ``evaluations.jsonl`` is one evaluated sequence: ``evaluation`` (0, 1, ...),
``step`` (0 = the initial solutions), ``sequence``, ``value`` (null when infeasible) and
``time`` (the run's wall seconds when its batch was logged).
"""

import argparse
import json
from pathlib import Path

import pandas as pd

import seqzoo


def load(run_dir: Path) -> pd.DataFrame:
    log = pd.read_json(run_dir / "evaluations.jsonl", lines=True)
    log["value"] = log["value"].astype(float).fillna(float("-inf"))  # null = infeasible
    log["best_so_far"] = log["value"].cummax()
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, nargs="?",
                        help="a run folder (default: run hill-climb on hamming into runs/api-log)")
    parser.add_argument("--budget", type=int, default=500, help="evaluations of that run")
    args = parser.parse_args()
    if args.run_dir is None:
        args.run_dir = Path("runs/api-log")
        seqzoo.run("hamming", "hill-climb", budget=args.budget, batch_size=50,
                   out=args.run_dir, overwrite=True)

    log = load(args.run_dir)
    config = json.loads((args.run_dir / "config.json").read_text())["config"]
    print(f"{config['proposer']} on {config['oracle']}: {len(log)} evaluations")
    per_step = log.groupby("step").agg(evaluated=("value", "size"),
                                       feasible=("value", lambda v: (v > float("-inf")).mean()),
                                       best_so_far=("best_so_far", "last"))
    print(per_step.to_string())


if __name__ == "__main__":
    main()
