"""``check_oracle``: does an oracle follow :class:`seqzoo.Oracle`, on inputs it must handle?

It probes the oracle with its initial solutions, their single mutants and uniform random
sequences (drawn from ``seed``), so both feasible and infeasible rows are usually seen.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..protocol import Oracle
from .results import Conformance, ConformanceError

__all__ = ["SMALL_ORACLE", "check_oracle", "probe_batch", "small_oracle"]

#: A spec for a tiny built-in oracle with a feasibility constraint: about 13% of uniform
#: random sequences are feasible, so ``-inf`` values do happen. Solvable in a few hundred
#: evaluations.
SMALL_ORACLE = "hamming:num_states=4,dim=8,max_step=1"

#: Slack for comparing floats that should be equal up to summation order.
TOLERANCE = 1e-9


def small_oracle() -> Oracle:
    """The oracle of :data:`SMALL_ORACLE`, built through the registry."""
    from ..engine import build_oracle

    return build_oracle(SMALL_ORACLE)


def probe_batch(oracle: Oracle, samples: int, seed: int) -> np.ndarray:
    """Initial solutions, ``samples`` single mutants of them and ``samples`` random rows."""
    rng = np.random.default_rng(seed)
    x0 = np.atleast_2d(np.asarray(oracle.initial_solutions(), dtype=np.int64))
    v, length = len(oracle.alphabet), int(oracle.length)
    mutants = x0[rng.integers(0, len(x0), samples)]
    mutants[np.arange(samples), rng.integers(0, length, samples)] = rng.integers(0, v, samples)
    return np.concatenate([x0, mutants, rng.integers(0, v, (samples, length))])


def _expect(condition: bool, check: str, message: str) -> None:
    if not condition:
        raise ConformanceError(f"{check}: {message}")


def _values(oracle: Oracle, x: np.ndarray, check: str) -> np.ndarray:
    try:
        y = oracle(x)
    except Exception as exc:
        raise ConformanceError(f"{check}: scoring a valid ({len(x)}, {x.shape[1]}) batch "
                               f"raised {type(exc).__name__}: {exc}") from exc
    # what is wrong with the values themselves is the "values" check's, whoever asked
    _expect(isinstance(y, np.ndarray), "values",
            f"returned {type(y).__name__}, expected a numpy array")
    _expect(y.dtype.kind == "f", "values", f"returned dtype {y.dtype}, expected floats")
    _expect(y.shape == (len(x),), "values",
            f"returned shape {y.shape} for {len(x)} sequences, expected ({len(x)},)")
    _expect(not np.isnan(y).any(), "values", "returned NaN (an infeasible sequence is -inf)")
    _expect(not np.isposinf(y).any(), "values", "returned +inf (values are maximised; "
                                                "infeasible is -inf)")
    return y


def _check_alphabet(oracle: Oracle) -> None:
    alphabet = getattr(oracle, "alphabet", None)
    _expect(isinstance(alphabet, str) and len(alphabet) >= 2, "alphabet",
            f"expected a string of at least 2 tokens, got {alphabet!r}")
    _expect(len(set(alphabet)) == len(alphabet), "alphabet",
            f"tokens must be unique, got {alphabet!r}")
    _expect(all(ch.isprintable() and not ch.isspace() for ch in alphabet), "alphabet",
            f"tokens must be printable and not blank, got {alphabet!r}")


def _check_length(oracle: Oracle) -> None:
    length = getattr(oracle, "length", None)
    _expect(isinstance(length, (int, np.integer)) and not isinstance(length, bool)
            and length >= 1, "length", f"expected a positive int, got {length!r}")


def _check_initial_solutions(oracle: Oracle) -> None:
    x0 = np.asarray(oracle.initial_solutions())
    _expect(x0.dtype.kind in "iu", "initial_solutions",
            f"dtype {x0.dtype}, expected integer states")
    _expect(x0.ndim == 2 and x0.shape[0] >= 1 and x0.shape[1] == oracle.length,
            "initial_solutions", f"shape {x0.shape}, expected (m, {oracle.length}), m >= 1")
    _expect(x0.min() >= 0 and x0.max() < len(oracle.alphabet), "initial_solutions",
            f"states {x0.min()}..{x0.max()} outside 0..{len(oracle.alphabet) - 1}")
    y0 = _values(oracle, x0.astype(np.int64), "initial_solutions")
    _expect(bool(np.isfinite(y0).all()), "initial_solutions",
            "an initial solution is infeasible: optimizers must start from feasible ones")


def _check_values(oracle: Oracle, x: np.ndarray) -> np.ndarray:
    y = _values(oracle, x, "values")
    feasible: Callable[[np.ndarray], np.ndarray] | None = getattr(oracle, "feasible", None)
    if callable(feasible):  # an oracle that can say what is feasible must agree with -inf
        mask = np.asarray(feasible(x), dtype=bool)
        _expect(np.array_equal(np.isfinite(y), mask), "values",
                "-inf must mark exactly the rows that feasible(x) rejects")
    return y


def _check_deterministic(oracle: Oracle, x: np.ndarray, y: np.ndarray) -> None:
    again = _values(oracle, x, "deterministic")
    _expect(np.array_equal(y, again), "deterministic",
            "scoring the same batch twice gave different values (pass deterministic=False "
            "for a noisy oracle)")
    rows = np.concatenate([_values(oracle, x[i:i + 1], "deterministic") for i in range(len(x))])
    _expect(np.allclose(y, rows, rtol=0, atol=TOLERANCE), "deterministic",
            "a row's value depends on the other rows of its batch")


def _check_bad_input(oracle: Oracle, x: np.ndarray) -> None:
    try:
        oracle(x[:, :-1] if x.shape[1] > 1 else np.concatenate([x, x], axis=1))
    except ValueError:
        return
    except Exception as exc:
        raise ConformanceError(f"bad_input: a batch of the wrong length raised "
                               f"{type(exc).__name__}, expected ValueError") from exc
    raise ConformanceError("bad_input: a batch of the wrong length was scored; "
                           "expected a ValueError saying what length was expected")


def _check_optimum(oracle: Oracle, y: np.ndarray) -> str | None:
    """Returns why the optimum could not be checked further, if so."""
    optimum = getattr(oracle, "optimal_value", None)
    if optimum is None:
        return "optimal_value is None"
    _expect(isinstance(optimum, (int, float, np.floating, np.integer))
            and np.isfinite(optimum), "optimum",
            f"optimal_value must be a finite float or None, got {optimum!r}")
    best = float(np.max(y))
    _expect(best <= optimum + TOLERANCE, "optimum",
            f"a probed sequence scored {best}, above optimal_value {optimum}")
    solution = getattr(oracle, "optimal_solution", None)
    if not callable(solution):
        return None
    x_star = np.asarray(solution())
    _expect(x_star.shape == (int(oracle.length),) and x_star.dtype.kind in "iu", "optimum",
            f"optimal_solution() must be one sequence: an integer array of shape "
            f"({oracle.length},), got {x_star.dtype} {x_star.shape}")
    y_star = _values(oracle, x_star[None].astype(np.int64), "optimum")
    _expect(bool(np.all(np.abs(y_star - optimum) <= TOLERANCE)), "optimum",
            f"optimal_solution() scores {y_star.tolist()}, not optimal_value {optimum}")
    return None


def check_oracle(oracle: Oracle | str, *, samples: int = 64, seed: int = 0,
                 deterministic: bool = True) -> Conformance:
    """Check an oracle object (or a registered oracle's spec, e.g. ``"ehrlich:preset=f2"``).

    Checks: ``alphabet`` (unique printable tokens), ``length``, ``initial_solutions``
    (``(m, L)`` in-range integers, all feasible), ``values`` (a float ndarray of shape
    ``(n,)``, no NaN or +inf; where the oracle has ``feasible(x)``, ``-inf`` exactly on the
    rows it rejects), ``deterministic`` (the same batch twice gives the same values, and a
    row's value does not depend on its batch; skip with ``deterministic=False``),
    ``bad_input`` (a batch of the wrong length raises ValueError) and ``optimum`` (no probed
    value above ``optimal_value``; ``optimal_solution()``, where present, scores it).
    Raises :class:`ConformanceError` on the first failure.
    """
    if isinstance(oracle, str):
        from ..engine import build_oracle

        oracle = build_oracle(oracle)
    subject = f"oracle {type(oracle).__name__}"
    _check_alphabet(oracle)
    _check_length(oracle)
    _check_initial_solutions(oracle)
    x = probe_batch(oracle, samples, seed)
    y = _check_values(oracle, x)
    passed = ["alphabet", "length", "initial_solutions", "values"]
    skipped: list[tuple[str, str]] = []
    if deterministic:
        _check_deterministic(oracle, x, y)
        passed.append("deterministic")
    else:
        skipped.append(("deterministic", "deterministic=False"))
    _check_bad_input(oracle, x)
    passed.append("bad_input")
    why = _check_optimum(oracle, y)
    if why:
        skipped.append(("optimum", why))
    else:
        passed.append("optimum")
    return Conformance(subject, tuple(passed), tuple(skipped))
