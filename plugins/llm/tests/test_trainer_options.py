"""The trainer options that follow the reference code: schedule, weight decay, best checkpoint."""

import math

import numpy as np
import pytest
import torch

from seqzoo_llm.model import load_model
from seqzoo_llm.module import CompletionModule
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target
from seqzoo_llm.trainers import SFT, MarGE

torch.set_num_threads(1)

RNG = np.random.default_rng(1)
XS = [RNG.integers(0, 4, 4).tolist() for _ in range(16)]
PAIRS = [{"prompt": x, "target": [(v + 1) % 4 for v in x], "prompt_value": 0.1,
          "target_value": 0.5} for x in XS]


def micro():
    return load_model(size="micro", num_states=4, length=4, seed=0, device="cpu")


def test_linear_schedule_decays_to_zero_and_constant_does_not(monkeypatch):
    rates = {"constant": [], "linear": []}
    for schedule, seen in rates.items():
        monkeypatch.setattr(CompletionModule, "on_train_batch_start", raising=False,
                            value=lambda self, batch, i, seen=seen: seen.append(
                                self.trainer.optimizers[0].param_groups[0]["lr"]))
        SFT(learning_rate=1e-2, batch_size=4, lr_schedule=schedule).fit(micro(), PAIRS)
    assert rates["constant"] == pytest.approx([1e-2] * 4)
    assert rates["linear"] == pytest.approx([1e-2, 7.5e-3, 5e-3, 2.5e-3])


def test_weight_decay_reaches_adamw():
    module = CompletionModule(micro().model, None, learning_rate=1e-3, weight_decay=0.0)
    assert module.configure_optimizers().param_groups[0]["weight_decay"] == 0.0
    assert CompletionModule(micro().model, None, learning_rate=1e-3).configure_optimizers() \
        .param_groups[0]["weight_decay"] == pytest.approx(0.01)


@pytest.mark.parametrize("bad", [{"lr_schedule": "cosine"}, {"weight_decay": -1.0}])
def test_bad_schedule_options_are_errors(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        SFT(**bad)


def test_best_checkpoint_keeps_the_lowest_accepted_eval_loss():
    lm = micro()
    held = PAIRS[:4]
    losses = []

    def accept(model):  # reject the last two checkpoints: an earlier one must be kept
        losses.append(_nll(model, held))
        return len(losses) <= 3

    metrics = SFT(learning_rate=1e-2, batch_size=2, epochs=1).fit(
        lm, PAIRS[4:], eval_examples=held, accept=accept, checkpoints=5)
    assert metrics["steps"] == 6 and len(losses) == 5
    assert metrics["checkpoint_step"] in (2, 3, 4)  # marks at ceil(6 k / 5)
    best = int(np.argmin(losses[:3]))
    assert _nll(lm, held) == pytest.approx(losses[best], rel=1e-5)
    # SFT's loss is the NLL per target token: 9 tokens ("[", 4 states, 3 ", ", "]") each
    assert metrics["eval_loss"] == pytest.approx(losses[best] / (len(held) * 9), rel=1e-5)


def test_no_accepted_checkpoint_keeps_the_final_weights():
    lm, twin = micro(), micro()
    kwargs = dict(learning_rate=1e-2, batch_size=4, seed=3)
    SFT(**kwargs).fit(twin, PAIRS[4:])
    metrics = SFT(**kwargs).fit(lm, PAIRS[4:], eval_examples=PAIRS[:4],
                                accept=lambda model: False)
    assert math.isnan(metrics["eval_loss"]) and metrics["checkpoint_step"] == 3
    assert _nll(lm, PAIRS[:4]) == pytest.approx(_nll(twin, PAIRS[:4]), rel=1e-6)


def test_marge_at_batch_one_has_unit_weights_and_ignores_the_reward():
    """The reference's f2 regime: self-normalised over a micro-batch of one, the weight is 1,
    so the reward only shifts the loss and never the gradient."""
    trained = []
    for reward in (0.5, 5.0):
        lm = micro()
        pairs = [{**p, "target_value": p["prompt_value"] + reward} for p in PAIRS]
        MarGE(learning_rate=1e-2, batch_size=1, grad_accum=4, seed=0).fit(lm, pairs)
        trained.append(_nll(lm, PAIRS))
    assert trained[0] == pytest.approx(trained[1], rel=1e-6)


def _nll(lm, pairs):
    logp, _ = sequence_logprobs(lm, [format_prompt(p["prompt"]) for p in pairs],
                                [format_target(p["target"]) for p in pairs])
    return float(-logp.sum())
