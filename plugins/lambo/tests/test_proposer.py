"""The proposers through the run engine, on the built-in hamming oracle (no other plugin)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqzoo import Problem
from seqzoo.builtin import Hamming
from seqzoo.engine import run
from seqzoo.errors import SeqzooError
from seqzoo.plugins import registry
from seqzoo_lambo.proposer import Lambo2, Lambo2Lite

ORACLE = "hamming:num_states=6,dim=12,max_step=2,random_seed=1"
SMALL = "batch_size=24,width=16,layers=2,ensemble_size=3,max_train_steps=15"
PROPOSERS = [f"lambo2:{SMALL},max_guidance_updates=4", f"lambo2-lite:{SMALL}"]


def _log(path):
    return [json.loads(line) for line in (path / "evaluations.jsonl").read_text().splitlines()]


def test_both_proposers_are_registered():
    names = registry().names("proposer")
    assert "lambo2" in names and "lambo2-lite" in names


@pytest.mark.parametrize("cls", [Lambo2, Lambo2Lite])
def test_proposals_are_novel_in_the_alphabet_and_the_right_length(cls):
    oracle = Hamming(num_states=5, dim=10, max_step=1, random_seed=2)
    x0 = oracle.initial_solutions()
    proposer = cls(Problem(oracle.alphabet, 10, x0, seed=3), width=16, layers=2,
                   ensemble_size=2, max_train_steps=5)
    proposer.tell(x0, oracle(x0))
    seen = {row.tobytes() for row in x0}
    for n in (7, 30, 1):
        x = proposer.ask(n)
        assert x.dtype.kind == "i" and x.ndim == 2 and x.shape[1] == 10
        assert 1 <= len(x) <= n
        assert x.min() >= 0 and x.max() < 5
        keys = [row.tobytes() for row in x]
        assert len(set(keys)) == len(keys) and not seen.intersection(keys)
        seen.update(keys)
        proposer.tell(x, oracle(x))


@pytest.mark.parametrize("spec", PROPOSERS)
def test_a_short_run_improves_on_its_start(spec, run_dir):
    result = run(ORACLE, spec, budget=241, seed=0, out=run_dir)
    start = _log(run_dir)[0]["value"]
    assert result.evaluations == 241
    assert result.best_value > start + 0.2  # at least three sites better


def test_same_seed_same_run_and_another_seed_another(tmp_path):
    spec = PROPOSERS[0]
    logs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        run(ORACLE, spec, budget=49, seed=seed, out=tmp_path / name)
        logs.append([(r["sequence"], r["value"]) for r in _log(tmp_path / name)])
    assert logs[0] == logs[1]
    assert logs[0] != logs[2]


def test_restore_rebuilds_from_the_history():
    oracle = Hamming(num_states=4, dim=8, random_seed=0)
    x0 = oracle.initial_solutions()
    history = [(x0, oracle(x0))]
    rng = np.random.default_rng(0)
    x1 = rng.integers(0, 4, size=(10, 8))
    history.append((x1, oracle(x1)))
    proposer = Lambo2Lite(Problem(oracle.alphabet, 8, x0, seed=0), width=16, layers=1,
                          ensemble_size=2, max_train_steps=3)
    proposer.restore(history)
    assert len(proposer.x) == 11 and proposer.round == 1
    x = proposer.ask(5)
    assert not {row.tobytes() for row in x} & {row.tobytes() for row in np.vstack([x0, x1])}


@pytest.mark.parametrize("options, word", [
    ("num_mutations_per_step=0", "num_mutations_per_step"),
    ("kl_weight=1.5", "kl_weight"),
    ("guidance_step_size=0", "guidance_step_size"),
    ("lr=-1", "lr"),
    ("kernel=4", "kernel"),
])
def test_bad_options_are_clear_errors(options, word):
    with pytest.raises(SeqzooError, match=word):
        run(ORACLE, f"lambo2:{options}", budget=5)
