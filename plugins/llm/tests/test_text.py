"""The prompt language and the tiny model's tokenizer."""

import pytest
from transformers import AutoTokenizer

from seqzoo_llm.text import format_prompt, format_target, parse_target
from seqzoo_llm.tokenizer import build_tokenizer


def test_formats():
    assert format_prompt([1, 2, 3]) == "<inc> [1, 2, 3]\n"
    assert format_target([1, 2, 3]) == "[1, 2, 3]"
    assert format_target([]) == "[]"


@pytest.mark.parametrize("text,expected", [
    ("[1, 2, 3]", [1, 2, 3]),
    ("[0,31]", [0, 31]),
    ("[4, 5] trailing text ] ignored", [4, 5]),
    ("[1, 2", None),
    ("[1, -2]", None),
    ("[1, 2.5]", None),
    ("[1, [2]]", None),
    ("[true]", None),
    ("nonsense]", None),
])
def test_parse_target(text, expected):
    assert parse_target(text) == expected


def test_tokenizer_has_one_token_per_state_and_round_trips():
    tok = build_tokenizer(32)
    x, y = [4, 23, 21, 31], [0, 10, 9, 11]
    text = format_prompt(x) + format_target(y)
    ids = tok(text, add_special_tokens=False)["input_ids"]
    # <inc>, space, 4 states, 3 separators, 2 brackets, newline; then 4 states, 3 seps, 2 brackets
    assert len(ids) == 2 + 4 + 3 + 2 + 1 + 4 + 3 + 2
    assert tok.decode(ids) == text
    states = tok(format_target(list(range(32))), add_special_tokens=False)["input_ids"]
    assert len(set(states[1:-1:2])) == 32


def test_tokenizer_maps_out_of_range_states_to_unk():
    ids = build_tokenizer(8)(format_target([7, 8]), add_special_tokens=False)["input_ids"]
    tok = build_tokenizer(8)
    assert ids[1] != tok.unk_token_id and ids[3] == tok.unk_token_id


def test_tokenizer_saves_and_loads_with_auto_tokenizer(tmp_path):
    tok = build_tokenizer(16)
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = format_prompt([15, 0, 3])
    assert again(text)["input_ids"] == tok(text)["input_ids"]
    assert again.pad_token_id == tok.pad_token_id and again.eos_token_id == tok.eos_token_id


def test_tokenizer_rejects_bad_size():
    with pytest.raises(ValueError, match="num_states"):
        build_tokenizer(0)
