"""A run's folder: ``config.json``, the append-only ``evaluations.jsonl`` and ``result.json``.

Each evaluation is one JSON line ``{"evaluation", "step", "round", "index", "asked",
"sequence", "value", "time"}``:
``step`` 0 holds the initial solutions (or a warm start's rows, which also carry
``"source": "warm-start"``); each later step is one round (``round`` repeats ``step``, so
that readers of the log need not know that), ``asked`` is the round's size, however many
asks filled it (needed to replay a proposer on resume), ``value`` is ``null`` for an infeasible
sequence (JSON has no infinities), ``time`` the run's wall seconds when the batch was
logged. A batch is flushed and fsynced before the next ``ask``; a
torn last line left by a kill is dropped when the log is reopened.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import SeqzooError
from .provenance import code_change
from .protocol import decode, encode

CONFIG, EVALUATIONS, RESULT = "config.json", "evaluations.jsonl", "result.json"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` so that readers see the old file or the new one, never half of it."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would differ from other files
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass
class Step:
    """One logged batch."""

    step: int
    asked: int
    x: np.ndarray
    y: np.ndarray
    #: The run's wall seconds when the batch was logged.
    time: float = 0.0


def batch_lines(step: int, asked: int, x: np.ndarray, y: np.ndarray, alphabet: str,
                start: int, elapsed: float = 0.0, source: str | None = None) -> str:
    """One batch as the log's JSON lines, newline-terminated."""
    lines = []
    for i, (seq, val) in enumerate(zip(decode(x, alphabet), y.tolist())):
        record = {"evaluation": start + i, "step": step, "round": step, "index": i,
                  "asked": asked,
                  "sequence": seq, "value": None if val == -np.inf else val,
                  "time": round(elapsed, 4)}
        if source is not None:
            record["source"] = source
        lines.append(json.dumps(record, allow_nan=False))
    return "\n".join(lines) + "\n"


#: What a run folder may hold besides its log (see :meth:`RunDir.check_new`).
_RUN_FILES = {CONFIG, RESULT, "warm-start"}


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    @property
    def log_path(self) -> Path:
        return self.path / EVALUATIONS

    @property
    def result_path(self) -> Path:
        return self.path / RESULT

    def create(self, config: dict[str, Any], overwrite: bool = False,
               force: bool = False) -> None:
        """Start a run here (see :meth:`check_new`)."""
        self.check_new(overwrite, force)
        self.path.mkdir(parents=True, exist_ok=True)
        for p in (self.log_path, self.result_path):
            p.unlink(missing_ok=True)
        write_json_atomic(self.config_path, config)
        self.log_path.touch()

    def check_new(self, overwrite: bool = False, force: bool = False) -> None:
        """Refuse to replace a run (unless ``overwrite``) or to write into a folder of other
        files (unless ``force``), so that no one's data is mixed up."""
        if self.path.exists() and not self.path.is_dir():
            raise SeqzooError(f"{self.path} is a file, not a folder; choose another --out")
        if self.log_path.exists() and not overwrite:
            raise SeqzooError(f"{self.path} already holds a run; use --resume {self.path} "
                              f"to continue it or choose another --out")
        if not force and self.path.is_dir() and not self.log_path.exists():
            # a run killed while being created leaves only its own files: not someone's data
            others = sorted(p.name for p in self.path.iterdir() if p.name not in _RUN_FILES
                            and not (p.name.startswith(".") and p.name.endswith(".tmp")))
            if others:
                raise SeqzooError(f"{self.path} is not empty and holds no run ({others[0]}, "
                                  f"...); choose an empty or new --out, or give --force")

    def read_config(self) -> dict[str, Any]:
        try:
            return json.loads(self.config_path.read_text())
        except FileNotFoundError:
            raise SeqzooError(f"{self.path} is not a run folder (no {CONFIG})") from None
        except ValueError as exc:
            raise SeqzooError(f"{self.config_path} is not valid JSON: {exc}") from None

    def note_resumed_by(self, here: dict[str, Any]) -> None:
        """Add ``here`` (the resuming process's :func:`~seqzoo.provenance.provenance`) to the
        config's ``resumed_by`` when it is not the code that began the run (nor the last to
        resume it): such a run's results are the work of both, and its config says so."""
        record = self.read_config()
        last = (record.get("resumed_by") or [record])[-1]
        if code_change(last, here) is not None:
            record.setdefault("resumed_by", []).append(here)
            write_json_atomic(self.config_path, record)

    def records(self, repair: bool = False) -> Iterator[dict[str, Any]]:
        """The logged evaluations; a torn final line is skipped (and cut off with ``repair``)."""
        if not self.log_path.exists():
            return
        data = self.log_path.read_bytes()
        good_end = 0
        lines = data.split(b"\n")
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            if not line.strip():
                good_end += len(line) + (0 if last else 1)
                continue
            try:
                if last:  # no newline after it: the writer died mid-line
                    raise ValueError("torn")
                record = json.loads(line)
            except ValueError:
                if last:
                    break
                raise SeqzooError(f"{self.log_path}: line {i + 1} is corrupt") from None
            good_end += len(line) + 1
            yield record
        if repair and good_end < len(data):
            with open(self.log_path, "r+b") as fh:
                fh.truncate(good_end)
                fh.flush()
                os.fsync(fh.fileno())

    def steps(self, alphabet: str, repair: bool = False) -> list[Step]:
        """The log grouped into batches, in order."""
        out: list[Step] = []
        groups: dict[int, list[dict[str, Any]]] = {}
        for rec in self.records(repair=repair):
            groups.setdefault(rec["step"], []).append(rec)
        for step in sorted(groups):
            recs = groups[step]
            try:
                x = encode([r["sequence"] for r in recs], alphabet)
                y = np.array([-np.inf if r["value"] is None else r["value"] for r in recs],
                             float)
            except (KeyError, TypeError, ValueError) as exc:
                raise SeqzooError(f"{self.log_path}: step {step} cannot be read back "
                                  f"({exc})") from None
            out.append(Step(step, int(recs[0].get("asked", len(recs))), x, y,
                            float(recs[-1].get("time", 0.0))))
        return out

    def append(self, step: int, asked: int, x: np.ndarray, y: np.ndarray, alphabet: str,
               start: int, elapsed: float = 0.0, source: str | None = None) -> None:
        """Append one batch and make it durable before returning."""
        self.append_lines(batch_lines(step, asked, x, y, alphabet, start, elapsed, source))

    def append_lines(self, text: str) -> None:
        """Append lines :func:`batch_lines` made (here or on another machine), durably."""
        with open(self.log_path, "a") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    def keep_steps_before(self, step: int) -> None:
        """Cut the log back to the steps before ``step`` (a round a kill left half written)."""
        kept = [json.dumps(r, allow_nan=False) for r in self.records() if r["step"] < step]
        write_text_atomic(self.log_path, "".join(line + "\n" for line in kept))

    def write_result(self, result: dict[str, Any]) -> None:
        write_json_atomic(self.result_path, result)

    def complete_result(self) -> dict[str, Any] | None:
        """The stored result if the run is finished: it stopped for a reason other than its
        budget, or spent the budget its config now asks (a raised budget reopens a run)."""
        result = self.read_result()
        if result is None:
            return None
        try:
            budget = self.read_config()["config"]["budget"]
        except (SeqzooError, KeyError, TypeError):
            return result
        done = result.get("stopped") != "budget" or result.get("evaluations", 0) >= budget
        return result if done else None

    def read_result(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.result_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
