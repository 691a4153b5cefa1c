"""A run that writes nothing under ``--out``: the engine writes through a sink, the driver
keeps the store.

On a worker, :class:`Sink` stands in for the run's folder. It is a :class:`RunDir` on a
scratch folder of the worker's own (so the engine reads back what it wrote, and a proposer
has a work folder), and it sends every write to the driver as a message. What a resumed run
needs -- the driver's ``config.json`` and log -- travels with the task, so a retry on any
node resumes from exactly the rows the driver holds.

On the driver, :func:`apply` writes each message into the store, so the driver stays the only
writer and no node needs the driver's disk.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...runlog import RunDir, write_json_atomic

Send = Callable[[tuple[Any, ...]], None]


@dataclass(frozen=True)
class Held:
    """What the driver holds of a run, sent with its task: ``config`` and ``log`` of an
    interrupted run (``None`` for a new one) and the shared warm start's rows file."""

    config: dict[str, Any] | None = None
    log: str | None = None
    warm_rows: str | None = None

    @classmethod
    def read(cls, folder: str | Path, warm_rows: str | None) -> Held:
        run = RunDir(folder)
        warm = Path(warm_rows).read_text() if warm_rows is not None else None
        if not (run.config_path.exists() and run.log_path.exists()):
            return cls(warm_rows=warm)
        list(run.records(repair=True))  # a batch torn by a kill is dropped, here as locally
        return cls(run.read_config(), run.log_path.read_text(), warm)

    def unpack(self, scratch: Path) -> bool:
        """Lay the held run out in ``scratch``; ``True`` when there is a run to resume."""
        scratch.mkdir(parents=True, exist_ok=True)
        if self.config is None or self.log is None:
            return False
        write_json_atomic(scratch / "config.json", self.config)
        (scratch / "evaluations.jsonl").write_text(self.log)
        return True


class Sink(RunDir):
    """The run's folder on a worker: written locally and, batch by batch, to the driver."""

    def __init__(self, scratch: str | Path, send: Send):
        super().__init__(scratch)
        self.send = send

    def create(self, config: dict[str, Any], overwrite: bool = False,
               force: bool = False) -> None:
        super().create(config, overwrite=True, force=True)  # scratch is this run's alone
        self.send(("create", config))

    def append_lines(self, text: str) -> None:
        super().append_lines(text)
        self.send(("rows", text))

    def keep_steps_before(self, step: int) -> None:
        super().keep_steps_before(step)
        self.send(("cut", step))

    def write_result(self, result: dict[str, Any]) -> None:
        super().write_result(result)
        self.send(("result", result))


def apply(folder: str | Path, message: tuple[Any, ...]) -> None:
    """Write one of a run's messages into its folder in the store (on the driver)."""
    run, kind = RunDir(folder), message[0]
    if kind == "create":
        # the command that made the run is the driver's, not a Ray worker's entry point
        run.create({**message[1], "argv": sys.argv}, overwrite=True)
    elif kind == "rows":
        run.append_lines(message[1])
    elif kind == "cut":
        run.keep_steps_before(message[1])
    elif kind == "result":
        run.write_result(message[1])
