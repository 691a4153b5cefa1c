"""The model learns what it is trained on, and guidance does what it is for."""

from __future__ import annotations

import numpy as np
import torch

from seqzoo_lambo.infill import Scorer, guided_infill, salient_positions, unguided_infill


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_ensemble_predictions_correlate_with_truth_on_held_out_data(toy):
    _, net, _, x, y = toy
    feasible = np.isfinite(y)
    with torch.no_grad():
        pred = net.values(net.encode(torch.as_tensor(x[feasible]))).mean(-1).numpy()
    assert _spearman(pred, y[feasible]) > 0.7


def test_ensemble_members_disagree(toy):
    _, net, _, x, _ = toy
    with torch.no_grad():
        values = net.values(net.encode(torch.as_tensor(x)))
    assert values.std(-1).mean() > 1e-3  # bootstrap resamples give the acquisition a spread


def test_feasibility_classifier_separates_held_out_data(toy):
    _, net, _, x, y = toy
    with torch.no_grad():
        says_feasible = (net.log_feasible(torch.as_tensor(x)) > -np.log(2)).numpy()
    accuracy = (says_feasible == np.isfinite(y)).mean()
    majority = max(np.isfinite(y).mean(), 1 - np.isfinite(y).mean())
    assert accuracy > max(0.8, majority)


def test_denoiser_restores_masked_feasible_tokens_better_than_chance(toy):
    _, net, _, x, y = toy
    x = torch.as_tensor(x[np.isfinite(y)])
    mask = torch.zeros_like(x, dtype=torch.bool)
    mask[:, 5] = True
    with torch.no_grad():
        guess = net.logits(net.encode(torch.where(mask, net.mask_id, x)))[:, 5].argmax(-1)
    assert (guess == x[:, 5]).float().mean() > 0.4  # chance is 1/4


def test_guided_infill_raises_predicted_acquisition_over_unguided(toy):
    _, net, data, x, y = toy
    score = Scorer(net, data.best)
    start = torch.as_tensor(x[np.isfinite(y)][:48])
    gen = torch.Generator().manual_seed(0)
    mask = salient_positions(score, start, 2, 0.5, gen)
    result = guided_infill(score, start, mask, steps=8, step_size=0.5, kl_weight=0.25,
                           generator=gen)
    unguided = unguided_infill(net, start, mask, gen)
    with torch.no_grad():
        assert result.acquisition.mean() > score(unguided).mean()
        assert result.improved.any()
        # an accepted infill is predicted better than where it started, and feasible
        accepted = result.x[result.improved]
        assert (score(accepted) > score(start[result.improved])).all()
        assert score.feasible(accepted).all()
    assert (result.x[~mask] == start[~mask]).all()  # only masked positions change


def test_salient_positions_marks_the_requested_number_per_row(toy):
    _, net, data, x, _ = toy
    mask = salient_positions(Scorer(net, data.best), torch.as_tensor(x[:10]), 3, 0.5,
                             torch.Generator().manual_seed(1))
    assert mask.sum(-1).tolist() == [3] * 10
