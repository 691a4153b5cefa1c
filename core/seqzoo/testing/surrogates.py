"""``check_surrogate``: the :class:`seqzoo.Surrogate` protocol on a small oracle's data."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..builders import build_oracle
from ..protocol import Oracle, Problem
from ..rounds import evaluate
from ..spec import Spec
from ..surrogates import build_surrogate
from .oracles import SMALL_ORACLE
from .results import Conformance, ConformanceError

__all__ = ["check_surrogate"]


def _expect(condition: bool, check: str, message: str) -> None:
    if not condition:
        raise ConformanceError(f"{check}: {message}")


def check_surrogate(spec: str, oracle: Oracle | str | None = None, *, rows: int = 64,
                    seed: int = 0, options: Mapping[str, Any] | None = None) -> Conformance:
    """Check a registered surrogate (a spec such as ``"nam:signal=0.5"``).

    Checks: ``fit`` (trains on ``rows`` random sequences and their values), ``predict``
    (``(n,)`` means, no NaN or +inf, and ``None`` or ``(n,)`` non-negative standard deviations, for a
    batch of new sequences), ``deterministic`` (two surrogates built with the same seed and
    data predict the same, to a tolerance). The problem gives abstract surrogates the
    oracle's values (:attr:`Problem.ground_truth`). Raises :class:`ConformanceError`.
    """
    if options:
        parsed = Spec.parse(spec)
        spec = str(Spec(parsed.name, {**parsed.options, **{k: str(v) for k, v in
                                                           options.items()}}))
    if oracle is None or isinstance(oracle, str):
        oracle = build_oracle(oracle or SMALL_ORACLE)
    length, states = int(oracle.length), len(oracle.alphabet)
    x0 = np.atleast_2d(np.asarray(oracle.initial_solutions(), dtype=np.int64))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, states, size=(rows, length))
    y = np.nan_to_num(evaluate(oracle, x), neginf=-1.0)
    queries = rng.integers(0, states, size=(rows // 2, length))

    def fitted() -> tuple[np.ndarray, np.ndarray | None]:
        problem = Problem(oracle.alphabet, length, x0, seed=seed,
                          ground_truth=lambda q: evaluate(oracle, q))
        try:
            model = build_surrogate(spec, problem)
            model.fit(x, y)
        except Exception as exc:
            raise ConformanceError(f"fit: raised {type(exc).__name__}: {exc}") from exc
        try:
            mean, std = model.predict(queries)
        except Exception as exc:
            raise ConformanceError(f"predict: raised {type(exc).__name__}: {exc}") from exc
        return np.asarray(mean, dtype=float), None if std is None else np.asarray(std, float)

    mean, std = fitted()
    n = len(queries)
    _expect(mean.shape == (n,), "predict", f"means of shape {mean.shape}, expected ({n},)")
    _expect(not (np.isnan(mean).any() or np.isposinf(mean).any()), "predict",
            "means must be numbers (-inf where a model predicts infeasible)")
    _expect(std is None or (std.shape == (n,) and (std >= 0).all()), "predict",
            "standard deviations must be None or (n,) non-negative floats")
    again, _ = fitted()
    _expect(np.allclose(mean, again, rtol=1e-5, atol=1e-6, equal_nan=False)
            and (np.isinf(mean) == np.isinf(again)).all(), "deterministic",
            f"two fits with seed {seed} predict differently (max difference "
            f"{np.abs(mean - again).max():.3g}); draw randomness from problem.rng(...)")
    return Conformance(f"surrogate {spec!r}", ("fit", "predict", "deterministic"))
