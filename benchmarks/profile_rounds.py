"""Where a round of the costliest proposers spends its time, and how that compares with old code.

    python benchmarks/profile_rounds.py [--method NAME ...] [--seed 0]
    python benchmarks/profile_rounds.py --old PATH [--new PATH] [--method NAME ...] [--repeats 2]

Every method runs on ``ehrlich:preset=f2`` on one thread, from a warm start, for a few rounds
(``METHODS``: its spec, budget and warm start). The default ``zoo compare``'s methods run as
that comparison spells them, from its warm start (``ga:population=200``), for 5 rounds of
100; lambo2 for 5 asks of 200 and lambo2:preset=paper for one of 2,000 from a GA warm start of
2,000 (``lambo2-paper-small``: 2 rounds of 100, 4 steps, 2 epochs from a warm start of
1,000, a quick check that the paper's path is unchanged); ``lambo2-10k`` is issue 34's
whole run (10,000 evaluations, no warm start) and ``nevergrad-full``, ``lambo2-grid`` and
``lambo2-quick`` (``preset=quick``) the default comparison's whole run (3,000 evaluations
after its warm start).

Without ``--old``: each method under ``cProfile``, printing the cumulative seconds of each
phase -- the methods that make up a round, named in ``PHASES`` -- and what is left
(bookkeeping, the engine, the oracle), then the 12 costliest functions by their own time.

With ``--old PATH`` (a checkout of the old code, e.g. ``git worktree add /tmp/old HEAD~3``):
each method runs in a fresh process on the old code and on the new (``--new``, default this
checkout: the packages under ``core/`` and ``plugins/*/src`` of a tree go first on
``PYTHONPATH``), interleaved old, new, old, new, ... ``--repeats`` times, and prints per
method the median seconds of each (wall clock of the run after its warm start, which runs
first and is not timed; and the process's CPU seconds, which a busy machine inflates less),
their ratio, and whether the two runs' logs -- every
evaluated sequence and value -- are identical. ``--warm-up``: each process first runs one
round of the same run, untimed, in another directory, so the seconds leave out what a process
pays once whatever its budget (importing torch, BoTorch or Nevergrad: 1-3 s; first calls) and
are the cost of the evaluations. A method not installed (or failing) on either
side prints its error instead of a row.

Adding a method is one line in ``METHODS`` (and, for the profile, optionally ``PHASES``).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = "ehrlich:preset=f2"
#: The default ``zoo compare``'s warm start and batch size (``core/seqzoo/compare/default.toml``).
COMPARED_WARM_START, COMPARED_BATCH = "ga:population=200", 100


def _compared(name: str) -> str:
    """How the default comparison spells ``name`` (its quick preset, its ``[proposer_specs]``
    entry, or the name) in the tree this process imports."""
    try:
        from seqzoo.compare.grid import default_spec
    except ImportError:  # an old tree, from before quick presets
        from seqzoo.compare.grid import default_config

        return default_config()["proposer_specs"].get(name, name)
    return default_spec(name)


#: name -> (proposer spec, or a callable giving it; budget; warm start; batch size or None for
#: the proposer's own). One line a method.
METHODS = {
    "lambo2": ("lambo2", 2000 + 5 * 200, "ga", None),
    "lambo2-paper": ("lambo2:preset=paper", 2000 + 2000, "ga", None),
    "lambo2-paper-small": ("lambo2:preset=paper,batch_size=100,guided_steps=4,epochs=2",
                           1000 + 2 * 100, "ga", None),
    "lambo2-10k": ("lambo2", 10000, None, None),
    "lambo2-grid": ("lambo2", 5000, COMPARED_WARM_START, COMPARED_BATCH),
    "lambo2-quick": ("lambo2:preset=quick", 5000, COMPARED_WARM_START, COMPARED_BATCH),
    "llome": ("llome:preset=cpu,labels_per_round=1000", 2000 + 1000, "ga", None),
    "llome-quick": (lambda: _compared("llome"), 5000, COMPARED_WARM_START, COMPARED_BATCH),
    "nevergrad": (lambda: _compared("nevergrad"), 2000 + 5 * 100, COMPARED_WARM_START,
                  COMPARED_BATCH),
    "nevergrad-full": (lambda: _compared("nevergrad"), 5000, COMPARED_WARM_START,
                       COMPARED_BATCH),
    "cbas": (lambda: _compared("cbas"), 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "dbas": (lambda: _compared("dbas"), 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "cbas-full": ("cbas", 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "dbas-full": ("dbas", 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "pex": (lambda: _compared("pex"), 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "pex-full": ("pex", 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "bo": (lambda: _compared("bo"), 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
    "bo-full": ("bo", 2000 + 5 * 100, COMPARED_WARM_START, COMPARED_BATCH),
}
#: Warm-start evaluations where not 2,000.
WARM_BUDGET = {"lambo2-paper-small": 1000}
#: What ``--method`` defaults to.
DEFAULT_METHODS = ("lambo2", "nevergrad")

#: (phase, (file suffix, function name)) whose cumulative time makes the phase.
PHASES = {
    "lambo2": [("training", ("seqzoo_lambo/proposer.py", "train")),
               ("guided infill", ("seqzoo_lambo/proposer.py", "infill")),
               ("edit positions (saliency)", ("seqzoo_lambo/infill.py",
                                              "salient_positions")),
               ("ranking the candidates", ("seqzoo_lambo/proposer.py", "pick"))],
    "lambo2-paper": [("training", ("seqzoo_lambo/proposer.py", "train")),
                     ("64 guided steps", ("seqzoo_lambo/cortex_loop.py", "run"))],
    "llome": [("training", ("seqzoo_llm/trainers.py", "fit")),
              ("generation (edits)", ("seqzoo_llm/llome/proposer.py", "_edit")),
              ("checkpoint guard", ("seqzoo_llm/llome/proposer.py", "_guard_text")),
              ("training data", ("seqzoo_llm/llome/proposer.py", "_examples"))],
    "cbas": [("oracle model (CNN ensemble) fits", ("seqzoo_modelbased/ensemble.py", "fit")),
             ("generator (VAE) fits", ("seqzoo_modelbased/vae.py", "fit")),
             ("sampling the generator", ("seqzoo_modelbased/cbas.py", "_draw"))],
    "nevergrad": [("asks (nevergrad's, and the repeats answered from memory)",
                   ("seqzoo_libopt/ng_adapter.py", "ask")),
                  ("tells (the warm start's rows, then each batch)",
                   ("seqzoo_libopt/ng_adapter.py", "tell"))],
}
for _name in ("lambo2-10k", "lambo2-grid", "lambo2-quick"):
    PHASES[_name] = PHASES["lambo2"]
PHASES["nevergrad-full"] = PHASES["nevergrad"]
PHASES["llome-quick"] = PHASES["llome"]
for _name in ("dbas", "cbas-full", "dbas-full"):
    PHASES[_name] = PHASES["cbas"]


def _spec(name: str) -> tuple[str, int, str | None, int | None]:
    spec, budget, warm_start, batch = METHODS[name]
    return (spec() if callable(spec) else spec), budget, warm_start, batch


def _run(name: str, seed: int, out: str, warm: bool = True, rounds: int | None = None):
    """One run into ``out``; ``warm=False`` only runs its warm start (into ``out/warm-start``,
    where the run itself finds it done and reuses it); ``rounds``: stop after that many
    batches of the run's batch size (100 where the proposer picks its own)."""
    from seqzoo import engine

    spec, budget, warm_start, batch = _spec(name)
    warm_budget = WARM_BUDGET.get(name, 2000) if warm_start else None
    if rounds is not None:
        budget = (warm_budget or 0) + rounds * (batch or 100)
    if not warm:
        if warm_start:
            engine.warm_start_run(warm_start, ORACLE, seed, warm_budget,
                                  Path(out) / engine.WARM_START_DIR)
        return None
    return engine.run(ORACLE, spec, budget, batch_size=batch, seed=seed, out=out, threads=1,
                      warm_start=warm_start, warm_start_budget=warm_budget,
                      stop_on_optimum=False)


