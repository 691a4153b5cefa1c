"""A campaign of cbas, run through propose and measure, is zoo run's run: the ensemble and the
VAE are retrained on replay exactly as they were trained in the run."""

import math

import pytest
from seqzoo.campaign import Campaign
from seqzoo.campaign.simulate import against_run

ORACLE = "hamming:num_states=4,dim=10"
CBAS = "cbas:samples=40,cycles=2,vae_epochs=2,ensemble_size=2,model_epochs=2"


def test_a_simulated_cbas_campaign_of_three_rounds_is_zoo_run(tmp_path):
    campaign, run = against_run(tmp_path, ORACLE, CBAS, rounds=3, batch_size=8, seed=5)
    assert campaign == run and len(run) == 1 + 3 * 8


def test_a_learned_surrogate_scores_the_proposals(tmp_path):
    spec = "pex:candidates=60,ensemble_size=1,model_epochs=1,model=(cnn-ensemble:epochs=1)"
    c = Campaign.init(tmp_path / "c", spec, 6, 0, like=ORACLE)
    c.simulate(ORACLE, 1)
    lines = c.propose().read_text().splitlines()
    assert lines[0] == "sequence,score" and len(lines) == 7
    scores = [float(line.split(",")[1]) for line in lines[1:]]
    assert all(math.isfinite(v) for v in scores)


def test_an_abstract_surrogate_cannot_run_a_campaign(tmp_path):
    from seqzoo.errors import SeqzooError

    c = Campaign.init(tmp_path / "c", "pex:candidates=60,model=(nam:signal=0.5)", 6, 0,
                      like=ORACLE)
    with pytest.raises(SeqzooError, match="values come only from the lab"):
        c.simulate(ORACLE, 1)
