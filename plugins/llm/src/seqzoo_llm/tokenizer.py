"""A word-level tokenizer for the prompt language, sized to the number of states.

Every state is one token (``"17"``), and so is each piece of punctuation (``"["``, ``"]"``,
``", "``, ``" "``, ``"\\n"``) and the instruction ``<inc>``. A length-``L`` sequence then
costs ``2L + 1`` tokens, a small model never has to learn how digits compose into states,
and ``]`` is a single token that ends every completion.
"""

from __future__ import annotations

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from .text import INCREASE

__all__ = ["build_tokenizer", "PAD", "EOS", "UNK"]

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"
_SPECIAL = [PAD, EOS, UNK]
_PUNCTUATION = [INCREASE, "[", "]", ", ", " ", "\n"]


def build_tokenizer(num_states: int) -> PreTrainedTokenizerFast:
    """A fast tokenizer with one token per state ``0..num_states-1`` plus the punctuation.

    Numbers outside the range become ``<unk>``; decoding concatenates tokens verbatim, so
    ``decode(encode(text)) == text`` for every well-formed prompt and target.
    """
    if num_states < 1:
        raise ValueError(f"num_states must be >= 1, got {num_states}")
    words = _SPECIAL + _PUNCTUATION + [str(s) for s in range(num_states)]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token=UNK))
    # One regex finds every token; "isolated" keeps each match as its own piece.
    pattern = "|".join(["<[a-z]+>", r"\d+", ", ", r"\[", r"\]", " ", r"\n", "."])
    core.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=PAD, eos_token=EOS, unk_token=UNK,
        additional_special_tokens=[INCREASE], clean_up_tokenization_spaces=False,
    )
