"""The folder store of a comparison: one engine run folder per oracle / proposer / seed.

Layout of ``DIR``::

    grid.json                                   the grid of the latest invocation
    runs/<oracle>/<proposer>/seed-<s>/          a ``zoo run`` folder (config, log, result)
    summary.csv  trace.csv  table.txt  report.md  regret.png    built by ``zoo report``

A run folder with ``result.json`` is complete and is skipped on re-invocation; one with a
log but no result was interrupted and is resumed from its log; anything else starts afresh.
Since the store is plain folders, a grid can be split across machines that share it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..engine import RunConfig
from ..errors import SeqzooError
from ..runlog import RunDir, write_json_atomic
from .grid import Grid

GRID = "grid.json"
RUNS = "runs"
NEW, INTERRUPTED, COMPLETE = "new", "interrupted", "complete"


def slug(spec: str) -> str:
    """A folder name for a spec: ``ehrlich:preset=f2`` -> ``ehrlich@preset=f2``."""
    return re.sub(r"[^A-Za-z0-9._,=+@-]", "_", spec.replace(":", "@", 1))


@dataclass(frozen=True)
class RunTask:
    """One cell of the grid: what to run and where its folder is (picklable for workers)."""

    oracle: str
    proposer: str
    seed: int
    budget: int
    batch_size: int
    folder: str

    @property
    def key(self) -> str:
        return f"{self.proposer} | {self.oracle} | seed {self.seed}"

    def config(self) -> RunConfig:
        return RunConfig(self.oracle, self.proposer, self.budget, self.batch_size, self.seed)


class Store:
    def __init__(self, out: str | Path):
        self.path = Path(out)

    def tasks(self, grid: Grid) -> list[RunTask]:
        """The grid's runs in order; two specs that would share a folder are an error."""
        tasks, seen = [], {}
        for oracle, proposer, seed in grid.cells():
            folder = self.path / RUNS / slug(oracle) / slug(proposer) / f"seed-{seed}"
            if folder in seen:
                raise SeqzooError(f"{seen[folder]!r} and {(oracle, proposer)!r} map to the "
                                  f"same run folder {folder}; spell one differently")
            seen[folder] = (oracle, proposer)
            tasks.append(RunTask(oracle, proposer, seed, grid.budget, grid.batch_size,
                                 str(folder)))
        return tasks

    @staticmethod
    def state(task: RunTask) -> str:
        run = RunDir(task.folder)
        if run.read_result() is not None:
            return COMPLETE
        if run.config_path.exists() and run.log_path.exists():
            return INTERRUPTED
        return NEW

    def check(self, tasks: list[RunTask]) -> None:
        """Refuse to mix settings: a stored run must have been made with this grid's."""
        for task in tasks:
            run = RunDir(task.folder)
            if not run.config_path.exists():
                continue
            saved = run.read_config().get("config", {})
            wanted = asdict(task.config())
            diff = sorted(k for k in wanted if saved.get(k) != wanted[k])
            if diff:
                raise SeqzooError(
                    f"{task.folder} holds a run with {diff[0]}={saved.get(diff[0])!r}, this "
                    f"grid asks {wanted[diff[0]]!r}; use --overwrite or another --out")

    @staticmethod
    def clear(task: RunTask) -> None:
        shutil.rmtree(task.folder, ignore_errors=True)

    def write_grid(self, grid: Grid) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path / GRID, grid.to_json())

    def read_grid(self) -> Grid:
        try:
            data: dict[str, Any] = json.loads((self.path / GRID).read_text())
            return Grid(tuple(data["oracles"]), tuple(data["proposers"]), tuple(data["seeds"]),
                        int(data["budget"]), int(data["batch_size"]))
        except FileNotFoundError:
            raise SeqzooError(f"{self.path} is not a zoo compare folder (no {GRID})") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise SeqzooError(f"{self.path / GRID} is damaged: {exc}") from None
