"""A GPT-NeoX (Pythia-architecture) checkpoint with a byte-level BPE tokenizer, by path."""

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM, PreTrainedTokenizerFast

from seqzoo_llm.generation import generate
from seqzoo_llm.model import load_model
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target
from seqzoo_llm.trainers import SFT

torch.set_num_threads(1)
EOS = "<|endoftext|>"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    rng = np.random.default_rng(0)
    corpus = [format_prompt(rng.integers(0, 32, 8)) + format_target(rng.integers(0, 32, 8))
              for _ in range(200)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=320, special_tokens=[EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    # Pythia-like: BOS == EOS and no pad token (load_model must supply one)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=EOS, bos_token=EOS)
    config = GPTNeoXConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64,
                           max_position_embeddings=256, bos_token_id=0, eos_token_id=0)
    path = tmp_path_factory.mktemp("pythia-tiny")
    torch.manual_seed(0)
    GPTNeoXForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_gpt_neox_checkpoint_loads_by_path_and_trains_one_step(checkpoint):
    lm = load_model(str(checkpoint), device="cpu")
    assert type(lm.model).__name__ == "GPTNeoXForCausalLM"
    assert lm.tokenizer.pad_token is not None
    examples = [{"prompt": [1, 2, 3, 4, 5, 6, 7, 8], "target": [1, 2, 3, 4, 5, 6, 7, 9]}] * 4
    prompts = [format_prompt(e["prompt"]) for e in examples[:1]]
    targets = [format_target(e["target"]) for e in examples[:1]]
    before = sequence_logprobs(lm, prompts, targets)[0]
    metrics = SFT(batch_size=4, learning_rate=1e-2).fit(lm, examples)
    assert metrics["steps"] == 1 and np.isfinite(metrics["loss"])
    assert sequence_logprobs(lm, prompts, targets)[0] > before


def test_gpt_neox_generates_with_a_bpe_tokenizer(checkpoint):
    lm = load_model(str(checkpoint), device="cpu")
    out = generate(lm, [format_prompt([3, 1, 4])], temperature=1.0, num_samples=4,
                   max_new_tokens=12, seed=0)
    assert len(out[0]) == 4
    for g in out[0]:
        assert 1 <= g.num_tokens <= 12 and np.isfinite(g.logprob)
        assert g.text.count("]") <= 1 and (g.text.endswith("]") or "]" not in g.text)


def test_lora_finds_gpt_neox_attention_by_default(checkpoint):
    lm = load_model(str(checkpoint), lora=True, lora_rank=2, device="cpu")
    names = [n for n, p in lm.model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    assert any("query_key_value" in n for n in names)
