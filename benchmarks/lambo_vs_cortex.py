"""seqzoo's LaMBO-2 against prescient-design cortex's own, on Ehrlich f2 from one shared warm start.

    python benchmarks/lambo_vs_cortex.py [--seeds 10-12] [--budget 10000]
        [--warm-start-budget 2000] [--checkpoints 2000,5000,10000] [--num-samples 2000]
        [--num-steps 64] [--epochs 16]
        [--seqzoo-proposer lambo2:preset=paper,guided_steps={num_steps},epochs={epochs}]
        [--cortex-python /work/cortex/bin/python] [--out runs/lambo_vs_cortex]

Per seed it runs ``--warm-start-proposer`` (``ga:population=200``) for ``--warm-start-budget``
evaluations (never stopping at the optimum), stores its rows as ``warm.jsonl`` and
``warm.npz``, then runs on those same rows, to ``--budget`` evaluations in all

* ``zoo run --proposer SPEC --warm-start warm.jsonl --batch-size NUM_SAMPLES`` (this venv), and
* ``benchmarks/cortex_lambo_driver.py``: cortex 0.0.4's ``LaMBO`` in poli-baselines' outer
  loop, in cortex's own interpreter (cortex pins lightning 1.9.5 and transformers<5).

Both stop once they find the optimum. ``--num-samples``/``--num-steps``/``--epochs`` set
cortex's round (``--epochs`` also its first training); a seqzoo spec gets them where it writes
``{num_samples}``/``{num_steps}``/``{epochs}``, as the default spec does for the last two. Every run is kept under ``--out/seed-S``
and read back, not redone, on a second call; a killed cortex run continues from its last
round. It prints a markdown table: per method, the median best value (min-max over seeds)
after each checkpoint's evaluations (the warm start's included), the seeds solved, the
median share of feasible evaluations after the warm start and the median wall seconds past
the warm start; then the same for the regret (the optimum, 1.0 for
f2, minus the best). ``--out/summary.json`` keeps the per-seed numbers.

The cortex interpreter is ``--cortex-python``, else ``$SEQZOO_CORTEX_PYTHON``, else
``/work/cortex/bin/python`` when it exists; without one only seqzoo's side runs. It was made
with (torch 2.13.0 is the CPU wheel on local disk; any other version pulls a CUDA build):

    python3 -m venv /work/cortex
    printf 'torch<=2.14.1\\ntorchvision<=0.29.1\\ntorch==2.13.0\\n' > /tmp/cortex-constraints.txt
    P="/work/cortex/bin/pip install -c /tmp/cortex-constraints.txt"
    $P torch==2.13.0
    $P torch==2.13.0 pytorch-cortex==0.0.4 'transformers<5' 'pandas<3' s3fs==2023.12.2 \\
        boto3==1.41.5 botocore==1.41.5 fastapi==0.88.0 'pydantic<2' lightning-cloud==0.5.32 \\
        'setuptools<81'
    /work/cortex/bin/pip uninstall -y torchvision
    $P --no-build-isolation -e /work/main -e /work/main/plugins/ehrlich

(the constraints file's first two lines repeat pip's global /etc/xdg/pip/constraints.txt).
Why each pin: cortex 0.0.4 imports boto3 without requiring it (boto3 must match s3fs's
botocore); ``import lightning`` 1.9.5 loads lightning.app, which needs fastapi<0.89 (so
pydantic 1), a lightning-cloud of its time and ``pkg_resources`` (setuptools<81);
transformers 5 ignores cortex's ``vocab_file``; pandas 3's Arrow strings break cortex's
tokenizer transform; PyPI's torchvision is a CUDA build that fails to load beside CPU torch
and nothing cortex runs needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from seqzoo.compare.grid import parse_seeds
from seqzoo.engine import build_oracle
from seqzoo.errors import SeqzooError
from seqzoo.warmstart import from_spec, write_rows

DRIVER = Path(__file__).with_name("cortex_lambo_driver.py")
CORTEX = "cortex LaMBO-2"


def best_after(values: list[float], checkpoints: list[int]) -> list[float]:
    """The best value after each checkpoint's evaluations (a run that stopped keeps its best)."""
    best = np.maximum.accumulate(np.array(values, dtype=float))
    return [float(best[min(c, len(best)) - 1]) for c in checkpoints]


def log_values(path: Path) -> list[float]:
    return [-np.inf if r["value"] is None else float(r["value"])
            for r in map(json.loads, path.read_text().splitlines())]


