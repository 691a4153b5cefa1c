"""A campaign of ga or adalead, run through propose and measure, is zoo run's run."""

import pytest
from seqzoo.campaign import Campaign
from seqzoo.campaign.simulate import against_run

ORACLE = "hamming:num_states=8,dim=24,max_step=3"


@pytest.mark.parametrize("proposer", ["ga", "ga:elitism=true", "adalead"])
def test_a_simulated_campaign_of_three_rounds_is_zoo_run(tmp_path, proposer):
    # a round of 20 is the GA's generation (its population defaults to the batch size)
    campaign, run = against_run(tmp_path, ORACLE, proposer, rounds=3, batch_size=20, seed=4)
    assert campaign == run and len(run) == 1 + 3 * 20


def test_propose_on_a_copy_gives_the_same_round(tmp_path):
    import shutil

    c = Campaign.init(tmp_path / "a", "adalead", 10, 2, like=ORACLE)
    c.simulate(ORACLE, 2)
    shutil.copytree(c.folder, tmp_path / "b")
    assert c.propose().read_bytes() == Campaign(tmp_path / "b").propose().read_bytes()
