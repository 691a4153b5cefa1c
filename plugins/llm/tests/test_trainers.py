"""Training a micro model a few steps moves it the way each objective intends."""

import math

import numpy as np
import pytest
import torch

from seqzoo.plugins import registry
from seqzoo.testing import check_trainer
from seqzoo_llm.generation import generate
from seqzoo_llm.model import load_model
from seqzoo_llm.module import CompletionModule
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target, parse_target
from seqzoo_llm.trainers import DPO, SFT, MarGE, Reinforce

torch.set_num_threads(1)

RNG = np.random.default_rng(0)
XS = [RNG.integers(0, 4, 4).tolist() for _ in range(16)]
GOOD = [[(v + 1) % 4 for v in x] for x in XS]  # the improving edit
BAD = [[(v + 2) % 4 for v in x] for x in XS]  # an infeasible one
#: edit pairs where GOOD targets earn reward 0.8 and BAD ones (infeasible) earn 0
PAIRS = ([{"prompt": x, "target": g, "prompt_value": 0.1, "target_value": 0.9}
          for x, g in zip(XS, GOOD)]
         + [{"prompt": x, "target": b, "prompt_value": 0.1, "target_value": -math.inf}
            for x, b in zip(XS, BAD)])
TRIPLES = [{"prompt": x, "chosen": g, "rejected": b} for x, g, b in zip(XS, GOOD, BAD)]


def micro(seed=0):
    return load_model(size="micro", num_states=4, length=4, seed=seed, device="cpu")


def logp(lm, xs, ys):
    return sequence_logprobs(lm, [format_prompt(x) for x in xs], [format_target(y) for y in ys])[0]


def margin(lm):
    """Mean log-likelihood of the good edits minus that of the bad ones."""
    return float(np.mean(logp(lm, XS, GOOD) - logp(lm, XS, BAD)))


def weights(lm):
    return torch.cat([p.detach().flatten() for p in lm.model.parameters()])


def test_sft_raises_the_targets_likelihood():
    lm = micro()
    before = logp(lm, XS, GOOD).mean()
    metrics = SFT(epochs=2, batch_size=8).fit(lm, PAIRS[:16])
    assert logp(lm, XS, GOOD).mean() > before + 3
    assert set(metrics) >= {"loss", "steps", "seconds"} and metrics["steps"] == 4


def test_dpo_raises_the_chosen_minus_rejected_margin():
    lm = micro()
    before = margin(lm)
    DPO(epochs=3, batch_size=8).fit(lm, TRIPLES * 2)
    assert margin(lm) > before + 0.5


def test_marge_raises_high_reward_targets_over_low_reward_ones():
    lm = micro()
    before = margin(lm)
    MarGE(epochs=3, batch_size=8, beta=0.1).fit(lm, PAIRS)
    assert margin(lm) > before + 0.5


def test_reinforce_raises_high_reward_targets_over_low_reward_ones():
    lm = micro()
    before = margin(lm)
    Reinforce(epochs=10, batch_size=8, learning_rate=3e-3, beta=0.1).fit(lm, PAIRS)
    assert margin(lm) > before + 2


@pytest.fixture(scope="module")
def reference_samples():
    """A lightly trained copier and two disjoint sets of its own well-formed samples."""
    ref = micro(seed=1)
    SFT(epochs=4, batch_size=16, learning_rate=3e-3).fit(
        ref, [{"prompt": x, "target": x} for x in XS * 4])

    def sample(seed):
        out = generate(ref, [format_prompt(x) for x in XS], temperature=1.0, num_samples=4,
                       max_new_tokens=12, seed=seed)
        return [(x, y) for x, gs in zip(XS, out) for g in gs
                if (y := parse_target(g.text)) is not None and len(y) == 4]

    return ref, sample(0), sample(1)


