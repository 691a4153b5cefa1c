"""Where the runs of a grid execute: in this process, in local worker processes, or on Ray.

Every executor calls :func:`execute` once per run and yields ``(task, outcome)`` as runs
finish, the outcome being the run's ``result.json`` content or the exception that ended it.
Locally, runs write their own folders (one disk, one machine). On Ray the driver is the only
writer: a run on another node sends each logged batch back and the driver appends it to the
store (:mod:`.sink`), so no shared disk is needed (:mod:`.cluster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from ...engine import Engine, Progress
from ...runlog import RunDir
from ..store import COMPLETE, INTERRUPTED, RunTask, Store

Notify = Callable[[tuple[Any, ...]], None]
Outcome = dict[str, Any] | BaseException
#: Seconds between progress messages of one run: enough for a live bar, few enough for Ray.
THROTTLE = 0.3


def observer(key: str, send: Notify) -> Callable[[Progress], None]:
    """An engine observer that sends throttled ``progress`` messages for run ``key``."""
    last = [0.0]

    def observe(p: Progress) -> None:
        now = time.perf_counter()
        if now - last[0] >= THROTTLE or p.evaluations >= p.budget:
            last[0] = now
            send(("progress", key, p.evaluations, p.best_value))

    return observe


def execute(task: RunTask, notify: Notify | None = None) -> dict[str, Any]:
    """Run ``task`` here, resuming it if its folder holds an interrupted run."""
    state = Store.state(task)
    if state == COMPLETE:
        return RunDir(task.folder).read_result() or {}
    send = notify or (lambda message: None)
    send(("start", task.key, task.planned))
    try:
        rows = None
        if task.warm_rows is not None:  # the alphabet comes from the oracle, built once here
            from ...engine import build_oracle

            oracle = build_oracle(task.oracle)
            rows = task.load_warm_rows(oracle.alphabet, int(oracle.length))
        from ...display import notes_off

        observe = observer(task.key, send)
        with notes_off():  # the grid's display owns the terminal
            if state == INTERRUPTED:
                result = Engine.from_rundir(task.folder, observe, rows).resume()
            else:
                result = Engine(task.config(), task.folder, observe, rows).run(overwrite=True)
        return result.to_json()
    finally:
        # through the same channel as "start": a worker's next "start" can never overtake
        # it, so the display never counts more runs in flight than there are workers
        send(("done", task.key))


def run_serial(tasks: list[RunTask], notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    for task in tasks:
        try:
            outcome: Any = execute(task, notify)
        except Exception as exc:  # one broken run must not stop the grid
            outcome = exc
        yield task, outcome


def run_processes(tasks: list[RunTask], workers: int,
                  notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    from .local import run_processes as run

    return run(tasks, workers, notify)


def run_ray(tasks: list[RunTask], grid: Any, notify: Notify,
            retried: Callable[[str, str], None] = lambda key, why: None,
            ) -> Iterator[tuple[RunTask, Outcome]]:
    from .cluster import run_ray as run

    return run(tasks, grid, notify, retried)


def session(grid: Any):
    """The context a grid runs in: on Ray, connected and pre-flight checked; else nothing."""
    if grid.executor != "ray":
        from contextlib import nullcontext

        return nullcontext()
    from .cluster import session as connect

    return connect(grid)
