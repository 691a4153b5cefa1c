"""``zoo compare`` as a function: check the grid, run what the store lacks, build the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import executors, report
from .eta import Costs
from .grid import Grid, check
from .progress import GridProgress
from .store import COMPLETE, RunTask, Store


@dataclass
class Comparison:
    report: report.Report
    ran: int
    skipped: int
    wall_seconds: float
    #: ``(run key, error)`` of every run that raised or is missing from the store; the
    #: others still finished.
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: ``(run key, why)`` of every resubmission (Ray: a lost node or worker).
    retried: list[tuple[str, str]] = field(default_factory=list)


def compare(grid: Grid, out: str | Path, *, overwrite: bool = False,
            progress: bool = True, allow_mixed: bool = False,
            say: Callable[[str], None] = lambda text: None) -> Comparison:
    """Run every run of ``grid`` that ``out`` does not hold complete, then report.

    Nothing runs unless the whole grid checks out. The warm start, if any, is evaluated
    first, once per oracle and seed. Complete runs are skipped and interrupted ones resumed
    from their logs, unless ``overwrite`` redoes them all; runs stored by other code are
    refused unless ``allow_mixed``.
    """
    start = time.perf_counter()
    starts = check(grid)
    store = Store(out)
    tasks = store.tasks(grid, starts)
    if not overwrite:
        store.check(tasks, allow_mixed=allow_mixed)
    todo = [t for t in tasks if overwrite or store.state(t) != COMPLETE]
    # read before --overwrite clears them: the runs being redone still say what they cost
    costs = Costs.from_store(tasks)
    todo.sort(key=lambda t: _queue_place(grid, costs, t))
    with executors.session(grid):  # on Ray: every node checked before anything is spent
        for task in todo if overwrite else ():
            store.clear(task)
        store.write_grid(grid)
        store.prepare_warm_starts(grid, overwrite=overwrite, say=say)
        display = GridProgress(len(tasks), len(tasks) - len(todo),
                               sum(t.planned for t in todo), enabled=progress,
                               pending=todo, costs=costs,
                               workers=grid.workers if grid.executor == "ray"
                               else min(grid.workers, max(len(todo), 1)))
        failures, retried = _execute(grid, todo, display)
    # the store, not the executor, says what is done: a run whose result never reached the
    # store is missing, and a grid with a missing run never reports success
    failed = {key for key, _ in failures}
    failures += [(t.key, "missing: no result in the store") for t in tasks
                 if t.key not in failed and store.state(t) != COMPLETE]
    return Comparison(report.build(out), len(todo), len(tasks) - len(todo),
                      time.perf_counter() - start, failures, retried)


def _queue_place(grid: Grid, costs: Costs, task: RunTask) -> tuple[int, int, float]:
    """Seed by seed, so an interrupted grid has every proposer on its first seeds and the
    slow proposers' runs spread over the grid instead of queueing up at its end; within a
    seed the costliest first (a run of unknown cost counts as costliest), so the seed's cheap
    runs fill the workers' gaps instead of one costly run finishing alone."""
    expected = costs.expected(task)
    return (grid.oracles.index(task.oracle), grid.seeds.index(task.seed),
            -(expected if expected is not None else float("inf")))


def _execute(grid: Grid, todo: list, display: GridProgress
             ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Run ``todo`` where the grid says; ``(failures, retries)`` as ``(run key, why)``."""
    failures: list[tuple[str, str]] = []
    retried: list[tuple[str, str]] = []
    with display:
        if grid.executor == "ray":
            finished = executors.run_ray(todo, grid, display.handle,
                                         lambda key, why: retried.append((key, why)))
        elif grid.workers > 1 and len(todo) > 1:
            finished = executors.run_processes(todo, min(grid.workers, len(todo)),
                                               display.handle)
        else:
            finished = executors.run_serial(todo, display.handle)
        for task, outcome in finished:
            display.handle(("done", task.key))
            if isinstance(outcome, BaseException):
                failures.append((task.key, f"{type(outcome).__name__}: {outcome}"))
    return failures, retried
