"""seqzoo's ``ga`` (elitism off and on) and ``adalead`` against pytorch-holo's GA on Ehrlich f2.

    python benchmarks/ga_vs_reference.py [--seeds 1,2,3,4,5] [--budgets 10000,50000,200000]
        [--methods reference,ga,ga+elitism,adalead] [--oracle ehrlich:preset=f2]
        [--reference-python /work/holo/bin/python]

The reference is ``holo.optim.DiscreteEvolution`` on holo's own ``Ehrlich`` (f2: v=32, L=32,
c=4, k=4, q=4, random_seed=50494) with the papers' settings: 1,000 particles, mutation and
recombination probability 1.1/L, survival quantile 0.1. It needs torch and numpy<2, so it runs
in its own interpreter (``--reference-python``): this same file, called with
``--reference-worker``, which imports neither seqzoo nor anything outside holo's venv. When
that interpreter cannot import holo the reference rows are left out.

seqzoo's side runs the engine's loop (ask, score, tell; the initial solution scored first)
without a run log, on seqzoo's Ehrlich, so that the proposer's own time can be told apart
from the oracle's. Both sides run one thread. Printed per method, over the seeds: the median
best value at each budget (with the range), how many seeds solved f2 (value 1.0) and the
median evaluations they needed, and milliseconds per 1,000 evaluations (one generation of
the reference) for the optimizer alone and for optimizer plus oracle; then a rank test of
each method's best values against the reference's at each budget (needs scipy).
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

F2 = dict(num_states=32, dim=32, num_motifs=4, motif_length=4, quantization=4,
          random_seed=50494)
POPULATION = 1000
SEQZOO_METHODS = {"ga": "ga", "ga+elitism": "ga:elitism=true", "adalead": "adalead"}


def _checkpoints(trace: list[tuple[int, float]], budgets: list[int]) -> dict[str, float]:
    """Best value after at most ``b`` evaluations, for each budget ``b``."""
    return {str(b): max((v for used, v in trace if used <= b), default=float("-inf"))
            for b in budgets}


def _solved_at(trace: list[tuple[int, float]]) -> int | None:
    return next((used for used, v in trace if v >= 1.0 - 1e-9), None)


def reference_run(seed: int, budget: int) -> dict:
    """One run of holo's DiscreteEvolution; call only from holo's interpreter."""
    import torch
    from holo.optim import DiscreteEvolution
    from holo.test_functions.closed_form import Ehrlich

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    f = Ehrlich(**F2)
    x0 = f.initial_solution()
    # holo draws its crossover masks with rand_like(particles): the particles must be floats.
    param = torch.nn.Parameter(x0.clone().float(), requires_grad=False)
    prob = 1.1 / F2["dim"]
    opt = DiscreteEvolution([param], vocab=list(range(F2["num_states"])), mutation_prob=prob,
                            recombine_prob=prob, num_particles=POPULATION, survival_quantile=0.1)
    state = {"best": float("-inf"), "oracle": 0.0}

    def closure(particles):
        start = time.perf_counter()
        values = f.evaluate_true(particles[0].long())
        state["oracle"] += time.perf_counter() - start
        state["best"] = max(state["best"], float(values.max()))
        return -values

    trace, used, start = [], 0, time.perf_counter()
    while used + POPULATION <= budget and (not trace or trace[-1][1] < 1.0):
        opt.step(closure)
        used += POPULATION
        trace.append((used, state["best"]))
    total = time.perf_counter() - start
    return {"trace": trace, "evaluations": used, "total_s": total,
            "optimizer_s": total - state["oracle"]}


def seqzoo_run(oracle_spec: str, proposer_spec: str, seed: int, budget: int) -> dict:
    """One run of a seqzoo proposer through the engine's loop, timing the proposer alone."""
    import numpy as np
    from seqzoo import Problem
    from seqzoo.engine import build_oracle, build_proposer

    oracle = build_oracle(oracle_spec)
    x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64)
    problem = Problem(oracle.alphabet, oracle.length, x0, seed=seed)
    proposer = build_proposer(proposer_spec, problem)
    batch = int(getattr(proposer, "batch_size", POPULATION))
    own, start = 0.0, time.perf_counter()
    y = oracle(x0)
    tick = time.perf_counter()
    proposer.tell(x0, y)
    own += time.perf_counter() - tick
    used, best = len(x0), float(y.max())
    trace = [(used, best)]
    while used < budget and best < 1.0:
        tick = time.perf_counter()
        x = proposer.ask(min(batch, budget - used))
        own += time.perf_counter() - tick
        y = oracle(x)
        tick = time.perf_counter()
        proposer.tell(x, y)
        own += time.perf_counter() - tick
        used, best = used + len(x), max(best, float(y.max()))
        trace.append((used, best))
    return {"trace": trace, "evaluations": used, "total_s": time.perf_counter() - start,
            "optimizer_s": own}


