"""A run cut after any round resumes into the very run it would have been."""

import json

import pytest
import seqzoo
from seqzoo.engine import resume

ORACLE = "hamming:num_states=8,dim=24,max_step=3"
#: proposer, its round (an elitist generation asks all but its ceil(0.1 * 40) = 4 elites)
PROPOSERS = [("ga:population=40,elitism=true", 36), ("ga:population=40", 40),
             ("adalead:batch_size=30", 30)]


def sequences(folder):
    lines = (folder / "evaluations.jsonl").read_text().splitlines()
    return [json.loads(line)["sequence"] for line in lines]


def cut_and_resume(tmp_path, proposer, cut):
    whole, cut_run = tmp_path / "whole", tmp_path / "cut"
    seqzoo.run(ORACLE, proposer, 500, seed=2, out=whole, stop_on_optimum=False)
    seqzoo.run(ORACLE, proposer, 500, seed=2, out=cut_run, stop_on_optimum=False)
    log = (cut_run / "evaluations.jsonl")
    log.write_text("\n".join(log.read_text().splitlines()[:cut]) + "\n")
    (cut_run / "result.json").unlink()
    resume(cut_run)
    assert sequences(cut_run) == sequences(whole)


@pytest.mark.parametrize("proposer, size", PROPOSERS)
@pytest.mark.parametrize("rounds", [6, 10])
def test_resume_after_a_cut_between_rounds_replays_into_the_same_run(tmp_path, proposer,
                                                                     size, rounds):
    cut_and_resume(tmp_path, proposer, 1 + rounds * size)  # the start row, then whole rounds


@pytest.mark.parametrize("proposer, size", PROPOSERS)
def test_resume_after_a_cut_inside_a_round_replays_into_the_same_run(tmp_path, proposer, size):
    cut_and_resume(tmp_path, proposer, 1 + 6 * size + 9)
