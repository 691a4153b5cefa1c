"""What a report reads from one finished run folder: its result, trace and final batch.

Everything is recomputed from ``result.json`` and ``evaluations.jsonl``, so a report never
depends on the process that ran the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..runlog import RunDir
from .store import RunTask


@dataclass
class RunRecord:
    task: RunTask
    result: dict[str, Any]
    #: The best-so-far curve as a step function: ``best[i]`` holds from evaluation
    #: ``evaluations[i]`` on. One point where the best first appears and each time it
    #: improves, plus the run's last evaluation.
    evaluations: np.ndarray
    best: np.ndarray
    #: Mean pairwise Hamming distance within the last logged batch (NaN for one sequence).
    diversity: float
    #: The sequences of step 0, to check that every proposer started from the same ones.
    initial: tuple[str, ...]
    #: Distinct sequences evaluated after step 0 that step 0 did not hold.
    distinct: int = 0
    #: Rows of step 0 that came from a warm start.
    warm: int = 0
    #: ``{"versions": ..., "commit": ...}`` of the code that made the run.
    provenance: dict[str, Any] | None = None
    #: Evaluations per ask the run used (the grid's, or the proposer's own).
    batch_size: int | None = None
    #: The round (0 = the start rows) and the run's wall seconds at each point of the
    #: best-so-far curve, parallel to ``evaluations``: the curve by rounds and by time.
    rounds: np.ndarray | None = None
    times: np.ndarray | None = None
    #: The best value among the start rows (``-inf`` if none is feasible): where every
    #: proposer of this oracle and seed began, the ``f0`` of a data profile.
    start_best: float = -np.inf

    @property
    def duplicate_share(self) -> float:
        """The share of evaluations after step 0 that re-scored a sequence already seen."""
        after = int(self.result["evaluations"]) - len(self.initial)
        return 1.0 - self.distinct / after if after > 0 else float("nan")

    @property
    def best_value(self) -> float:
        value = self.result["best_value"]
        return -np.inf if value is None else float(value)

    @property
    def regret(self) -> float:
        """``inf`` when the oracle knows its optimum but nothing feasible was found."""
        if self.result["regret"] is not None:
            return float(self.result["regret"])
        return np.inf if self.optimum is not None else np.nan

    @property
    def optimum(self) -> float | None:
        return self.result.get("optimal_value")


def mean_pairwise_hamming(x: np.ndarray) -> float:
    n = len(x)
    if n < 2:
        return float("nan")
    # per site, the pairs that differ are all pairs minus those sharing a state
    total = 0
    for column in x.T:
        counts = np.unique(column, return_counts=True)[1]
        total += (n * n - int((counts**2).sum())) // 2
    return total / (n * (n - 1) / 2)


def load(task: RunTask) -> RunRecord | None:
    """The record of a complete run, or ``None`` if it has no result yet."""
    run = RunDir(task.folder)
    result = run.read_result()
    if result is None:
        return None
    config = run.read_config()
    result = {**result, "optimal_value": config.get("optimal_value")}
    values, steps, sequences, rounds, times = [], [], [], [], []
    seen: set[str] = set()
    distinct = warm = 0
    for rec in run.records():
        values.append(-np.inf if rec["value"] is None else float(rec["value"]))
        steps.append(int(rec["step"]))
        # logs from before rounds were recorded: each step was one round
        rounds.append(int(rec.get("round", rec["step"])))
        times.append(float(rec.get("time") or 0.0))
        sequences.append(rec["sequence"])
        warm += rec.get("source") == "warm-start"
        if rec["sequence"] not in seen:
            seen.add(rec["sequence"])
            distinct += steps[-1] > 0
    y = np.asarray(values, dtype=float)
    step = np.asarray(steps)
    running = np.maximum.accumulate(y) if len(y) else y
    changed = np.flatnonzero(running > np.concatenate([[-np.inf], running[:-1]]))
    points = np.union1d(changed, [len(y) - 1]) if len(y) else changed
    last = step == step[-1] if len(step) else step.astype(bool)
    final = np.array([list(s) for s, keep in zip(sequences, last) if keep])
    initial = tuple(s for s, st in zip(sequences, steps) if st == 0)
    start = y[step == 0] if len(y) else y
    return RunRecord(task, result, points + 1, running[points],
                     mean_pairwise_hamming(final) if len(final) else float("nan"), initial,
                     distinct, warm, {"versions": config.get("versions"),
                                      "commit": config.get("commit")},
                     config.get("config", {}).get("batch_size"),
                     np.asarray(rounds, dtype=int)[points],
                     np.asarray(times, dtype=float)[points],
                     float(start.max()) if len(start) else -np.inf)
