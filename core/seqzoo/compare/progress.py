"""The live display of a grid: one bar for the whole grid (runs done, running, ETA) and one
bar per run in flight, on stderr.

Runs report through *messages* -- plain tuples, so they cross process and Ray boundaries --
handled by :meth:`GridProgress.handle`:
``("start", key, budget)``, ``("progress", key, evaluations, best_value)``,
``("done", key)`` (which may come twice: from the worker and from the executor) and, on
Ray, ``("ran", key, node, began, ended)``, which draws nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column

from ..display import console
from .eta import Costs, finish_time, work
from .store import INTERRUPTED, RunTask, Store

Message = tuple[Any, ...]
#: The share of its own evaluations a run must have done before its rest is extrapolated.
MIN_SHARE = 0.05


class GridProgress:
    """Context manager; ``enabled=False`` keeps the bookkeeping and draws nothing.

    ``pending`` are the runs still to do, in the order the executor starts them, ``workers``
    how many run at once and ``costs`` what each proposer is expected to cost
    (:mod:`.eta`); ``clock`` is the time source (tests pass a fake one).
    """

    def __init__(self, total: int, done: int, evaluations: int, enabled: bool = True, *,
                 pending: Sequence[RunTask] = (), workers: int = 1,
                 costs: Costs | None = None, clock: Callable[[], float] = time.perf_counter):
        self.total, self.done, self.enabled = total, done, enabled
        self.pending = {t.key: t for t in pending}
        #: Keys of the runs not yet started, in start order.
        self.queue = [t.key for t in pending]
        self.workers, self.costs, self.clock = max(workers, 1), costs or Costs(), clock
        #: When each run in flight started, by this display's clock.
        self.started: dict[str, float] = {}
        # a resumed run's time covers only its rest: no measure of its proposer's cost
        self.partial = {t.key for t in pending if Store.state(t) == INTERRUPTED}
        # bars need a terminal; a log file or pipe gets one plain line per finished run
        self.plain = enabled and not console.is_terminal
        #: Evaluations the runs still to do will spend, and what they spent so far.
        self.todo, self.spent = max(evaluations, 1), 0
        self.seen: dict[str, int] = {}
        #: Runs already counted done: a run's "done" comes from its worker and again from
        #: the executor's result, and counts once.
        self.finished: set[str] = set()
        self.bars: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.closed = False
        self.start = clock()
        # a row wider than the terminal wraps, and the live view then redraws one line short,
        # leaving stale lines behind: long labels (llome's spec) are cut with an ellipsis
        label = Column(no_wrap=True, overflow="ellipsis", max_width=max(20, console.width // 2))
        self.view = Progress(TextColumn("[bold]{task.description}", table_column=label),
                             BarColumn(),
                             MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                             TimeElapsedColumn(), console=console,
                             disable=not enabled or self.plain)
        self.grid = self.view.add_task("grid", total=total, completed=done, info="")

    def __enter__(self) -> GridProgress:
        self.view.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.lock:  # messages still in flight (workers being stopped) draw nothing
            self.closed = True
        self.view.__exit__(*exc)

    def handle(self, message: Message) -> None:
        kind, key = message[0], message[1]
        with self.lock:
            if self.closed or (kind == "start" and key in self.finished) or kind == "ran":
                return
            if kind == "start":
                self.bars[key] = self.view.add_task(key, total=message[2], info="")
                self.seen.setdefault(key, 0)
                self.started[key] = self.clock()
                if key in self.queue:
                    self.queue.remove(key)
            elif kind == "progress" and key in self.bars:
                self.spent += message[2] - self.seen.get(key, 0)
                self.seen[key] = message[2]
                self.view.update(self.bars[key], completed=message[2],
                                 info=f"best {message[3]:.4g}")
            elif kind == "done":
                if key in self.finished:
                    return
                self.finished.add(key)
                self.done += 1
                began = self.started.pop(key, None)
                if key in self.queue:
                    self.queue.remove(key)
                task = self.pending.get(key)
                if began is not None and task is not None and key not in self.partial:
                    self.costs.add(task, self.clock() - began)
                if key in self.bars:
                    self.view.remove_task(self.bars.pop(key))
                if self.plain:
                    elapsed = self.clock() - self.start
                    print(f"[{self.done}/{self.total}] done {key} ({elapsed:.0f} s elapsed, "
                          f"{self._info()})", file=sys.stderr, flush=True)
            self.view.update(self.grid, completed=self.done, info=self._info())

    def eta(self) -> float | None:
        """Seconds until the grid is done, or ``None`` while some run's cost is unknown.

        A run in flight is expected to take its proposer's expected time (its rest: that
        minus its elapsed time); one that has outrun it, or whose proposer has no estimate
        yet, is extrapolated from its share of evaluations done (once that share reaches
        :data:`MIN_SHARE`; before, it is due now, or unknown). Pending runs take their
        proposer's expected time, in start order, on the first worker free.
        """
        now = self.clock()
        running, rates = [], self._running_rates(now)
        for key, began in self.started.items():
            left = self._left(key, now - began)
            if left is None:
                return None
            running.append(left)
        pending = [self.costs.expected(self.pending[key], rates) for key in self.queue]
        if any(p is None for p in pending):
            return None
        return finish_time(running, pending, self.workers)

    def _running_rates(self, now: float) -> dict[str, float]:
        """Seconds per 1,000 evaluations of each spec with a run in flight far enough along
        to extrapolate (the mean over its runs)."""
        found: dict[str, list[float]] = {}
        for key, began in self.started.items():
            task = self.pending.get(key)
            share = self._share(key)
            if task is not None and share is not None and share >= MIN_SHARE:
                found.setdefault(task.proposer, []).append(
                    1000.0 * (now - began) / share / work(task))
        return {spec: sum(r) / len(r) for spec, r in found.items()}

    def _share(self, key: str) -> float | None:
        """The share of its own evaluations (the warm start's rows are free) a run has done."""
        task = self.pending.get(key)
        if task is None:
            return None
        return (self.seen.get(key, 0) - (task.planned - work(task))) / work(task)

    def _left(self, key: str, elapsed: float) -> float | None:
        task = self.pending.get(key)
        if task is None:
            return None
        expected = self.costs.expected(task)
        if expected is not None and expected > elapsed:
            return expected - elapsed
        share = self._share(key) or 0.0
        if share >= MIN_SHARE:
            return elapsed * (1 - min(share, 1.0)) / share
        # too early to extrapolate: a run's start (a worker's imports, a first model) would
        # weigh as if every evaluation cost as much
        return None if expected is None else 0.0

    def _info(self) -> str:
        """Runs in flight and the ETA (:meth:`eta`)."""
        left = self.eta()
        return f"running {len(self.bars)}  ETA {'-' if left is None else _clock(left)}"


def _clock(seconds: float) -> str:
    """``H:MM:SS``, hours past 24 included."""
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
