"""Test helpers: a hand-built problem and a driver that plays the engine's part.

(A uniquely named module, not conftest.py, so that other test folders' helpers never shadow it.)
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from seqzoo import Problem, default_alphabet


def make_problem(length: int = 8, num_states: int = 4, seed: int = 0,
                 start: np.ndarray | None = None, **fields) -> Problem:
    """A problem for :func:`drive`, which tells after every ask: ``--rounds free`` unless
    ``fields`` say otherwise (``rounds``, ``batch_size``, ``model_queries``, ...)."""
    x0 = np.zeros((1, length), dtype=np.int64) if start is None else start
    return Problem(default_alphabet(num_states), length, x0, seed=seed,
                   **{"rounds": False, **fields})


def drive(proposer, oracle: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
          batch: int, budget: int) -> np.ndarray:
    """Play the engine: tell ``x0``, then ask up to ``batch`` at a time until ``budget``."""
    proposer.tell(x0, oracle(x0))
    asked, used = [], 0
    while used < budget:
        n = min(batch, budget - used)
        x = proposer.ask(n)
        assert 1 <= len(x) <= n
        proposer.tell(x, oracle(x))
        asked.append(x)
        used += len(x)
    return np.concatenate(asked)
