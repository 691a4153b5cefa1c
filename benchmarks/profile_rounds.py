"""Where a round of the costliest proposers spends its time, by phase.

    python benchmarks/profile_rounds.py [--seed 0]
        [--proposer lambo2|lambo2-paper|llome|cbas|nevergrad|both]

Each proposer runs under ``cProfile`` on ``ehrlich:preset=f2`` from a GA warm start of 2,000
evaluations on one thread, for one round of asking: lambo2, 5 asks of 200; lambo2:preset=paper,
one ask of 2,000; llome, one round of 1,000 labels. ``cbas`` and ``nevergrad``, the two
costliest runs of the default ``zoo compare``, run as that comparison spells them, from its
warm start (``ga:population=200``), for 5 asks of 100. Printed: the cumulative seconds of
each phase -- the methods that make up a round, named in ``PHASES`` -- and what is left
(bookkeeping, the engine, the oracle), then the 12 costliest functions by their own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time

from seqzoo import engine
from seqzoo.compare.grid import default_config

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
#: The default comparison's proposer spellings (``default.toml``) and warm start.
COMPARED, COMPARED_WARM_START = default_config()["proposer_specs"], default_config()["warm_start"]
#: (proposer spec, budget, warm start) of each profile.
SPECS = {"lambo2": ("lambo2", 2000 + 5 * 200, "ga"),
         "lambo2-paper": ("lambo2:preset=paper", 2000 + 2000, "ga"),
         "llome": ("llome:preset=cpu,labels_per_round=1000", 2000 + 1000, "ga"),
         "cbas": (COMPARED.get("cbas", "cbas"), 2000 + 5 * 100, COMPARED_WARM_START),
         "nevergrad": (COMPARED.get("nevergrad", "nevergrad"), 2000 + 5 * 100,
                       COMPARED_WARM_START)}


def profile(name: str, seed: int) -> None:
    spec, budget, warm_start = SPECS[name]
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        prof.enable()
        engine.run("ehrlich:preset=f2", spec, budget, seed=seed, out=tmp, threads=1,
                   warm_start=warm_start, warm_start_budget=2000, stop_on_optimum=False)
        prof.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(prof)
    table = stats.stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    print(f"\n{spec}: {wall:.1f} s for {budget - 2000} evaluations after the warm start")
    print("| phase | seconds | share |")
    print("|---|---|---|")
    covered = 0.0
    for phase, (suffix, func) in PHASES[name]:
        cum = sum(v[3] for (file, _, fn), v in table.items()
                  if file.replace("\\", "/").endswith(suffix) and fn == func)
        covered += cum
        print(f"| {phase} | {cum:.1f} | {cum / wall:.0%} |")
    print(f"| everything else | {wall - covered:.1f} | {(wall - covered) / wall:.0%} |")
    print("\ncostliest functions by own time:")
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposer", choices=(*SPECS, "both"),
                        default="both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in (("lambo2", "llome") if args.proposer == "both" else (args.proposer,)):
        profile(name, args.seed)


if __name__ == "__main__":
    main()
