"""Each loss equals its formula (llome.md) on hand-computed log-probabilities."""

import math

import numpy as np
import pytest
import torch

from seqzoo_llm.losses import (dpo_loss, improvement_reward, marge_loss, reinforce_loss,
                               sft_loss)

LOGP = [-3.0, -5.0, -2.0]
REF = [-4.0, -5.0, -1.0]
TOKENS = [3.0, 5.0, 2.0]
REWARD = [0.5, 0.0, 0.25]


def t(values, grad=False):
    return torch.tensor(values, dtype=torch.float64, requires_grad=grad)


def test_sft_is_token_mean_nll():
    assert sft_loss(t(LOGP), t(TOKENS)).item() == pytest.approx(10.0 / 10.0)
    assert sft_loss(t([-6.0]), t([4.0])).item() == pytest.approx(1.5)


def test_dpo_matches_sigmoid_formula():
    beta = 0.4
    # ratios: chosen (-3 - -4) = 1 and (-5 - -5) = 0; rejected (-2 - -1) = -1 and (-6 - -3) = -3
    loss = dpo_loss(t([-3.0, -5.0]), t([-2.0, -6.0]), t([-4.0, -5.0]), t([-1.0, -3.0]), beta)
    expected = [-math.log(1 / (1 + math.exp(-beta * m))) for m in (2.0, 3.0)]
    assert loss.item() == pytest.approx(np.mean(expected))


def test_dpo_is_log2_when_policy_equals_reference():
    same = t([-3.0, -7.0])
    assert dpo_loss(same, same - 1, same, same - 1, 0.4).item() == pytest.approx(math.log(2))


def marge_by_hand(alpha, beta, normalize):
    ratios = [math.exp(lp - r) for lp, r in zip(LOGP, REF)]
    if normalize:
        ratios = [w / sum(ratios) for w in ratios]
    terms = [alpha * w * (lp / n - r) + beta * (-lp / n)
             for w, lp, n, r in zip(ratios, LOGP, TOKENS, REWARD)]
    return sum(terms) / len(terms)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("alpha,beta", [(1.0, 10.0), (2.0, 0.5)])
def test_marge_matches_formula(alpha, beta, normalize):
    loss = marge_loss(t(LOGP), t(REF), t(TOKENS), t(REWARD), alpha, beta, normalize)
    assert loss.item() == pytest.approx(marge_by_hand(alpha, beta, normalize))


def test_marge_self_normalised_weights_sum_to_one_times_alpha():
    # with beta = 0 and reward = 0 the loss is alpha * sum(w~ * logp/|y|) / B
    logp, ref, n = t(LOGP), t(REF), t(TOKENS)
    w = torch.exp(logp - ref) / torch.exp(logp - ref).sum()
    assert w.sum().item() == pytest.approx(1.0)
    loss = marge_loss(logp, ref, n, t([0.0] * 3), 3.0, 0.0, True)
    assert loss.item() == pytest.approx(3.0 * (w * logp / n).sum().item() / 3)


def test_marge_gradient_flows_through_the_weight():
    alpha, beta = 1.0, 10.0
    logp = t(LOGP, grad=True)
    marge_loss(logp, t(REF), t(TOKENS), t(REWARD), alpha, beta, True).backward()
    # d/dl_j of mean_i [alpha w~_i a_i - beta l_i/n_i], a_i = l_i/n_i - r_i, w~ = softmax(l - ref)
    lp, n, r = np.array(LOGP), np.array(TOKENS), np.array(REWARD)
    w = np.exp(lp - np.array(REF))
    w /= w.sum()
    a = lp / n - r
    expected = (alpha * (w * (a - (w * a).sum()) + w / n) - beta / n) / len(lp)
    np.testing.assert_allclose(logp.grad.numpy(), expected, rtol=1e-10)
    # a detached weight would miss the first term: the gradients must differ
    detached = (alpha * w / n - beta / n) / len(lp)
    assert not np.allclose(logp.grad.numpy(), detached)


def test_reinforce_matches_formula():
    beta = 2.0
    loss = reinforce_loss(t(LOGP), t(TOKENS), t(REWARD), beta)
    expected = np.mean([-lp * r + beta * (-lp / n) for lp, n, r in zip(LOGP, TOKENS, REWARD)])
    assert loss.item() == pytest.approx(expected)


def test_improvement_reward_is_margin_with_infeasible_as_zero():
    x = np.array([0.2, 0.5, -np.inf, 0.3, -np.inf])
    y = np.array([0.7, 0.1, 0.4, -np.inf, -np.inf])
    np.testing.assert_allclose(improvement_reward(x, y), [0.5, 0.0, 0.4, 0.0, 0.0])
