"""The first LaMBO-2 round step by step: seqzoo's ``lambo2:preset=paper`` and cortex's own.

    python benchmarks/lambo_first_round.py [--seeds 10] [--warm-start-budget 2000]
        [--num-samples 200] [--num-steps 8] [--epochs 4]
        [--spec lambo2:preset=paper,guided_steps={num_steps},epochs={epochs} ...]
        [--cortex-python /work/cortex/bin/python] [--out runs/lambo_vs_cortex-small]

``benchmarks/lambo_vs_cortex.py`` found the two far apart: cortex's LaMBO-2 never leaves the
warm start and almost none of its proposals are feasible, ``preset=paper`` improves. This
script looks inside one round to say where they part. Per seed, from the GA warm start that
``lambo_vs_cortex.py`` writes to the same ``--out`` (made here when missing), each side
trains as its first round does, then runs ``--num-steps`` guided steps on ``--num-samples``
starts, with the same round settings as ``lambo_vs_cortex.py``. It records

* **restored**: the denoiser alone -- each mutable position of the round's starts masked
  with probability 1/2 (what step ``t = 3`` masks), the masked positions sampled once from the
  denoiser as a guided step samples them: the share that comes back as the original token;
* per step: the positions masked per row, the share of rows a step replaced and the mean
  number of substitutions from each row's start;
* the round's proposals: the share that is feasible, the best value, the median
  substitutions from the starts.

Each ``--spec`` runs in this interpreter; cortex runs this same file with ``--side cortex`` in
its own (``--cortex-python``, as in ``lambo_vs_cortex.py``). In its first round cortex's
model has been trained twice (poli-baselines trains before the first step and again in it),
seqzoo's once (later rounds are trained alike).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DEFAULT_SPEC = "lambo2:preset=paper,guided_steps={num_steps},epochs={epochs}"
MASK_STEP = 3  # 1/sqrt(1 + 3) = 1/2 of the edit positions masked


def substitutions(rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return (np.asarray(rows) != np.asarray(starts)).sum(-1)


def seqzoo_side(spec: str, warm: Path, seed: int, args: argparse.Namespace) -> dict:
    import torch

    from seqzoo import Problem
    from seqzoo.engine import build_oracle, build_proposer
    from seqzoo_lambo import cortex_loop
    from seqzoo_lambo.infill import sample_tokens

    torch.set_num_threads(1)
    oracle = build_oracle(args.oracle)
    data = np.load(warm)
    x0, y0 = data["x"].astype(np.int64), data["y"].astype(float)
    problem = Problem(oracle.alphabet, oracle.length, oracle.initial_solutions(), seed=seed,
                      warm_start=(x0, y0))
    proposer = build_proposer(spec, problem)
    proposer.tell(x0, y0)
    steps: list[dict] = []
    first_rows: list = []
    run_step = cortex_loop.step

    def recorded(score, x, current, mask, options, generator):
        if not steps:  # the round's starts, as the loop received them
            first_rows.append(x.clone())
        out, value = run_step(score, x, current, mask, options, generator)
        steps.append({"masked": float(mask.sum(-1).float().mean()),
                      "replaced": float((out != x).any(-1).float().mean()), "rows": out.clone()})
        return out, value

    cortex_loop.step = recorded
    try:
        proposals = proposer.ask(args.num_samples)
    finally:
        cortex_loop.step = run_step
    x, net = first_rows[0], proposer.net
    starts = x.numpy()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        masked = torch.rand(x.shape, generator=gen) < 0.5
        logp = torch.log_softmax(net.logits(net.encode(torch.where(masked, net.mask_id, x))), -1)
        sample = sample_tokens(logp, gen)
    restored = float((sample == x)[masked].float().mean())
    for s in steps:
        s["subs"] = float(substitutions(s.pop("rows").numpy(), starts).mean())
    return summary(spec, restored, steps, proposals, starts, oracle)


def cortex_side(warm: Path, seed: int, args: argparse.Namespace) -> dict:
    """Runs in cortex's interpreter: the driver's first round, instrumented."""
    import contextlib

    import lightning as L
    import torch

    sys.path.insert(0, str(Path(__file__).parent))
    import cortex_lambo_driver as driver
    from seqzoo.engine import build_oracle

    options = driver.arguments(["--warm-start", str(warm), "--seed", str(seed), "--out", "-",
                                "--oracle", args.oracle, "--num-samples", str(args.num_samples),
                                "--num-steps", str(args.num_steps), "--epochs", str(args.epochs),
                                "--pretrain-epochs", str(args.epochs)])
    torch.set_num_threads(1)
    oracle = build_oracle(args.oracle)
    data = np.load(warm)
    x0, y0 = data["x"].astype(np.int64), data["y"].astype(float)
    with (contextlib.redirect_stdout(sys.stderr),  # LaMBO prints every tensor it makes
          tempfile.TemporaryDirectory(prefix="cortex-first-round-") as workdir):
        driver._seed_cortex_rng()
        L.seed_everything(seed, workers=True)
        loop = driver.CortexLambo(options, oracle.alphabet, workdir)
        loop.history.append((loop.spaced(x0), y0, np.zeros(len(y0), dtype=np.int64)))
        initial = loop.train(options.pretrain_epochs, None)[1]
        model = loop.train(options.epochs, initial)[0]
        spaced_starts = loop.candidates(args.num_samples)
        starts = loop.states(spaced_starts)
        restored = cortex_restored(loop.optimizer(model, spaced_starts))
        optimizer = loop.optimizer(model, spaced_starts)
        masked: list[float] = []
        set_up = optimizer._set_up_root_inputs

        def recorded(*a, **k):
            inputs = set_up(*a, **k)
            masked.append(float(inputs[driver.DOMAIN]["is_corrupted"].sum(-1).float().mean()))
            return inputs

        optimizer._set_up_root_inputs = recorded
        steps, rows = [], starts
        for _ in range(options.num_steps):
            optimizer.step()
            now = loop.states(optimizer._buffer.iloc[-len(starts):][driver.DOMAIN].values)
            steps.append({"masked": masked[-1], "replaced": float((now != rows).any(-1).mean()),
                          "subs": float(substitutions(now, starts).mean())})
            rows = now
    return summary("cortex LaMBO-2", restored, steps, rows, starts, oracle)


def cortex_restored(optimizer) -> float:
    """cortex's own calls, as a step at ``t = MASK_STEP`` makes them, on every mutable position."""
    import torch

    tokenizer = optimizer.tokenizer
    tok = optimizer.tokens_to_long_tensor(optimizer.initial_solution)
    optimizer._corruption_allowed = tokenizer.get_corruptible_mask(tok) & optimizer.is_mutable
    optimizer._step_count = MASK_STEP
    inputs = optimizer._set_up_root_inputs(tok, None, None)
    is_corrupted = inputs[optimizer.domain_name]["is_corrupted"]
    _, trunk = optimizer._get_latent_variables(inputs)
    excluded = torch.tensor([tokenizer.vocab[t] for t in tokenizer.sampling_vocab_excluded])
    sample = optimizer.decode(trunk, excluded)
    return float((sample == tok)[is_corrupted].float().mean())


