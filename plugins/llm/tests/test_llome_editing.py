"""Likelihood-ranked editing, label selection and the per-round label metrics."""

import json
from collections import Counter

import numpy as np
import pytest

from seqzoo_llm.llome.diagnostics import label_metrics
from seqzoo_llm.llome.editing import Candidates, edit, select_labels


def _candidates(rows, scores):
    x = np.array(rows)
    return Candidates(x, np.zeros_like(x), np.zeros(len(x), int), np.array(scores, float),
                      np.ones(len(x)), Counter(valid=len(x)))


def test_select_labels_drops_seen_and_repeats_then_applies_the_quantile():
    cands = _candidates([[0, 0], [0, 1], [0, 1], [1, 1], [1, 0], [2, 2]],
                        [-1.0, -0.5, -0.1, -3.0, -2.0, -0.2])
    seen = {np.array([2, 2]).tobytes()}
    idx = select_labels(cands, seen, quantile=0.5, k=10, rng=np.random.default_rng(0))
    # distinct unseen: [0,1] (best instance, -0.1), [0,0] -1, [1,0] -2, [1,1] -3; median -1.5
    assert sorted(map(tuple, cands.x[idx].tolist())) == [(0, 0), (0, 1)]
    assert 2 in idx.tolist() and 1 not in idx.tolist()
    assert len(select_labels(cands, seen, quantile=0.0, k=2, rng=np.random.default_rng(0))) == 2


def test_edit_moves_each_trajectory_to_its_likeliest_unused_output():
    seeds = np.array([[0, 0, 0]])
    prompts_seen = []

    def complete(prompts, temperature, num_samples, seed):
        prompts_seen.append(prompts[0].tolist())
        if temperature == 0:  # the likeliest per token: the next input
            return [[(json.dumps([1, 0, 0]), -0.3, 3)]]
        return [[(json.dumps([2, 0, 0]), -3.0, 3), ("[2, 0", -0.1, 2)]]

    cands = edit(seeds, complete, iterations=2, temperatures=[1.0], samples=2, num_states=4,
                 seed=0)
    assert prompts_seen == [[0, 0, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0]]
    assert cands.reasons["unparsable"] == 2 and cands.reasons["valid"] == 4
    assert cands.fractions()["parsable"] == pytest.approx(4 / 6)
    assert cands.edit_distance() == np.mean(cands.x != cands.inputs)


def test_label_metrics():
    values = np.array([0.5, -np.inf, 0.2, 0.9])
    seeds = np.array([0.4, 0.4, 0.4, -np.inf])
    out = label_metrics(values, seeds, np.array([-1.0, -0.5, -2.0, -0.1]))
    assert out["feasible"] == 0.75
    assert out["improved"] == 0.5  # 0.5 > 0.4 and 0.9 > -inf
    assert out["mean_reward"] == np.mean([0.1, 0.0, 0.0, 0.9])
    assert out["calibration_spearman"] == 1.0  # likelihood ranks the feasible ones exactly


def test_separate_trajectories_rank_by_warped_likelihood_and_may_stay():
    """Greedy and each temperature have their own trajectories; an output only replaces the
    input when its warped score beats every earlier output of that trajectory."""
    from seqzoo_llm.llome.editing import edit_separate

    calls = []

    def complete(prompts, temperature, num, seed):
        calls.append((temperature, prompts.copy()))
        it = sum(1 for t, _ in calls if t == temperature) - 1
        out = []
        for p in prompts:
            y = p.copy()
            y[0] = (p[0] + 1) % 4
            # warped scores fall with the iteration, temperature-1 scores rise: the warped
            # one must decide, so trajectories stay on their first output
            out.append([(json.dumps(y.tolist()), -10.0 + it, 4, -1.0 - it)] * num)
        return out

    seeds = np.array([[0, 0, 0, 0], [2, 2, 2, 2]])
    cands = edit_separate(seeds, complete, iterations=3, temperatures=[1.0, 2.0], samples=2,
                          num_states=4, seed=0)
    assert sorted(t for t, _ in calls) == [0.0] * 3 + [1.0] * 3 + [2.0] * 3
    for temperature in (0.0, 1.0, 2.0):  # each restarts from the seeds, then stays on output 1
        mine = [prompts for t, prompts in calls if t == temperature]
        assert (mine[0] == seeds).all()
        assert (mine[1][:, 0] == seeds[:, 0] + 1).all()
        assert (mine[2] == mine[1]).all()
    assert len(cands.x) == 3 * 2 * (1 + 2 + 2)
    assert sorted(set(cands.temperature.tolist())) == [0.0, 1.0, 2.0]
    assert cands.score.max() == pytest.approx(-1.0 / 4)
