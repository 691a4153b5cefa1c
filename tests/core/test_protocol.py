import numpy as np
import pytest

from seqzoo import decode, default_alphabet, encode
from seqzoo.protocol import Problem


def test_encode_decode_round_trip():
    alphabet = default_alphabet(8)
    x = np.array([[0, 1, 7, 3], [7, 7, 0, 2]])
    assert np.array_equal(encode(decode(x, alphabet), alphabet), x)


def test_default_alphabet_is_printable_and_unique():
    alphabet = default_alphabet(94)
    assert len(set(alphabet)) == 94 and alphabet.isprintable() and " " not in alphabet
    assert default_alphabet(20) == "ACDEFGHIKLMNPQRSTVWY"
    with pytest.raises(ValueError, match="between 1 and 94"):
        default_alphabet(95)


@pytest.mark.parametrize("seqs, message", [
    (["ACD", "AC"], "length 2, expected 3"),
    (["ACZ"], "token 'Z' outside the alphabet"),
    ([], "no sequences"),
])
def test_encode_rejects_bad_input(seqs, message):
    with pytest.raises(ValueError, match=message):
        encode(seqs, "ACDE")


def test_decode_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"states must lie in \[0, 4\)"):
        decode(np.array([[0, 4]]), "ACDE")


def test_problem_rng_is_seeded_and_salted():
    p = Problem("AC", 3, np.zeros((1, 3), int), seed=5)
    assert p.num_states == 2
    assert p.rng().integers(1 << 30) == p.rng().integers(1 << 30)
    assert p.rng(1).integers(1 << 30) != p.rng(2).integers(1 << 30)
