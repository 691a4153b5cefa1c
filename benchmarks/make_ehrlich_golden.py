"""Write the golden fixture for seqzoo-ehrlich from the reference, pytorch-holo.

Run it with an interpreter that has ``pytorch-holo`` installed (it pins numpy<2, so it lives
in its own venv; this script never imports seqzoo)::

    /work/holo/bin/python benchmarks/make_ehrlich_golden.py

For each configuration x seed it records what the reference builds (motifs, spacings, the
float32 transition matrix and stationary distribution as numbers -- not hashes of their bits,
which differ between CPUs whose vectorised ``exp`` rounds differently -- the initial and optimal
solutions) and the values it gives on four kinds of batches: Markov-chain (DMP) samples,
uniform random sequences, single mutants of the initial solution, and feasible mutants of the
optimal solution (so that every quantization level and the epistasis term are exercised). Seeds the
reference cannot build are recorded as such. Noise, negation and the global-stream helpers are
recorded under fixed ``torch.manual_seed`` values. RoughMtFuji gets the same treatment.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import torch
from holo.test_functions.closed_form import Ehrlich, RoughMtFuji

OUT = Path(__file__).resolve().parents[1] / "plugins/ehrlich/tests/data/ehrlich_golden.json.gz"
ROWS = 16  # sequences per batch kind

# (num_states, dim, num_motifs, motif_length, quantization, epistasis_factor, random_seed)
EHRLICH_CONFIGS = [
    # the six LLOME presets
    (32, 32, 4, 4, 4, 0.0, 50494), (32, 32, 4, 4, 2, 0.0, 50494),
    (32, 128, 4, 4, 4, 0.0, 50494), (32, 128, 4, 4, 2, 0.0, 50494),
    (32, 128, 8, 8, 8, 0.0, 50494), (8, 128, 8, 8, 8, 0.0, 50494),
    # the brief's function, other seeds, the benchmark sizes
    (32, 32, 4, 4, 4, 0.0, 0), (32, 32, 4, 4, 4, 0.0, 1), (32, 32, 4, 4, None, 0.0, 7),
    (32, 128, 4, 4, 4, 0.0, 0), (32, 256, 8, 8, 8, 0.0, 0),
    # quantization below the motif length and epistasis
    (32, 32, 4, 4, 2, 0.5, 3), (32, 64, 2, 8, 4, 1.0, 11), (20, 24, 3, 6, 3, 0.25, 5),
    (20, 36, 3, 6, 2, 2.0, 8), (12, 30, 3, 10, 2, 0.4, 6), (4, 12, 2, 3, 3, 0.7, 13),
    (3, 9, 3, 3, 1, 0.0, 21), (64, 96, 6, 5, 5, 0.3, 17), (94, 40, 2, 10, 5, 0.1, 4),
    (10, 50, 5, 5, 5, 0.9, 99), (8, 16, 2, 4, 4, 0.0, 2), (5, 7, 1, 3, None, 0.0, 0),
    # no slack at all: every spacing is 1
    (16, 20, 4, 5, 5, 0.0, 12345), (6, 6, 2, 3, 3, 1.5, 31),
    # two states: some seeds give a reducible chain, which the reference refuses
    (2, 8, 2, 2, 2, 0.0, 0), (2, 8, 2, 2, 2, 0.0, 1), (2, 8, 2, 2, 1, 0.0, 2),
    (2, 8, 2, 2, 2, 0.0, 3),
]

# (dim, additive_term, random_term_std, random_seed)
FUJI_CONFIGS = [(2, 0.25, 1.0, 0), (16, 0.25, 1.0, 0), (32, 0.5, 2.0, 3), (64, 0.1, 0.5, 42),
                (128, 0.25, 1.0, 7), (33, 1.0, 0.1, 5)]


def floats(tensor: torch.Tensor) -> list:
    return tensor.double().tolist()  # float32 -> float64 is exact, so JSON keeps every bit


def values(f, x: np.ndarray) -> list[float]:
    return [float(v) for v in f(torch.from_numpy(x))]


def mutants(x: np.ndarray, num_states: int, rng: np.random.Generator, edits: int) -> np.ndarray:
    out = np.repeat(x[None, :], ROWS, axis=0)
    for row in out:
        sites = rng.choice(len(x), size=edits, replace=False)
        row[sites] = rng.integers(0, num_states, size=edits)
    return out


def feasible_mutants(f, x: np.ndarray, rng: np.random.Generator, edits: int) -> np.ndarray:
    """Mutants that keep every transition allowed, so that they score partial motif matches."""
    allowed = (f.transition_matrix > 0).numpy()
    out = np.repeat(x[None, :], ROWS // 4, axis=0)
    for row in out:
        for site in rng.choice(len(x), size=edits, replace=False):
            ok = np.ones(len(allowed), dtype=bool)
            if site > 0:
                ok &= allowed[row[site - 1]]
            if site + 1 < len(x):
                ok &= allowed[:, row[site + 1]]
            row[site] = rng.choice(np.flatnonzero(ok))
    return out


def ehrlich_case(v, dim, c, k, q, eps, seed) -> dict:
    params = dict(num_states=v, dim=dim, num_motifs=c, motif_length=k, quantization=q,
                  epistasis_factor=eps, random_seed=seed)
    try:
        f = Ehrlich(**params)
    except (RuntimeError, ValueError) as exc:
        return {"params": params, "error": type(exc).__name__}
    rng = np.random.default_rng([v, dim, c, k, seed])
    init = f.initial_solution().numpy()
    opt = f.optimal_solution().numpy()
    near_optimal = np.concatenate([opt[None, :]] + [feasible_mutants(f, opt, rng, e)
                                                    for e in (1, 2, 3, 4)])
    batches = {
        "dmp": f.initial_solution(ROWS).numpy(),
        "random": rng.integers(0, v, size=(ROWS, dim)),
        "single_mutants": mutants(init, v, rng, 1),
        "near_optimal": near_optimal,
    }
    case = {
        "params": params,
        "motifs": [m.tolist() for m in f.motifs],
        "spacings": [s.tolist() for s in f.spacings],
        "transition_matrix": floats(f.transition_matrix),
        "stationary_dist": floats(f.stationary_dist),
        "nonzeros_per_row": (f.transition_matrix > 0).sum(-1).tolist(),
        "initial_solution": init.tolist(),
        "optimal_solution": opt.tolist(),
        "batches": {name: {"x": x.tolist(), "y": values(f, x)} for name, x in batches.items()},
    }
    torch.manual_seed(seed + 1)
    case["random_solution_after_manual_seed"] = f.random_solution(3).tolist()
    return case


def observed_case() -> dict:
    """Noise and negation draw from torch's global stream: record them under a fixed seed."""
    params = dict(num_states=32, dim=32, num_motifs=4, motif_length=4, quantization=4,
                  noise_std=0.1, negate=True, random_seed=50494)
    f = Ehrlich(**params)
    x = np.concatenate([f.initial_solution(8).numpy(), f.optimal_solution().numpy()[None],
                        np.random.default_rng(0).integers(0, 32, size=(4, 32))])
    torch.manual_seed(2024)
    return {"params": params, "manual_seed": 2024, "x": x.tolist(), "y": values(f, x)}