def fingerprint(run_dir: str) -> str:
    """A hash of every evaluated sequence and value of a run, in order (not its timings)."""
    digest = hashlib.sha256()
    with open(Path(run_dir) / "evaluations.jsonl") as log:
        for line in log:
            record = json.loads(line)
            digest.update(f"{record['sequence']} {record['value']!r}\n".encode())
    return digest.hexdigest()[:16]


def child(name: str, seed: int, warm_up: bool = False) -> None:
    """One run in this process, timed after its warm start; prints its seconds and
    fingerprint as JSON. ``warm_up``: first one round of the same run, untimed, elsewhere."""
    if warm_up:
        with tempfile.TemporaryDirectory() as tmp:
            _run(name, seed, tmp, warm=False)
            _run(name, seed, tmp, rounds=1)
    with tempfile.TemporaryDirectory() as tmp:
        _run(name, seed, tmp, warm=False)
        wall, cpu = time.perf_counter(), time.process_time()
        result = _run(name, seed, tmp)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(json.dumps({"wall": wall, "cpu": cpu, "fingerprint": fingerprint(tmp),
                          "best": getattr(result, "best_value", None)}))


def tree_path(tree: Path) -> str:
    """``PYTHONPATH`` entries that make a checkout's packages win over the installed ones."""
    paths = [tree / "core", *sorted((tree / "plugins").glob("*/src"))]
    return os.pathsep.join(str(p) for p in paths if p.is_dir())


