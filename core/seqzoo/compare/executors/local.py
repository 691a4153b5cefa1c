"""``--workers K``: K spawned processes on this machine, each writing its own run folders.

Ctrl-C reaches every process of the terminal's process group. The workers ignore it and the
parent ends them, after which the message queue's manager goes: so the user sees one line,
not a traceback per worker (a worker that outlived the manager failed on its next message).
Every batch a worker logged is on disk, and a batch cut mid-write is dropped on resume.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import Notify, Outcome, execute
from ..store import RunTask


@contextmanager
def pump(source: Any, notify: Notify) -> Iterator[None]:
    """Forward messages from a queue other processes write to ``notify``, in a thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                notify(source.get(timeout=0.2))
            except queue.Empty:
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


def _worker_init(parent: int) -> None:
    """Ignore Ctrl-C (the parent decides) and end when ``zoo compare`` is gone (killed, say),
    rather than run on unseen; every batch this worker logged is already on disk. The
    progress queue's manager process starts with it too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Processes started meanwhile ignore SIGINT from birth (Python keeps an inherited
    SIG_IGN), so a Ctrl-C while one is importing cannot give it a traceback either."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_processes(tasks: list[RunTask], workers: int,
                  notify: Notify) -> Iterator[tuple[RunTask, Outcome]]:
    """``workers`` spawned processes (spawn: safe with torch and threads in the parent)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing.managers import SyncManager

    # each run sets its own thread count (seqzoo.threads) before it builds anything
    context = multiprocessing.get_context("spawn")
    # the manager's server process watches for this one as the workers do: killed, zoo
    # compare would otherwise leave it running for good
    manager = SyncManager(ctx=context)
    with _sigint_ignored():
        manager.start(_worker_init, (os.getpid(),))
    try:
        messages = manager.Queue()
        with pump(messages, notify):
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                       initargs=(os.getpid(),))
            try:
                with _sigint_ignored():  # the pool starts its workers as tasks arrive
                    futures = {pool.submit(execute, task, messages.put): task
                               for task in tasks}
                for future in as_completed(futures):
                    exc = future.exception()
                    yield futures[future], exc if exc is not None else future.result()
            except BaseException:
                _end(pool)
                raise
            pool.shutdown(wait=True)
    finally:  # after the workers, so none of them writes to a queue that is gone
        manager.shutdown()


def _end(pool: Any) -> None:
    """Stop the pool now: queued runs are dropped, running ones killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
