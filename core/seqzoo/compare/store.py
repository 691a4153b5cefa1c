"""The folder store of a comparison: one engine run folder per oracle / proposer / seed.

Layout of ``DIR``::

    grid.json                                   the grid of the latest invocation
    warm-start/<oracle>/seed-<s>/rows.jsonl     the shared warm start of that oracle and seed
                                                (beside the run folder that made it, if any)
    runs/<oracle>/<proposer>/seed-<s>/          a ``zoo run`` folder (config, log, result)
    summary.csv  trace.csv  table.txt  report.md  regret.png    built by ``zoo report``

A run folder with ``result.json`` is complete and is skipped on re-invocation; one with a
log but no result was interrupted and is resumed from its log; anything else starts afresh.
A stored run made with other settings, other package versions or another git commit is
refused (``--allow-mixed`` accepts other code), so that a table never mixes results of
different code unnoticed. Since the store is plain folders, a grid can be split across
machines that share it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..engine import DEFAULT_BATCH_SIZE, LEGACY, RunConfig
from ..errors import SeqzooError
from ..protocol import MODEL_QUERIES
from ..rounds import FREE, rounds_budget
from ..runlog import RunDir, write_json_atomic
from .grid import Grid

#: What a stored config that lacks a newer key was made with.
_DEFAULTS = {"model_queries": MODEL_QUERIES}
GRID = "grid.json"
RUNS = "runs"
WARM = "warm-start"
ROWS = "rows.jsonl"
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
    budget: int | None
    batch_size: int | None
    folder: str
    warm_start: str | None = None
    warm_start_budget: int | None = None
    #: ``rows.jsonl`` of the shared warm start this run starts from, or ``None``.
    warm_rows: str | None = None
    threads: int | None = None
    rounds: int | str | None = None
    model_queries: int = MODEL_QUERIES
    #: Evaluations the run is expected to use (for progress: ``budget`` may be ``None``).
    planned: int = 0

    @property
    def key(self) -> str:
        return f"{self.proposer} | {self.oracle} | seed {self.seed}"

    def config(self) -> RunConfig:
        return RunConfig(self.oracle, self.proposer, self.budget, self.batch_size, self.seed,
                         warm_start=self.warm_start,
                         warm_start_budget=self.warm_start_budget, threads=self.threads,
                         rounds=self.rounds, model_queries=self.model_queries)

    def load_warm_rows(self, alphabet: str, length: int):
        """The shared warm start's ``(x, y)``, or ``None`` for a run without one."""
        if self.warm_rows is None:
            return None
        from ..warmstart import read_file

        return read_file(self.warm_rows, alphabet, length)


