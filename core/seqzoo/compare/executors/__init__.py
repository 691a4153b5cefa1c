"""Where the runs of a grid execute: in this process, in local worker processes, or on Ray.

Every executor calls :func:`execute` once per run and yields ``(task, outcome)`` as runs
finish, the outcome being the run's ``result.json`` content or the exception that ended it.
Runs are independent and write only their own folder, so they may run in any order and
anywhere that sees the store: on Ray, the ``--out`` folder must be on a file system every
node mounts at the same path, and every node needs the same plugins installed.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..engine import Engine, Progress
from ..runlog import RunDir
from .store import COMPLETE, INTERRUPTED, RunTask, Store

Notify = Callable[[tuple[Any, ...]], None]
Outcome = dict[str, Any] | BaseException
#: Seconds between progress messages of one run: enough for a live bar, few enough for Ray.
THROTTLE = 0.3


def execute(task: RunTask, notify: Notify | None = None) -> dict[str, Any]:
    """Run ``task`` here, resuming it if its folder holds an interrupted run."""
    state = Store.state(task)
    if state == COMPLETE:
        return RunDir(task.folder).read_result() or {}
    send = notify or (lambda message: None)
    last = [0.0]

    def observe(p: Progress) -> None:
        now = time.perf_counter()
        if now - last[0] >= THROTTLE or p.evaluations >= p.budget:
            last[0] = now
            send(("progress", task.key, p.evaluations, p.best_value))

    send(("start", task.key, task.planned))
    rows = None
    if task.warm_rows is not None:  # the alphabet comes from the oracle, built once here
        from ..engine import build_oracle

        oracle = build_oracle(task.oracle)
        rows = task.load_warm_rows(oracle.alphabet, int(oracle.length))
    if state == INTERRUPTED:
        result = Engine.from_rundir(task.folder, observe, rows).resume()
    else:
        result = Engine(task.config(), task.folder, observe, rows).run(overwrite=True)
    return result.to_json()


def run_serial(tasks: list[RunTask], notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    for task in tasks:
        try:
            outcome: Any = execute(task, notify)
        except Exception as exc:  # one broken run must not stop the grid
            outcome = exc
        yield task, outcome


@contextmanager
def _pump(source: Any, notify: Notify) -> Iterator[None]:
    """Forward messages from a queue other processes write to ``notify``, in a thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                notify(source.get(timeout=0.2))
            except queue.Empty:  # Ray's queue.Empty subclasses this one
                continue
            except (EOFError, OSError):  # the manager went away at shutdown
                return

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=2)


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when ``zoo compare`` is gone (killed, say), rather
    than let it run on unseen; every batch it logged is already on disk."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def run_processes(tasks: list[RunTask], workers: int,
                  notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    """``workers`` spawned processes (spawn: safe with torch and threads in the parent)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # each run sets its own thread count (seqzoo.threads) before it builds anything
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, _pump(messages := manager.Queue(), notify), \
            ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent,
                                initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(execute, task, messages.put): task for task in tasks}
        try:
            for future in as_completed(futures):
                exc = future.exception()
                yield futures[future], exc if exc is not None else future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_ray(tasks: list[RunTask], address: str | None,
            notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    """One Ray task per run on the cluster at ``address`` (a local one when ``None``)."""
    import ray
    from ray.util.queue import Queue

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    messages = Queue()
    remote = ray.remote(num_cpus=1, max_retries=0)(execute)
    try:
        with _pump(messages, notify):
            pending = {remote.remote(task, messages.put): task for task in tasks}
            try:
                while pending:
                    done, _ = ray.wait(list(pending), num_returns=1)
                    task = pending.pop(done[0])
                    try:
                        yield task, ray.get(done[0])
                    except ray.exceptions.RayTaskError as exc:
                        yield task, exc.as_instanceof_cause()
            except BaseException:
                for ref in pending:
                    ray.cancel(ref, force=True)
                raise
    finally:  # after the pump has stopped reading from it
        messages.shutdown()
        if started:
            ray.shutdown()
