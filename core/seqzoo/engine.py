"""The run engine: ask -> validate -> evaluate -> log -> tell, under an exact budget.

The engine, not the proposer, owns every oracle call. Step 0 -- the initial solutions, or a
warm start's labelled rows (:mod:`seqzoo.warmstart`), which include them -- is logged and
told first and counts against the budget; each later batch is cut to what is left, so a run
never uses one evaluation more than its budget. Every batch is on disk (flushed and fsynced) before
the proposer is told about it and asked for the next one, so a killed run loses nothing and
:func:`resume` continues it without re-spending budget.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import threads, warmstart
from .errors import OracleError, ProposerError, SeqzooError
from .plugins import registry
from .protocol import Oracle, Problem, Proposer, decode
from .provenance import versions
from .runlog import RunDir, Step
from .spec import Spec, build

#: Values within this distance of the optimum count as solved (floating-point slack).
SOLVED_TOL = 1e-9
DEFAULT_BATCH_SIZE = 100


@dataclass
class RunConfig:
    oracle: str
    proposer: str
    budget: int
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


@dataclass
class Progress:
    """What an observer sees after each batch."""

    evaluations: int
    budget: int
    best_value: float
    regret: float | None
    step: int


@dataclass
class RunResult:
    oracle: str
    proposer: str
    seed: int
    budget: int
    evaluations: int
    best_value: float
    best_sequence: str | None
    regret: float | None
    evaluations_to_best: int
    solved: bool
    feasible_fraction: float
    wall_seconds: float
    stopped: str
    #: Distinct sequences evaluated after step 0 that step 0 did not hold: the evaluations
    #: that taught the proposer something new (the rest re-scored known sequences).
    distinct_evaluations: int = 0
    #: Rows of step 0 that came from a warm start (0 without one).
    warm_start_evaluations: int = 0
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["best_value"] == -np.inf:
            out["best_value"] = None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunResult":
        """The result :meth:`to_json` wrote (keys it does not know are ignored)."""
        known = {f.name for f in fields(cls)}
        out = {k: v for k, v in data.items() if k in known}
        if out.get("best_value") is None:
            out["best_value"] = -np.inf
        return cls(**out)


def seed_everything(seed: int) -> None:
    """Seed python, numpy's legacy global state and torch if it is already imported.

    torch is never imported here: a numpy-only run must not pay its start-up. The engine
    calls this again once the oracle and proposer are built, so plugins that import torch
    while being built get a seeded global stream too.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def build_oracle(spec: str) -> Oracle:
    """The oracle a spec such as ``ehrlich:preset=f2`` names, built and checked."""
    parsed = Spec.parse(spec)
    factory = registry().get("oracle", parsed.name).load()
    oracle = build(factory, parsed.options, what=f"oracle {parsed.name!r}")
    for attr in ("alphabet", "length", "initial_solutions"):
        if not hasattr(oracle, attr):
            raise SeqzooError(f"oracle {parsed.name!r} does not follow the protocol: no {attr}")
    return oracle  # type: ignore[return-value]


def build_proposer(spec: str, problem: Problem) -> Proposer:
    parsed = Spec.parse(spec)
    factory = registry().get("proposer", parsed.name).load()
    proposer = build(factory, parsed.options, what=f"proposer {parsed.name!r}", problem=problem)
    if not (hasattr(proposer, "ask") and hasattr(proposer, "tell")):
        raise SeqzooError(f"proposer {parsed.name!r} does not follow the protocol: "
                          f"it needs ask(n) and tell(x, y)")
    return proposer  # type: ignore[return-value]


