"""A comparison grid: oracles x proposers x seeds under one budget and batch size.

Settings come in three layers, later ones winning: the embedded ``default.toml``, a user's
``--config FILE.toml`` (same keys), then command-line options. :func:`resolve` merges them
and :func:`check` proves the grid can run -- every name installed, every option known and
well-typed, the budget above each oracle's initial solutions -- before any run starts, so a
bad config costs one clear line instead of a half-finished grid.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .. import warmstart
from ..errors import SeqzooError, did_you_mean
from ..presets import QUICK, declared
from ..protocol import MODEL_QUERIES
from ..spec import Spec
from . import settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - python 3.10
    import tomli as tomllib

KEYS = ("oracles", "fallback_oracles", "proposers", "proposer_specs", "seeds", "budget",
        "batch_size", "workers", "executor", "ray_address", "warm_start", "warm_start_budget",
        "fallback_warm_start", "threads", "rounds", "model_queries", "starts", "models",
        "max_retries", "gpus_per_run", "quick")
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Grid:
    """Everything that decides which runs a comparison holds and how they execute."""

    oracles: tuple[str, ...]
    proposers: tuple[str, ...]
    seeds: tuple[int, ...]
    #: Evaluations per run, or ``None`` when ``rounds`` sets them.
    budget: int | None
    #: Evaluations per ask for every proposer, or ``None``: each proposer's own preference.
    batch_size: int | None
    workers: int = 1
    executor: str = "local"
    ray_address: str | None = None
    #: The shared warm start (a proposer spec or a file) and its evaluations, or ``None``.
    warm_start: str | None = None
    warm_start_budget: int | None = None
    #: torch/BLAS threads per run (``None``: seqzoo's default, see :mod:`seqzoo.threads`).
    threads: int | None = None
    #: Rounds after the start rows (then ``budget`` is ``None``), ``None`` (rounds until
    #: the budget) or ``"free"`` (the sequential loop); see :class:`seqzoo.engine.RunConfig`.
    rounds: int | str | None = None
    #: Model queries per round for model-guided proposers.
    model_queries: int = MODEL_QUERIES
    #: Ray: how often a run lost with its node (or worker) is resubmitted.
    max_retries: int = 3
    #: Ray: GPUs each run asks for (its CPUs are ``threads``).
    gpus_per_run: float = 0

    def cells(self) -> Iterator[tuple[str, str, int]]:
        """``(oracle, proposer, seed)`` for every run, oracle-major."""
        for oracle in self.oracles:
            for proposer in self.proposers:
                for seed in self.seeds:
                    yield oracle, proposer, seed

    def to_json(self) -> dict[str, Any]:
        return {"oracles": list(self.oracles), "proposers": list(self.proposers),
                "seeds": list(self.seeds), "budget": self.budget,
                "batch_size": self.batch_size, "warm_start": self.warm_start,
                "warm_start_budget": self.warm_start_budget, "threads": self.threads,
                "rounds": self.rounds, "model_queries": self.model_queries}


def default_config() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("default.toml").read_text()
    return tomllib.loads(text)


def named_config(name: str) -> Path | None:
    """``configs/NAME.toml`` shipped with the core (``--config full``) or in an installed
    plugin's package (``--config flexs`` finds seqzoo-landscapes' comparison), or ``None``."""
    from importlib import metadata, resources

    from ..plugins import GROUP, registry

    own = resources.files(__package__) / "configs" / f"{name}.toml"
    if own.is_file():
        return Path(str(own))
    loaded = registry().plugins
    for ep in metadata.entry_points(group=GROUP):
        if ep.name not in loaded:
            continue
        try:
            found = resources.files(ep.value.split(".")[0]) / "configs" / f"{name}.toml"
        except (ModuleNotFoundError, TypeError):
            continue
        if found.is_file():
            return Path(str(found))
    return None


def read_config(path: str | Path) -> dict[str, Any]:
    """A user's TOML config (a path, or the name of one a plugin ships), with unknown keys
    rejected."""
    if not Path(path).exists() and Path(path).suffix == "" and "/" not in str(path):
        path = named_config(str(path)) or path
    try:
        config = tomllib.loads(Path(path).read_text())
    except OSError as exc:
        raise SeqzooError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeqzooError(f"config {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(config) - set(KEYS))
    if unknown:
        raise SeqzooError(f"config {path}: unknown key {unknown[0]!r}"
                          f"{did_you_mean(unknown[0], KEYS)} (keys: {', '.join(KEYS)})")
    return config


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``; ``"0-4"`` is the range 0..4."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            seeds.extend(range(int(lo), int(hi) + 1) if dash and lo else [int(part)])
        except ValueError:
            raise SeqzooError(f"bad seed {part!r} in {text!r}: expected integers like "
                              f"0,1,2 or a range like 0-4") from None
    return seeds


def resolve(config: dict[str, Any] | None = None, **overrides: Any) -> Grid:
    """Merge the default, ``config`` and the non-``None`` ``overrides`` into a :class:`Grid`.

    Names are resolved against the installed plugins: ``proposers = "all"`` expands, and the
    default's ``fallback_oracles`` replace its oracles when one is not installed.
    """
    from ..plugins import registry

    user = {**(config or {}), **{k: v for k, v in overrides.items() if v is not None}}
    unknown = sorted(set(user) - set(KEYS))
    if unknown:
        raise SeqzooError(f"unknown setting {unknown[0]!r}{did_you_mean(unknown[0], KEYS)} "
                          f"(settings: {', '.join(KEYS)})")
    specs = user.get("proposer_specs", {})
    if not isinstance(specs, dict) or not all(isinstance(v, str) for v in specs.values()):
        raise SeqzooError(f"proposer_specs must be a table of name = \"spec\", got {specs!r}")
    merged = {**default_config(), **user}
    merged["proposer_specs"] = {**default_config().get("proposer_specs", {}), **specs}
    reg = registry()

    oracles = settings.specs(merged["oracles"], "oracles")
    if "oracles" not in user and merged.get("fallback_oracles"):
        installed = set(reg.names("oracle"))
        if any(Spec.parse(o).name not in installed for o in oracles):
            oracles = settings.specs(merged["fallback_oracles"], "fallback_oracles")
    if merged["proposers"] == "all":
        quick = merged.get("quick", True)
        if not isinstance(quick, bool):
            raise SeqzooError(f"quick must be true or false, got {quick!r}")
        proposers = [_spelled(name, specs, default_config().get("proposer_specs", {}), quick)
                     for name in reg.names("proposer")]
    else:
        proposers = settings.specs(merged["proposers"], "proposers")

    seeds = merged["seeds"]
    if isinstance(seeds, str):
        seeds = parse_seeds(seeds)
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool)
                                              for s in seeds):
        raise SeqzooError(f"seeds must be a list of integers, got {seeds!r}")
    executor, address = merged["executor"], merged.get("ray_address")
    if executor not in EXECUTORS:
        raise SeqzooError(f"unknown executor {executor!r} (expected one of "
                          f"{', '.join(EXECUTORS)})")
    if address is not None and not isinstance(address, str):
        raise SeqzooError(f"ray_address must be a string like 'ray://head:10001', "
                          f"got {address!r}")
    warm, warm_budget = merged.get("warm_start"), merged.get("warm_start_budget")
    if warm is not None and (not isinstance(warm, str) or not warm.strip()):
        raise SeqzooError(f"warm_start must be a proposer spec or a file path, got {warm!r}")
    if not {"warm_start", "warm_start_budget"} & set(user) and {"oracles", "budget"} & set(user):
        # the default's warm start is sized for the default's oracle and budget
        warm, warm_budget = None, None
    elif ("warm_start" not in user and isinstance(warm, str)
          and merged.get("fallback_warm_start")
          and Spec.parse(warm).name not in reg.names("proposer")):
        warm = merged["fallback_warm_start"]
    if "warm_start" in user and "warm_start_budget" not in user:
        warm_budget = None  # the default's budget belongs to the default's warm start
    if isinstance(warm, str):
        warm = warmstart.given(warm)
    budget, rounds = _budget_and_rounds(default_config(), config or {}, overrides)
    oracles = _each_start(oracles, merged.get("starts", "all"))
    proposers = _with_models(proposers, merged.get("models"))
    return Grid(tuple(oracles), tuple(proposers), tuple(seeds),
                budget=budget, rounds=rounds,
                model_queries=settings.positive(merged.get("model_queries", MODEL_QUERIES),
                                                "model_queries"),
                batch_size=settings.batch_size(merged["batch_size"]),
                workers=settings.workers(merged["workers"], merged.get("threads")),
                executor=executor,
                ray_address=address, warm_start=warm or None,
                warm_start_budget=None if warm_budget is None
                else settings.positive(warm_budget, "warm_start_budget"),
                threads=None if merged.get("threads") is None
                else settings.positive(merged["threads"], "threads"),
                max_retries=settings.count(merged.get("max_retries", 3), "max_retries"),
                gpus_per_run=settings.gpus(merged.get("gpus_per_run", 0)))


def default_spec(name: str) -> str:
    """How the default grid spells the installed proposer ``name`` (``cbas:preset=quick``,
    or its ``[proposer_specs]`` entry, or the name): for scripts that time its runs."""
    return _spelled(name, {}, default_config().get("proposer_specs", {}), True)


def _spelled(name: str, user: dict[str, str], default: dict[str, str], quick: bool) -> str:
    """How ``proposers = "all"`` spells one proposer: the user's ``proposer_specs`` entry,
    else (``quick``) its ``quick`` preset where it declares one, else the default's entry;
    without ``quick`` (``--config full``), its own defaults."""
    if name in user:
        return user[name]
    if not quick:
        return name
    if QUICK in declared(_factory(name)):
        return f"{name}:preset={QUICK}"
    return default.get(name, name)


def _factory(name: str) -> Any:
    """A registered proposer's factory, or ``None`` where it fails to load (``check`` then
    reports the failure with the grid's other errors)."""
    from ..plugins import registry

    try:
        return registry().get("proposer", name).load()
    except Exception:
        return None