def fuji_case(dim, additive, std, seed) -> dict:
    params = dict(dim=dim, additive_term=additive, random_term_std=std, random_seed=seed)
    f = RoughMtFuji(**params)
    opt = f.optimal_solution()
    x = np.concatenate([np.random.default_rng([dim, seed]).integers(0, 2, size=(ROWS, dim)),
                        opt.numpy()])
    torch.manual_seed(seed + 1)
    initial = f.initial_solution(2)
    return {
        "params": params,
        "centroids": f.centroids.tolist(),
        "random_term": [float(t) for t in f._random_term.reshape(-1)],
        "optimal_solution": opt.tolist(),
        "optimal_value": float(f._optimal_value),
        "initial_solution_after_manual_seed": initial.tolist(),
        "x": x.tolist(),
        "y": values(f, x),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    golden = {
        "reference": {"pytorch-holo": _version("pytorch-holo"), "torch": torch.__version__},
        "ehrlich": [ehrlich_case(*config) for config in EHRLICH_CONFIGS],
        "ehrlich_observed": observed_case(),
        "rough_mt_fuji": [fuji_case(*config) for config in FUJI_CONFIGS],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(golden, separators=(",", ":")).encode()
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(text)  # mtime=0: the same reference gives the same bytes
    built = sum("error" not in case for case in golden["ehrlich"])
    print(f"wrote {args.out}: {built} Ehrlich functions built, "
          f"{len(golden['ehrlich']) - built} refused, {len(golden['rough_mt_fuji'])} RoughMtFuji")


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
