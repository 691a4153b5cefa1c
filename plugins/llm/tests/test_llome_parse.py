"""Generated text -> states: every malformed completion is caught with its reason."""

import numpy as np
import pytest

from seqzoo_llm.llome.parse import parse_many, parse_sequence


@pytest.mark.parametrize("text, reason", [
    ("[1, 2, 3]", "valid"),
    ("  [1,2 ,  3]\n", "valid"),
    ("[1, 2, 3", "unparsable"),
    ("1, 2, 3]", "unparsable"),
    ("[1, 2,, 3]", "unparsable"),
    ("[1, 2, 3.5]", "unparsable"),
    ("[1, a, 3]", "unparsable"),
    ("[1, 2, 3] extra", "unparsable"),
    ("", "unparsable"),
    ("[]", "wrong_length"),
    ("[1, 2]", "wrong_length"),
    ("[1, 2, 3, 0]", "wrong_length"),
    ("[1, 2, 4]", "out_of_range"),
    ("[-1, 2, 3]", "out_of_range"),
])
def test_reasons(text, reason):
    states, why = parse_sequence(text, length=3, num_states=4)
    assert why == reason
    assert (states is None) == (reason != "valid")


def test_valid_states_round_trip():
    states, why = parse_sequence("[3, 0, 2]", 3, 4)
    assert why == "valid" and states.tolist() == [3, 0, 2]


def test_parse_many_marks_invalid_rows():
    states, why = parse_many(["[0, 1]", "[0]", "[0, 9]", "]"], length=2, num_states=4)
    assert why.tolist() == ["valid", "wrong_length", "out_of_range", "unparsable"]
    assert states[0].tolist() == [0, 1]
    assert (states[1:] == -1).all()
    assert np.issubdtype(states.dtype, np.integer)
