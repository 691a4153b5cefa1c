"""What a run reports: :class:`Progress` after each round and :class:`RunResult` at its end."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np


@dataclass
class Progress:
    """What an observer sees after each round."""

    evaluations: int
    budget: int
    best_value: float
    regret: float | None
    step: int


@dataclass
class RunResult:
    oracle: str
    proposer: str
    seed: int
    budget: int
    evaluations: int
    best_value: float
    best_sequence: str | None
    regret: float | None
    evaluations_to_best: int
    solved: bool
    feasible_fraction: float
    wall_seconds: float
    stopped: str
    #: Distinct sequences evaluated after step 0 that step 0 did not hold: the evaluations
    #: that taught the proposer something new (the rest re-scored known sequences).
    distinct_evaluations: int = 0
    #: Rows of step 0 that came from a warm start (0 without one).
    warm_start_evaluations: int = 0
    #: Rounds after round 0 (the start rows); under ``--rounds free`` each ask is one.
    rounds: int = 0
    #: Queries the proposer made to its surrogate, all rounds together (``None``: no model).
    model_queries: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["best_value"] == -np.inf:
            out["best_value"] = None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunResult":
        """The result :meth:`to_json` wrote (keys it does not know are ignored)."""
        known = {f.name for f in fields(cls)}
        out = {k: v for k, v in data.items() if k in known}
        if out.get("best_value") is None:
            out["best_value"] = -np.inf
        return cls(**out)
