"""Format-constrained decoding: every output is a well-formed list of L states in [0, V)."""

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (GPTNeoXConfig, GPTNeoXForCausalLM, LogitsProcessorList,
                          PreTrainedTokenizerFast)

from seqzoo_llm.constrained import FormatConstraint, FormatLogitsProcessor
from seqzoo_llm.generation import generate
from seqzoo_llm.llome.parse import VALID, parse_many
from seqzoo_llm.model import LanguageModel, load_model
from seqzoo_llm.text import format_prompt, format_target
from seqzoo_llm.tokenizer import build_tokenizer

torch.set_num_threads(1)
PROMPTS = [format_prompt(x) for x in ([0, 1, 2, 3, 4], [9, 9, 9, 9, 9], [3, 1, 4, 1, 5])]


def _walk(constraint, tokenizer, text):
    """Advance one row through ``text``'s tokens; False at the first disallowed token."""
    state = constraint.start(1)
    for token in tokenizer(text, add_special_tokens=False)["input_ids"]:
        if not constraint.allowed(state)[0, token]:
            return False
        state = constraint.advance(state, torch.tensor([token]))
    return bool(constraint.is_done(state)[0])


@pytest.mark.parametrize("text, ok", [
    ("[1, 11, 0]", True), ("[0, 0, 0]", True),
    ("[1, 12, 0]", False),  # 12 is out of range for V = 12
    ("[1, 05, 0]", False),  # a leading zero
    ("[1, 2]", False), ("[1, 2, 3, 4]", False),  # wrong length
    ("[1,2, 3]", False), ("1, 2, 3]", False),  # not the canonical format
])
def test_the_automaton_accepts_exactly_well_formed_targets(text, ok):
    tokenizer = build_tokenizer(12)
    assert _walk(FormatConstraint(tokenizer, 3, 12), tokenizer, text) is ok


def test_special_tokens_are_never_allowed_before_the_end():
    tokenizer = build_tokenizer(12)
    constraint = FormatConstraint(tokenizer, 3, 12)
    allowed = constraint.allowed(constraint.start(1))[0]
    assert allowed.sum() == 1 and allowed[tokenizer.convert_tokens_to_ids("[")]
    with pytest.raises(ValueError, match="not allowed"):
        constraint.advance(constraint.start(1), torch.tensor([tokenizer.eos_token_id]))


def test_an_untrained_model_writes_only_valid_sequences_when_constrained():
    lm = load_model(size="micro", num_states=12, length=5, seed=0, device="cpu")
    constraint = FormatConstraint(lm.tokenizer, 5, 12,
                                  vocab_size=lm.model.get_output_embeddings().weight.shape[0])
    kwargs = dict(temperature=1.5, num_samples=8, max_new_tokens=30, seed=0)
    free = [g.text for per in generate(lm, PROMPTS, **kwargs) for g in per]
    held = generate(lm, PROMPTS, constraint=constraint, **kwargs)
    texts = [g.text for per in held for g in per]
    assert (parse_many(free, 5, 12)[1] == VALID).mean() < 0.2
    assert (parse_many(texts, 5, 12)[1] == VALID).all()
    for g in (g for per in held for g in per):  # masking raised the sampled tokens' odds
        assert g.warped_logprob >= g.logprob / 1.5 - 1e-6
    greedy = generate(lm, PROMPTS, temperature=0, num_samples=1, max_new_tokens=30, seed=0,
                      constraint=constraint)
    assert (parse_many([o[0].text for o in greedy], 5, 12)[1] == VALID).all()


def test_the_logits_processor_constrains_transformers_generate_with_a_bpe_tokenizer():
    rng = np.random.default_rng(0)
    corpus = [format_prompt(rng.integers(0, 32, 6)) + format_target(rng.integers(0, 32, 6))
              for _ in range(200)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>",
                                        pad_token="<|endoftext|>", padding_side="left")
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(GPTNeoXConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256, bos_token_id=0, eos_token_id=0))
    constraint = FormatConstraint(tokenizer, 6, 32)
    batch = tokenizer(PROMPTS, return_tensors="pt", padding=True)
    out = model.generate(**batch, do_sample=True, temperature=2.0, max_new_tokens=40,
                         logits_processor=LogitsProcessorList([FormatLogitsProcessor(constraint)]),
                         pad_token_id=0)
    texts = [t.partition("]")[0] + "]" for t in tokenizer.batch_decode(
        out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)]
    assert (parse_many(texts, 6, 32)[1] == VALID).all()
    # and seqzoo's own decoding loop with the same constraint
    lm = LanguageModel(model, tokenizer)
    ours = generate(lm, PROMPTS, temperature=2.0, num_samples=4, max_new_tokens=40, seed=1,
                    constraint=constraint)
    assert (parse_many([g.text for per in ours for g in per], 6, 32)[1] == VALID).all()
