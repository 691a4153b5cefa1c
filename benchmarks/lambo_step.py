"""Where a ``lambo2`` training step and a guided infill spend their time, by operator.

    python benchmarks/lambo_step.py [--rows 5000] [--steps 40] [--repeats 3] [--bf16]

``lambo2`` at its default sizes on f2's shapes (32 states, length 32; width 32, 3 layers,
4 members) trains 40 steps of 128 rows a round and runs one or two guided infills of 200 rows
(8 updates each). The script times both on random rows (20% infeasible) after a warm-up, one
thread, and prints milliseconds a step and an infill, then torch's profiler's split of each
among groups of operators: the convolution, GELU, LayerNorm, the value heads' max pooling,
the other matrix products, softmax, elementwise sums and products, copies, Adam's step (every
operator it calls), and the rest (autograd's and Python's bookkeeping among them). ``--bf16`` also times both under bfloat16
autocast, which changes the results (three significant digits), to show what lower precision
would buy.
"""

from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

import numpy as np
import torch

#: operator-name fragments -> group, first match wins (an operator Adam's step calls is Adam's)
GROUPS = (("convolution", "convolution"), ("gelu", "GELU"), ("layer_norm", "LayerNorm"),
          ("aten::max", "max pooling"), ("mm", "matrix products"), ("linear", "matrix products"),
          ("softmax", "softmax and cross-entropy"), ("nll", "softmax and cross-entropy"),
          ("copy", "copies"), ("clone", "copies"), ("contiguous", "copies"),
          ("aten::add", "elementwise sums and products"), ("aten::mul", "elementwise sums and products"),
          ("aten::sub", "elementwise sums and products"), ("aten::div", "elementwise sums and products"),
          ("aten::where", "elementwise sums and products"), ("aten::sum", "elementwise sums and products"),
          ("aten::mean", "elementwise sums and products"))


def group_of(name: str) -> str:
    low = name.lower()
    return next((group for key, group in GROUPS if key in low), "the rest")


def split(run) -> list[tuple[str, float]]:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    totals: dict[str, float] = {}
    for event in prof.events():
        scope = event
        while scope is not None and not scope.name.startswith("Optimizer.step"):
            scope = scope.cpu_parent
        group = "Adam" if scope is not None else group_of(event.name)
        totals[group] = totals.get(group, 0.0) + event.self_cpu_time_total
    whole = sum(totals.values())
    return sorted(((g, t / whole) for g, t in totals.items()), key=lambda gt: -gt[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args()

    from seqzoo_lambo.data import Dataset
    from seqzoo_lambo.infill import Scorer, guided_infill, salient_positions
    from seqzoo_lambo.network import Lambo2Net
    from seqzoo_lambo.training import Recipe, fit

    torch.set_num_threads(1)
    states, length = 32, 32
    rng = np.random.default_rng(0)
    x = rng.integers(states, size=(args.rows, length))
    y = rng.random(args.rows)
    y[rng.random(args.rows) < 0.2] = -np.inf
    torch.manual_seed(0)
    net = Lambo2Net(states, length)
    data = Dataset.build(x, y, net.ensemble_size, rng)
    recipe = Recipe(max_steps=args.steps, epochs=10**6)
    start = torch.as_tensor(x[:200])

    def train(seed: int = 0) -> None:
        fit(net, data, recipe, seed=seed)

    def infill(seed: int = 0) -> None:
        score, gen = Scorer(net, 1.0), torch.Generator().manual_seed(seed)
        mask = salient_positions(score, start, 2, 2.0, gen)
        guided_infill(score, start, mask, steps=8, step_size=0.5, kl_weight=0.5, generator=gen)

    def best_of(run, autocast) -> float:
        with autocast:
            run()  # warm-up
            times = []
            for i in range(args.repeats):
                begin = time.perf_counter()
                run(i + 1)
                times.append(time.perf_counter() - begin)
        return min(times)

    print(f"lambo2 default network on {states} states x {length}: {args.rows} rows, one thread, "
          f"best of {args.repeats}\n")
    print("| precision | ms a training step (128 rows) | ms a guided infill (200 rows, 8 updates) |")
    print("|---|---|---|")
    precisions = [("float32", nullcontext())]
    if args.bf16:
        precisions.append(("bfloat16 autocast", torch.autocast("cpu", dtype=torch.bfloat16)))
    for name, autocast in precisions:
        step = best_of(train, autocast) / args.steps
        guided = best_of(infill, autocast)
        print(f"| {name} | {step * 1e3:.2f} | {guided * 1e3:.1f} |", flush=True)

    for what, run in (("a round's training", train), ("a guided infill", infill)):
        print(f"\n{what}, float32: share of CPU time by operator group\n")
        print("| group | share |")
        print("|---|---|")
        for group, share in split(run):
            print(f"| {group} | {share:.0%} |")


if __name__ == "__main__":
    main()
