"""On a small Ehrlich function (only when the seqzoo-ehrlich plugin is installed and loaded)."""

from __future__ import annotations

import json

import pytest

from seqzoo.engine import run
from seqzoo.plugins import registry

pytestmark = pytest.mark.skipif("ehrlich" not in registry().names("oracle"),
                                reason="needs the ehrlich oracle (seqzoo-ehrlich)")

ORACLE = "ehrlich:num_states=8,dim=16,num_motifs=2,motif_length=4,quantization=4"


def test_lambo2_improves_and_mostly_stays_feasible(run_dir):
    spec = ("lambo2:batch_size=50,width=16,layers=2,ensemble_size=3,max_train_steps=15,"
            "max_guidance_updates=4")
    result = run(ORACLE, spec, budget=401, seed=0, out=run_dir)
    first = json.loads((run_dir / "evaluations.jsonl").read_text().splitlines()[0])
    assert result.best_value > first["value"]
    # Ehrlich bans about a fifth of all transitions: the pair classifier must keep most edits legal
    assert result.feasible_fraction > 0.6
