"""Completion log-likelihoods: the right tokens counted, padding and batching invisible."""

import numpy as np
import pytest
import torch

from seqzoo_llm.model import load_model
from seqzoo_llm.scoring import encode_pairs, sequence_logprobs
from seqzoo_llm.text import format_prompt, format_target

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def lm():
    return load_model(size="micro", num_states=8, length=8, seed=5, device="cpu")


def by_hand(lm, prompt, target):
    """Full forward pass over prompt + target, summing log-softmax at the target tokens."""
    head = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    tail = lm.tokenizer(target, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([head + tail])).logits[0]
    logp = torch.log_softmax(logits.double(), -1)
    return sum(logp[len(head) + i - 1, tok].item() for i, tok in enumerate(tail)), len(tail)


def test_matches_a_hand_computed_sum(lm):
    prompt, target = format_prompt([1, 7, 3]), format_target([2, 7, 3])
    (s,), (n,) = sequence_logprobs(lm, [prompt], [target])
    expected, count = by_hand(lm, prompt, target)
    assert n == count == 2 * 3 + 1
    assert s == pytest.approx(expected, rel=1e-5)


def test_padding_and_batch_size_do_not_change_scores(lm):
    rng = np.random.default_rng(0)
    lengths = [2, 8, 5, 3, 8, 1]  # mixed lengths force right padding within a batch
    prompts = [format_prompt(rng.integers(0, 8, n)) for n in lengths]
    targets = [format_target(rng.integers(0, 8, n)) for n in lengths]
    one = sequence_logprobs(lm, prompts, targets, batch_size=1)
    all_ = sequence_logprobs(lm, prompts, targets, batch_size=256)
    np.testing.assert_allclose(all_[0], one[0], rtol=1e-5)
    np.testing.assert_array_equal(all_[1], [2 * n + 1 for n in lengths])


def test_scores_are_log_probabilities(lm):
    s, _ = sequence_logprobs(lm, [format_prompt([1])] * 8,
                             [format_target([v]) for v in range(8)])
    assert (s < 0).all()
    # the 8 one-state targets share the "[" and "]" tokens: their middle tokens are disjoint
    # outcomes, so their probabilities sum to at most 1
    assert np.exp(s).sum() <= 1.0


def test_bad_input_raises(lm):
    with pytest.raises(ValueError, match="2 prompts but 1 targets"):
        sequence_logprobs(lm, ["a", "b"], ["c"])
    with pytest.raises(ValueError, match="max_length=5"):
        encode_pairs(lm.tokenizer, [format_prompt([1, 2])], [format_target([1, 2])], 5)
    with pytest.raises(ValueError, match="empty"):
        sequence_logprobs(lm, [format_prompt([1])], [""])
