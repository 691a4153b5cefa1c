"""Same function as pytorch-holo: the brief's numbers and the reference's golden fixture.

What is discrete (motifs, spacings, the feasibility pattern, solutions, quantised values,
-inf for infeasible) must match exactly. What is computed in floating point (the softmax
transition matrix, the stationary distribution, noise and RoughMtFuji's values) matches to
rounding: vectorised ``exp`` and friends round differently on different CPUs, so the same
code gives other last bits on another machine.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from seqzoo_ehrlich import Ehrlich, RoughMtFuji

#: Written by ``/work/holo/bin/python benchmarks/make_ehrlich_golden.py`` from pytorch-holo.
GOLDEN = Path(__file__).parent / "data" / "ehrlich_golden.json.gz"

with gzip.open(GOLDEN, "rt") as _fh:
    CASES = json.load(_fh)


#: The constructions are float32 (a softmax, a stationary distribution): results differ in
#: the last few units of float32 rounding (eps 1.2e-7) between CPUs and thread counts --
#: 1.3e-6 measured between 1 and 2 torch threads -- so the tolerance is 1e-5.
RTOL = 1e-5
#: The stationary distribution is a float32 QR solve whose rounding is on the scale of its
#: sum, 1: a small entry can differ by up to one float32 ulp of 1 (seen on another CPU:
#: 9.5e-8 on an entry of 0.009, 7.2e-8 on one of 0.003), more than 1e-5 of itself.
STATIONARY_ATOL = float(np.finfo(np.float32).eps)


def assert_close(actual, expected, err_msg: str = "", atol: float = 1e-12) -> None:
    """Equal to rounding, with -inf/+inf in exactly the same places."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, np.float64)
    np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected), err_msg=err_msg)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=atol, err_msg=err_msg)


