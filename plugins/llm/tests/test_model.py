"""The tiny model: sizes, seeding, save/load, frozen copies and the errors of load_model."""

import numpy as np
import pytest
import torch

from seqzoo_llm.model import LanguageModel, load_model
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target

torch.set_num_threads(1)

PROMPTS = [format_prompt([1, 2, 3, 0]), format_prompt([3, 3, 0, 1])]
TARGETS = [format_target([1, 2, 3, 1]), format_target([2, 3, 0, 1])]


def weights(lm):
    return torch.cat([p.detach().flatten() for p in lm.model.parameters()])


def test_sizes_grow_and_vocabulary_follows_num_states():
    counts = [load_model(size=s, num_states=4, length=4, device="cpu").num_parameters()
              for s in ("micro", "small", "base")]
    assert counts[0] < counts[1] < counts[2]
    assert 50_000 < counts[0] and counts[2] < 10_000_000
    small, large = (load_model(size="micro", num_states=v, length=4) for v in (4, 32))
    assert len(large.tokenizer) - len(small.tokenizer) == 28
    assert large.model.get_input_embeddings().num_embeddings == len(large.tokenizer)


def test_seed_fixes_initial_weights():
    a, b, c = (load_model(size="micro", num_states=4, length=4, seed=s) for s in (1, 1, 2))
    assert torch.equal(weights(a), weights(b))
    assert not torch.equal(weights(a), weights(c))


def test_save_and_load_round_trip_in_safetensors(tmp_path):
    lm = load_model(size="micro", num_states=4, length=4, seed=3)
    lm.save(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    assert not list(tmp_path.glob("*.bin"))
    again = LanguageModel.load(tmp_path)
    np.testing.assert_allclose(sequence_logprobs(again, PROMPTS, TARGETS)[0],
                               sequence_logprobs(lm, PROMPTS, TARGETS)[0], rtol=1e-6)


def test_copy_frozen_is_independent_and_frozen():
    lm = load_model(size="micro", num_states=4, length=4)
    frozen = lm.copy_frozen()
    assert not frozen.model.training
    assert not any(p.requires_grad for p in frozen.model.parameters())
    assert all(p.requires_grad for p in lm.model.parameters())
    before = weights(frozen)
    with torch.no_grad():
        next(lm.model.parameters()).add_(1.0)
    assert torch.equal(weights(frozen), before)


def test_unknown_model_says_how_to_give_a_local_path(tmp_path):
    with pytest.raises(ValueError, match="model=DIR"):
        load_model("no-such-org/no-such-model-xyz")
    with pytest.raises(ValueError, match="cannot load model"):
        load_model(str(tmp_path))  # an empty directory is no checkpoint


@pytest.mark.parametrize("options,message", [
    ({"size": "huge"}, "size must be one of"),
    ({"length": 0}, "length must be"),
    ({"load_in_4bit": True}, "needs lora=true"),
    ({"device": "toaster"}, "device must be"),
])
def test_bad_options_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        load_model(**options)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU error path")
def test_cuda_only_options_without_cuda_are_clear_errors():
    with pytest.raises(ValueError, match="4-bit loading needs a CUDA GPU"):
        load_model(size="micro", num_states=4, length=4, lora=True, load_in_4bit=True)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        load_model(size="micro", num_states=4, length=4, device="cuda")