def summarise(method: str, runs: list[dict], budgets: list[int]) -> dict:
    best = {b: [_checkpoints(r["trace"], budgets)[str(b)] for r in runs] for b in budgets}
    solved = [s for s in (_solved_at(r["trace"]) for r in runs) if s is not None]
    evals = sum(r["evaluations"] for r in runs) / 1000
    return {"method": method, "best": best, "solved": solved, "seeds": len(runs),
            "optimizer_ms": 1000 * sum(r["optimizer_s"] for r in runs) / evals,
            "total_ms": 1000 * sum(r["total_s"] for r in runs) / evals}


def print_table(rows: list[dict], budgets: list[int]) -> None:
    heads = [f"best@{b // 1000}k" for b in budgets]
    cols = ["method", *heads, "solved (median evals)", "opt ms/1k", "total ms/1k"]
    lines = []
    for r in rows:
        cells = [r["method"]]
        for b in budgets:
            vals = r["best"][b]
            cells.append(f"{statistics.median(vals):.3f} [{min(vals):.3f}-{max(vals):.3f}]")
        med = f"{statistics.median(r['solved']):,.0f}" if r["solved"] else "-"
        cells += [f"{len(r['solved'])}/{r['seeds']} ({med})", f"{r['optimizer_ms']:.1f}",
                  f"{r['total_ms']:.1f}"]
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(cols, *lines)]
    for cells in [cols, ["-" * w for w in widths], *lines]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(cells, widths)))


def print_tests(rows: list[dict], budgets: list[int]) -> None:
    """Two-sided Mann-Whitney p-values of each method's best values against the reference's."""
    from scipy.stats import mannwhitneyu

    ref = next((r for r in rows if r["method"] == "reference"), None)
    if ref is None:
        return
    print("\nMann-Whitney U, two-sided p against the reference (small p: a real difference)")
    for r in rows:
        if r is not ref:
            cells = [f"@{b // 1000}k p={mannwhitneyu(r['best'][b], ref['best'][b]).pvalue:.2f}"
                     for b in budgets]
            print(f"{r['method']:<10} " + "  ".join(cells))


def run_reference(python: str, seed: int, budget: int) -> dict | None:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--reference-worker",
                           "--seeds", str(seed), "--budgets", str(budget)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print(f"reference unavailable ({python}): {proc.stderr.strip().splitlines()[-1:]}",
              file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--budgets", default="10000,50000,200000")
    parser.add_argument("--methods", default="reference,ga,ga+elitism,adalead")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--reference-python", default="/work/holo/bin/python")
    parser.add_argument("--reference-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    budgets = sorted(int(b) for b in args.budgets.split(","))
    if args.reference_worker:
        print(json.dumps(reference_run(seeds[0], budgets[-1])))
        return

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows = []
    for method in args.methods.split(","):
        if method != "reference" and method not in SEQZOO_METHODS:
            parser.error(f"unknown method {method!r} (known: reference, "
                         f"{', '.join(SEQZOO_METHODS)})")
        runs = []
        for seed in seeds:
            if method == "reference":
                run = run_reference(args.reference_python, seed, budgets[-1])
                if run is None:
                    break
            else:
                run = seqzoo_run(args.oracle, SEQZOO_METHODS[method], seed, budgets[-1])
            runs.append(run)
            print(f"{method} seed {seed}: {_checkpoints(run['trace'], budgets)} "
                  f"solved at {_solved_at(run['trace'])}, {run['total_s']:.1f} s",
                  file=sys.stderr, flush=True)
        if len(runs) == len(seeds):
            rows.append(summarise(method, runs, budgets))
    print(f"\n{args.oracle} (reference: holo Ehrlich f2), seeds {args.seeds}, "
          f"population {POPULATION}, one thread; best = median [min-max] over seeds")
    print_table(rows, budgets)
    print_tests(rows, budgets)


if __name__ == "__main__":
    main()