def timed(tree: Path, name: str, seed: int, warm_up: bool = False) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [tree_path(tree),
                                                        os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, __file__, "--child", name, "--seed", str(seed),
                           *(["--warm-up"] if warm_up else [])],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return {"error": lines[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def side_by_side(names: list[str], old: Path, new: Path, seed: int, repeats: int,
                 warm_up: bool = False) -> None:
    print(f"old: {old}\nnew: {new}\nseed {seed}, one thread, {repeats} interleaved pair(s) "
          f"per method; seconds are medians"
          + ("; each process first ran one round untimed" if warm_up else "") + "\n")
    print("| method | old s | new s | ratio | old CPU s | new CPU s | CPU ratio | identical |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        runs: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(repeats):
            for side, tree in (("old", old), ("new", new)):
                runs[side].append(timed(tree, name, seed, warm_up))
        errors = [f"{side}: {r['error']}" for side in runs for r in runs[side] if "error" in r]
        if errors:
            print(f"| {name} | {errors[0]} |")
            continue
        wall = {s: statistics.median(r["wall"] for r in runs[s]) for s in runs}
        cpu = {s: statistics.median(r["cpu"] for r in runs[s]) for s in runs}
        prints = {r["fingerprint"] for s in runs for r in runs[s]}
        print(f"| {name} | {wall['old']:.1f} | {wall['new']:.1f} | "
              f"{wall['old'] / wall['new']:.2f}x | {cpu['old']:.1f} | {cpu['new']:.1f} | "
              f"{cpu['old'] / cpu['new']:.2f}x | {'yes' if len(prints) == 1 else 'no'} |",
              flush=True)


def profile(name: str, seed: int) -> None:
    spec, budget, warm_start, _ = _spec(name)
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        prof.enable()
        _run(name, seed, tmp)
        prof.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(prof)
    table = stats.stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    after = f" after the warm start ({warm_start})" if warm_start else ""
    warm = WARM_BUDGET.get(name, 2000) if warm_start else 0
    print(f"\n{spec}: {wall:.1f} s for {budget - warm} evaluations{after}")
    print("| phase | seconds | share |")
    print("|---|---|---|")
    covered = 0.0
    for phase, (suffix, func) in PHASES.get(name, []):
        cum = sum(v[3] for (file, _, fn), v in table.items()
                  if file.replace("\\", "/").endswith(suffix) and fn == func)
        covered += cum
        print(f"| {phase} | {cum:.1f} | {cum / wall:.0%} |")
    print(f"| everything else | {wall - covered:.1f} | {(wall - covered) / wall:.0%} |")
    print("\ncostliest functions by own time:")
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", action="append", choices=tuple(METHODS),
                        help=f"repeatable; default: {', '.join(DEFAULT_METHODS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--old", type=Path, help="a checkout of the old code: side by side")
    parser.add_argument("--new", type=Path, default=ROOT,
                        help="the checkout of the new code (default: this one)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="interleaved old/new pairs per method (with --old)")
    parser.add_argument("--warm-up", action="store_true",
                        help="with --old: each process first runs one round of the method "
                             "untimed, so the imports and first calls a process pays once "
                             "whatever its budget are not in the seconds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.seed, args.warm_up)
    names = args.method or list(DEFAULT_METHODS)
    if args.old is not None:
        return side_by_side(names, args.old.resolve(), args.new.resolve(), args.seed,
                            max(1, args.repeats), args.warm_up)
    for name in names:
        profile(name, args.seed)


if __name__ == "__main__":
    main()