def _budget_and_rounds(*layers: dict[str, Any]) -> tuple[int | None, int | str | None]:
    """The budget and rounds the highest layer that sets either asks for: ``rounds = R``
    sets the budget (start rows + R rounds), so a budget below it is dropped."""
    budget, rounds = None, None
    for layer in layers:  # a bad rounds value is check_config's to refuse
        r = layer.get("rounds")
        if layer.get("budget") is not None and isinstance(r, int):
            raise SeqzooError("rounds = R sets the budget (start rows + R x batch size); "
                              "give budget or rounds, not both")
        if isinstance(r, int):
            budget, rounds = None, r
        elif layer.get("budget") is not None:
            budget = settings.positive(layer["budget"], "budget")
            rounds = r if r is not None else (rounds if rounds == "free" else None)
        elif r is not None:
            rounds = r
    if budget is None and not isinstance(rounds, int):
        raise SeqzooError("give a budget or a number of rounds")
    return budget, rounds


def _each_start(oracles: list[str], starts: Any) -> list[str]:
    """``starts = "each"`` (or ``N``: the first N): one oracle per initial solution, as FLEXS
    runs one explorer per registry start (the core option ``initial=i``)."""
    if starts in (None, "all"):
        return oracles
    if not (starts == "each" or (isinstance(starts, int) and not isinstance(starts, bool)
                                 and starts >= 1)):
        raise SeqzooError(f"starts must be 'all', 'each' or a positive integer, got {starts!r}")
    from ..builders import build_oracle

    out = []
    for spec in oracles:
        oracle = build_oracle(spec)
        count = len(np.asarray(oracle.initial_solutions()).reshape(-1, int(oracle.length)))
        count = count if starts == "each" else min(count, starts)
        out += [f"{spec}{',' if ':' in spec else ':'}initial={i}" for i in range(count)]
    return out


