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
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ..display import console

Message = tuple[Any, ...]


class GridProgress:
    """Context manager; ``enabled=False`` keeps the bookkeeping and draws nothing."""

    def __init__(self, total: int, done: int, evaluations: int, enabled: bool = True):
        self.total, self.done, self.enabled = total, done, enabled
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
        self.start = time.perf_counter()
        self.view = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
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
                if key in self.bars:
                    self.view.remove_task(self.bars.pop(key))
                if self.plain:
                    elapsed = time.perf_counter() - self.start
                    print(f"[{self.done}/{self.total}] done {key} ({elapsed:.0f} s elapsed, "
                          f"{self._info()})", file=sys.stderr, flush=True)
            self.view.update(self.grid, completed=self.done, info=self._info())

    def _info(self) -> str:
        """Runs in flight and an ETA from the evaluations spent so far (a crude estimate:
        proposers differ in cost per evaluation)."""
        elapsed = time.perf_counter() - self.start
        eta = "-"
        if self.spent:
            left = elapsed * max(self.todo - self.spent, 0) / self.spent
            eta = time.strftime("%H:%M:%S", time.gmtime(left))
        return f"running {len(self.bars)}  ETA {eta}"
