"""Where the runs of a grid execute: in this process, in local worker processes, or on Ray.

Every executor calls :func:`execute` once per run and yields ``(task, outcome)`` as runs
finish, the outcome being the run's ``result.json`` content or the exception that ended it.
Locally, runs write their own folders (one disk, one machine). On Ray the driver is the only
writer: a run on another node sends each logged batch back and the driver appends it to the
store (:mod:`.sink`), so no shared disk is needed (:mod:`.cluster`).
"""

from __future__ import annotations

import threading
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


class ThrottledObserver:
    """An engine observer that sends throttled ``progress`` messages for run ``key``.

    At most one message every :data:`THROTTLE` seconds, and never a stale one: a round
    reported too soon after the last message is sent when the throttle's time is up, by a
    timer, unless a newer round replaces it first. Without that, a proposer that reports in
    bursts (LLOME tells ten rounds of 100 within milliseconds, then trains for half a minute)
    showed the burst's first round for the whole half minute, and the grid's ETA
    extrapolated the run from a third of its evaluations instead of two thirds.
    :meth:`close` drops what is still pending (the run is over).
    """

    def __init__(self, key: str, send: Notify):
        self.key, self.send = key, send
        self.lock = threading.Lock()
        self.last = 0.0
        self.pending: Progress | None = None
        self.timer: threading.Timer | None = None

    def __call__(self, p: Progress) -> None:
        now = time.perf_counter()
        with self.lock:
            if not (now - self.last >= THROTTLE or p.evaluations >= p.budget):
                self.pending = p
                if self.timer is None:
                    self.timer = threading.Timer(THROTTLE - (now - self.last), self._flush)
                    self.timer.daemon = True
                    self.timer.start()
                return
            self.last, self.pending = now, None
            self._cancel()
        self.send(("progress", self.key, p.evaluations, p.best_value))

    def _flush(self) -> None:
        with self.lock:
            p, self.pending, self.timer = self.pending, None, None
            if p is None:
                return
            self.last = time.perf_counter()
        self.send(("progress", self.key, p.evaluations, p.best_value))

    def _cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def close(self) -> None:
        with self.lock:
            self.pending = None
            self._cancel()


def execute(task: RunTask, notify: Notify | None = None) -> dict[str, Any]:
    """Run ``task`` here, resuming it if its folder holds an interrupted run."""
    state = Store.state(task)
    if state == COMPLETE:
        return RunDir(task.folder).read_result() or {}
    send = notify or (lambda message: None)
    send(("start", task.key, task.planned))
    observe = None
    try:
        rows = None
        if task.warm_rows is not None:  # the alphabet comes from the oracle, built once here
            from ...engine import build_oracle

            oracle = build_oracle(task.oracle)
            rows = task.load_warm_rows(oracle.alphabet, int(oracle.length))
        from ...display import notes_off

        observe = ThrottledObserver(task.key, send)
        with notes_off():  # the grid's display owns the terminal
            if state == INTERRUPTED:
                result = Engine.from_rundir(task.folder, observe, rows).resume()
            else:
                result = Engine(task.config(), task.folder, observe, rows).run(overwrite=True)
        return result.to_json()
    finally:
        if observe is not None:
            observe.close()  # nothing of this run may follow its "done"
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
