"""LoRA through peft: only adapters train, and checkpoints save with them merged in."""

import numpy as np
import pytest
import torch

from seqzoo_llm.model import LanguageModel, load_model
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target
from seqzoo_llm.trainers import SFT, MarGE

torch.set_num_threads(1)

RNG = np.random.default_rng(0)
XS = [RNG.integers(0, 4, 4).tolist() for _ in range(16)]
PAIRS = [{"prompt": x, "target": [(v + 1) % 4 for v in x], "prompt_value": 0.0,
          "target_value": 0.5} for x in XS]
PROMPTS = [format_prompt(e["prompt"]) for e in PAIRS]
TARGETS = [format_target(e["target"]) for e in PAIRS]


def lora_micro(**options):
    return load_model(**{"size": "micro", "num_states": 4, "length": 4, "lora": True,
                         "lora_rank": 4, "device": "cpu", **options})


def split(lm):
    params = {n: p.detach().clone() for n, p in lm.model.named_parameters()}
    return ({n: p for n, p in params.items() if "lora_" in n},
            {n: p for n, p in params.items() if "lora_" not in n})


@pytest.mark.parametrize("trainer", [SFT(epochs=3, batch_size=8, learning_rate=1e-2),
                                     MarGE(epochs=3, batch_size=8, learning_rate=1e-2)])
def test_only_the_adapters_train(trainer):
    lm = lora_micro()
    assert lm.num_parameters(trainable=True) < lm.num_parameters() / 5
    adapters, base = split(lm)
    before = sequence_logprobs(lm, PROMPTS, TARGETS)[0].mean()
    trainer.fit(lm, PAIRS)
    adapters_after, base_after = split(lm)
    assert all(torch.equal(base[n], base_after[n]) for n in base)
    assert any(not torch.equal(adapters[n], adapters_after[n]) for n in adapters)
    assert sequence_logprobs(lm, PROMPTS, TARGETS)[0].mean() > before


def test_save_merges_adapters_and_keeps_training_state(tmp_path):
    lm = lora_micro()
    SFT(epochs=3, batch_size=8, learning_rate=1e-2).fit(lm, PAIRS)
    lm.save(tmp_path)
    assert lm.is_lora  # the live model keeps its adapters
    plain = LanguageModel.load(tmp_path)
    assert not plain.is_lora
    assert not [n for n, _ in plain.model.named_parameters() if "lora_" in n]
    np.testing.assert_allclose(sequence_logprobs(plain, PROMPTS, TARGETS)[0],
                               sequence_logprobs(lm, PROMPTS, TARGETS)[0], rtol=1e-5)
    # fresh adapters on the saved model start as a no-op
    again = LanguageModel.load(tmp_path, lora=True)
    np.testing.assert_allclose(sequence_logprobs(again, PROMPTS, TARGETS)[0],
                               sequence_logprobs(plain, PROMPTS, TARGETS)[0], rtol=1e-5)


def test_lora_targets_choose_the_adapted_layers():
    lm = lora_micro(lora_targets=["gate_proj", "up_proj"])
    adapted = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n, p in lm.model.named_parameters()
               if p.requires_grad}
    assert adapted == {"gate_proj", "up_proj"}
    with pytest.raises(ValueError, match="lora_targets"):
        lora_micro(lora_targets=["no_such_layer"])
    with pytest.raises(ValueError, match="lora_rank"):
        lora_micro(lora_rank=0)
