"""From run records to the comparison's numbers: per-run rows, per-proposer statistics,
ranks, win rates, significance groups and data profiles. Pure data in, pure data out;
:mod:`.tables` writes and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec import Spec
from . import profiles, significance, stats
from .grid import Grid
from .records import RunRecord

#: The proposer whose median defines score 1 (the floor every optimizer should beat). The
#: one place its name is spelled: renaming the built-in proposer changes this line only.
BASELINE = "hill-climb"
#: The key of :attr:`Analysis.significance` for the test over every oracle's blocks.
ALL_ORACLES = "all oracles"
#: Below this median feasible share a cell is flagged: most of its proposals broke the
#: problem's constraints, so its values rest on a few sequences.
LOW_FEASIBLE = 0.05
#: The statistics of a :class:`Cell`, in the column order of ``stats.csv``.
STAT_KEYS = tuple(f"{name}_{part}" for name in ("best_value", "regret", "score")
                  for part in ("median", "q25", "q75", "ci_low", "ci_high")) + (
    "solved_fraction", "evaluations_to_solve_median", "feasible_fraction_median",
    "diversity_median", "distinct_evaluations_median", "duplicate_share_median",
    "batch_size_median", "rounds_median", "model_queries_median",
    "wall_seconds_median", "mean_rank")
#: The significance columns of ``stats.csv``, after :data:`STAT_KEYS`.
TEST_KEYS = ("group", "blocks", "friedman_p", "critical_difference", "nemenyi_p_vs_top")


@dataclass
class Cell:
    """Statistics of one proposer on one oracle, over its seeds."""

    oracle: str
    proposer: str
    runs: int
    #: Floats, except ``group`` (letters, or ``None`` when untested).
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analysis:
    grid: Grid
    records: list[RunRecord]
    cells: list[Cell]
    #: Per run: the normalised score, keyed like ``records``.
    scores: list[float]
    #: Mean rank of each proposer over every (oracle, seed) block, in grid order (a cell's
    #: ``mean_rank`` is the same over its oracle's seeds only).
    ranks: np.ndarray
    #: ``wins[i, j]``: how often proposer i beats proposer j on a paired block.
    wins: np.ndarray
    notes: list[str]
    #: The Friedman and Nemenyi tests per oracle (over its seeds) and under
    #: :data:`ALL_ORACLES` (over every (oracle, seed) block), proposers in grid order.
    significance: dict[str, significance.Significance] = field(default_factory=dict)
    #: Data profiles (:mod:`.profiles`) at each tolerance, by evaluations and by rounds.
    profiles: list[profiles.Profile] = field(default_factory=list)
    #: Per oracle, what the normalised score runs between: ``(top, top_is_optimum, floor)``
    #: -- score 0 at ``top`` (the optimum, or the best value any run found when the optimum
    #: is unknown) and 1 at ``floor`` (the baseline's median best value; NaN without it).
    score_basis: dict[str, tuple[float, bool, float]] = field(default_factory=dict)

    def known_optimum(self, oracle: str) -> bool:
        return any(r.optimum is not None for r in self.records if r.task.oracle == oracle)

    def rank_order(self) -> list[str]:
        """The proposers by mean rank over every block, best first (grid order breaks ties):
        the order of rows, legends and matrices."""
        g = self.grid
        return [g.proposers[i] for i in sorted(
            range(len(g.proposers)), key=lambda i: (np.isnan(self.ranks[i]), self.ranks[i], i))]


def reference(records: list[RunRecord]) -> float:
    """The oracle's optimum, or (unknown optimum) the best value any run found, as
    Bayesmark does."""
    known = [r.optimum for r in records if r.optimum is not None]
    if known:
        return float(known[0])
    return max((r.best_value for r in records), default=np.nan)


def baseline_of(proposers: tuple[str, ...]) -> str | None:
    """Plain ``random`` if compared, else the first ``random:...`` variant, else ``None``."""
    named = [p for p in proposers if Spec.parse(p).name == BASELINE]
    return BASELINE if BASELINE in named else (named[0] if named else None)


def _summarise(prefix: str, values: np.ndarray) -> dict[str, float]:
    med, q25, q75 = stats.quartiles(values)
    lo, hi = stats.bootstrap_ci(values)
    return {f"{prefix}_median": med, f"{prefix}_q25": q25, f"{prefix}_q75": q75,
            f"{prefix}_ci_low": lo, f"{prefix}_ci_high": hi}


def analyse(grid: Grid, records: list[RunRecord]) -> Analysis:
    notes: list[str] = []
    tested: dict[str, significance.Significance] = {}
    score_basis: dict[str, tuple[float, bool, float]] = {}
    missing = len(list(grid.cells())) - len(records)
    if missing:
        notes.append(f"{missing} of {len(list(grid.cells()))} runs are not complete; the "
                     f"statistics cover the complete ones (re-run zoo compare to finish them)")
    scores = np.full(len(records), np.nan)
    baseline = baseline_of(grid.proposers)
    cells: list[Cell] = []
    for oracle in grid.oracles:
        idx = [i for i, r in enumerate(records) if r.task.oracle == oracle]
        mine = [records[i] for i in idx]
        if any(len({r.initial for r in mine if r.task.seed == seed}) > 1
               for seed in grid.seeds):
            notes.append(f"runs on {oracle} with the same seed did not all start from the "
                         f"same step 0 (initial solutions or warm start): the oracle spec "
                         f"or the warm start is not deterministic")
        optimum = reference(mine)
        base = [r.best_value for r in mine if r.task.proposer == baseline]
        floor = float(np.median(base)) if base else np.nan
        score_basis[oracle] = (optimum, any(r.optimum is not None for r in mine), floor)
        if base:
            scores[idx] = stats.normalised_score(np.array([r.best_value for r in mine]),
                                                 optimum, floor)
        paired = _paired_table(grid.proposers, oracle, grid.seeds, mine)
        ranks = stats.mean_ranks(paired)
        tested[oracle] = significance.test(paired, grid.proposers)
        for proposer, rank in zip(grid.proposers, ranks.tolist()):
            sel = [(i, r) for i, r in zip(idx, mine) if r.task.proposer == proposer]
            if sel:
                cell = _cell(oracle, proposer, [r for _, r in sel], scores[[i for i, _ in sel]])
                cell.values["mean_rank"] = rank
                cell.values.update(_test_values(tested[oracle], proposer))
                cells.append(cell)
                low = cell.values["feasible_fraction_median"]
                if low < LOW_FEASIBLE:
                    notes.append(f"{proposer} on {oracle}: median feasible share {low:.3g} "
                                 f"(under {LOW_FEASIBLE:g}): most of its proposals broke "
                                 f"the constraints")
    if baseline is None:
        notes.append(f"no {BASELINE!r} proposer in the grid, so no normalised score")
    table = np.concatenate([_paired_table(grid.proposers, o, grid.seeds, records)
                            for o in grid.oracles], axis=1)
    tested[ALL_ORACLES] = significance.test(table, grid.proposers)
    return Analysis(grid, records, cells, scores.tolist(), stats.mean_ranks(table),
                    stats.win_rates(table), notes, tested,
                    profiles.profiles(records, grid.proposers, grid.oracles), score_basis)


def _test_values(found: significance.Significance, proposer: str) -> dict[str, Any]:
    """A cell's significance columns; ``nemenyi_p_vs_top`` is its p-value against the
    proposer of best mean rank on the same blocks (1 for that proposer itself)."""
    vs_top = None
    if found.tested:
        top = int(np.argmin(found.mean_ranks))
        vs_top = float(found.pairwise_p[found.proposers.index(proposer), top])
    return {"group": found.groups.get(proposer) if found.tested else None,
            "blocks": found.blocks, "friedman_p": found.friedman_p,
            "critical_difference": found.critical_difference, "nemenyi_p_vs_top": vs_top}


def significance_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """The rows of ``significance.csv``: every pair's Nemenyi p-value, per oracle and over
    all oracles, with the Friedman p-value that gates them."""
    rows = []
    for scope, found in analysis.significance.items():
        if not found.tested:
            continue
        differ = found.different()
        names = found.proposers
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append({"scope": scope, "proposer": names[i], "other": names[j],
                             "mean_rank": float(found.mean_ranks[i]),
                             "other_mean_rank": float(found.mean_ranks[j]),
                             "blocks": found.blocks, "friedman_p": found.friedman_p,
                             "nemenyi_p": float(found.pairwise_p[i, j]),
                             "different": bool(differ[i, j])})
    return rows


def _cell(oracle: str, proposer: str, runs: list[RunRecord], scores: np.ndarray) -> Cell:
    best = np.array([r.best_value for r in runs])
    regret = np.array([r.regret for r in runs])
    solved = np.array([bool(r.result["solved"]) for r in runs])
    to_solve = np.array([r.result["evaluations_to_best"] for r in runs], dtype=float)[solved]
    values = {**_summarise("best_value", best), **_summarise("regret", regret),
              **_summarise("score", scores),
              "solved_fraction": float(solved.mean()),
              "evaluations_to_solve_median": stats.quartiles(to_solve)[0],
              "feasible_fraction_median": stats.quartiles(
                  np.array([r.result["feasible_fraction"] for r in runs]))[0],
              "diversity_median": stats.quartiles(np.array([r.diversity for r in runs]))[0],
              "distinct_evaluations_median": stats.quartiles(
                  np.array([r.distinct for r in runs], dtype=float))[0],
              "batch_size_median": stats.quartiles(
                  np.array([r.batch_size or np.nan for r in runs], dtype=float))[0],
              "rounds_median": stats.quartiles(
                  np.array([r.result.get("rounds", np.nan) for r in runs], dtype=float))[0],
              "model_queries_median": stats.quartiles(
                  np.array([np.nan if r.result.get("model_queries") is None
                            else r.result["model_queries"] for r in runs], dtype=float))[0],
              "duplicate_share_median": stats.quartiles(
                  np.array([r.duplicate_share for r in runs]))[0],
              "wall_seconds_median": stats.quartiles(
                  np.array([r.result["wall_seconds"] for r in runs]))[0]}
    return Cell(oracle, proposer, len(runs), values)


def _paired_table(proposers: tuple[str, ...], oracle: str, seeds: tuple[int, ...],
                  records: list[RunRecord]) -> np.ndarray:
    """``(proposers, seeds)`` best values on one oracle, NaN where a run is missing."""
    at = {(r.task.proposer, r.task.seed): r.best_value for r in records
          if r.task.oracle == oracle}
    return np.array([[at.get((p, s), np.nan) for s in seeds] for p in proposers],
                    dtype=float).reshape(len(proposers), len(seeds))


def summary_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """One row per run, in the column order of ``summary.csv``."""
    rows = []
    for record, score in zip(analysis.records, analysis.scores):
        res, task = record.result, record.task
        rows.append({"proposer": task.proposer, "oracle": task.oracle, "seed": task.seed,
                     "best_value": record.best_value, "regret": res["regret"],
                     "evaluations": res["evaluations"],
                     "distinct_evaluations": record.distinct,
                     "warm_start_evaluations": record.warm,
                     "evaluations_to_best": res["evaluations_to_best"],
                     "solved": bool(res["solved"]), "wall_seconds": res["wall_seconds"],
                     "budget": res.get("budget", task.budget),
                     "batch_size": record.batch_size, "rounds": res.get("rounds"),
                     "model_queries": res.get("model_queries"),
                     "feasible_fraction": res["feasible_fraction"],
                     "diversity": record.diversity, "score": score,
                     "stopped": res["stopped"], "best_sequence": res["best_sequence"]})
    return rows


def trace_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """The best-so-far step function of every run, in the column order of ``trace.csv``."""
    rows = []
    for r in analysis.records:
        for e, b in zip(r.evaluations.tolist(), r.best.tolist()):
            rows.append({"proposer": r.task.proposer, "seed": r.task.seed, "evaluations": e,
                         "best_value": b, "oracle": r.task.oracle,
                         "regret": r.optimum - b if r.optimum is not None else None})
    return rows
