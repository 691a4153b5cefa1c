"""What one training step of the model-based designers' ensemble costs per row, by minibatch.

    python benchmarks/ensemble_step.py [--members 3] [--length 32] [--states 32]
        [--batches 32,64,128,256,512] [--steps 200]

``cbas``, ``dbas`` and ``pex`` train ``seqzoo_modelbased.ensemble``'s stacked CNN members
(minibatches of 128 rows) every round. If a step's cost were mostly fixed overhead (Python,
autograd's bookkeeping, the optimizer's loop), larger minibatches would make an epoch
cheaper; if it is arithmetic, the cost per row stays flat. The script times forward,
backward and Adam's update of the stacked members on random rows (one thread, after warm-up
steps, as ``Ensemble`` trains: table rows read from the step's precomputed windows, fused
Adam) and prints milliseconds a step and microseconds a row for each minibatch size, then
torch's profiler's split of one size's step among its operators.
"""

from __future__ import annotations

import argparse
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--states", type=int, default=32)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batches", default="32,64,128,256,512")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--split", type=int, default=128, help="minibatch size to profile")
    args = parser.parse_args()

    from seqzoo_modelbased.ensemble import _CNN, _Stacked

    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"stacked ensemble: {args.members} members, width {args.width}, length "
          f"{args.length}, {args.states} states; one thread, {args.steps} steps a size")
    print("| minibatch | ms a step | us a row |")
    print("|---|---|---|")
    steps = {}
    for batch in (int(b) for b in args.batches.split(",")):
        net = _Stacked([_CNN(args.states, args.width) for _ in range(args.members)])
        optimizer = torch.optim.Adam(net.parameters(), lr=3e-3, fused=True)
        x = net.windows(torch.randint(args.states, (args.members, batch, args.length)))
        y = torch.randn(args.members, batch)

        def step(net=net, optimizer=optimizer, x=x, y=y) -> None:
            loss = ((net.read(x) - y) ** 2).mean(1).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        steps[batch] = step
        for _ in range(20):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        ms = (time.perf_counter() - start) / args.steps * 1e3
        print(f"| {batch} | {ms:.2f} | {ms * 1e3 / batch:.1f} |", flush=True)

    if args.split in steps:
        from torch.profiler import profile

        with profile() as prof:
            for _ in range(50):
                steps[args.split]()
        total = sum(e.self_cpu_time_total for e in prof.key_averages())
        print(f"\nminibatch {args.split}: share of a step's CPU time by operator")
        print("| operator | share |")
        print("|---|---|")
        for event in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:6]:
            print(f"| {event.key} | {event.self_cpu_time_total / total:.0%} |")


if __name__ == "__main__":
    main()
