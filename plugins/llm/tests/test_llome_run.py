"""A whole LLOME run with the real tiny model: small, but every stage for real.

The oracle is core's ``hamming`` (with a banded feasibility constraint like Ehrlich's), so
the test needs no other plugin than ``ga``; the model learns the prompt language in round 0
and the run must end better than its GA warm start.
"""

import json

import numpy as np
import pytest
import torch
from seqzoo.engine import run

from seqzoo_llm.llome.diagnostics import ROUND_KEYS, read_rounds

ORACLE = "hamming:num_states=4,dim=16,max_step=1"
WARM = 300
SPEC = (f"llome:preset=cpu,rounds=2,labels_per_round=40,seed_evaluations={WARM},"
        "ga_population=100,seeds_per_round=16,edit_iterations=2,samples_per_temperature=4,"
        "temperatures=[0.8,1.2],max_edit_passes=2,max_train_examples=300,sft_epochs=30,sft_learning_rate=3e-3,"
        "guard_prompts=8")
BUDGET = 1 + WARM + 2 * 40


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("llome") / "run"
    result = run(ORACLE, SPEC, BUDGET, out=out, seed=0, stop_on_optimum=False, rounds="free")
    return result, out


def test_spends_the_budget_and_improves_on_the_warm_start(finished):
    result, out = finished
    assert result.evaluations == BUDGET
    log = [json.loads(line) for line in (out / "evaluations.jsonl").read_text().splitlines()]
    warm = [r["value"] for r in log[: 1 + WARM] if r["value"] is not None]
    assert result.best_value > max(warm)


def test_the_model_learns_the_language_and_the_diagnostics_are_complete(finished):
    _, out = finished
    rounds = read_rounds(out)
    assert rounds[0]["objective"] == "sft" and rounds[1]["objective"] == "marge"
    assert rounds[0]["train_examples"] > 0 and rounds[0]["train_loss"] is not None
    assert rounds[0]["in_range"] > 0.3 and rounds[0]["fallback_labels"] == 0
    for r in rounds:
        assert set(ROUND_KEYS) <= set(r)
        assert r["labels"] > 0 and np.isfinite(r["edit_distance"])
        assert (out / r["checkpoint"] / "config.json").exists()
    # every label of a completed round is accounted for (a round cut by the budget has none)
    assert sum(r["labels"] for r in rounds) == rounds[-1]["evaluations"] - 1 - WARM


def test_the_reference_loop_with_constrained_decoding_runs_for_real(tmp_path):
    torch.set_num_threads(1)
    spec = (SPEC.replace("guard_prompts=8", "guard_prompts=4")
            + ",seeds=round,trajectories=separate,checkpoints=best,checkpoint_count=2,"
            "lr_schedule=linear,weight_decay=0,grad_accum=2,constrained=true")
    result = run(ORACLE, spec, BUDGET, out=tmp_path / "run", seed=1, stop_on_optimum=False, rounds="free")
    assert result.evaluations == BUDGET
    rounds = read_rounds(tmp_path / "run")
    assert len(rounds) == 2
    for r in rounds:  # constrained: every output is a valid sequence
        assert r["parsable"] == 1.0 and r["in_range"] == 1.0 and r["accepted"]
        assert r["checkpoint_step"] is not None and r["checkpoint_step"] >= 1
