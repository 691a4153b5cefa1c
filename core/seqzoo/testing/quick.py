"""``check_quick``: what a proposer's ``quick`` preset costs in ``zoo compare``'s default grid.

The default comparison runs every installed proposer's ``quick`` preset (sizes only: epochs,
candidates, model width, labels a round) for its budget on three seeds, and should take a few
minutes on two cores, so each costly proposer's quick run should take well under half a
minute. This runs it once, the way the grid does, and reports the seconds -- a figure for the
plugin's author, never an assertion: machines differ by more than the margin.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import engine
from ..plugins import registry
from ..presets import QUICK, declared
from .registration import FactoryPlugin, registered
from .results import ConformanceError

__all__ = ["QuickCost", "check_quick"]

NAME = "conformance-quick"
#: What :func:`check_quick` measured in this process, for pytest's terminal summary.
MEASURED: list[QuickCost] = []


@dataclass(frozen=True)
class QuickCost:
    """One run of a quick preset under the default grid's settings."""

    subject: str
    seconds: float
    oracle: str
    budget: int
    #: The shared warm start's rows (free: evaluated once for every proposer of a seed).
    warm_rows: int
    batch_size: int | None
    seed: int
    #: torch/BLAS threads of the run (the grid's default: one).
    threads: int = 1
    @property
    def per_1000(self) -> float:
        """Seconds per 1,000 evaluations the proposer spent: a ``cost_hint`` for its factory
        (see docs/writing-a-plugin.md)."""
        return 1000.0 * self.seconds / max(self.budget - self.warm_rows, 1)

    def __str__(self) -> str:
        rounds = f", rounds of {self.batch_size}" if self.batch_size else ""
        return (f"{self.subject} ({QUICK}): {self.seconds:.1f} s for the default grid's "
                f"{self.budget} evaluations on {self.oracle} ({self.budget - self.warm_rows} "
                f"after the {self.warm_rows}-row warm start{rounds}), seed {self.seed}, "
                f"{self.threads} thread{'s' if self.threads != 1 else ''}; {self.per_1000:.2f} s per 1,000 evaluations")


def check_quick(factory: str | Callable[..., object], *, seed: int = 0,
                workdir: str | Path | None = None, say: Callable[[str], None] = print
                ) -> QuickCost:
    """Run ``factory``'s ``quick`` preset (or that of the registered proposer of that name)
    as ``zoo compare``'s default grid runs it -- its oracle, budget, batch size and shared
    warm start, one seed -- and report the wall seconds (``say`` prints them; pytest also
    lists every figure in its terminal summary).

    The warm start is evaluated first and not counted: the grid evaluates it once for every
    proposer of a seed. Raises :class:`ConformanceError` if the factory declares no ``quick``
    preset or the run does not spend the budget.
    """
    from ..compare.grid import resolve
    from ..warmstart import write_rows

    if isinstance(factory, str):
        subject, factory = factory, registry().get("proposer", factory).load()
    else:
        subject = getattr(factory, "__name__", type(factory).__name__)
    if QUICK not in declared(factory):
        raise ConformanceError(f"quick: {subject} declares no {QUICK!r} preset (its presets: "
                               f"{', '.join(declared(factory)) or 'none'})")
    grid = resolve({"proposers": ["hill-climb"]})  # the default's oracle, budget and warm start
    oracle, budget = grid.oracles[0], int(grid.budget or 0)
    with ExitStack() as stack:
        stack.enter_context(registered(FactoryPlugin("proposer", NAME, factory)))
        folder = Path(workdir) if workdir is not None else Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="seqzoo-quick-")))
        warm, warm_rows = None, 0
        if grid.warm_start is not None:
            x, y = engine.warm_start_run(grid.warm_start, oracle, seed,
                                         int(grid.warm_start_budget or 0), folder / "warm")
            warm, warm_rows = folder / "warm-start.jsonl", len(x)
            write_rows(warm, x, y, engine.build_oracle(oracle).alphabet)
        began = time.perf_counter()
        result = engine.run(oracle, f"{NAME}:preset={QUICK}", budget,
                            batch_size=grid.batch_size, seed=seed, out=folder / "run",
                            warm_start=None if warm is None else str(warm),
                            warm_start_budget=warm_rows or None)
        seconds = time.perf_counter() - began
    if result.evaluations != budget and not result.solved:
        raise ConformanceError(f"quick: the run spent {result.evaluations} of the budget "
                               f"{budget}")
    from ..threads import resolve as threads

    cost = QuickCost(subject, seconds, oracle, budget, warm_rows, grid.batch_size, seed,
                     threads(None))
    MEASURED.append(cost)
    say(str(cost))
    return cost
