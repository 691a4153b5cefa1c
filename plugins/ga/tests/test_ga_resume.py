"""A run cut anywhere, even inside a batch, resumes into the very run it would have been."""

import json

import pytest
import seqzoo
from seqzoo.engine import resume

ORACLE = "hamming:num_states=8,dim=24,max_step=3"


def sequences(folder):
    lines = (folder / "evaluations.jsonl").read_text().splitlines()
    return [json.loads(line)["sequence"] for line in lines]


@pytest.mark.parametrize("proposer", ["ga:population=40,elitism=true", "ga:population=40",
                                      "adalead:batch_size=30"])
@pytest.mark.parametrize("cut", [250, 401])
def test_resume_after_a_cut_replays_into_the_same_run(tmp_path, proposer, cut):
    whole, cut_run = tmp_path / "whole", tmp_path / "cut"
    seqzoo.run(ORACLE, proposer, 500, seed=2, out=whole, stop_on_optimum=False)
    seqzoo.run(ORACLE, proposer, 500, seed=2, out=cut_run, stop_on_optimum=False)
    log = (cut_run / "evaluations.jsonl")
    log.write_text("\n".join(log.read_text().splitlines()[:cut]) + "\n")
    (cut_run / "result.json").unlink()
    resume(cut_run)
    assert sequences(cut_run) == sequences(whole)
