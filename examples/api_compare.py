"""Compare two optimizers over paired seeds from Python, as ``zoo compare`` does.

    python examples/api_compare.py                    # the built-in oracle, runs/api-compare
    python examples/api_compare.py --oracle ehrlich:preset=f2 --proposers ga,adalead --out DIR

Rerunning with the same ``--out`` skips the runs already complete.
"""

import argparse

import pandas as pd

from seqzoo.compare import compare, resolve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", default="hamming:num_states=8,dim=32,max_step=2")
    parser.add_argument("--proposers", default="hill-climb,hill-climb:mutations=2",
                        help="comma-separated proposer names (no options with commas here)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--out", default="runs/api-compare")
    args = parser.parse_args()

    # resolve() merges these settings over the embedded defaults and checks them: an unknown
    # name or option fails here, before anything runs.
    grid = resolve(oracles=[args.oracle], proposers=args.proposers.split(","),
                   seeds=[int(s) for s in args.seeds.split(",")], budget=args.budget,
                   batch_size=50)
    outcome = compare(grid, args.out, progress=False)
    summary = pd.read_csv(f"{args.out}/summary.csv")
    print(summary.groupby("proposer")[["best_value", "evaluations_to_best", "wall_seconds"]]
          .median().sort_values("best_value", ascending=False).to_string())
    print(f"{outcome.ran} runs, {outcome.skipped} already complete; report: "
          f"{args.out}/report.md")


if __name__ == "__main__":
    main()
