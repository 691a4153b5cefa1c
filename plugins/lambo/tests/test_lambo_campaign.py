"""A campaign of lambo2-lite, run through propose and measure, is zoo run's run.

A campaign replays every round by asks (not by ``restore``, which retrains from scratch and
so only approximates the run): proposing round k retrains the network k times, as the run
did, and gives the very batch the run evaluated."""

from seqzoo.campaign.simulate import against_run

ORACLE = "hamming:num_states=6,dim=12,max_step=2,random_seed=1"
LITE = "lambo2-lite:width=16,layers=2,ensemble_size=2,max_train_steps=8,pool_size=4"


def test_a_simulated_lambo2_lite_campaign_of_three_rounds_is_zoo_run(tmp_path):
    campaign, run = against_run(tmp_path, ORACLE, LITE, rounds=3, batch_size=6, seed=3)
    assert campaign == run and len(run) == 1 + 3 * 6