def warm_start(args: argparse.Namespace, seed: int, folder: Path) -> tuple[Path, Path]:
    jsonl, npz = folder / "warm.jsonl", folder / "warm.npz"
    # read back (and checked against these settings) when done before
    x, y = from_spec(args.warm_start_proposer, args.oracle, seed, args.warm_start_budget,
                     folder / "warm")
    if not (jsonl.exists() and npz.exists()):
        write_rows(jsonl, x, y, build_oracle(args.oracle).alphabet)
        np.savez(npz, x=x, y=y)
    return jsonl, npz


def _same(saved: dict, wanted: dict, where: Path) -> None:
    """Refuse to read back a run made with other settings: a stale skip would mislead."""
    diff = sorted(k for k in wanted if saved.get(k) != wanted[k])
    if diff:
        raise SystemExit(f"{where} was made with other settings ({', '.join(diff)}); "
                         f"remove it or choose another --out")


def run_seqzoo(args: argparse.Namespace, seed: int, folder: Path, warm: Path) -> dict:
    spec = args.seqzoo_proposer.format(num_samples=args.num_samples, num_steps=args.num_steps,
                                       epochs=args.epochs)
    run = folder / ("seqzoo-" + "".join(c if c.isalnum() or c in "=.-" else "_" for c in spec))
    wanted = {"oracle": args.oracle, "proposer": spec, "budget": args.budget, "seed": seed,
              "batch_size": args.num_samples}
    if (run / "config.json").exists():
        _same(json.loads((run / "config.json").read_text())["config"], wanted, run)
    if not (run / "result.json").exists():
        zoo = str(Path(sys.executable).with_name("zoo"))
        if (run / "config.json").exists():
            command = [zoo, "run", "--resume", str(run), "--quiet"]
        else:
            command = [zoo, "run", "--oracle", args.oracle, "--proposer", spec,
                       "--warm-start", str(warm), "--budget", str(args.budget),
                       "--seed", str(seed), "--batch-size", str(args.num_samples),
                       "--threads", str(args.threads), "--out", str(run), "--quiet"]
        print(f"seed {seed}: {' '.join(command[1:])}", flush=True)
        with open(folder / "seqzoo.out", "a") as out:  # zoo prints its result line
            if subprocess.run(command, stdout=out).returncode:
                raise SystemExit(f"zoo run failed for seed {seed}")
    result = json.loads((run / "result.json").read_text())
    return {"values": log_values(run / "evaluations.jsonl"),
            "wall_seconds": float(result["wall_seconds"])}


def run_cortex(args: argparse.Namespace, seed: int, folder: Path, warm: Path) -> dict:
    out = folder / "cortex.json"
    options = ["--warm-start", str(warm), "--seed", str(seed), "--budget", str(args.budget),
               "--oracle", args.oracle, "--num-samples", str(args.num_samples),
               "--num-steps", str(args.num_steps), "--epochs", str(args.epochs),
               "--pretrain-epochs", str(args.epochs), "--threads", str(args.threads),
               *args.cortex_arg]
    record = folder / "cortex.options.json"
    if record.exists():
        _same(json.loads(record.read_text()), {"options": options}, out)
    if not out.exists():
        record.write_text(json.dumps({"options": options}) + "\n")
        print(f"seed {seed}: cortex driver, log in {folder / 'cortex.err'}", flush=True)
        with open(folder / "cortex.err", "a") as err:
            done = subprocess.run([args.cortex_python, str(DRIVER), *options, "--out", str(out)],
                                  stdout=subprocess.DEVNULL, stderr=err)
        if done.returncode:
            raise SystemExit(f"the cortex driver failed; see {folder / 'cortex.err'}")
    result = json.loads(out.read_text())
    warm_values = [float(v) for v in np.load(warm)["y"]]
    log = out.with_suffix(".evaluations.jsonl")
    extra = log_values(log) if log.exists() else []
    return {"values": warm_values + extra, "wall_seconds": float(result["wall_seconds"])}


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def feasible_share(values: list[float], warm: int) -> float:
    """The share of the evaluations after the warm start that were feasible."""
    new = np.array(values[warm:], dtype=float)
    return float(np.isfinite(new).mean()) if len(new) else float("nan")