def validate_batch(x: Any, n: int, length: int, num_states: int, who: str) -> np.ndarray:
    """Check a proposer's answer to ``ask(n)``; return it as an int64 array."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise ProposerError(f"{who} returned dtype {arr.dtype}, expected integer states")
    if arr.ndim != 2 or arr.shape[1] != length:
        raise ProposerError(f"{who} returned shape {arr.shape}, expected (k, {length})")
    if not 1 <= len(arr) <= n:
        raise ProposerError(f"{who} returned {len(arr)} sequences when asked for {n}")
    if arr.min() < 0 or arr.max() >= num_states:
        raise ProposerError(f"{who} returned states {arr.min()}..{arr.max()}, "
                            f"expected 0..{num_states - 1}")
    return arr.astype(np.int64, copy=False)


def evaluate(oracle: Oracle, x: np.ndarray, who: str = "oracle") -> np.ndarray:
    y = np.asarray(oracle(x), dtype=float).reshape(-1)
    if y.shape != (len(x),):
        raise OracleError(f"{who} returned {y.shape[0]} values for {len(x)} sequences")
    if np.isnan(y).any() or np.isposinf(y).any():
        raise OracleError(f"{who} returned NaN or +inf (infeasible must be -inf)")
    return y


class _Tracker:
    """Best value, evaluations to best, feasibility and novelty over the run so far."""

    def __init__(self, optimum: float | None):
        self.optimum, self.used, self.feasible = optimum, 0, 0
        self.best_value, self.best_x, self.best_at = -np.inf, None, 0
        self.seen: set[bytes] = set()
        self.distinct = 0

    def update(self, x: np.ndarray, y: np.ndarray, step: int) -> None:
        i = int(np.argmax(y))
        if y[i] > self.best_value:
            self.best_value, self.best_x, self.best_at = float(y[i]), x[i].copy(), self.used + i + 1
        self.used += len(y)
        self.feasible += int(np.isfinite(y).sum())
        for row in np.ascontiguousarray(x, dtype=np.int64):
            key = row.tobytes()
            if key not in self.seen:
                self.seen.add(key)
                self.distinct += step > 0

    @property
    def regret(self) -> float | None:
        if self.optimum is None:
            return None
        return float(self.optimum - self.best_value) if self.best_value > -np.inf else None

    @property
    def solved(self) -> bool:
        return self.optimum is not None and self.best_value >= self.optimum - SOLVED_TOL


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
        if config.budget < 1:
            raise SeqzooError(f"budget must be at least 1, got {config.budget}")
        if config.batch_size is not None and config.batch_size < 1:
            raise SeqzooError(f"batch size must be at least 1, got {config.batch_size}")
        check_warm_start(config)
        if config.threads is not None and (not isinstance(config.threads, int)
                                           or config.threads < 1):
            raise SeqzooError(f"threads must be a positive integer, got {config.threads!r}")
        self.config, self.observer, self.warm_rows = config, observer, warm_rows
        self.rundir = RunDir(out) if out is not None else None
        # before any plugin is built, so a torch imported while building reads the count
        self.threads = threads.resolve(config.threads)
        threads.apply(self.threads)
        seed_everything(config.seed)
        self.oracle = build_oracle(config.oracle)
        x0 = np.asarray(self.oracle.initial_solutions(), dtype=np.int64)
        if x0.ndim == 1:
            x0 = x0[None, :]
        if len(x0) > config.budget:
            raise SeqzooError(f"budget {config.budget} is smaller than the {len(x0)} initial "
                              f"solutions the oracle starts from")
        self.x0 = x0
        self.problem = Problem(self.oracle.alphabet, int(self.oracle.length), x0.copy(),
                               seed=config.seed,
                               workdir=self.rundir.path if self.rundir else None,
                               budget=config.budget)
        # built now so that a bad spec fails before any evaluation; rebuilt with the warm
        # start's rows once they exist (factories defer heavy work to the first ask)
        self.proposer = build_proposer(config.proposer, self.problem)
        threads.apply(self.threads)
        seed_everything(config.seed)
        self.name = f"proposer {Spec.parse(config.proposer).name!r}"
        if config.batch_size is None:
            config.batch_size = int(getattr(self.proposer, "batch_size", None)
                                    or DEFAULT_BATCH_SIZE)
        self.tracker = _Tracker(getattr(self.oracle, "optimal_value", None))
        self.step, self.elapsed_before, self.warm_count = 0, 0.0, 0

    @classmethod
    def from_rundir(cls, out: str | Path, observer: Observer | None = None,
                    warm_rows: Rows | None = None) -> "Engine":
        """The engine of the run logged in ``out``, ready to :meth:`resume`."""
        saved = RunDir(out).read_config()
        try:
            config = RunConfig(**saved["config"])
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
        if len(x) > self.config.budget:
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
            return warmstart.from_spec(cfg.warm_start, cfg.oracle, cfg.seed,
                                       cfg.warm_start_budget,
                                       self.rundir.path / WARM_START_DIR)
        with tempfile.TemporaryDirectory(prefix="seqzoo-warm-start-") as tmp:
            return warmstart.from_spec(cfg.warm_start, cfg.oracle, cfg.seed,
                                       cfg.warm_start_budget, tmp)

    def _use_warm_start(self, x: np.ndarray, y: np.ndarray) -> None:
        """Rebuild the proposer with the rows in its problem (see Problem.warm_start)."""
        self.warm_count = len(x)
        self.problem = replace(self.problem, warm_start=(x.copy(), y.copy()))
        seed_everything(self.config.seed)
        self.proposer = build_proposer(self.config.proposer, self.problem)
        seed_everything(self.config.seed)

    def _replay(self, steps: list[Step]) -> None:
        restore = getattr(self.proposer, "restore", None)
        history = [(s.x, s.y) for s in steps]
        for i, s in enumerate(steps):
            self.tracker.update(s.x, s.y, s.step)
            self.step = s.step
            if callable(restore):
                continue
            if i > 0:  # regenerate the proposer's own random draws before telling it
                self.proposer.ask(s.asked)
            self.proposer.tell(s.x, s.y)
        if callable(restore):
            restore(history)

    def _loop(self) -> RunResult:
        cfg, stopped = self.config, "budget"
        while self.tracker.used < cfg.budget:
            if cfg.stop_on_optimum and self.tracker.solved:
                stopped = "optimum"
                break
            n = min(cfg.batch_size, cfg.budget - self.tracker.used)
            x = validate_batch(self.proposer.ask(n), n, self.problem.length,
                               self.problem.num_states, self.name)
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
            self.observer(Progress(self.tracker.used, self.config.budget,
                                   self.tracker.best_value, self.tracker.regret, self.step))

    @property
    def wall_seconds(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.start

    def _result(self, stopped: str) -> RunResult:
        t, cfg = self.tracker, self.config
        best = decode(t.best_x, self.oracle.alphabet)[0] if t.best_x is not None else None
        extras = getattr(self.proposer, "result_extras", None)
        return RunResult(
            oracle=cfg.oracle, proposer=cfg.proposer, seed=cfg.seed, budget=cfg.budget,
            evaluations=t.used, best_value=t.best_value, best_sequence=best, regret=t.regret,
            evaluations_to_best=t.best_at, solved=t.solved,
            feasible_fraction=t.feasible / max(t.used, 1), wall_seconds=self.wall_seconds,
            stopped=stopped, distinct_evaluations=t.distinct,
            warm_start_evaluations=self.warm_count,
            extras=dict(extras() if callable(extras) else {}),
        )

    def _config_record(self) -> dict[str, Any]:
        from .provenance import commit

        return {"config": asdict(self.config), "versions": versions(), "commit": commit(),
                "threads": self.threads,
                "optimal_value": getattr(self.oracle, "optimal_value", None),
                "alphabet": self.oracle.alphabet, "length": int(self.oracle.length),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv}


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
    if n is not None and n >= config.budget:
        raise SeqzooError(f"--warm-start-budget {n} leaves nothing of --budget "
                          f"{config.budget} (the warm start's rows count in the budget)")


def run(oracle: str, proposer: str, budget: int, *, batch_size: int | None = None,
        seed: int = 0, out: str | Path | None = None, stop_on_optimum: bool = True,
        observer: Observer | None = None, overwrite: bool = False,
        warm_start: str | None = None, warm_start_budget: int | None = None,
        threads: int | None = None) -> RunResult:
    """Run ``proposer`` on ``oracle`` (both specs) for ``budget`` evaluations, the rows of
    an optional ``warm_start`` (a proposer spec or a file) included."""
    config = RunConfig(oracle, proposer, budget, batch_size, seed, stop_on_optimum,
                       warm_start, warm_start_budget, threads)
    return Engine(config, out, observer).run(overwrite=overwrite)


def resume(out: str | Path, observer: Observer | None = None) -> RunResult:
    """Continue the run logged in ``out`` (a complete run is left untouched)."""
    return Engine.from_rundir(out, observer).resume()
