"""The example plugin's own tests: seqzoo's conformance kit, then what is special about it."""

import numpy as np
import pytest

import seqzoo
from seqzoo.testing import check_plugin, check_proposer
from seqzoo_anneal import Annealer


def test_plugin_is_installed_light_and_documented():
    check_plugin("anneal")


def test_conforms_to_the_proposer_protocol(small_oracle):
    check_proposer("anneal", small_oracle, options={"chains": 6}, budget=40, batch_size=4)


def test_conforms_with_its_preferred_batch_size():
    check_proposer(Annealer, options={"chains": 8, "mutations": 2}, batch_size=None)


def test_cold_chains_never_step_down():
    problem = seqzoo.Problem("ACGT", 4, np.zeros((1, 4), dtype=np.int64), seed=1)
    annealer = Annealer(problem, chains=3, temperature=1e-9)
    annealer.tell(problem.initial_solutions, np.array([0.5]))
    proposals = annealer.ask(3)
    annealer.tell(proposals, np.array([0.4, 0.6, -np.inf]))
    assert annealer.y.tolist() == [0.5, 0.6, 0.5]
    assert (annealer.x[1] == proposals[1]).all() and (annealer.x[[0, 2]] == 0).all()


def test_solves_a_small_oracle():
    result = seqzoo.run("hamming:num_states=4,dim=12,max_step=1", "anneal:chains=16",
                        budget=3000, seed=0)
    assert result.solved, result


@pytest.mark.parametrize("options", [{"chains": 0}, {"temperature": 0.0}, {"cooling": 1.5}])
def test_bad_options_are_refused_with_the_reason(options):
    problem = seqzoo.Problem("ACGT", 4, np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="expected|must be"):
        Annealer(problem, **options)
