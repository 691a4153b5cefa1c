"""Run one optimizer from Python and read its result.

    python examples/api_run.py                        # the built-in oracle, the GA if installed
    python examples/api_run.py --oracle ehrlich:preset=f2 --proposer ga --budget 20000

The same run on the command line: ``zoo run --oracle SPEC --proposer SPEC --budget N --out DIR``.
"""

import argparse

import seqzoo
from seqzoo.plugins import registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", default="hamming:num_states=8,dim=32,max_step=2")
    parser.add_argument("--proposer", default="ga" if "ga" in registry().names("proposer")
                        else "hill-climb")
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="run folder (default: keep nothing)")
    args = parser.parse_args()

    # Specs are the command line's: NAME or NAME:key=value,... ; out=None logs nothing.
    result = seqzoo.run(args.oracle, args.proposer, budget=args.budget, seed=args.seed,
                        out=args.out)
    print(f"{result.proposer} on {result.oracle}: best {result.best_value:.4f} after "
          f"{result.evaluations_to_best} of {result.evaluations} evaluations "
          f"(regret {result.regret}, solved {result.solved}, {result.wall_seconds:.1f} s)")
    print("best sequence:", result.best_sequence)


if __name__ == "__main__":
    main()
