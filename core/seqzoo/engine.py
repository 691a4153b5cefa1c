"""The run engine: ask -> validate -> evaluate -> log -> tell, under an exact budget.

The engine, not the proposer, owns every oracle call. The initial solutions are evaluated
first and count against the budget; each later batch is cut to what is left, so a run never
uses one evaluation more than its budget. Every batch is on disk (flushed and fsynced) before
the proposer is told about it and asked for the next one, so a killed run loses nothing and
:func:`resume` continues it without re-spending budget.
"""

from __future__ import annotations

import platform
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__
from .errors import OracleError, ProposerError, SeqzooError
from .plugins import registry
from .protocol import Oracle, Problem, Proposer, decode
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
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["best_value"] == -np.inf:
            out["best_value"] = None
        return out


def seed_everything(seed: int) -> None:
    """Seed python, numpy's legacy global state and, when installed, torch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules or find_spec("torch") is not None:
        import torch

        torch.manual_seed(seed)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "seqzoo": __version__, "numpy": np.__version__}
    for info in registry().plugins.values():
        if info.distribution and info.version:
            out[info.distribution] = info.version
    for dist in ("torch", "transformers", "peft", "pytorch-lightning"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def build_oracle(spec: str) -> Oracle:
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
    """Best value, evaluations to best and feasibility over the run so far."""

    def __init__(self, optimum: float | None):
        self.optimum, self.used, self.feasible = optimum, 0, 0
        self.best_value, self.best_x, self.best_at = -np.inf, None, 0

    def update(self, x: np.ndarray, y: np.ndarray) -> None:
        i = int(np.argmax(y))
        if y[i] > self.best_value:
            self.best_value, self.best_x, self.best_at = float(y[i]), x[i].copy(), self.used + i + 1
        self.used += len(y)
        self.feasible += int(np.isfinite(y).sum())

    @property
    def regret(self) -> float | None:
        if self.optimum is None:
            return None
        return float(self.optimum - self.best_value) if self.best_value > -np.inf else None

    @property
    def solved(self) -> bool:
        return self.optimum is not None and self.best_value >= self.optimum - SOLVED_TOL


Observer = Callable[[Progress], None]


class Engine:
    """One run: an oracle, a proposer and a budget, optionally logged to a folder."""

    def __init__(self, config: RunConfig, out: str | Path | None = None,
                 observer: Observer | None = None):
        if config.budget < 1:
            raise SeqzooError(f"budget must be at least 1, got {config.budget}")
        if config.batch_size is not None and config.batch_size < 1:
            raise SeqzooError(f"batch size must be at least 1, got {config.batch_size}")
        self.config, self.observer = config, observer
        self.rundir = RunDir(out) if out is not None else None
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
                               workdir=self.rundir.path if self.rundir else None)
        self.proposer = build_proposer(config.proposer, self.problem)
        self.name = f"proposer {Spec.parse(config.proposer).name!r}"
        if config.batch_size is None:
            config.batch_size = int(getattr(self.proposer, "batch_size", None)
                                    or DEFAULT_BATCH_SIZE)
        self.tracker = _Tracker(getattr(self.oracle, "optimal_value", None))
        self.step, self.elapsed_before = 0, 0.0

    @classmethod
    def from_rundir(cls, out: str | Path, observer: Observer | None = None) -> "Engine":
        """The engine of the run logged in ``out``, ready to :meth:`resume`."""
        saved = RunDir(out).read_config()
        try:
            config = RunConfig(**saved["config"])
        except (KeyError, TypeError):
            raise SeqzooError(f"{Path(out) / 'config.json'} is not a seqzoo run config") from None
        return cls(config, out, observer)

    # -- the loop ----------------------------------------------------------------------------
    def run(self, overwrite: bool = False) -> RunResult:
        if self.rundir is not None:
            self.rundir.create(self._config_record(), overwrite=overwrite)
        self.start = time.perf_counter()
        y0 = evaluate(self.oracle, self.x0)
        self._record(self.x0, y0, asked=len(self.x0))
        return self._loop()

    def resume(self) -> RunResult:
        """Replay the log into the proposer, then continue the loop."""
        assert self.rundir is not None
        steps = self.rundir.steps(self.oracle.alphabet, repair=True)
        self.start = time.perf_counter()
        if not steps:  # killed before the initial batch was logged
            y0 = evaluate(self.oracle, self.x0)
            self._record(self.x0, y0, asked=len(self.x0))
            return self._loop()
        if steps[0].step != 0 or not np.array_equal(steps[0].x, self.x0[: len(steps[0].x)]):
            raise SeqzooError(f"{self.rundir.log_path} does not start with this oracle's "
                              f"initial solutions; was the oracle changed?")
        self.elapsed_before = steps[-1].time
        self._replay(steps)
        return self._loop()

    def _replay(self, steps: list[Step]) -> None:
        restore = getattr(self.proposer, "restore", None)
        history = [(s.x, s.y) for s in steps]
        for i, s in enumerate(steps):
            self.tracker.update(s.x, s.y)
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

    def _record(self, x: np.ndarray, y: np.ndarray, asked: int) -> None:
        start = self.tracker.used
        if self.rundir is not None:
            self.rundir.append(self.step, asked, x, y, self.oracle.alphabet, start,
                               elapsed=self.wall_seconds)
        self.tracker.update(x, y)
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
            stopped=stopped, extras=dict(extras() if callable(extras) else {}),
        )

    def _config_record(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "versions": versions(),
                "optimal_value": getattr(self.oracle, "optimal_value", None),
                "alphabet": self.oracle.alphabet, "length": int(self.oracle.length),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv}


def run(oracle: str, proposer: str, budget: int, *, batch_size: int | None = None,
        seed: int = 0, out: str | Path | None = None, stop_on_optimum: bool = True,
        observer: Observer | None = None, overwrite: bool = False) -> RunResult:
    """Run ``proposer`` on ``oracle`` (both specs) for ``budget`` evaluations."""
    config = RunConfig(oracle, proposer, budget, batch_size, seed, stop_on_optimum)
    return Engine(config, out, observer).run(overwrite=overwrite)


def resume(out: str | Path, observer: Observer | None = None) -> RunResult:
    """Continue the run logged in ``out`` (a finished run just has its result rewritten)."""
    return Engine.from_rundir(out, observer).resume()
