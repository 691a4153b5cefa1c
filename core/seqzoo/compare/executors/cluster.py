"""``--executor ray``: one Ray task per run; the driver keeps the store and decides retries.

* **The driver is the only writer.** A run is a streaming generator task: it yields every
  write of its engine (:mod:`.sink`) and its progress, and the driver appends them to the
  store. After each write the run yields once more and waits until the driver takes that
  item, which the driver does only once the write is on its disk: so every evaluation is
  stored before the next batch is proposed, as in a local run. The stream is also the
  progress channel: nothing of it lives on a worker node, and a run never blocks in
  ``ray.get`` (which would free its CPU slot and let its node start more runs than it has
  CPUs).
* **A lost node costs only its own runs.** Ray does not retry a run itself (a replayed
  stream would repeat its writes); the driver resubmits it, at most ``--max-retries``
  times, with the rows it holds, and the run resumes from them as ``zoo run --resume``
  does. A run that fails by itself (a proposer's error) is not retried.
* **Resources as declared:** each run asks for ``--threads`` CPUs and ``--gpus-per-run`` GPUs.
* **Pre-flight:** before any run, every node must match the driver's Python, plugins and
  commit (:mod:`.preflight`).
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import Notify, Outcome, ThrottledObserver
from ...errors import SeqzooError
from ..store import RunTask
from .sink import Held, Sink, apply

#: Driver threads that follow runs' streams (each blocks on one run); runs beyond this wait.
MAX_STREAMS = 256
#: The messages that write the store: a run waits until the driver has stored each.
WRITES = ("create", "rows", "cut", "result", "file", "unlink")
#: Environment variables a run needs as the driver has them (plugin selection, threads).
PASSED_ENV = ("SEQZOO_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "PYTHONHASHSEED")


def run_remote(task: RunTask, held: Held) -> Iterator[tuple[Any, ...]]:
    """The Ray task of one run (on a worker): the engine in a thread, its messages yielded."""
    from ...engine import Engine, build_oracle

    items: queue.Queue = queue.Queue()

    def send(message: tuple[Any, ...]) -> None:
        """Writes wait until the driver has stored them; progress does not."""
        stored = threading.Event() if message[0] in WRITES else None
        items.put((message, stored))
        if stored is not None:
            stored.wait()

    def warn(message, category, filename, lineno, file=None, line=None) -> None:
        items.put((("warning", f"{category.__name__}: {message}"), None))

    scratch = Path(tempfile.mkdtemp(prefix="seqzoo-run-"))

    def work() -> None:
        try:
            resume = held.unpack(scratch)
            rows = None
            if held.warm_rows is not None:
                (scratch / "warm-rows.jsonl").write_text(held.warm_rows)
                oracle = build_oracle(task.oracle)
                local = replace(task, warm_rows=str(scratch / "warm-rows.jsonl"))
                rows = local.load_warm_rows(oracle.alphabet, int(oracle.length))
            sink, observe = Sink(scratch, send), ThrottledObserver(task.key, send)
            try:
                if resume:
                    result = Engine.from_rundir(sink, observe, rows).resume()
                else:
                    result = Engine(task.config(), sink, observe, rows).run(overwrite=True)
            finally:
                observe.close()  # no progress may follow the run's result
            items.put((("return", result.to_json()), None))
        except BaseException as exc:
            items.put((("raise", exc), None))

    import time

    import ray

    node, began = ray.get_runtime_context().get_node_id(), time.time()
    warnings.showwarning = warn
    yield ("start", task.key, task.planned)
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            message, stored = items.get()
            if message[0] == "raise":
                raise message[1]
            if message[0] == "return":  # where and when it ran: for logs and tests
                yield ("ran", task.key, node, began, time.time())
            yield message
            if stored is not None:
                yield ("stored",)  # taken by the driver only once it stored the message
                stored.set()
            if message[0] == "return":
                return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _is_lost(exc: BaseException) -> bool:
    """A failure of the machinery (node, worker, object), not of the run itself."""
    import ray.exceptions as rex

    return isinstance(exc, rex.RayError) and not isinstance(
        exc, (rex.RayTaskError, rex.TaskCancelledError))


def reason(exc: BaseException) -> str:
    import ray.exceptions as rex

    for kind, why in ((rex.NodeDiedError, "node lost"), (rex.WorkerCrashedError, "worker died"),
                      (getattr(rex, "OutOfMemoryError", ()), "out of memory"),
                      (rex.ObjectLostError, "object lost")):
        if kind and isinstance(exc, kind):
            return why
    return type(exc).__name__


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(PASSED_ENV)}


class _Driver:
    """Follows the streams of the runs in flight, writes their rows, retries lost runs."""

    def __init__(self, grid: Any, notify: Notify, retried: Callable[[str, str], None]):
        import ray

        self.ray, self.notify, self.retried = ray, notify, retried
        self.retries = int(getattr(grid, "max_retries", 3))
        options: dict[str, Any] = {"num_cpus": _cpus(grid), "max_retries": 0,
                                   "_generator_backpressure_num_objects": 1}
        gpus = getattr(grid, "gpus_per_run", 0) or 0
        if gpus:
            options["num_gpus"] = gpus
        if _env():
            options["runtime_env"] = {"env_vars": _env()}
        self.remote = ray.remote(**options)(run_remote)
        self.live: dict[str, Any] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.warned: set[str] = set()

    def follow(self, task: RunTask) -> Outcome:
        """Run ``task`` to its end, resubmitting it after each loss up to the retry limit."""
        losses = 0
        while True:
            held = Held.read(task.folder, task.warm_rows)
            with self.lock:  # nothing is submitted once the grid is being stopped
                if self.stop.is_set():
                    return KeyboardInterrupt()
                stream = self.live[task.key] = self.remote.remote(task, held)
            try:
                return self._drain(task, stream)
            except Exception as exc:
                # a run the driver stopped reading (its store write failed, say) would wait
                # for the driver forever and hold its CPUs
                self._cancel(stream)
                if self.stop.is_set():
                    return exc
                if not _is_lost(exc):
                    cause = getattr(exc, "as_instanceof_cause", None)
                    return cause() if callable(cause) else exc
                if losses >= self.retries:
                    return RuntimeError(f"lost {losses + 1} times ({reason(exc)}); "
                                        f"--max-retries is {self.retries}")
                losses += 1
                self.retried(task.key, reason(exc))
            finally:
                with self.lock:
                    self.live.pop(task.key, None)

    def _drain(self, task: RunTask, stream: Any) -> Outcome:
        for ref in stream:
            message = self.ray.get(ref)
            kind = message[0]
            if kind == "return":
                return message[1]
            if kind in ("start", "progress", "ran"):
                self.notify(message)
            elif kind == "warning":
                with self.lock:
                    first = message[1] not in self.warned
                    self.warned.add(message[1])
                if first:
                    warnings.warn(message[1].split(": ", 1)[-1], stacklevel=1)
            elif kind != "stored":
                apply(task.folder, message)
        raise RuntimeError("the run ended without a result")

    def cancel(self) -> None:
        self.stop.set()
        with self.lock:
            streams = list(self.live.values())
        for stream in streams:
            self._cancel(stream)

    def _cancel(self, stream: Any) -> None:
        try:
            self.ray.cancel(stream, force=True)
        except Exception:  # already finished, or its node is gone
            pass


def _cpus(grid: Any) -> int:
    from ...threads import resolve

    return resolve(getattr(grid, "threads", None))


@contextmanager
def session(grid: Any) -> Iterator[None]:
    """Connected to the cluster at ``grid.ray_address`` (a local one when ``None``), every
    node checked (:mod:`.preflight`): entered before anything is spent, warm starts
    included."""
    import ray

    from .preflight import check_nodes

    started = not ray.is_initialized()
    if started:
        address = getattr(grid, "ray_address", None)
        _reachable(address)
        try:
            ray.init(address=address, log_to_driver=False, include_dashboard=False,
                     logging_level="ERROR")
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = str(exc).split(". ")[0].rstrip(".")
            raise SeqzooError(f"cannot reach a Ray cluster at {address}: {first}; "
                              f"{_connect_hint(address)}") from None
    hook = getattr(ray._private, "auto_init_hook", None)
    auto = getattr(hook, "enable_auto_connect", None)
    if auto is not None:  # a stream thread still unwinding must not start a fresh Ray
        hook.enable_auto_connect = False
    try:
        check_nodes(_env(), _cpus(grid), getattr(grid, "gpus_per_run", 0) or 0)
        yield
    finally:
        if started:
            ray.shutdown()
        if auto is not None:
            hook.enable_auto_connect = auto


def _connect_hint(address: str | None) -> str:
    # Ray 2.60's 'ray start --head' turns token authentication on by itself (it writes
    # ~/.ray/auth_token), but a driver or node joining it does not: without RAY_AUTH_MODE it
    # sends no token and sees only "failed to connect"
    if address and os.environ.get("RAY_AUTH_MODE") is None:
        return ("if the cluster uses token authentication, set RAY_AUTH_MODE=token here, "
                "with the head's ~/.ray/auth_token (docs/scaling.md)")
    return "start one with 'ray start --head', or leave out --ray-address"


def _reachable(address: str | None) -> None:
    """Refuse a HOST:PORT nobody listens on at once: Ray would retry it for minutes."""
    import socket

    host, _, port = (address or "").rpartition(":")
    if "://" in (address or "") or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise SeqzooError(f"cannot reach a Ray cluster at {address}: "
                          f"{exc.strerror or exc}; is 'ray start --head' running there?"
                          ) from None


def run_ray(tasks: list[RunTask], grid: Any, notify: Notify,
            retried: Callable[[str, str], None]) -> Iterator[tuple[RunTask, Outcome]]:
    """Every run of ``tasks`` on the connected cluster (see :func:`session`), yielded as it
    finishes."""
    driver = _Driver(grid, notify, retried)
    todo: queue.Queue = queue.Queue()
    for task in tasks:
        todo.put(task)
    finished: queue.Queue = queue.Queue()

    def stream_runs() -> None:
        while not driver.stop.is_set():
            try:
                task = todo.get_nowait()
            except queue.Empty:
                return
            finished.put((task, driver.follow(task)))

    for _ in range(min(len(tasks), MAX_STREAMS)):
        threading.Thread(target=stream_runs, daemon=True).start()
    try:
        for _ in tasks:
            while True:
                try:
                    outcome = finished.get(timeout=0.5)  # a timeout lets Ctrl-C in
                    break
                except queue.Empty:
                    continue
            yield outcome
    except BaseException:
        driver.cancel()
        raise
