"""Batched KV-cache sampling: shapes, determinism, stopping, padding and log-likelihoods."""

import numpy as np
import pytest
import torch

from seqzoo_llm.generation import Generation, generate
from seqzoo_llm.model import load_model
from seqzoo_llm.scoring import sequence_logprobs
from seqzoo_llm.text import format_prompt, parse_target
from seqzoo_llm.trainers import SFT

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def copier():
    """A micro model taught to copy its input (so its completions are well formed)."""
    lm = load_model(size="micro", num_states=4, length=4, device="cpu")
    rng = np.random.default_rng(0)
    examples = [{"prompt": (x := rng.integers(0, 4, 4).tolist()), "target": x}
                for _ in range(64)]
    SFT(epochs=15, batch_size=16, learning_rate=3e-3).fit(lm, examples)
    return lm


PROMPTS = [format_prompt(x) for x in ([0, 1, 2, 3], [3, 3, 1, 0], [2, 0, 0, 1])]


def test_greedy_copies_and_returns_one_completion_per_prompt(copier):
    out = generate(copier, PROMPTS, temperature=0, num_samples=5, max_new_tokens=20, seed=0)
    assert [len(o) for o in out] == [1, 1, 1]
    assert [parse_target(o[0].text) for o in out] == [[0, 1, 2, 3], [3, 3, 1, 0], [2, 0, 0, 1]]
    assert all(o[0].num_tokens == 9 for o in out)  # "[", 4 states, 3 separators, "]"


def test_logprob_is_the_temperature_one_likelihood_of_the_completion(copier):
    out = generate(copier, PROMPTS, temperature=1.5, num_samples=6, max_new_tokens=20, seed=1)
    # only well-formed completions re-tokenize to the very tokens that were sampled
    pairs = [(p, g) for p, gs in zip(PROMPTS, out) for g in gs if parse_target(g.text)]
    assert len(pairs) >= 6
    scores, counts = sequence_logprobs(copier, [p for p, _ in pairs], [g.text for _, g in pairs])
    np.testing.assert_allclose([g.logprob for _, g in pairs], scores, rtol=1e-4)
    np.testing.assert_array_equal([g.num_tokens for _, g in pairs], counts)


def test_same_seed_same_samples_other_seed_other_samples(copier):
    args = dict(temperature=2.0, num_samples=8, max_new_tokens=20)
    a = generate(copier, PROMPTS, seed=3, **args)
    assert a == generate(copier, PROMPTS, seed=3, **args)
    assert a != generate(copier, PROMPTS, seed=4, **args)
    assert all(len(o) == 8 and all(isinstance(g, Generation) for g in o) for o in a)


def test_higher_temperature_strays_further(copier):
    def mean_logprob(temperature):
        out = generate(copier, PROMPTS, temperature=temperature, num_samples=30,
                       max_new_tokens=20, seed=0)
        return np.mean([g.logprob for o in out for g in o])

    assert mean_logprob(0.5) > mean_logprob(3.0)


def test_left_padding_does_not_change_greedy_outputs(copier):
    prompts = [format_prompt([1, 2]), format_prompt([3, 0, 2, 1]), format_prompt([2])]
    together = generate(copier, prompts, temperature=0, num_samples=1, max_new_tokens=20, seed=0)
    alone = [generate(copier, [p], temperature=0, num_samples=1, max_new_tokens=20, seed=0)[0]
             for p in prompts]
    assert [o[0].text for o in together] == [o[0].text for o in alone]
    np.testing.assert_allclose([o[0].logprob for o in together],
                               [o[0].logprob for o in alone], rtol=1e-4)


def test_stops_at_the_first_bracket_or_the_token_limit(copier):
    out = generate(copier, PROMPTS, temperature=3.0, num_samples=20, max_new_tokens=6, seed=0)
    for g in (g for o in out for g in o):
        assert g.num_tokens <= 6
        assert g.text.count("]") <= 1 and (g.text.endswith("]") or "]" not in g.text)