def test_brief_seed0_function():
    f = Ehrlich(num_states=32, dim=32, num_motifs=4, motif_length=4, quantization=4,
                random_seed=0)
    assert [m.tolist() for m in f.motifs] == [[10, 17, 13, 30], [14, 21, 28, 13],
                                              [14, 28, 13, 16], [26, 6, 7, 24]]
    assert [s.tolist() for s in f.spacings] == [[2, 2, 1], [1, 3, 2], [2, 1, 3], [2, 2, 1]]
    x0 = f.initial_solution()
    assert x0.tolist() == [11, 1, 13, 16, 26, 19, 12, 9, 1, 27, 0, 24, 2, 20, 13, 19, 12, 9,
                           12, 9, 0, 27, 0, 29, 5, 10, 17, 9, 11, 6, 5, 0]
    assert f(x0[None]).item() == 0.00390625
    assert set((f.transition_matrix > 0).sum(-1).tolist()) == {25, 26}
    mutants = x0.repeat(32 * 32, 1)
    mutants[torch.arange(1024), torch.arange(1024) // 32] = torch.arange(1024) % 32
    values = f(mutants)
    assert torch.isfinite(values).sum().item() == 638
    assert (values > 0.00390625).sum().item() == 15
    assert values.max().item() == 0.0078125


def test_brief_f2_function():
    f = Ehrlich(32, 32, 4, 4, quantization=4, random_seed=50494)
    assert [m.tolist() for m in f.motifs] == [[23, 21, 10, 27], [14, 9, 31, 9],
                                              [31, 29, 6, 21], [10, 10, 8, 11]]
    assert [s.tolist() for s in f.spacings] == [[2, 1, 3], [1, 2, 2], [2, 2, 1], [2, 3, 1]]
    x0 = f.initial_solution()
    assert x0.tolist() == [4, 23, 21, 10, 10, 25, 19, 27, 10, 8, 9, 12, 31, 9, 31, 10, 27, 28,
                           16, 24, 10, 5, 27, 7, 12, 31, 27, 1, 28, 16, 15, 11]
    assert f(x0[None]).item() == 3 / 64
    assert Ehrlich(32, 32, 4, 4, quantization=2, random_seed=50494)(x0[None]).item() == 0.0
    assert f.optimal_solution().tolist() == [
        23, 23, 21, 10, 10, 10, 27, 14, 9, 9, 31, 31, 9, 31, 31, 29, 29, 6, 21, 10, 10, 10, 10,
        10, 8, 11, 11, 11, 11, 11, 11, 11]


def _case_id(case: dict) -> str:
    p = case["params"]
    return (f"v{p['num_states']}-l{p['dim']}-c{p['num_motifs']}-k{p['motif_length']}"
            f"-q{p['quantization']}-e{p['epistasis_factor']}-s{p['random_seed']}")


BUILT = [c for c in CASES["ehrlich"] if "error" not in c]
REFUSED = [c for c in CASES["ehrlich"] if "error" in c]


def test_fixture_is_broad():
    assert len(BUILT) >= 20
    assert any(c["params"]["quantization"] not in (None, c["params"]["motif_length"])
               for c in BUILT)
    assert any(c["params"]["epistasis_factor"] > 0 for c in BUILT)


@pytest.mark.parametrize("case", BUILT, ids=_case_id)
def test_construction_matches_reference(case):
    f = Ehrlich(**case["params"])
    assert [m.tolist() for m in f.motifs] == case["motifs"]
    assert [s.tolist() for s in f.spacings] == case["spacings"]
    expected = np.array(case["transition_matrix"])
    assert_close(f.transition_matrix.numpy(), expected)
    np.testing.assert_array_equal(f.transition_matrix.numpy() > 0, expected > 0)  # the band
    assert (f.transition_matrix > 0).sum(-1).tolist() == case["nonzeros_per_row"]
    assert_close(f.stationary_dist.numpy(), case["stationary_dist"], atol=STATIONARY_ATOL)
    assert f.initial_solution().tolist() == case["initial_solution"]
    assert f.optimal_solution().tolist() == case["optimal_solution"]
    torch.manual_seed(case["params"]["random_seed"] + 1)
    assert f.random_solution(3).tolist() == case["random_solution_after_manual_seed"]


@pytest.mark.parametrize("case", BUILT, ids=_case_id)
def test_values_match_reference(case):
    f = Ehrlich(**case["params"])
    for name, batch in case["batches"].items():
        x = np.array(batch["x"])
        expected = np.array(batch["y"], dtype=np.float32)
        assert_close(f(x), expected, err_msg=name)
        assert_close(f(torch.from_numpy(x)).numpy(), expected, err_msg=name)
        if case["params"]["epistasis_factor"] == 0.0:
            # without epistasis a value is a product of quantised levels q_i / k: exact
            np.testing.assert_array_equal(f(x), expected, err_msg=name)
    dmp = np.array(case["batches"]["dmp"]["x"])
    assert f.initial_solution(len(dmp)).tolist() == dmp.tolist()


@pytest.mark.parametrize("case", REFUSED, ids=_case_id)
def test_refuses_what_the_reference_cannot_build(case):
    with pytest.raises(ValueError, match="not ergodic"):
        Ehrlich(**case["params"])


def test_noise_and_negation_match_reference():
    case = CASES["ehrlich_observed"]
    f = Ehrlich(**case["params"])
    torch.manual_seed(case["manual_seed"])
    observed = f(np.array(case["x"]))
    assert_close(observed, np.array(case["y"], dtype=np.float32))  # Gaussian noise: rounding
    assert np.isposinf(observed).any()  # infeasible rows, negated


@pytest.mark.parametrize("case", CASES["rough_mt_fuji"], ids=lambda c: str(c["params"]))
def test_rough_mt_fuji_matches_reference(case):
    f = RoughMtFuji(**case["params"])
    assert f.centroids.tolist() == case["centroids"]
    assert_close(f._random_term.reshape(-1), case["random_term"])
    assert f.optimal_solution().tolist() == case["optimal_solution"]
    assert f._optimal_value == pytest.approx(case["optimal_value"], rel=RTOL)
    x = np.array(case["x"])
    expected = np.array(case["y"], dtype=np.float32)
    assert_close(f(x), expected)
    assert_close(np.concatenate([f(row[None]) for row in x]), expected)
    torch.manual_seed(case["params"]["random_seed"] + 1)
    assert f.initial_solution(2).tolist() == case["initial_solution_after_manual_seed"]
