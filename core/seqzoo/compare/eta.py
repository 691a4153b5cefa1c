"""The grid's ETA: each run weighed by what its proposer is expected to cost.

Proposers differ in cost per evaluation by a factor of a thousand (a GA round takes
milliseconds, a CbAS round seconds), so an ETA from the evaluations spent so far is wrong
both ways: it shrinks while the cheap runs finish and grows when only the costly ones are
left. Here a run's expected wall time is its proposer spec's rate -- seconds per 1,000
evaluations the proposer itself spends (the warm start's rows are free) -- taken from, in
order:

1. the complete runs of that spec: those in the store when the grid starts and those that
   finish meanwhile (their mean);
2. the proposer's declared ``cost_hint`` (see :func:`hint`);
3. a run of that spec in flight, extrapolated from its share of evaluations done;
4. the mean rate of every complete run, whatever its proposer.

The ETA then plays the queue forward: the runs in flight finish when their expected time is
up, and each pending run, in the order the executor takes them, goes to the first worker free.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from ..runlog import RunDir
from .store import RunTask

#: The attribute a proposer factory may set: seconds per 1,000 evaluations on one thread, or
#: ``{preset: seconds}`` for a factory with presets.
COST_HINT = "cost_hint"


def work(task: RunTask) -> int:
    """Evaluations the proposer of ``task`` spends itself: the warm start's rows are read,
    not proposed."""
    free = (task.warm_start_budget or 0) if task.warm_start else 0
    return max(task.planned - free, 1)


def hint(spec: str) -> float | None:
    """A proposer's declared seconds per 1,000 evaluations for ``spec``, or ``None``.

    ``cost_hint`` on the factory is a number, or a dict by preset; a spec that names no
    preset takes the factory's default preset's entry.
    """
    from ..plugins import registry
    from ..spec import Spec

    parsed = Spec.parse(spec)
    try:
        factory = registry().get("proposer", parsed.name).load()
    except Exception:  # an unknown or broken proposer has no hint; the grid check says why
        return None
    declared = getattr(factory, COST_HINT, None)
    if isinstance(declared, dict):
        preset = parsed.options.get("preset") or _default_preset(factory)
        declared = declared.get(preset)
    if isinstance(declared, bool) or not isinstance(declared, (int, float)) or declared <= 0:
        return None
    return float(declared)


def _default_preset(factory: Any) -> str | None:
    import inspect

    try:
        param = inspect.signature(factory).parameters.get("preset")
    except (TypeError, ValueError):
        return None
    return param.default if param is not None and isinstance(param.default, str) else None


class Costs:
    """Expected seconds per 1,000 evaluations of each proposer spec."""

    def __init__(self, hints: dict[str, float | None] | None = None):
        #: Rates of complete runs, by spec.
        self.measured: dict[str, list[float]] = {}
        self.hints = dict(hints or {})

    @classmethod
    def from_store(cls, tasks: Iterable[RunTask], look_up=hint) -> Costs:
        """Rates of the complete runs among ``tasks`` and hints for every spec in them."""
        tasks = list(tasks)
        costs = cls({spec: look_up(spec) for spec in {t.proposer for t in tasks}})
        for task in tasks:
            result = RunDir(task.folder).read_result()
            if result is not None and result.get("wall_seconds") is not None:
                costs.add(task, float(result["wall_seconds"]))
        return costs

    def add(self, task: RunTask, seconds: float) -> None:
        """A complete run of ``task`` took ``seconds``."""
        self.measured.setdefault(task.proposer, []).append(1000.0 * seconds / work(task))

    def rate(self, spec: str, running: dict[str, float] | None = None) -> float | None:
        """Seconds per 1,000 evaluations: measured, else hinted, else the rate ``running``
        extrapolates from a run of that spec in flight, else every complete run's mean."""
        mine = self.measured.get(spec)
        if mine:
            return sum(mine) / len(mine)
        if self.hints.get(spec) is not None:
            return self.hints[spec]
        if running and spec in running:
            return running[spec]
        every = [r for rates in self.measured.values() for r in rates]
        return sum(every) / len(every) if every else None

    def expected(self, task: RunTask, running: dict[str, float] | None = None
                 ) -> float | None:
        """Expected wall seconds of ``task`` from its start, or ``None`` if nothing is known."""
        rate = self.rate(task.proposer, running)
        return None if rate is None else rate * work(task) / 1000.0


def finish_time(running: Iterable[float], pending: Iterable[float], workers: int) -> float:
    """Seconds until the last run ends: ``running`` are the seconds left of the runs in
    flight, ``pending`` the expected seconds of the queued runs in the order they start."""
    free = sorted(max(r, 0.0) for r in running)
    free += [0.0] * max(workers - len(free), 0)
    heapq.heapify(free)
    for seconds in pending:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return max(free, default=0.0)
