"""seqzoo.run and seqzoo.compare take an oracle of the user's own: an Oracle object or a plain
function of a batch with its alphabet and length, besides a spec."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import seqzoo
from seqzoo.errors import SeqzooError
from seqzoo.plugins import registry


def gc_content(x: np.ndarray) -> np.ndarray:
    return np.isin(x, (1, 2)).mean(axis=1)  # C and G in "ACGT"


class Ones:
    """An Oracle object: the share of ones, solved at all ones."""

    alphabet, length, optimal_value = "01", 8, 1.0

    def __call__(self, x):
        return (np.asarray(x) == 1).mean(axis=1)

    def initial_solutions(self):
        return np.zeros((1, self.length), dtype=np.int64)


def test_a_function_of_a_batch_runs_and_is_recorded_by_its_name(tmp_path):
    result = seqzoo.run(gc_content, "hill-climb", budget=400, batch_size=20, seed=1,
                        alphabet="ACGT", length=12, out=tmp_path / "run")
    assert result.oracle == "gc-content" and result.evaluations == 400
    assert result.best_value > 0.5 and result.regret is None  # no optimum given
    assert set(result.best_sequence) <= set("ACGT") and len(result.best_sequence) == 12
    config = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert config["oracle"] == "gc-content"


def test_an_oracle_object_gets_regret_and_stops_at_its_optimum():
    result = seqzoo.run(Ones(), "hill-climb", budget=2000, batch_size=10, seed=0)
    assert result.solved and result.regret == 0.0 and result.evaluations < 2000


def test_the_same_object_keeps_its_name_and_another_gets_a_new_one():
    first = seqzoo.register_oracle(gc_content, alphabet="ACGT", length=6)
    assert seqzoo.register_oracle(gc_content, alphabet="ACGT", length=6) == first
    one, other = Ones(), Ones()
    assert seqzoo.register_oracle(one) != seqzoo.register_oracle(other)
    assert seqzoo.register_oracle(one) in registry().names("oracle")


def test_a_registered_oracle_survives_a_rebuilt_registry():
    one = Ones()
    name = seqzoo.register_oracle(one)
    from seqzoo import plugins

    plugins.set_registry(None)  # what the tests' fixture does between tests
    assert seqzoo.run(one, "hill-climb", budget=30).oracle == name


@pytest.mark.parametrize("call, message", [
    (lambda: seqzoo.run(gc_content, "hill-climb", budget=10), "needs alphabet= and length="),
    (lambda: seqzoo.run(gc_content, "hill-climb", budget=10, alphabet="A", length=4),
     "at least 2 distinct characters"),
    (lambda: seqzoo.run(gc_content, "hill-climb", budget=10, alphabet="ACGT", length=0),
     "length must be a positive integer"),
    (lambda: seqzoo.run(Ones(), "hill-climb", budget=10, alphabet="01", length=8),
     "come from the oracle object itself"),
    (lambda: seqzoo.run(lambda x: np.zeros(1), "hill-climb", budget=30, alphabet="AB",
                        length=3, batch_size=5), "returned 1 values for a batch of 5"),
    (lambda: seqzoo.run(42, "hill-climb", budget=10), "must be a spec, an Oracle object"),
    (lambda: seqzoo.compare(Ones(), ["hill-climb"], "x", workers=2),
     "runs here, one run at a time"),
])
def test_bad_own_oracles_get_one_clear_error(call, message):
    with pytest.raises(SeqzooError, match=message):
        call()


def test_compare_takes_objects_functions_and_specs_together(tmp_path):
    outcome = seqzoo.compare([Ones(), "hamming:num_states=2,dim=8"],
                             ["hill-climb", "random"], tmp_path / "cmp", seeds=[0, 1],
                             budget=60, batch_size=10)
    assert outcome.ran == 8 and not outcome.failures
    with open(tmp_path / "cmp" / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    ones = {r["oracle"] for r in rows} - {"hamming:num_states=2,dim=8"}
    assert len(ones) == 1 and ones.pop().startswith("ones")  # -N after other tests' Ones
    # a function needs its alphabet and length, which then hold for every function given
    again = seqzoo.compare(gc_content, "hill-climb", tmp_path / "gc", alphabet="ACGT",
                           length=6, seeds=[0], budget=40, batch_size=10)
    assert again.ran == 1 and (tmp_path / "gc" / "report.md").exists()


def test_initial_solutions_of_a_function_as_strings():
    from seqzoo.api import FunctionOracle

    oracle = FunctionOracle(gc_content, "ACGT", 4, initial_solutions=["ACGT", "TTTT"])
    assert oracle.initial_solutions().tolist() == [[0, 1, 2, 3], [3, 3, 3, 3]]
    with pytest.raises(SeqzooError, match="initial_solutions"):
        FunctionOracle(gc_content, "ACGT", 4, initial_solutions=["ACGX"])
