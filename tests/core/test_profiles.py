"""Data profiles on hand-written run logs whose answers are worked out by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from seqzoo.compare import profiles
from seqzoo.compare.records import load
from seqzoo.compare.store import RunTask
from seqzoo.runlog import RunDir


def _run(folder, seed, proposer, rounds, optimum=1.0):
    """A run folder written by hand: ``rounds[r]`` is round r's values (None = infeasible),
    round 0 the start rows."""
    run = RunDir(folder)
    values = [v for r in rounds for v in r]
    run.create({"config": {"oracle": "o", "proposer": proposer, "budget": len(values),
                           "batch_size": 2, "seed": seed, "stop_on_optimum": True},
                "optimal_value": optimum, "alphabet": "AB", "length": 2})
    seqs, i = ["AA", "AB", "BA", "BB"], 0
    with open(run.log_path, "a") as fh:
        for r, batch in enumerate(rounds):
            for j, v in enumerate(batch):
                fh.write(json.dumps({"evaluation": i, "step": r, "round": r, "index": j,
                                     "asked": len(batch), "sequence": seqs[i % 4],
                                     "value": v, "time": 0.1 * i}) + "\n")
                i += 1
    finite = [v for v in values if v is not None]
    best = max(finite) if finite else None
    run.write_result({"best_value": best, "regret": None if best is None else optimum - best,
                      "evaluations": len(values), "solved": best == optimum,
                      "evaluations_to_best": 1 + values.index(best) if finite else 0,
                      "feasible_fraction": len(finite) / len(values), "wall_seconds": 1.0,
                      "best_sequence": None, "stopped": "budget", "rounds": len(rounds) - 1})
    return load(RunTask("o", proposer, seed, len(values), 2, str(folder)))


@pytest.fixture
def records(tmp_path):
    runs = {  # (proposer, seed): rounds 0 (the shared start), 1, 2
        ("a", 0): [[0.2, 0.1], [0.5, 1.0], [0.3, 0.4]],
        ("b", 0): [[0.2, 0.1], [0.3, 0.4], [0.95, 0.1]],
        ("a", 1): [[0.0, None], [0.1, 0.2], [0.2, 0.2]],
        ("b", 1): [[0.0, None], [0.6, 0.0], [0.1, 0.1]],
    }
    return [_run(tmp_path / f"{p}{s}", s, p, r) for (p, s), r in runs.items()]


def _profile(found, proposer, tau, axis, problems=profiles.ALL):
    (p,) = [p for p in found if (p.proposer, p.tau, p.axis, p.problems)
            == (proposer, tau, axis, problems)]
    return p.x.tolist(), p.fraction.tolist()


def test_records_keep_the_round_time_and_start_of_the_curve(records):
    a0 = records[0]
    assert a0.start_best == pytest.approx(0.2)
    assert a0.evaluations.tolist() == [1, 3, 4, 6]  # 0.2, then 0.5, 1.0, and the end
    assert a0.rounds.tolist() == [0, 1, 1, 2]
    assert a0.times.tolist() == pytest.approx([0.0, 0.2, 0.3, 0.5])


def test_thresholds_close_all_but_tau_of_the_gap(records):
    # seed 0: start 0.2, best any 1.0; seed 1: start 0.0, best any 0.6
    assert profiles.thresholds(records, 0.1) == pytest.approx(
        {("o", 0): 1.0 - 0.1 * 0.8, ("o", 1): 0.6 - 0.1 * 0.6})


def test_profiles_by_evaluations_and_by_rounds(records):
    found = profiles.profiles(records, ["a", "b"], ["o"])
    # tau 0.1 (need 0.92 and 0.54): a solves seed 0 at evaluation 4 (round 1), never seed 1;
    # b solves seed 1 at evaluation 3 (round 1) and seed 0 at evaluation 5 (round 2)
    assert _profile(found, "a", 0.1, "evaluations") == ([4.0, 6.0], [0.5, 0.5])
    assert _profile(found, "b", 0.1, "evaluations") == ([3.0, 5.0, 6.0], [0.5, 1.0, 1.0])
    assert _profile(found, "a", 0.1, "rounds") == ([1.0, 2.0], [0.5, 0.5])
    assert _profile(found, "b", 0.1, "rounds") == ([1.0, 2.0], [0.5, 1.0])
    # tau 0.01 (need 0.992 and 0.594): b's 0.95 no longer solves seed 0
    assert _profile(found, "b", 0.01, "evaluations") == ([3.0, 6.0], [0.5, 0.5])
    # one oracle: no per-oracle profiles beside "all"
    assert {p.problems for p in found} == {profiles.ALL}
    rows = profiles.rows(found)
    assert set(rows[0]) == set(profiles.COLUMNS)
    assert {(r["solved"], r["total"]) for r in rows if r["proposer"] == "b"
            and r["tau"] == 0.1} == {(1, 2), (2, 2)}


def test_an_infeasible_start_and_a_problem_nobody_improved(tmp_path):
    recs = [_run(tmp_path / "a", 0, "a", [[None, None], [0.3, None], [0.5, 0.5]]),
            _run(tmp_path / "b", 0, "b", [[None, None], [None, 0.4], [0.4, 0.4]]),
            _run(tmp_path / "c", 1, "a", [[0.7, 0.1], [0.2, 0.2]]),
            _run(tmp_path / "d", 1, "b", [[0.7, 0.1], [0.7, 0.3]])]
    # seed 0 starts from the lowest first feasible value any run found (0.3): need 0.48
    assert profiles.thresholds(recs, 0.1)[("o", 0)] == pytest.approx(0.5 - 0.1 * 0.2)
    found = profiles.profiles(recs, ["a", "b"], ["o"])
    # seed 1: nobody improved on the start, so both solve it with the start rows
    assert _profile(found, "a", 0.1, "evaluations") == ([1.0, 5.0, 6.0], [0.5, 1.0, 1.0])
    assert _profile(found, "b", 0.1, "rounds") == ([0.0, 2.0], [0.5, 0.5])
    # a proposer with no run on a problem has not solved it
    partial = profiles.profiles(recs[:3], ["a", "b"], ["o"])
    assert _profile(partial, "b", 0.1, "evaluations") == ([6.0], [0.0])
    # nothing feasible anywhere: nobody can solve it
    never = _run(tmp_path / "e", 2, "a", [[None, None], [None, None]])
    assert np.isinf(profiles.thresholds([never], 0.1)[("o", 2)])
    assert _profile(profiles.profiles([never], ["a"], ["o"]), "a", 0.1, "rounds") == (
        [1.0], [0.0])
