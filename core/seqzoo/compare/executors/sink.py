"""A run that writes nothing under ``--out``: the engine writes through a sink, the driver
keeps the store.

On a worker, :class:`Sink` stands in for the run's folder. It is a :class:`RunDir` on a
scratch folder of the worker's own (so the engine reads back what it wrote, and a proposer
has a work folder), and it sends every write to the driver as a message: the run's config,
log and result, and the files a proposer keeps in its work folder (LLOME's checkpoints),
which go with the next batch. What a resumed run needs -- the driver's copy of all of it --
travels with the task, so a retry on any node resumes from exactly what the driver holds.

On the driver, :func:`apply` writes each message into the store, so the driver stays the only
writer and no node needs the driver's disk.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import SeqzooError
from ...runlog import CONFIG, EVALUATIONS, RESULT, RunDir, write_json_atomic

Send = Callable[[tuple[Any, ...]], None]
#: A run folder's own files; everything else in it is the proposer's.
_OWN = {CONFIG, EVALUATIONS, RESULT}


def proposer_files(folder: Path) -> dict[str, Path]:
    """The proposer's files in a run folder, by path relative to it (no temp files, nor a
    warm start's own run folder)."""
    found = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in _OWN and not rel.startswith("warm-start/") \
                and not path.name.endswith(".tmp"):
            found[rel] = path
    return found


@dataclass(frozen=True)
class Held:
    """What the driver holds of a run, sent with its task: ``config``, ``log`` and the
    proposer's ``files`` of an interrupted run (``None`` for a new one) and the text of the
    shared warm start's rows file."""

    config: dict[str, Any] | None = None
    log: str | None = None
    warm_rows: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: str | Path, warm_rows: str | None) -> Held:
        run = RunDir(folder)
        warm = Path(warm_rows).read_text() if warm_rows is not None else None
        if not (run.config_path.exists() and run.log_path.exists()):
            return cls(warm_rows=warm)
        list(run.records(repair=True))  # a batch torn by a kill is dropped, here as locally
        files = {rel: path.read_bytes() for rel, path in proposer_files(run.path).items()}
        return cls(run.read_config(), run.log_path.read_text(), warm, files)

    def unpack(self, scratch: Path) -> bool:
        """Lay the held run out in ``scratch``; ``True`` when there is a run to resume."""
        scratch.mkdir(parents=True, exist_ok=True)
        if self.config is None or self.log is None:
            return False
        write_json_atomic(scratch / CONFIG, self.config)
        (scratch / EVALUATIONS).write_text(self.log)
        for rel, data in self.files.items():
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            (scratch / rel).write_bytes(data)
        return True


class Sink(RunDir):
    """The run's folder on a worker: written locally and, batch by batch, to the driver."""

    def __init__(self, scratch: str | Path, send: Send):
        super().__init__(scratch)
        self.send = send
        #: The proposer's files as the driver has them: path -> (mtime, size).
        self.synced = {rel: _stamp(p) for rel, p in proposer_files(self.path).items()}

    def create(self, config: dict[str, Any], overwrite: bool = False,
               force: bool = False) -> None:
        super().create(config, overwrite=True, force=True)  # scratch is this run's alone
        self.send(("create", config))

    def append_lines(self, text: str) -> None:
        self.sync_files()  # what the proposer kept after its last batch, before the next
        with open(self.log_path, "a") as fh:  # the driver's copy is the durable one
            fh.write(text)
        self.send(("rows", text))

    def keep_steps_before(self, step: int) -> None:
        super().keep_steps_before(step)
        self.send(("cut", step))

    def write_result(self, result: dict[str, Any]) -> None:
        self.sync_files()
        super().write_result(result)
        self.send(("result", result))

    def sync_files(self) -> None:
        now = {rel: _stamp(p) for rel, p in proposer_files(self.path).items()}
        for rel in sorted(set(self.synced) - set(now)):
            self.send(("unlink", rel))
        for rel, stamp in now.items():
            if self.synced.get(rel) != stamp:
                self.send(("file", rel, (self.path / rel).read_bytes()))
        self.synced = now


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


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
    elif kind in ("file", "unlink"):
        target = _inside(run.path, message[1])
        if kind == "unlink":
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(message[2])
            os.replace(tmp, target)


def _inside(folder: Path, rel: str) -> Path:
    """``folder / rel``, refused if ``rel`` would leave the run's folder."""
    target = (folder / rel).resolve()
    if not target.is_relative_to(folder.resolve()) or rel in _OWN:
        raise SeqzooError(f"a run sent a file outside its folder: {rel!r}")
    return target