class Store:
    def __init__(self, out: str | Path):
        self.path = Path(out)

    def tasks(self, grid: Grid, starts: dict[str, int] | None = None) -> list[RunTask]:
        """The grid's runs in order; two specs that would share a folder are an error.
        ``starts`` (each oracle's initial solutions) sizes runs whose rounds set the budget."""
        tasks, seen = [], {}
        for oracle, proposer, seed in grid.cells():
            folder = self.path / RUNS / slug(oracle) / slug(proposer) / f"seed-{seed}"
            if folder in seen:
                raise SeqzooError(f"{seen[folder]!r} and {(oracle, proposer)!r} map to the "
                                  f"same run folder {folder}; spell one differently")
            seen[folder] = (oracle, proposer)
            warm = (str(self.warm_folder(oracle, seed) / ROWS) if grid.warm_start else None)
            planned = grid.budget if grid.budget is not None else rounds_budget(
                grid.warm_start_budget or (starts or {}).get(oracle, 1), int(grid.rounds or 0),
                grid.batch_size or DEFAULT_BATCH_SIZE)
            tasks.append(RunTask(oracle, proposer, seed, grid.budget, grid.batch_size,
                                 str(folder), grid.warm_start, grid.warm_start_budget, warm,
                                 grid.threads, grid.rounds, grid.model_queries, planned))
        return tasks

    def warm_folder(self, oracle: str, seed: int) -> Path:
        return self.path / WARM / slug(oracle) / f"seed-{seed}"

    def prepare_warm_starts(self, grid: Grid, overwrite: bool = False,
                            say=lambda text: None) -> None:
        """Evaluate the grid's warm start once per (oracle, seed) and store its rows, which
        every proposer's run with that seed then starts from."""
        if grid.warm_start is None:
            return
        from .. import warmstart
        from ..engine import build_oracle, evaluate, warm_start_run

        for oracle_spec in grid.oracles:
            for seed in grid.seeds:
                folder = self.warm_folder(oracle_spec, seed)
                wanted = {"oracle": oracle_spec, "seed": seed, "warm_start": grid.warm_start,
                          "warm_start_budget": grid.warm_start_budget}
                if overwrite:
                    shutil.rmtree(folder, ignore_errors=True)
                if (folder / ROWS).exists():
                    saved = json.loads((folder / "warm-start.json").read_text())
                    if saved != wanted:
                        key = next(k for k in wanted if saved.get(k) != wanted[k])
                        raise SeqzooError(f"{folder} holds a warm start with {key}="
                                          f"{saved.get(key)!r}, this grid asks "
                                          f"{wanted[key]!r}; use --overwrite or another --out")
                    continue
                say(f"warm start {grid.warm_start} on {oracle_spec}, seed {seed}")
                folder.mkdir(parents=True, exist_ok=True)
                oracle = build_oracle(oracle_spec)
                if warmstart.is_file(grid.warm_start):
                    import numpy as np

                    x0 = np.asarray(oracle.initial_solutions(), np.int64)
                    x0 = x0.reshape(-1, int(oracle.length))
                    x, y = warmstart.from_file(grid.warm_start, oracle, x0,
                                               grid.warm_start_budget,
                                               lambda b: evaluate(oracle, b))
                else:
                    x, y = warm_start_run(grid.warm_start, oracle_spec, seed,
                                          grid.warm_start_budget, folder / "run")
                if len(x) >= grid.budget:
                    raise SeqzooError(f"the warm start has {len(x)} rows on {oracle_spec}, "
                                      f"which leaves nothing of the budget {grid.budget}")
                warmstart.write_rows(folder / ROWS, x, y, oracle.alphabet)
                write_json_atomic(folder / "warm-start.json", wanted)

    @staticmethod
    def state(task: RunTask) -> str:
        run = RunDir(task.folder)
        if run.read_result() is not None:
            return COMPLETE
        if run.config_path.exists() and run.log_path.exists():
            return INTERRUPTED
        return NEW

    def check(self, tasks: list[RunTask], allow_mixed: bool = False) -> None:
        """Refuse to mix settings or code: a stored run must have been made with this grid's
        settings and (unless ``allow_mixed``) the same git commit and versions (a package
        installed since does not count: re-running a grid after installing a plugin runs
        only that plugin's runs)."""
        from ..provenance import code_change, provenance

        here = provenance()
        for task in tasks:
            run = RunDir(task.folder)
            if not run.config_path.exists():
                continue
            record = run.read_config()
            saved = {**LEGACY, **record.get("config", {})}
            wanted = asdict(task.config())
            if saved["rounds"] == FREE and wanted["rounds"] != FREE:
                if not allow_mixed:
                    raise SeqzooError(f"{task.folder} was made with free rounds; use "
                                      f"--allow-mixed to keep it anyway, --overwrite to redo "
                                      f"it, or another --out")
                continue  # kept as it was made: its own protocol, recorded in its config
            # a run of "own" batch size recorded the size its proposer chose
            diff = sorted(k for k in wanted if saved.get(k, _DEFAULTS.get(k)) != wanted[k]
                          and not (k == "batch_size" and wanted[k] is None))
            if diff:
                raise SeqzooError(
                    f"{task.folder} holds a run with {diff[0]}={saved.get(diff[0])!r}, this "
                    f"grid asks {wanted[diff[0]]!r}; use --overwrite or another --out")
            if allow_mixed:
                continue
            what = code_change(record, here)
            if what is not None:
                raise SeqzooError(
                    f"{task.folder} was made by other code ({what}); use --allow-mixed to "
                    f"keep it anyway, --overwrite to redo it, or another --out")

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
                        None if data["budget"] is None else int(data["budget"]),
                        None if data["batch_size"] is None else int(data["batch_size"]),
                        warm_start=data.get("warm_start"),
                        warm_start_budget=data.get("warm_start_budget"),
                        threads=data.get("threads"),
                        rounds=data.get("rounds", FREE),
                        model_queries=int(data.get("model_queries", MODEL_QUERIES)))
        except FileNotFoundError:
            raise SeqzooError(f"{self.path} is not a zoo compare folder (no {GRID})") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise SeqzooError(f"{self.path / GRID} is damaged: {exc}") from None


