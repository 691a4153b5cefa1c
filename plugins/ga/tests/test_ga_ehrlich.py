"""Both proposers on a small Ehrlich function (skipped where seqzoo-ehrlich is not installed)."""

import pytest
import seqzoo

pytest.importorskip("seqzoo_ehrlich")

SMALL = "ehrlich:num_states=8,dim=12,num_motifs=2,motif_length=3,quantization=3,random_seed=1"


@pytest.mark.parametrize("proposer", ["ga:population=200,elitism=true", "ga:population=200",
                                      "adalead:batch_size=100"])
def test_small_ehrlich_is_solved_quickly(proposer):
    result = seqzoo.run(SMALL, proposer, 30000, seed=0)
    assert result.solved, result