def table(results: dict[str, list[dict]], checkpoints: list[int], optimum: float,
          regret: bool, warm: int) -> str:
    word = "regret" if regret else "best"
    head = [f"{word}@{c}" for c in checkpoints]
    lines = ["| method | " + " | ".join(head) + " | solved | feasible | wall s |",
             "|---" * (len(head) + 4) + "|"]
    for method, runs in results.items():
        bests = [best_after(r["values"], checkpoints) for r in runs]
        cells = [_cell([optimum - b[i] if regret else b[i] for b in bests])
                 for i in range(len(checkpoints))]
        solved = sum(max(r["values"]) >= optimum for r in runs)
        wall = statistics.median(r["wall_seconds"] for r in runs)
        feasible = statistics.median(feasible_share(r["values"], warm) for r in runs)
        label = method if method == CORTEX else f"`{method}`"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {solved}/{len(runs)} | "
                     f"{feasible:.0%} | {wall:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10-12")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--budget", type=int, default=10_000,
                        help="evaluations per run, the warm start's included")
    parser.add_argument("--warm-start-proposer", default="ga:population=200")
    parser.add_argument("--warm-start-budget", type=int, default=2000)
    parser.add_argument("--checkpoints", default="2000,5000,10000",
                        type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument("--num-samples", type=int, default=2000,
                        help="proposals per round (cortex's num_samples, seqzoo's --batch-size)")
    parser.add_argument("--num-steps", type=int, default=64, help="LaMBO.step() per round")
    parser.add_argument("--epochs", type=int, default=16, help="training epochs per round")
    parser.add_argument("--seqzoo-proposer",
                        default="lambo2:preset=paper,guided_steps={num_steps},epochs={epochs}",
                        help="may hold {num_samples}, {num_steps} and {epochs}")
    default = os.environ.get("SEQZOO_CORTEX_PYTHON") or (
        "/work/cortex/bin/python" if Path("/work/cortex/bin/python").exists() else None)
    parser.add_argument("--cortex-python", default=default,
                        help="interpreter with pytorch-cortex 0.0.4, '' for none "
                             "(default: %(default)s)")
    parser.add_argument("--cortex-arg", action="append", default=[],
                        help="passed on to the cortex driver, e.g. --cortex-arg=--epochs=2")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of both sides")
    parser.add_argument("--out", default="runs/lambo_vs_cortex")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    checkpoints = sorted({c for c in args.checkpoints if c <= args.budget} | {args.budget})
    oracle = build_oracle(args.oracle)
    spec = args.seqzoo_proposer.format(num_samples=args.num_samples, num_steps=args.num_steps,
                                       epochs=args.epochs)
    results: dict[str, list[dict]] = {CORTEX: [], spec: []}
    if not args.cortex_python:
        print("no cortex interpreter (--cortex-python / $SEQZOO_CORTEX_PYTHON): seqzoo only")
        del results[CORTEX]
    start = time.perf_counter()
    for seed in seeds:
        folder = Path(args.out) / f"seed-{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            jsonl, npz = warm_start(args, seed, folder)
        except SeqzooError as exc:
            raise SystemExit(f"lambo_vs_cortex.py: error: {exc}") from None
        if args.cortex_python:
            results[CORTEX].append(run_cortex(args, seed, folder, npz))
        results[spec].append(run_seqzoo(args, seed, folder, jsonl))
    optimum = float(oracle.optimal_value)
    summary = {method: [{"seed": seed, "evaluations": len(r["values"]),
                         "best_after": {str(c): None if b == -np.inf else b for c, b in
                                        zip(checkpoints, best_after(r["values"], checkpoints))},
                         "wall_seconds": r["wall_seconds"]} for seed, r in zip(seeds, runs)]
               for method, runs in results.items()}
    (Path(args.out) / "summary.json").write_text(json.dumps(
        {"oracle": args.oracle, "budget": args.budget, "checkpoints": checkpoints,
         "methods": summary}, indent=2) + "\n")
    print(f"\n{args.oracle}: budget {args.budget}, shared warm start "
          f"{args.warm_start_proposer} of {args.warm_start_budget} evaluations, "
          f"{args.num_samples} proposals per round, {args.num_steps} cortex steps, seeds "
          f"{args.seeds} ({time.perf_counter() - start:.0f} s)\n")
    warm = args.warm_start_budget
    print(table(results, checkpoints, optimum, regret=False, warm=warm))
    print()
    print(table(results, checkpoints, optimum, regret=True, warm=warm))


if __name__ == "__main__":
    main()
