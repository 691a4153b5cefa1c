"""Values equal FLEXS's own landscape classes' (the fixture of make_landscape_golden.py)."""

import numpy as np
import pytest
from seqzoo.engine import build_oracle
from seqzoo.protocol import decode, encode

from seqzoo_landscapes.tfbind8 import factors

from conftest import _golden

# Lookups apply FLEXS's arithmetic in its order; only a different libm could move a bit.
LOOKUP = dict(rtol=1e-9, atol=1e-12)
# ViennaRNA energies are sums of tabulated parameters; the same version gives the same ones.
RNA_TOL = dict(rtol=1e-7, atol=1e-9)


def test_every_flexs_factor_is_offered(golden):
    assert set(factors()) == set(golden["tfbind8"])
    assert len(factors()) == 200


def test_tfbind8_values_for_every_factor(golden):
    for tf, case in golden["tfbind8"].items():
        oracle = build_oracle(f"tfbind8:tf={tf}")
        y = oracle(encode(case["seqs"], oracle.alphabet))
        np.testing.assert_allclose(y, case["values"], **LOOKUP, err_msg=tf)


def test_tfbind8_starts_and_optimum(golden):
    oracle = build_oracle("tfbind8")
    assert decode(oracle.initial_solutions(), oracle.alphabet) == golden["starts"]["tfbind8"]
    assert oracle.optimal_value == 1.0
    x = oracle.optimal_solution()
    assert oracle(x[None])[0] == 1.0


def test_tfbind8_both_strands_score_alike():
    oracle = build_oracle("tfbind8:tf=CRX_REF_R1")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (500, 8))
    complement = np.array([3, 2, 1, 0])  # A<->T, C<->G in the alphabet ACGT
    revcomp = complement[x[:, ::-1]]
    np.testing.assert_array_equal(oracle(x), oracle(revcomp))


@pytest.mark.parametrize("name", sorted(_golden()["aav"]))
def test_aav_values(golden, name):
    case = golden["aav"][name]
    oracle = build_oracle(f"aav:preset={name}")
    assert oracle.max_possible == pytest.approx(case["max_possible"], rel=1e-12)
    y = oracle(encode(case["seqs"], oracle.alphabet))
    np.testing.assert_allclose(y, case["values"], **LOOKUP)


def test_aav_explicit_options_match_preset(golden):
    case = golden["aav"]["kidney:560:588:0"]
    oracle = build_oracle("aav:phenotype=kidney,start=560,end=588")
    np.testing.assert_allclose(oracle(encode(case["seqs"], oracle.alphabet)),
                               case["values"], **LOOKUP)


def test_aav_wild_type_and_exact_optimum(golden):
    oracle = build_oracle("aav")
    wt = golden["starts"]["aav_wild_type"]
    assert decode(oracle.initial_solutions(), oracle.alphabet) == [wt[450:540]]
    # FLEXS's greedy top sequence scores 1; the formula's maximum is at least that.
    best = oracle.optimal_solution()
    assert oracle.optimal_value >= 1.0
    assert oracle(best[None])[0] == oracle.optimal_value
    # Additive: optimal iff no single substitution improves it.
    mutants = np.repeat(best[None], oracle.length * 20, axis=0)
    mutants[np.arange(len(mutants)), np.repeat(np.arange(oracle.length), 20)] = np.tile(
        np.arange(20), oracle.length)
    assert oracle(mutants).max() <= oracle.optimal_value


@pytest.mark.parametrize("name", sorted(_golden()["rna"]))
def test_rna_values(golden, name):
    case = golden["rna"][name]
    oracle = build_oracle(f"rna-binding:preset={name}")
    np.testing.assert_allclose(oracle.norm_values, case["norm_values"], **RNA_TOL)
    y = oracle(encode(case["seqs"], oracle.alphabet))
    np.testing.assert_allclose(y, case["values"], **RNA_TOL)
    if name.startswith("C20"):
        assert (y == 0).any() and (y > 0).any(), "fixture should hold broken and kept regions"


def test_rna_explicit_targets(golden):
    case = golden["rna_explicit"]
    oracle = build_oracle(f"rna-binding:targets=[{case['targets'][0]}],length={case['length']}")
    np.testing.assert_allclose(oracle(encode(case["seqs"], oracle.alphabet)),
                               case["values"], **RNA_TOL)


def test_rna_starts(golden):
    for length, starts in golden["starts"]["rna"].items():
        oracle = build_oracle(f"rna-binding:preset=L{length}_RNA3")
        assert decode(oracle.initial_solutions(), oracle.alphabet) == starts


def test_two_of_flexs_c20_starts_break_the_conserved_region():
    """FLEXS gives its C20 problems the length-100 starts, and its fourth and fifth do not
    hold the conserved region: they start at 0, as they would in FLEXS."""
    oracle = build_oracle("rna-binding:preset=C20_L100_RNA1+3")
    values = oracle(oracle.initial_solutions())
    assert values[3] == 0 and values[4] == 0
    assert (values[:3] > 0).all()


def test_rna_workers_give_the_same_values():
    one = build_oracle("rna-binding:preset=L50_RNA1+2")
    two = build_oracle("rna-binding:preset=L50_RNA1+2,workers=2")
    x = np.random.default_rng(1).integers(0, 4, (40, 50))
    try:
        np.testing.assert_array_equal(one(x), two(x))
    finally:
        two.close()