def summary(name: str, restored: float, steps: list[dict], proposals, starts, oracle) -> dict:
    y = np.asarray(oracle(np.asarray(proposals)), dtype=float)
    feasible = np.isfinite(y)
    return {"method": name, "restored": restored, "steps": steps,
            "feasible": float(feasible.mean()),
            "best": float(y[feasible].max()) if feasible.any() else None,
            "median_subs": float(np.median(substitutions(proposals, starts)))}


def run_cortex(python: str, warm: Path, seed: int, args: argparse.Namespace) -> dict:
    command = [python, __file__, "--side", "cortex", "--warm", str(warm), "--seeds", str(seed),
               "--oracle", args.oracle, "--num-samples", str(args.num_samples),
               "--num-steps", str(args.num_steps), "--epochs", str(args.epochs)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"cortex side failed for seed {seed}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> None:
    print("| method | restored | subs after step 1 | subs after last step | feasible | best "
          "| median subs |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        best = "-" if r["best"] is None else f"{r['best']:.3f}"
        print(f"| {r['method']} | {r['restored']:.2f} | {r['steps'][0]['subs']:.1f} | "
              f"{r['steps'][-1]['subs']:.1f} | {r['feasible']:.2f} | {best} | "
              f"{r['median_subs']:.0f} |")
    print("\nper step: positions masked per row / rows replaced / mean substitutions")
    for r in results:
        cells = [f"{s['masked']:.1f}/{s['replaced']:.2f}/{s['subs']:.1f}" for s in r["steps"]]
        print(f"- {r['method']}: " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--warm-start-budget", type=int, default=2000)
    parser.add_argument("--warm-start-proposer", default="ga:population=200")
    parser.add_argument("--num-samples", type=int, default=200)
    parser.add_argument("--num-steps", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--spec", action="append", default=[])
    parser.add_argument("--cortex-python", default=os.environ.get("SEQZOO_CORTEX_PYTHON") or (
        "/work/cortex/bin/python" if Path("/work/cortex/bin/python").exists() else ""))
    parser.add_argument("--out", default="runs/lambo_vs_cortex-small")
    parser.add_argument("--side", choices=("both", "cortex"), default="both",
                        help=argparse.SUPPRESS)
    parser.add_argument("--warm", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "cortex":
        print(json.dumps(cortex_side(Path(args.warm), int(args.seeds), args)))
        return

    from lambo_vs_cortex import warm_start
    from seqzoo.compare.grid import parse_seeds

    specs = [s.format(num_steps=args.num_steps, epochs=args.epochs)
             for s in args.spec or [DEFAULT_SPEC]]
    for seed in parse_seeds(args.seeds):
        folder = Path(args.out) / f"seed-{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        warm = warm_start(args, seed, folder)[1]
        results = [seqzoo_side(spec, warm, seed, args) for spec in specs]
        if args.cortex_python:
            results.insert(0, run_cortex(args.cortex_python, warm, seed, args))
        else:
            print("no cortex interpreter (--cortex-python / $SEQZOO_CORTEX_PYTHON): seqzoo only")
        print(f"\nseed {seed}: {args.num_samples} starts, {args.num_steps} steps, "
              f"{args.epochs} epochs\n")
        table(results)
        (folder / "first_round.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
