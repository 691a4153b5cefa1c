"""The Python API: :func:`run` and :func:`compare` with an oracle of your own.

An oracle may be given three ways: a spec (``"ehrlich:preset=f2"``), an object that follows
:class:`~seqzoo.protocol.Oracle`, or a plain function of a batch together with its
``alphabet`` and ``length``. The engine builds everything from specs, because a run's
``config.json`` must say what it ran and a resumed run must build the same thing; so an
object or function is registered in this process under a name of its own
(:func:`register_oracle`) and that name is its spec. Plugins are how an oracle reaches other
processes: a comparison with an in-process oracle runs its runs here, one at a time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .errors import SeqzooError
from .hookspecs import hookimpl
from .protocol import MODEL_QUERIES, Oracle

#: The plugin name an in-process oracle is listed under (``zoo``'s PLUGIN column).
PLUGIN = "python"
#: Oracles registered in this process, by name: the same object keeps its name.
_REGISTERED: dict[str, object] = {}


class FunctionOracle:
    """A plain function of a batch as an :class:`~seqzoo.protocol.Oracle`.

    ``function`` gets an ``(n, length)`` integer array (state ``i`` is ``alphabet[i]``; see
    :func:`seqzoo.decode`) and returns ``n`` numbers, ``-inf`` for an infeasible sequence.
    ``initial_solutions`` is the ``(m, length)`` start every optimizer gets (strings or
    integer rows; default one sequence of the alphabet's first letter); ``optimal_value``
    the best attainable value when known (then runs report regret and stop on reaching it).
    """

    def __init__(self, function: Callable[[np.ndarray], Any], alphabet: str, length: int,
                 optimal_value: float | None = None,
                 initial_solutions: Sequence[str] | np.ndarray | None = None):
        if not callable(function):
            raise SeqzooError(f"an oracle function must be callable, got {function!r}")
        if not isinstance(alphabet, str) or len(set(alphabet)) != len(alphabet) or \
                len(alphabet) < 2:
            raise SeqzooError(f"alphabet must be a string of at least 2 distinct characters, "
                              f"one per state, got {alphabet!r}")
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
            raise SeqzooError(f"length must be a positive integer, got {length!r}")
        self.function, self.alphabet, self.length = function, alphabet, int(length)
        self.optimal_value = None if optimal_value is None else float(optimal_value)
        self.__name__ = getattr(function, "__name__", type(function).__name__)
        self._initial = self._rows(initial_solutions)

    def _rows(self, given: Sequence[str] | np.ndarray | None) -> np.ndarray:
        if given is None:
            return np.zeros((1, self.length), dtype=np.int64)
        if len(given) and isinstance(given[0], str):
            from .protocol import encode

            try:
                rows = np.asarray(encode(list(given), self.alphabet), dtype=np.int64)
            except (KeyError, ValueError) as exc:
                raise SeqzooError(f"initial_solutions: {exc}") from None
        else:
            rows = np.asarray(given, dtype=np.int64).reshape(-1, self.length)
        if rows.ndim != 2 or rows.shape[1] != self.length or not len(rows):
            raise SeqzooError(f"initial_solutions must be sequences of length {self.length}")
        if rows.min() < 0 or rows.max() >= len(self.alphabet):
            raise SeqzooError(f"initial_solutions hold states outside the alphabet "
                              f"{self.alphabet!r}")
        return rows

    def __call__(self, x: np.ndarray) -> np.ndarray:
        values = np.asarray(self.function(x), dtype=float).reshape(-1)
        if len(values) != len(x):
            raise SeqzooError(f"oracle function {self.__name__!r} returned {len(values)} "
                              f"values for a batch of {len(x)} sequences")
        return values

    def initial_solutions(self) -> np.ndarray:
        return self._initial.copy()


def as_oracle(oracle: Any, alphabet: str | None = None, length: int | None = None) -> Oracle:
    """``oracle`` as an Oracle object: itself when it follows the protocol, else a function
    of a batch wrapped with its ``alphabet`` and ``length``."""
    if all(hasattr(oracle, a) for a in ("alphabet", "length", "initial_solutions")):
        if alphabet is not None or length is not None:
            raise SeqzooError("alphabet and length come from the oracle object itself; "
                              "give them only with a plain function")
        return oracle
    if callable(oracle):
        if alphabet is None or length is None:
            raise SeqzooError("an oracle given as a plain function needs alphabet= and "
                              "length= (what its batches are made of)")
        return FunctionOracle(oracle, alphabet, length)  # type: ignore[return-value]
    raise SeqzooError(f"an oracle must be a spec, an Oracle object or a function of a batch, "
                      f"got {oracle!r}")


def register_oracle(oracle: Any, name: str | None = None, *, alphabet: str | None = None,
                    length: int | None = None) -> str:
    """Register an Oracle object or a function of a batch in this process; its spec name.

    The name is ``name``, else the function's or class's name in lower case with dashes
    (``my_oracle`` -> ``my-oracle``); a name taken by another object gets ``-2``, ``-3``...
    Registering the same object again returns its name. ``zoo list`` in another process
    does not see it: for that, make it a plugin (docs/writing-a-plugin.md).
    """
    from .plugins import registry

    reg = registry()
    built = as_oracle(oracle, alphabet, length)  # checks first, whatever is registered
    for known, obj in _REGISTERED.items():
        # the same object, or the same function over the same alphabet and length
        same = obj is built or (isinstance(obj, FunctionOracle) and
                                isinstance(built, FunctionOracle) and
                                obj.function is built.function and
                                (obj.alphabet, obj.length) == (built.alphabet, built.length))
        if same:
            if known not in reg.names("oracle"):  # the registry was rebuilt since
                _add(reg, known, obj)
            return known
    base = name or getattr(oracle, "__name__", None) or type(oracle).__name__
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "oracle"
    spec = base
    if name is not None and (spec in reg.names("oracle") or spec in _REGISTERED):
        raise SeqzooError(f"oracle name {spec!r} is taken; choose another name")
    suffix = 1
    while spec in reg.names("oracle") or spec in _REGISTERED:
        suffix += 1
        spec = f"{base}-{suffix}"

    _add(reg, spec, built)
    _REGISTERED[spec] = built
    return spec


def _add(reg: Any, spec: str, built: object) -> None:
    """Register ``built`` as oracle ``spec`` through the same hook an installed plugin uses."""
    from .plugins import add_plugin

    class _Plugin:
        @staticmethod
        @hookimpl
        def register_oracles(register):
            register(spec, lambda: built)

    add_plugin(reg, _Plugin(), f"{PLUGIN}-{spec}")


def _spec(oracle: Any, alphabet: str | None, length: int | None) -> tuple[str, bool]:
    """The spec of ``oracle`` and whether it lives in this process only."""
    if isinstance(oracle, str):
        if alphabet is not None or length is not None:
            raise SeqzooError("alphabet and length are for an oracle given as a function; "
                              "a spec's oracle knows its own")
        return oracle, False
    return register_oracle(oracle, alphabet=alphabet, length=length), True


def run(oracle: Any, proposer: str, budget: int | None = None, *,
        alphabet: str | None = None, length: int | None = None, batch_size: int | None = None,
        seed: int = 0, out: str | Path | None = None, stop_on_optimum: bool = True,
        observer: Any = None, overwrite: bool = False, warm_start: str | None = None,
        warm_start_budget: int | None = None, threads: int | None = None,
        rounds: int | str | None = None, model_queries: int = MODEL_QUERIES):
    """Run ``proposer`` (a spec) on ``oracle`` for ``budget`` evaluations.

    ``oracle`` is a spec, an Oracle object, or a function of an ``(n, length)`` integer
    batch returning ``n`` values, with its ``alphabet`` and ``length``. Every other argument
    is :func:`seqzoo.engine.run`'s.
    """
    from . import engine

    spec, _ = _spec(oracle, alphabet, length)
    return engine.run(spec, proposer, budget, batch_size=batch_size, seed=seed, out=out,
                      stop_on_optimum=stop_on_optimum, observer=observer, overwrite=overwrite,
                      warm_start=warm_start, warm_start_budget=warm_start_budget,
                      threads=threads, rounds=rounds, model_queries=model_queries)


def compare(oracles: Any, proposers: Iterable[str], out: str | Path, *,
            alphabet: str | None = None, length: int | None = None,
            seeds: Iterable[int] = (0, 1, 2), budget: int | None = None,
            progress: bool = False, overwrite: bool = False, allow_mixed: bool = False,
            **settings: Any):
    """Compare ``proposers`` on ``oracles`` over paired ``seeds``, as ``zoo compare`` does.

    ``oracles`` is one oracle or a list of them, each a spec, an Oracle object or (with
    ``alphabet`` and ``length``) a function of a batch. ``settings`` are
    :func:`seqzoo.compare.resolve`'s (``batch_size``, ``warm_start``, ``workers``, ...).
    An oracle that lives in this process runs its runs here, one at a time (``workers=1``):
    worker processes build oracles from specs, and they cannot see it. Returns the
    :class:`~seqzoo.compare.Comparison`; the files are in ``out`` as ``zoo compare`` leaves
    them.
    """
    from .compare import compare as run_grid, resolve

    given = [oracles] if isinstance(oracles, str) or not isinstance(oracles, (list, tuple)) \
        else list(oracles)
    specs, local = [], False
    for oracle in given:
        spec, here = _spec(oracle, alphabet, length)
        specs.append(spec)
        local |= here
    if local:
        if settings.get("workers") not in (None, 1):
            raise SeqzooError(f"workers={settings['workers']!r}: an oracle defined in this "
                              f"process runs here, one run at a time (workers=1); make it a "
                              f"plugin to run it in several processes")
        if settings.get("executor") not in (None, "local"):
            raise SeqzooError("an oracle defined in this process cannot run on Ray; make it "
                              "a plugin")
        settings["workers"] = 1
    if isinstance(proposers, str):
        proposers = [proposers]
    grid = resolve(oracles=specs, proposers=list(proposers), seeds=list(seeds), budget=budget,
                   **settings)
    return run_grid(grid, out, overwrite=overwrite, progress=progress, allow_mixed=allow_mixed)