def _with_models(proposers: list[str], models: Any) -> list[str]:
    """``models = [...]``: every proposer that takes ``model=`` once per model (a spec that
    sets its own model, or a proposer without one, stays as it is)."""
    if models is None:
        return proposers
    models = settings.specs(models, "models")
    from ..plugins import registry
    from ..spec import parameters

    out = []
    for spec in proposers:
        parsed = Spec.parse(spec)
        factory = registry().get("proposer", parsed.name).load()
        takes = any(p.name == "model" for p in parameters(factory, skip_first=True))
        if not takes or "model" in parsed.options:
            out.append(spec)
            continue
        out += [f"{spec}{',' if ':' in spec else ':'}model=({m})" for m in models]
    return out


def check(grid: Grid) -> dict[str, int]:
    """Raise on anything that would make a run fail at its start; return each oracle's
    number of initial solutions.

    Every oracle is built, and every proposer once on each oracle, so that options that
    parse but clash (a population too small for its survival quantile) fail here too;
    proposers defer their heavy work (models, training) to their first ``ask``.
    """
    from ..engine import (RunConfig, build_oracle, build_proposer, check_config,
                          check_warm_start)
    from ..protocol import Problem

    for what, items in (("oracle", grid.oracles), ("proposer", grid.proposers)):
        if not items:
            raise SeqzooError(f"no {what}s to compare (is any {what} installed?)")
        twice = sorted({s for s in items if items.count(s) > 1})
        if twice:
            raise SeqzooError(f"{what} {twice[0]!r} is listed twice")
    first = RunConfig(grid.oracles[0], grid.proposers[0], grid.budget, grid.batch_size,
                      warm_start=grid.warm_start, warm_start_budget=grid.warm_start_budget,
                      rounds=grid.rounds, model_queries=grid.model_queries)
    check_config(first)
    check_warm_start(first)
    if not grid.seeds:
        raise SeqzooError("the seed list is empty: give at least one seed, e.g. --seeds 0,1,2")
    if len(set(grid.seeds)) != len(grid.seeds) or min(grid.seeds) < 0:
        raise SeqzooError(f"seeds must be distinct non-negative integers, got "
                          f"{list(grid.seeds)}")
    if grid.gpus_per_run and grid.executor != "ray":
        raise SeqzooError("--gpus-per-run is for --executor ray; local runs use the GPUs "
                          "they see")
    if grid.executor == "ray":
        from importlib.util import find_spec

        if find_spec("ray") is None:
            raise SeqzooError("--executor ray needs Ray: pip install 'seqzoo[ray]'")

    starts: dict[str, int] = {}
    for spec in grid.oracles:
        oracle = build_oracle(spec)
        x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64).reshape(-1, oracle.length)
        starts[spec] = len(x0)
        if grid.budget is not None and grid.budget < starts[spec]:
            raise SeqzooError(f"budget {grid.budget} is below the {starts[spec]} initial "
                              f"solutions of oracle {spec!r}")
        problem = Problem(oracle.alphabet, int(oracle.length), x0, seed=grid.seeds[0],
                          budget=grid.budget, batch_size=grid.batch_size,
                          rounds=grid.rounds != "free", model_queries=grid.model_queries,
                          ground_truth=oracle)
        for proposer in grid.proposers:
            build_proposer(proposer, problem)
        if grid.warm_start is not None and not warmstart.is_file(grid.warm_start):
            build_proposer(grid.warm_start, problem)
    return starts