@pytest.mark.parametrize("options,message", [
    ({"temperature": -1.0}, "temperature"),
    ({"num_samples": 0}, "num_samples"),
    ({"max_new_tokens": 0}, "max_new_tokens"),
])
def test_bad_arguments_raise(copier, options, message):
    args = dict(temperature=1.0, num_samples=1, max_new_tokens=4, seed=0) | options
    with pytest.raises(ValueError, match=message):
        generate(copier, PROMPTS, **args)


def test_samples_of_one_prompt_share_its_prefill_without_changing_results(copier):
    # Rows are ordered by prompt, so both calls draw the same random numbers per row; the
    # first reads each prompt once and copies its cache, the second reads all six.
    shared = generate(copier, PROMPTS[:2], temperature=2.0, num_samples=3, max_new_tokens=20,
                      seed=5)
    repeated = generate(copier, [PROMPTS[0]] * 3 + [PROMPTS[1]] * 3, temperature=2.0,
                        num_samples=1, max_new_tokens=20, seed=5)
    assert [g.text for o in shared for g in o] == [o[0].text for o in repeated]
    np.testing.assert_allclose([g.logprob for o in shared for g in o],
                               [o[0].logprob for o in repeated], rtol=1e-5)


def _neox(tokenizer):
    """A random GPT-NeoX (Pythia-style) model on the copier's tokenizer."""
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

    from seqzoo_llm.model import LanguageModel

    config = GPTNeoXConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64,
                           max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
                           eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    return LanguageModel(GPTNeoXForCausalLM(config).eval(), tokenizer)


@pytest.mark.parametrize("family", ["llama", "gpt_neox"])
def test_shared_prompt_attention_gives_what_a_plain_cache_gives(copier, monkeypatch, family):
    # Prompts of three lengths (left padding), seven samples each, rows that stop at
    # different steps (finished rows are dropped mid-batch): the decode steps that read each
    # prompt once must sample what the per-row static cache samples.
    from seqzoo_llm import shared_prompt

    lm = copier if family == "llama" else _neox(copier.tokenizer)
    assert shared_prompt.supports(lm.model)
    prompts = [format_prompt([1, 2]), format_prompt([3, 0, 2, 1]), format_prompt([2])]
    options = dict(temperature=1.5, num_samples=7, max_new_tokens=20, seed=3, batch_size=16)
    fast = generate(lm, prompts, **options)
    monkeypatch.setattr(shared_prompt, "supports", lambda model: False)
    plain = generate(lm, prompts, **options)
    assert [g.text for o in fast for g in o] == [g.text for o in plain for g in o]
    assert len({g.num_tokens for o in fast for g in o}) > 1
    np.testing.assert_allclose([g.logprob for o in fast for g in o],
                               [g.logprob for o in plain for g in o], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("batch_size", [256, 8])
def test_requests_decoded_side_by_side_give_what_each_gives_alone(copier, batch_size):
    # Greedy and sampled requests over shared and distinct prompts, some of them several
    # batches long (batch_size 8): one forward pass per step serves them all, yet each
    # request draws its own random numbers in its own order.
    from seqzoo_llm.generation import Request, generate_many

    prompts = [format_prompt([1, 2]), format_prompt([3, 0, 2, 1]), format_prompt([2])]
    requests = [Request(prompts, 0.0, 1, 7), Request(prompts, 1.0, 5, 8),
                Request(prompts[:2], 2.5, 3, 9), Request(PROMPTS, 0.7, 4, 10)]
    together = generate_many(copier, requests, max_new_tokens=20, batch_size=batch_size)
    for request, got in zip(requests, together):
        alone = generate(copier, request.prompts, temperature=request.temperature,
                         num_samples=request.num_samples, max_new_tokens=20,
                         seed=request.seed, batch_size=batch_size)
        assert [g.text for o in got for g in o] == [g.text for o in alone for g in o]
        np.testing.assert_allclose([g.logprob for o in got for g in o],
                                   [g.logprob for o in alone for g in o], rtol=1e-4, atol=1e-4)
