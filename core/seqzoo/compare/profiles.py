"""Data profiles (Moré and Wild 2009, "Benchmarking derivative-free optimization
algorithms"): for each proposer, the fraction of problems it solves to a tolerance within a
given number of evaluations or rounds.

A problem is one (oracle, seed) pair: every proposer starts it from the same rows. Moré and
Wild's convergence test for minimisation, ``f(x0) - f(x) >= (1 - tau) (f(x0) - f_L)``, reads
for values to maximise

    best(x) - f0 >= (1 - tau) (f_L - f0),

with ``f0`` the best value of the start rows (round 0, the shared warm start included) and
``f_L`` the best value any proposer found on that problem: a proposer solves a problem once
it has closed all but ``tau`` of the gap between the start and the best any method managed.
When no start row is feasible, ``f0`` is the lowest first feasible value any run of the
problem found (the gap is then measured from where the search first stood on feasible
ground); a problem where nothing feasible was found is solved by nobody. A problem no
proposer improved on (``f_L == f0``) is solved by everyone at the start, as in the paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .records import RunRecord

#: The tolerances the report shows (Moré and Wild show 1e-1 to 1e-7; sequence design's
#: values are coarse, so the two loosest).
TAUS = (0.1, 0.01)
#: The x-axes: oracle evaluations, and rounds (what a lab counts).
AXES = ("evaluations", "rounds")
#: ``data_profiles.csv``'s columns.
COLUMNS = ("problems", "tau", "axis", "proposer", "x", "fraction", "solved", "total")
#: The ``problems`` value of the profiles over every oracle.
ALL = "all"


@dataclass
class Profile:
    """One proposer's data profile: ``fraction[i]`` of the ``total`` problems are solved
    within ``x[i]`` evaluations (or rounds); a step function, constant between points."""

    problems: str
    tau: float
    axis: str
    proposer: str
    x: np.ndarray
    fraction: np.ndarray
    total: int


def solved_at(record: RunRecord, threshold: float, axis: str) -> float:
    """The evaluation (or round) at which a run's best first reaches ``threshold``;
    ``inf`` if it never does."""
    hit = np.flatnonzero(record.best >= threshold)
    if not len(hit):
        return np.inf
    where = record.evaluations if axis == "evaluations" else record.rounds
    return float(where[hit[0]])


def thresholds(records: list[RunRecord], tau: float) -> dict[tuple[str, int], float]:
    """Per problem ``(oracle, seed)``, the value a run must reach to solve it at ``tau``
    (``inf`` where nothing feasible was found)."""
    by: dict[tuple[str, int], list[RunRecord]] = {}
    for r in records:
        by.setdefault((r.task.oracle, r.task.seed), []).append(r)
    out = {}
    for problem, runs in by.items():
        best = max(r.best_value for r in runs)
        starts = [r.start_best for r in runs if np.isfinite(r.start_best)]
        firsts = [float(r.best[np.isfinite(r.best)][0]) for r in runs
                  if np.isfinite(r.best).any()]
        f0 = max(starts) if starts else min(firsts, default=-np.inf)
        out[problem] = best - tau * (best - f0) if np.isfinite(best) else np.inf
    return out


def profiles(records: list[RunRecord], proposers: Iterable[str], oracles: Iterable[str],
             taus: Iterable[float] = TAUS) -> list[Profile]:
    """Every proposer's profiles over all oracles' problems and, when there are several
    oracles, over each oracle's: per tolerance and axis."""
    oracles, proposers = list(oracles), list(proposers)
    scopes = [(ALL, set(oracles))] + ([(o, {o}) for o in oracles] if len(oracles) > 1
                                      else [])
    out = []
    for tau in taus:
        needed = thresholds(records, tau)
        for name, members in scopes:
            problems = [p for p in needed if p[0] in members]
            for axis in AXES:
                for proposer in proposers:
                    runs = {(r.task.oracle, r.task.seed): r for r in records
                            if r.task.proposer == proposer and r.task.oracle in members}
                    hits = np.array([solved_at(runs[p], needed[p], axis) if p in runs
                                     else np.inf for p in problems])
                    out.append(_curve(name, tau, axis, proposer, hits, runs.values()))
    return out


def _curve(problems: str, tau: float, axis: str, proposer: str, hits: np.ndarray,
           runs: Iterable[RunRecord]) -> Profile:
    total = len(hits)
    finite = np.sort(hits[np.isfinite(hits)])
    x, counts = np.unique(finite, return_counts=True)
    fraction = np.cumsum(counts) / total if total else np.zeros(0)
    # close the curve at the end of the longest run, so a flat tail is drawn to the budget
    end = max((float(r.evaluations[-1] if axis == "evaluations" else r.rounds[-1])
               for r in runs), default=np.nan)
    if np.isfinite(end) and (not len(x) or end > x[-1]):
        x = np.append(x, end)
        fraction = np.append(fraction, fraction[-1] if len(fraction) else 0.0)
    return Profile(problems, tau, axis, proposer, x.astype(float), fraction, total)


def rows(found: list[Profile]) -> list[dict[str, object]]:
    """The rows of ``data_profiles.csv``: one per point where a curve steps (and its end)."""
    return [{"problems": p.problems, "tau": p.tau, "axis": p.axis, "proposer": p.proposer,
             "x": int(x) if float(x).is_integer() else float(x), "fraction": float(f),
             "solved": int(round(f * p.total)), "total": p.total}
            for p in found for x, f in zip(p.x, p.fraction)]