def test_large_marge_beta_keeps_the_model_near_the_reference(reference_samples):
    ref, train, held_out = reference_samples
    rewards = np.random.default_rng(1).uniform(0, 1, len(train))
    examples = [{"prompt": x, "target": y, "prompt_value": 0.0, "target_value": r}
                for (x, y), r in zip(train, rewards)]
    xs, ys = zip(*held_out)
    ref_logp = logp(ref, xs, ys)

    def kl_to_reference(beta):
        lm = ref.copy_frozen()
        lm.model.requires_grad_(True)
        MarGE(epochs=3, batch_size=8, beta=beta).fit(lm, examples)
        return float(np.mean(ref_logp - logp(lm, xs, ys)))  # estimates KL(pi_ref || pi)

    assert kl_to_reference(100.0) < kl_to_reference(0.01)


@pytest.mark.parametrize("trainer", [DPO(epochs=2, batch_size=8), MarGE(epochs=2, batch_size=8)])
def test_no_reference_means_the_model_as_fit_found_it(trainer):
    data = TRIPLES if isinstance(trainer, DPO) else PAIRS
    implicit, explicit = micro(), micro()
    trainer.fit(implicit, data)
    trainer.fit(explicit, data, reference=explicit.copy_frozen())
    torch.testing.assert_close(weights(implicit), weights(explicit))


def test_same_seed_same_model_and_gradient_accumulation_counts_steps():
    a, b = micro(), micro()
    ma = SFT(batch_size=4, grad_accum=2, seed=7).fit(a, PAIRS[:16])
    mb = SFT(batch_size=4, grad_accum=2, seed=7).fit(b, PAIRS[:16])
    assert torch.equal(weights(a), weights(b)) and ma["loss"] == mb["loss"]
    assert ma["steps"] == 2  # 4 batches, 2 per optimizer step


def test_fit_leaves_the_model_in_eval_mode_on_its_device():
    lm = micro()
    SFT(batch_size=8).fit(lm, PAIRS[:8])
    assert not lm.model.training and lm.device.type == "cpu"


def test_eight_bit_adamw_trains_on_cpu():
    lm = micro()
    optimizer = CompletionModule(lm.model, None, learning_rate=1e-3,
                                 optimizer="adamw8bit").configure_optimizers()
    assert type(optimizer).__name__ == "AdamW8bit"
    before = logp(lm, XS, GOOD).mean()
    SFT(epochs=2, batch_size=8, optimizer="adamw8bit").fit(lm, PAIRS[:16])
    assert logp(lm, XS, GOOD).mean() > before + 3


def test_fit_prints_nothing(capfd):
    SFT(batch_size=8).fit(micro(), PAIRS[:8])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("cls,options,message", [
    (SFT, {"learning_rate": 0.0}, "learning_rate"),
    (SFT, {"epochs": 0}, "epochs"),
    (SFT, {"optimizer": "sgd"}, "optimizer must be"),
    (SFT, {"precision": "8-bit"}, "precision must be"),
    (DPO, {"beta": 0.0}, "beta"),
    (MarGE, {"alpha": -1.0}, "alpha"),
])
def test_bad_options_raise(cls, options, message):
    with pytest.raises(ValueError, match=message):
        cls(**options)


def test_bad_examples_raise():
    lm = micro()
    with pytest.raises(ValueError, match="no examples"):
        SFT().fit(lm, [])
    with pytest.raises(ValueError, match="lacks 'target_value'"):
        MarGE().fit(lm, [{"prompt": [1], "target": [2], "prompt_value": 0.0}])
    with pytest.raises(ValueError, match="lacks 'chosen'"):
        DPO().fit(lm, PAIRS[:1])
    with pytest.raises(ValueError, match="max_length=8"):
        SFT(max_length=8).fit(lm, PAIRS[:1])


@pytest.mark.parametrize("name", ["sft", "dpo", "marge", "reinforce"])
def test_registered_trainers_conform(name):
    entry = registry().get("trainer", name)
    assert entry.plugin == "llm"
    data = TRIPLES if name == "dpo" else PAIRS
    check_trainer(name, micro(), data)
