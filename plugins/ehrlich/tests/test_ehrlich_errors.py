"""Bad construction and bad input raise ValueError saying what was wrong and what was expected."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqzoo_ehrlich import Ehrlich, RoughMtFuji

F2 = dict(num_states=32, dim=32, num_motifs=4, motif_length=4, quantization=4,
          random_seed=50494)


@pytest.mark.parametrize("change, message", [
    (dict(num_motifs=5, motif_length=8), r"num_motifs \* motif_length = 5 \* 8 = 40 exceeds "
                                         r"dim = 32"),
    (dict(quantization=3), r"quantization must divide motif_length = 4 \(one of \[1, 2, 4\]\), "
                           r"got 3"),
    (dict(quantization=8), r"quantization must divide motif_length = 4"),
    (dict(quantization=0), r"quantization must be an integer >= 1, got 0"),
    (dict(num_states=1), r"num_states must be an integer >= 2, got 1"),
    (dict(num_states=32.0), r"num_states must be an integer >= 2, got 32.0"),
    (dict(dim=True), r"dim must be an integer >= 1, got True"),
    (dict(motif_length=1, quantization=None), r"motif_length must be an integer >= 2, got 1"),
    (dict(num_motifs=0), r"num_motifs must be an integer >= 1, got 0"),
    (dict(epistasis_factor=float("nan")), r"epistasis_factor must be a finite number"),
    (dict(noise_std=-0.1), r"noise_std must be a finite number >= 0, got -0.1"),
    (dict(random_seed="x"), r"random_seed must be an integer"),
])
def test_invalid_construction(change, message):
    with pytest.raises(ValueError, match=message):
        Ehrlich(**{**F2, **change})


@pytest.fixture(scope="module")
def f2() -> Ehrlich:
    return Ehrlich(**F2)


@pytest.mark.parametrize("x, message", [
    (np.zeros((3, 31), dtype=int), r"expected an \(n, 32\) batch of states, got shape \(3, 31\)"),
    (np.zeros(32, dtype=int), r"expected an \(n, 32\) batch of states, got shape \(32,\)"),
    (np.zeros((2, 3, 32), dtype=int), r"got shape \(2, 3, 32\)"),
    (np.full((2, 32), 32), r"states must be integers in \[0, 32\): row 0, position 0 holds 32"),
    (np.array([[0] * 31 + [-1]]), r"states must be integers in \[0, 32\): row 0, position 31 "
                                  r"holds -1"),
    (np.array([[0.0] * 5 + [1.5] + [0.0] * 26]), r"states must be whole numbers, got 1.5 at "
                                                 r"row 0, position 5"),
    (np.array([[0.0] * 31 + [np.nan]]), r"whole numbers, got nan at row 0, position 31"),
    (np.full((1, 32), "a"), r"expected integer states, got an array of dtype <U1"),
    (torch.full((2, 32), 40), r"row 0, position 0 holds 40"),
])
def test_invalid_input(f2, x, message):
    with pytest.raises(ValueError, match=message):
        f2(x)


def test_invalid_input_is_located_in_later_blocks(f2, monkeypatch):
    monkeypatch.setattr("seqzoo_ehrlich.ehrlich.BLOCK_BYTES", 64)  # two rows a block
    x = np.zeros((7, 32), dtype=np.int64)
    x[5, 9] = 99
    with pytest.raises(ValueError, match=r"row 5, position 9 holds 99"):
        f2(x)


def test_helpers_check_their_arguments(f2):
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0"):
        f2.initial_solution(0)
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got -2"):
        f2.random_solution(-2)


def test_rough_mt_fuji_checks():
    with pytest.raises(ValueError, match=r"dim must be an integer >= 1, got 0"):
        RoughMtFuji(dim=0)
    with pytest.raises(ValueError, match=r"random_term_std must be a finite number >= 0"):
        RoughMtFuji(dim=4, random_term_std=-1.0)
    with pytest.raises(ValueError, match=r"states must be integers in \[0, 2\)"):
        RoughMtFuji(dim=4)(np.array([[0, 1, 2, 0]]))


def test_a_mistyped_preset_gets_the_closest_name():
    from seqzoo_ehrlich.oracles import ehrlich

    with pytest.raises(ValueError, match=r"unknown Ehrlich preset 'v32-l32-c4-k4-q3'; did you "
                                         r"mean 'v32-l32-c4-k4-q4'\?"):
        ehrlich(preset="v32-l32-c4-k4-q3")
