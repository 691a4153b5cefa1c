"""Optimize an oracle of your own from Python: a plain function of a batch, no plugin needed.

    python examples/api_own_oracle.py                       # runs/api-own-oracle
    python examples/api_own_oracle.py --budget 3000 --out DIR

The function below scores DNA sequences: the share of G and C, with sequences holding a run
of four identical bases ruled out (-inf), a small constrained problem in the spirit of
Ehrlich's. ``seqzoo.run`` and ``seqzoo.compare`` take it with its alphabet and length, as they
take an Oracle object or a spec; a comparison of a function runs in this process, one run at
a time.
"""

import argparse

import numpy as np

import seqzoo
from seqzoo.api import FunctionOracle

ALPHABET, LENGTH = "ACGT", 24


def gc_without_repeats(x: np.ndarray) -> np.ndarray:
    """(n, LENGTH) states (0..3 for A, C, G, T) -> n values; -inf where four bases repeat."""
    gc = np.isin(x, (1, 2)).mean(axis=1)
    same = x[:, 1:] == x[:, :-1]  # a run of four is three equal neighbours in a row
    repeats = (same[:, 2:] & same[:, 1:-1] & same[:, :-2]).any(axis=1)
    return np.where(repeats, -np.inf, gc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1000, help="evaluations per run")
    parser.add_argument("--seeds", default="0,1", help="paired seeds of the comparison")
    parser.add_argument("--out", default="runs/api-own-oracle")
    args = parser.parse_args()

    # One run. ACGTAC... has no repeats, so the start is feasible.
    start = [(ALPHABET * LENGTH)[:LENGTH]]
    oracle = FunctionOracle(gc_without_repeats, ALPHABET, LENGTH, optimal_value=1.0,
                            initial_solutions=start)
    result = seqzoo.run(oracle, "hill-climb", budget=args.budget, batch_size=50, seed=0,
                        out=f"{args.out}/one-run", overwrite=True)  # a rerun redoes it
    print(f"hill-climb on {result.oracle}: best {result.best_value:.3f} "
          f"({result.best_sequence}) after {result.evaluations_to_best} evaluations")

    # A comparison on the same oracle. The bare function works too, with its alphabet and
    # length (then it starts from AAAA..., which is infeasible: the proposers must escape).
    outcome = seqzoo.compare(oracle, ["hill-climb", "random"], f"{args.out}/compare",
                             seeds=[int(s) for s in args.seeds.split(",")],
                             budget=args.budget, batch_size=50)
    print(f"{outcome.ran} runs, {outcome.skipped} already complete; report: "
          f"{args.out}/compare/report.md")


if __name__ == "__main__":
    main()
