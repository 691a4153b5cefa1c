"""Cross-check: this project's ``METHOD:preset=reference`` against the method's reference code.

    python benchmarks/cross_check.py --method {pex,adalead,cbas,dbas} --oracle SPEC \
        --seeds A-B --rounds R --batch-size B [--reference-python PY] [--reference-src DIR] \
        [--oracle SPEC2 ...] [--starts {spec,cycle}] [--alpha 0.05] [--tolerance 0.02] \
        [--model-queries 2000] [--json FILE]

For every oracle and seed, both sides run ``R`` rounds of ``B`` sequences after the start,
from the same start, with the same seed: ours through the Python API
(``seqzoo.run(oracle, "METHOD:preset=reference", rounds=R, batch_size=B, seed=s)``, one
thread, no run folder), the reference through ``benchmarks/crosscheck/<module>.py``
(``pex`` -> ``pex.py``, ``adalead`` -> ``adalead.py``, ``cbas``/``dbas`` -> ``cbas.py``).
Each module exposes::

    def reference(method: str, oracle: str, seed: int, rounds: int, batch_size: int, *,
                  python: str | None, src: str | None) -> float

the best true value the reference measured (its start included, FLEXS's metric), on the
oracle spec exactly as it is passed (build it with ``seqzoo.builders.build_oracle``, which
honours ``initial=i``); its docstring says how to build the reference's environment.
``--starts cycle`` runs seed ``s`` from the oracle's ``s mod n``-th initial solution alone
(``initial=`` appended to the spec, as FLEXS and PEX run one start per run); ``spec`` (the
default) passes the spec as given.

Printed per method and oracle, over the seeds::

    METHOD on ORACLE: ours MEDIAN [Q25, Q75] vs reference MEDIAN [Q25, Q75] over N runs: agree

The rule (printed too): the two samples of best values **disagree** when a two-sided
Mann-Whitney U test (scipy's ``mannwhitneyu``) rejects equal distributions at ``--alpha``
(0.05) *and* the medians differ by more than ``--tolerance`` (0.02, in the oracle's units);
otherwise they **agree**. The test guards against calling noise a difference; the
tolerance against calling a real but negligible shift one (with many seeds the test alone
flags any shift). With 5 runs a side the smallest exact two-sided p is 0.008, so 5 seeds
can show a disagreement; 3 cannot (0.1). Agreement is not proof of equality: it says the
runs could not tell the two apart.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
import time

import numpy as np
from seqzoo.errors import SeqzooError

MODULES = {"pex": "pex", "adalead": "adalead", "cbas": "cbas", "dbas": "cbas"}


def seed_range(text: str) -> list[int]:
    """``A-B`` (inclusive) or ``A,B,C``."""
    try:
        if "-" in text.strip("-"):
            a, b = text.split("-", 1)
            seeds = list(range(int(a), int(b) + 1))
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes A-B or A,B,C, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"--seeds {text!r} names no seed")
    return seeds


def oracle_for(spec: str, seed: int, starts: str) -> str:
    """The oracle spec one run uses: with ``cycle``, one initial solution per seed."""
    if starts == "spec":
        return spec
    from seqzoo.builders import build_oracle

    n = len(np.asarray(build_oracle(spec).initial_solutions()).reshape(
        -1, int(build_oracle(spec).length)))
    return f"{spec}{',' if ':' in spec else ':'}initial={seed % n}"


def ours(method: str, oracle: str, seed: int, rounds: int, batch_size: int,
         model_queries: int) -> float:
    import seqzoo

    result = seqzoo.run(oracle, f"{method}:preset=reference", rounds=rounds,
                        batch_size=batch_size, seed=seed, threads=1,
                        model_queries=model_queries)
    return float(result.best_value)


def summary(values: list[float]) -> str:
    q25, q50, q75 = np.percentile(values, [25, 50, 75])
    return f"{q50:.4f} [{q25:.4f}, {q75:.4f}]"


def verdict(a: list[float], b: list[float], alpha: float, tolerance: float) -> tuple[str, float]:
    """``agree``/``disagree`` and the Mann-Whitney p-value (1 when every value is equal)."""
    from scipy.stats import mannwhitneyu

    if len(set(a) | set(b)) == 1:
        p = 1.0  # the U test is undefined on identical samples: nothing tells them apart
    else:
        p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    shift = abs(float(np.median(a)) - float(np.median(b)))
    return ("disagree" if p < alpha and shift > tolerance else "agree"), p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", required=True, choices=sorted(MODULES))
    parser.add_argument("--oracle", required=True, action="append",
                        help="oracle spec (repeat for several)")
    parser.add_argument("--seeds", required=True, type=seed_range)
    parser.add_argument("--rounds", required=True, type=int)
    parser.add_argument("--batch-size", required=True, type=int)
    parser.add_argument("--reference-python", default=None)
    parser.add_argument("--reference-src", default=None)
    parser.add_argument("--starts", choices=("spec", "cycle"), default="spec")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--model-queries", type=int, default=2000)
    parser.add_argument("--json", default=None, help="also write every run's values here")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.batch_size < 1:
        parser.error("--rounds and --batch-size must be at least 1")
    if not 0.0 < args.alpha < 1.0 or args.tolerance < 0.0:
        parser.error("--alpha must lie in (0, 1) and --tolerance be at least 0")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        module = importlib.import_module(f"crosscheck.{MODULES[args.method]}")
    except ModuleNotFoundError as err:
        parser.error(f"no reference side for {args.method}: {err}")
    try:
        return _compare(args, module)
    except (ValueError, RuntimeError, SeqzooError) as err:  # bad spec, source, interpreter
        print(f"cross_check: {err}", file=sys.stderr)
        return 2


def _compare(args: argparse.Namespace, module) -> int:

    print(f"rule: disagree when a two-sided Mann-Whitney U test rejects at alpha "
          f"{args.alpha} and the medians differ by more than {args.tolerance}; else agree",
          flush=True)
    record = []
    for spec in args.oracle:
        mine, theirs = [], []
        for seed in args.seeds:
            run_spec = oracle_for(spec, seed, args.starts)
            # the reference first: a bad checkout or interpreter fails before ours has run
            t = time.perf_counter()
            # --model-queries reaches the reference too where it takes it (cbas, adalead)
            extra = ({"model_queries": args.model_queries} if "model_queries" in
                     inspect.signature(module.reference).parameters else {})
            b = module.reference(args.method, run_spec, seed, args.rounds, args.batch_size,
                                 python=args.reference_python, src=args.reference_src,
                                 **extra)
            t_ref = time.perf_counter() - t
            t = time.perf_counter()
            a = ours(args.method, run_spec, seed, args.rounds, args.batch_size,
                     args.model_queries)
            t_ours = time.perf_counter() - t
            mine.append(a)
            theirs.append(b)
            record.append(dict(method=args.method, oracle=run_spec, seed=seed, ours=a,
                               reference=b, ours_s=t_ours, reference_s=t_ref))
            print(f"  {run_spec} seed {seed}: ours {a:.4f} ({t_ours:.0f} s), reference "
                  f"{b:.4f} ({t_ref:.0f} s)", file=sys.stderr, flush=True)
            if args.json:
                with open(args.json, "w") as fh:
                    json.dump(record, fh, indent=1)
        word, p = verdict(mine, theirs, args.alpha, args.tolerance)
        print(f"{args.method} on {spec}: ours {summary(mine)} vs reference "
              f"{summary(theirs)} over {len(mine)} runs: {word} (p = {p:.3f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
