"""Proposing a round: the engine's own replay of the log into a fresh proposer, then one ask.

A campaign is a run whose oracle is the lab. To propose round ``k`` the engine is built as
``zoo run`` builds it (same settings, seed, threads; :class:`LabOracle` in place of an
oracle), replays rounds ``0..k-1`` from the log -- each round's asks, to regenerate the
proposer's own draws, then the logged values -- and asks for round ``k``. That is the very
path ``zoo run --resume`` takes, so a campaign proposes what ``zoo run`` with the same seed
would have evaluated, on any machine with the same versions.

Replay is by asks even for a proposer with ``restore``: a ``restore`` may only approximate
the run (``lambo2-lite``'s retrains from scratch), and a campaign promises the same batch.
The price is that proposing round ``k`` redoes the proposer's work of rounds ``1..k-1``.
Each replayed round is compared with the proposals in the log; a difference means the
proposer is not reproducible here, and proposing is refused unless ``allow_mixed``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..engine import Engine, RunConfig
from ..errors import SeqzooError
from ..protocol import encode
from ..runlog import Step
from .settings import Settings

#: The proposer's work folder inside a campaign (its Problem.workdir), emptied before each
#: propose so that every replay starts where the first did.
WORKDIR = "proposer-work"


class LabOracle:
    """The problem as a proposer may know it; the values come from the lab, not from here."""

    optimal_value = None

    def __init__(self, settings: Settings):
        self.alphabet, self.length = settings.alphabet, settings.length
        self._starts = encode(settings.starts, settings.alphabet)

    def initial_solutions(self) -> np.ndarray:
        return self._starts.copy()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        raise SeqzooError("this proposer reads the oracle's true values (an abstract "
                          "surrogate such as nam does), and a campaign's values come only "
                          "from the lab: give it a learned model instead")


def engine(settings: Settings, folder: Path, data: Path | None) -> Engine:
    work = Path(folder) / WORKDIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = RunConfig(oracle=settings.like or "lab", proposer=settings.proposer,
                       batch_size=settings.batch_size, seed=settings.seed,
                       stop_on_optimum=False,
                       warm_start=None if data is None else str(Path(data).resolve()),
                       threads=settings.threads, rounds=settings.planned,
                       model_queries=settings.model_queries)
    return Engine(config, work, oracle=LabOracle(settings), replay="asks")


def next_round(settings: Settings, folder: Path, steps: list[Step], data: Path | None,
               allow_mixed: bool) -> tuple[np.ndarray, list[float] | None]:
    """Round ``len(steps)``'s proposals and the proposer's scores for them (or ``None``)."""
    job = engine(settings, folder, data)
    x = job.next_round(steps)
    for step, again in zip(steps[1:], job.replayed):
        if not np.array_equal(step.x, again) and not allow_mixed:
            raise SeqzooError(f"replaying round {step.step} did not give the proposals the "
                              f"log holds: {settings.proposer} is not reproducible here "
                              f"(other versions, threads or hardware?); --allow-mixed "
                              f"proposes from the logged rows anyway")
    return x, scores(job.proposer, x)


def scores(proposer, x: np.ndarray) -> list[float] | None:
    """The proposer's own score of its proposals: its ``proposal_scores(x)`` if it has one,
    else its surrogate's mean prediction, else ``None``."""
    from ..surrogates import Model

    try:
        own = getattr(proposer, "proposal_scores", None)
        if callable(own):
            values = own(x)
        else:
            model = getattr(proposer, "model", None)
            if not isinstance(model, Model) or not model.fits:
                return None
            # the proposer is discarded after this round, so its query count is moot
            values = model.surrogate.predict(x)[0]
        out = np.asarray(values, dtype=float).reshape(-1)
    except Exception:  # a score is a courtesy to the lab: never a reason not to propose
        return None
    return [float(v) for v in out] if out.shape == (len(x),) else None
