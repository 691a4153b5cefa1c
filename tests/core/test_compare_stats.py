"""The statistics of zoo compare on hand-made values and hand-written run logs."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from seqzoo.compare import analysis, stats
from seqzoo.compare.grid import Grid
from seqzoo.compare.records import load, mean_pairwise_hamming
from seqzoo.compare.store import RunTask
from seqzoo.runlog import RunDir


def test_quartiles_ignore_nan_and_match_numpy():
    values = np.array([3.0, 1.0, np.nan, 2.0, 10.0])
    med, q25, q75 = stats.quartiles(values)
    assert (med, q25, q75) == (2.5, 1.75, 4.75)
    assert all(np.isnan(stats.quartiles(np.array([np.nan]))))


def test_bootstrap_interval_brackets_the_median_and_is_reproducible():
    values = np.array([0.1, 0.4, 0.5, 0.9, 0.3])
    lo, hi = stats.bootstrap_ci(values)
    assert values.min() <= lo <= np.median(values) <= hi <= values.max()
    assert (lo, hi) == stats.bootstrap_ci(values)
    assert stats.bootstrap_ci(np.array([0.7, 0.7, 0.7])) == (0.7, 0.7)


def test_ranks_share_ties_and_skip_incomplete_blocks():
    assert stats.average_ranks(np.array([0.5, 0.9, 0.5])).tolist() == [2.5, 1.0, 2.5]
    table = np.array([[1.0, 0.2, 0.5],
                      [0.0, 0.3, np.nan],
                      [0.5, 0.1, 0.9]])
    # blocks 0 and 1 only: ranks (1, 3, 2) and (2, 1, 3)
    assert stats.mean_ranks(table).tolist() == [1.5, 2.0, 2.5]


def test_win_rates_count_ties_as_halves_on_shared_blocks():
    table = np.array([[1.0, 0.5, 0.5, 0.2],
                      [0.0, 0.5, 0.7, np.nan]])
    wins = stats.win_rates(table)
    assert wins[0, 1] == pytest.approx((1 + 0.5 + 0) / 3)
    assert wins[1, 0] == pytest.approx((0 + 0.5 + 1) / 3)
    assert np.isnan(wins[0, 0])


def test_normalised_score_is_zero_at_optimum_and_one_at_random_median():
    best = np.array([1.0, 0.6, 0.2])
    assert stats.normalised_score(best, 1.0, 0.6).tolist() == pytest.approx([0, 1, 2])
    assert np.isnan(stats.normalised_score(best, 1.0, 1.0)).all()


def test_step_values_hold_each_best_until_the_next():
    evaluations, best = np.array([1, 4, 9]), np.array([0.1, 0.5, 0.7])
    read = stats.step_values(evaluations, best, np.array([0, 1, 3, 4, 8, 9, 20]))
    assert read.tolist() == [-np.inf, 0.1, 0.1, 0.5, 0.5, 0.7, 0.7]


def test_mean_pairwise_hamming_matches_brute_force():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, size=(7, 5))
    pairs = list(itertools.combinations(range(7), 2))
    brute = np.mean([(x[i] != x[j]).sum() for i, j in pairs])
    assert mean_pairwise_hamming(x) == pytest.approx(brute)
    assert np.isnan(mean_pairwise_hamming(x[:1]))


def _hand_made_run(folder, seed, proposer, values, steps, optimum=1.0):
    """A run folder written by hand: ``values`` in order (None = infeasible)."""
    run = RunDir(folder)
    run.create({"config": {"oracle": "o", "proposer": proposer, "budget": len(values),
                           "batch_size": 2, "seed": seed, "stop_on_optimum": True},
                "optimal_value": optimum, "alphabet": "AB", "length": 2})
    seqs = ["AA", "AB", "BA", "BB"]
    with open(run.log_path, "a") as fh:
        fh.writelines(json.dumps({"evaluation": i, "step": s, "index": i, "asked": 2,
                                 "sequence": seqs[i % 4], "value": v, "time": 0.0}) + "\n" for i, (v, s) in enumerate(zip(values, steps)))
    finite = [v for v in values if v is not None]
    best = max(finite) if finite else None
    run.write_result({"best_value": best, "regret": None if best is None else optimum - best,
                      "evaluations": len(values), "solved": best == optimum,
                      "evaluations_to_best": 1 + values.index(best) if finite else 0,
                      "feasible_fraction": len(finite) / len(values), "wall_seconds": 1.5,
                      "best_sequence": None, "stopped": "budget"})
    return RunTask("o", proposer, seed, len(values), 2, str(folder))


def test_record_trace_diversity_and_initial_batch(tmp_path):
    task = _hand_made_run(tmp_path / "r", 0, "p", [None, 0.2, 0.1, 0.5, 0.5, 0.4],
                          [0, 0, 1, 1, 2, 2])
    record = load(task)
    assert record.evaluations.tolist() == [2, 4, 6]
    assert record.best.tolist() == [0.2, 0.5, 0.5]
    assert record.initial == ("AA", "AB")
    assert record.diversity == 1.0  # the last step holds AA and AB
    assert record.regret == 0.5


def test_analysis_on_hand_made_runs(tmp_path):
    # random: best 0.5 and 0.7 (median 0.6); good: solves on seed 0, 0.8 on seed 1
    runs = {("hill-climb", 0): [0.1, 0.5], ("hill-climb", 1): [0.7, 0.2],
            ("good", 0): [0.3, 1.0], ("good", 1): [0.8, 0.8]}
    tasks = [_hand_made_run(tmp_path / f"{p}{s}", s, p, v, [0, 1]) for (p, s), v in runs.items()]
    grid = Grid(("o",), ("hill-climb", "good"), (0, 1), budget=2, batch_size=2)
    result = analysis.analyse(grid, [load(t) for t in tasks])
    by = {c.proposer: c.values for c in result.cells}
    assert by["hill-climb"]["score_median"] == pytest.approx(1.0)
    assert by["good"]["score_median"] == pytest.approx((0 + 0.2 / 0.4) / 2)
    assert by["good"]["solved_fraction"] == 0.5
    assert by["good"]["evaluations_to_solve_median"] == 2
    assert by["hill-climb"]["regret_median"] == pytest.approx(0.4)
    assert by["good"]["mean_rank"] == 1.0 and by["hill-climb"]["mean_rank"] == 2.0
    assert result.wins[1, 0] == 1.0 and result.wins[0, 1] == 0.0
    assert result.notes == []
    rows = analysis.summary_rows(result)
    assert [(r["proposer"], r["seed"], r["best_value"]) for r in rows] == [
        ("hill-climb", 0, 0.5), ("hill-climb", 1, 0.7), ("good", 0, 1.0), ("good", 1, 0.8)]


def test_analysis_notes_missing_runs_and_missing_baseline(tmp_path):
    task = _hand_made_run(tmp_path / "g", 0, "good", [0.3, 0.4], [0, 1])
    grid = Grid(("o",), ("good",), (0, 1), budget=2, batch_size=2)
    result = analysis.analyse(grid, [load(task)])
    assert any("1 of 2 runs are not complete" in n for n in result.notes)
    assert any("no 'hill-climb' proposer" in n for n in result.notes)
    assert np.isnan(result.scores).all()
