"""``check_proposer``: drive a proposer through the real run engine and check what it did.

Every check runs :func:`seqzoo.engine.run` (or :func:`~seqzoo.engine.resume`) on a small
oracle with ``stop_on_optimum=False``, so the proposer is asked until the budget is spent,
including a last ask smaller than the batch size. The proposer and oracle are registered
under the name ``conformance`` for the duration (see :mod:`seqzoo.testing.registration`).
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .. import engine
from ..errors import SeqzooError, SpecError
from ..plugins import registry
from ..protocol import Oracle, Problem
from ..runlog import CONFIG, RunDir
from ..warmstart import SOURCE as WARM
from .oracles import SMALL_ORACLE
from .registration import FactoryPlugin, registered
from .results import Conformance, ConformanceError

__all__ = ["check_proposer", "OnlyInitialFeasible"]

NAME = "conformance"
INFEASIBLE = "conformance-infeasible"


class OnlyInitialFeasible:
    """The wrapped oracle, except that every sequence but an initial solution is infeasible.

    A proposer run on it sees nothing but ``-inf`` after step 0: it must keep proposing.
    """

    def __init__(self, base: Oracle):
        self.base = base
        self.alphabet, self.length = base.alphabet, base.length
        self.optimal_value = getattr(base, "optimal_value", None)
        self.x0 = np.atleast_2d(np.asarray(base.initial_solutions(), dtype=np.int64))

    def initial_solutions(self) -> np.ndarray:
        return self.x0.copy()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        initial = (x[:, None, :] == self.x0[None]).all(axis=2).any(axis=1)
        return np.where(initial, np.asarray(self.base(x), dtype=float), -np.inf)


Trajectory = list[tuple[int, str, float | None]]


def _trajectory(out: Path) -> Trajectory:
    return [(r["step"], r["sequence"], r["value"]) for r in RunDir(out).records()]


def _first_difference(a: Trajectory, b: Trajectory) -> int | None:
    """The first evaluation where two runs differ, or ``None`` if they are the same."""
    return next((i for i, (u, v) in enumerate(zip(a, b, strict=False)) if u != v),
                None if len(a) == len(b) else min(len(a), len(b)))


def _expect(condition: bool, check: str, message: str) -> None:
    if not condition:
        raise ConformanceError(f"{check}: {message}")


class _Driver:
    """Runs the registered subjects with one budget, batch size and seed."""

    def __init__(self, folder: Path, budget: int, batch_size: int | None, seed: int):
        self.folder, self.budget, self.batch_size, self.seed = folder, budget, batch_size, seed

    def run(self, check: str, oracle: str, name: str, **options: Any) -> Trajectory:
        out = self.folder / name
        self._guard(check, lambda: engine.run(oracle, NAME, self.budget,
                                              batch_size=self.batch_size, seed=self.seed,
                                              out=out, stop_on_optimum=False, **options))
        return self._exact_budget(check, out)

    def in_pieces(self, check: str, bound: Callable[..., object], oracle: str) -> None:
        """A run whose proposer is asked for at most a third of each round at a time: it
        must hand out new rows on every ask and is told each round once, whole."""
        calls: list[tuple[str, int]] = []

        class Pieces:
            def __init__(self, problem: Problem):
                self.inner = bound(problem)
                self.batch_size = getattr(self.inner, "batch_size", None)

            def ask(self, n: int) -> np.ndarray:
                x = np.asarray(self.inner.ask(max(1, -(-n // 3))))
                calls.append(("ask", len(x)))
                return x

            def tell(self, x: np.ndarray, y: np.ndarray) -> None:
                calls.append(("tell", len(x)))
                self.inner.tell(x, y)

        with registered(FactoryPlugin("proposer", f"{NAME}-pieces", Pieces)):
            out = self.folder / "pieces"
            self._guard(check, lambda: engine.run(oracle, f"{NAME}-pieces", self.budget,
                                                  batch_size=self.batch_size, seed=self.seed,
                                                  out=out, stop_on_optimum=False))
        self._exact_budget(check, out)
        asked = 0
        for kind, size in calls[1:]:  # the first tell is round 0
            if kind == "ask":
                asked += size
            else:
                _expect(size == asked, check, f"a tell of {size} rows after {asked} were "
                                              f"asked: rounds must be told whole")
                asked = 0
        sizes: dict[int, int] = {}
        for r in RunDir(out).records():
            sizes[r["round"]] = sizes.get(r["round"], 0) + 1
        full = [n for k, n in sorted(sizes.items()) if k][:-1]
        _expect(all(n == self.batch_size for n in full) if self.batch_size else True, check,
                f"rounds of {sorted(set(full))} rows, expected {self.batch_size}")

    def warm_start(self, check: str) -> None:
        """A run whose first half is a warm start (the builtin ``hill-climb``'s evaluations):
        the proposer is built with ``problem.warm_start`` and told the rows as step 0."""
        rows = self.budget // 2
        out = self.folder / "warm-started"
        self.run(check, NAME, out.name, warm_start="hill-climb", warm_start_budget=rows)
        records = list(RunDir(out).records())
        _expect(all(r.get("source") == WARM for r in records[:rows]) and
                all(r.get("source") != WARM for r in records[rows:]), check,
                f"the log should lead with exactly {rows} warm-start rows")
        _expect(any(r["step"] >= 1 for r in records), check,
                "the proposer was never asked after the warm start")

    def resume(self, check: str, out: Path) -> Trajectory:
        self._guard(check, lambda: engine.resume(out))
        return self._exact_budget(check, out)

    def _guard(self, check: str, go: Callable[[], engine.RunResult]) -> None:
        try:
            go()
        except ConformanceError:
            raise
        except Exception as exc:  # the message is what a plugin author needs to see
            raise ConformanceError(f"{check}: the run failed with {type(exc).__name__}: "
                                   f"{exc}") from exc

    def _exact_budget(self, check: str, out: Path) -> Trajectory:
        records = list(RunDir(out).records())
        result = RunDir(out).read_result() or {}
        _expect(len(records) == self.budget and result.get("evaluations") == self.budget,
                check, f"{len(records)} evaluations logged, expected exactly the budget "
                       f"{self.budget}")
        _expect([r["evaluation"] for r in records] == list(range(self.budget)), check,
                "the log's evaluation counter is not 0, 1, ..., budget - 1")
        return _trajectory(out)


def _truncate(source: Path, target: Path, budget: int) -> int:
    """Copy a finished run as if killed mid-way (a torn last line included); return the
    number of whole evaluations kept."""
    lines = (source / "evaluations.jsonl").read_text().splitlines(keepends=True)
    steps = [json.loads(line)["step"] for line in lines]
    ends = [i + 1 for i in range(len(steps)) if i + 1 == len(steps) or steps[i + 1] != steps[i]]
    keep = max([end for end in ends if end <= budget // 2], default=ends[0])
    target.mkdir(parents=True)
    shutil.copy(source / CONFIG, target / CONFIG)
    torn = lines[keep][: len(lines[keep]) // 2] if keep < len(lines) else ""
    (target / "evaluations.jsonl").write_text("".join(lines[:keep]) + torn)
    return keep


def _check_protocol(oracle: Oracle, seed: int) -> bool:
    """Build the proposer the way the engine does, without a run folder; whether it can
    ``restore``."""
    problem = Problem(oracle.alphabet, int(oracle.length),
                      np.atleast_2d(np.asarray(oracle.initial_solutions(), dtype=np.int64)),
                      seed=seed, workdir=None,
                      ground_truth=lambda q: engine.evaluate(oracle, np.asarray(q)))
    try:
        proposer = engine.build_proposer(NAME, problem)
    except SpecError as exc:  # the caller's options, not the protocol, are at fault
        raise ValueError(f"cannot build the proposer: {exc}".replace(
            f"proposer {NAME!r}: ", "")) from exc
    except SeqzooError as exc:
        raise ConformanceError(f"protocol: {exc}") from exc
    _expect(callable(proposer.ask) and callable(proposer.tell), "protocol",
            "ask and tell must be methods: ask(n) and tell(x, y)")
    size = getattr(proposer, "batch_size", None)
    _expect(size is None or (isinstance(size, (int, np.integer)) and size >= 1), "protocol",
            f"batch_size must be a positive int when present, got {size!r}")
    restore = getattr(proposer, "restore", None)
    _expect(restore is None or callable(restore), "protocol", "restore must be callable")
    return restore is not None


def check_proposer(factory: str | Callable[..., object], oracle: Oracle | str | None = None,
                   *, options: Mapping[str, Any] | None = None, budget: int = 60,
                   batch_size: int | None = 8, seed: int = 0,
                   workdir: str | Path | None = None) -> Conformance:
    """Check a proposer factory (or a registered proposer's name) against the protocol.

    ``oracle`` is an oracle object or spec (default :data:`~seqzoo.testing.SMALL_ORACLE`);
    ``options`` are the factory's keyword options (keep the proposer small); ``batch_size``
    ``None`` uses the proposer's own. Checks, each a real engine run of ``budget``
    evaluations:

    * ``protocol``: built without a run folder, it has ``ask``/``tell``, a positive int
      ``batch_size`` and a callable ``restore`` where present;
    * ``valid_outputs`` and ``budget``: every ask answered with 1..n in-range integer rows of
      the right length, and exactly ``budget`` evaluations logged;
    * ``deterministic``: the same seed gives the same proposals and values;
    * ``infeasible``: a run where everything but the initial solutions is ``-inf`` finishes;
    * ``rounds``: asked for at most a third of a round at a time, the proposer fills every
      round with new rows (rounds of exactly ``batch_size``) and is told each round once;
    * ``free_rounds``: a run under ``rounds="free"`` (each ask told at once) finishes;
    * ``warm_start``: a run whose first ``budget // 2`` rows are a warm start (see
      :attr:`~seqzoo.protocol.Problem.warm_start`) finishes on budget, its log led by them;
    * ``resume``: a run killed half-way (torn last line included) resumes to exactly
      ``budget`` evaluations with the logged prefix untouched; without ``restore`` the
      engine replays ``ask``/``tell``, so the resumed run must equal the uninterrupted one.

    Runs go to ``workdir`` (kept) or a temporary folder. Raises :class:`ConformanceError`.
    """
    if budget < 4:
        raise ValueError(f"budget must be at least 4 to leave room for a resume, got {budget}")
    if isinstance(factory, str):
        label, factory = f"proposer {factory!r}", registry().get("proposer", factory).load()
    else:
        label = f"proposer {getattr(factory, '__name__', type(factory).__name__)}"
    bound = functools.partial(factory, **options) if options else factory
    if oracle is None or isinstance(oracle, str):
        oracle = engine.build_oracle(oracle or SMALL_ORACLE)
    with ExitStack() as stack:
        for plugin in (FactoryPlugin("proposer", NAME, bound),
                       FactoryPlugin("oracle", NAME, lambda: oracle),
                       FactoryPlugin("oracle", INFEASIBLE, lambda: OnlyInitialFeasible(oracle))):
            stack.enter_context(registered(plugin))
        folder = Path(workdir) if workdir is not None else Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="seqzoo-check-")))
        restores = _check_protocol(oracle, seed)
        drive = _Driver(folder, budget, batch_size, seed)
        first = drive.run("valid_outputs", NAME, "first")
        _expect(max(step for step, _, _ in first) >= 1, "valid_outputs",
                "the run never asked the proposer: budget too small for the initial solutions")
        differs = _first_difference(first, drive.run("deterministic", NAME, "second"))
        _expect(differs is None, "deterministic",
                f"two runs with seed {seed} differ from evaluation {differs} on; draw all "
                f"randomness from problem.rng(...) or problem.seed")
        drive.run("infeasible", INFEASIBLE, "infeasible")
        drive.in_pieces("rounds", bound, NAME)
        drive.run("free_rounds", NAME, "free", rounds="free")
        drive.warm_start("warm_start")
        kept = _truncate(folder / "first", folder / "resumed", budget)
        resumed = drive.resume("resume", folder / "resumed")
        _expect(resumed[:kept] == first[:kept], "resume", "resuming changed the logged prefix")
        if not restores:
            differs = _first_difference(first, resumed)
            _expect(differs is None, "resume",
                    f"the resumed run differs from the uninterrupted one from evaluation "
                    f"{differs} on: replaying ask/tell from the log must rebuild the "
                    f"proposer's state (or implement restore)")
    return Conformance(label, ("protocol", "valid_outputs", "budget", "deterministic",
                               "infeasible", "rounds", "free_rounds", "warm_start", "resume"))
