"""Evaluations per second: seqzoo-landscapes' oracles against FLEXS's per-sequence loops.

    OMP_NUM_THREADS=1 python benchmarks/landscape_speed.py [--flexs-python /tmp/flexsenv/bin/python]

seqzoo's side scores ``(n, L)`` integer batches; FLEXS's side (run in the interpreter given by
``--flexs-python``, set up as in make_landscape_golden.py) scores the same sequences as
strings through ``Landscape.get_fitness``. Each figure is the best of ``--repeats`` timings.
RNA is also timed with ``workers=2`` (processes; the pool is started before timing).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# (label, seqzoo spec, FLEXS module, FLEXS constructor kwargs, alphabet, length, batch)
CASES = [
    ("tfbind8 SIX6_REF_R1", "tfbind8:tf=SIX6_REF_R1", "tf_binding", "SIX6_REF_R1", "ACGT", 8,
     20000),
    ("aav heart 450-540", "aav:preset=heart", "additive_aav_packaging",
     {"phenotype": "heart", "start": 450, "end": 540}, "ACDEFGHIKLMNPQRSTVWY", 90, 5000),
    ("rna L14_RNA1", "rna-binding:preset=L14_RNA1", "rna", "L14_RNA1", "ACGU", 14, 400),
    ("rna L100_RNA1+2", "rna-binding:preset=L100_RNA1+2", "rna", "L100_RNA1+2", "ACGU", 100,
     40),
]


def batch(alphabet: str, length: int, n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, len(alphabet), (n, length))


def best_rate(score, n: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        score()
        times.append(time.perf_counter() - t)
    return n / min(times)


def flexs_side(repeats: int) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).parent))
    from make_landscape_golden import load_flexs

    _, mods = load_flexs()
    out = {}
    for label, _, module, params, alphabet, length, n in CASES:
        mod = mods[module]
        if module == "additive_aav_packaging":
            land = mod.AdditiveAAVPackaging(**params)
        else:
            cls = mod.TFBinding if module == "tf_binding" else mod.RNABinding
            land = cls(**mod.registry()[params]["params"])
        seqs = ["".join(alphabet[i] for i in row) for row in batch(alphabet, length, n)]
        out[label] = best_rate(lambda: land.get_fitness(seqs), n, repeats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flexs-python", help="an interpreter with FLEXS (see module doc)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flexs-side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flexs_side:
        print(json.dumps(flexs_side(args.repeats)))
        return

    from seqzoo.engine import build_oracle

    flexs = {}
    if args.flexs_python:
        done = subprocess.run([args.flexs_python, __file__, "--flexs-side",
                               "--repeats", str(args.repeats)],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"the FLEXS side failed:\n{done.stderr}")
        flexs = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{'landscape':22} {'batch':>6} {'seqzoo ev/s':>12} {'workers=2':>10} "
          f"{'FLEXS ev/s':>11} {'speed-up':>9}")
    for label, spec, module, _, alphabet, length, n in CASES:
        x = batch(alphabet, length, n)
        oracle = build_oracle(spec)
        ours = best_rate(lambda: oracle(x), n, args.repeats)
        par = ""
        if module == "rna":
            two = build_oracle(spec + ",workers=2")
            two(x[:32])  # start the pool outside the timing
            par = f"{best_rate(lambda: two(x), n, args.repeats):10.0f}"
            two.close()
        theirs = flexs.get(label)
        print(f"{label:22} {n:6d} {ours:12.0f} {par:>10} "
              + (f"{theirs:11.0f} {ours / theirs:8.1f}x" if theirs else f"{'-':>11} {'-':>9}"))


if __name__ == "__main__":
    main()
