import json

import numpy as np
import pytest

from seqzoo import engine
from seqzoo.errors import OracleError, ProposerError, SeqzooError
from seqzoo.runlog import RunDir

ORACLE = "hamming:num_states=6,dim=12,max_step=2,random_seed=3"


def log_of(path):
    return [json.loads(line) for line in (path / "evaluations.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("budget, batch, sizes", [
    (1, 4, [1]),                 # the initial solution is the whole budget
    (4, 4, [1, 3]),              # below one batch
    (5, 4, [1, 4]),              # initial + exactly one batch
    (6, 4, [1, 4, 1]),           # just above one batch
    (23, 5, [1, 5, 5, 5, 5, 2]),  # batch size that does not divide the budget
])
def test_budget_is_exact(tmp_path, budget, batch, sizes):
    result = engine.run(ORACLE, "hill-climb", budget, batch_size=batch, out=tmp_path,
                        stop_on_optimum=False)
    records = log_of(tmp_path)
    assert result.evaluations == len(records) == budget
    steps = [r["step"] for r in records]
    assert [steps.count(s) for s in sorted(set(steps))] == sizes
    assert [r["evaluation"] for r in records] == list(range(budget))


def test_budget_below_initial_data_and_zero_are_errors():
    with pytest.raises(SeqzooError, match="at least 1"):
        engine.run(ORACLE, "hill-climb", 0)
    with pytest.raises(SeqzooError, match="batch size must be at least 1"):
        engine.run(ORACLE, "hill-climb", 5, batch_size=0)


def test_same_seed_same_log_different_seed_different_log(tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        engine.run(ORACLE, "hill-climb", 60, batch_size=7, seed=seed, out=tmp_path / name)
    seqs = {n: [r["sequence"] for r in log_of(tmp_path / n)] for n in "abc"}
    assert seqs["a"] == seqs["b"] and seqs["a"] != seqs["c"]


def test_config_records_specs_seed_and_versions(tmp_path):
    engine.run(ORACLE, "hill-climb:elite=3", 10, seed=7, out=tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["config"] == {"oracle": ORACLE, "proposer": "hill-climb:elite=3", "budget": 10,
                             "batch_size": 100, "seed": 7, "stop_on_optimum": True,
                             "warm_start": None, "warm_start_budget": None, "threads": None,
                             "rounds": None, "model_queries": 2000}
    assert {"python", "seqzoo", "numpy"} <= set(cfg["versions"])
    assert "commit" in cfg  # a git commit where one exists, else None
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["evaluations"] == 10 and result["seed"] == 7


def test_result_tracks_best_regret_and_feasibility(tmp_path):
    result = engine.run(ORACLE, "hill-climb", 200, batch_size=20, out=tmp_path,
                        stop_on_optimum=False)
    values = [-np.inf if r["value"] is None else r["value"] for r in log_of(tmp_path)]
    assert result.best_value == max(values)
    assert result.evaluations_to_best == int(np.argmax(values)) + 1
    assert result.regret == pytest.approx(1.0 - max(values))
    assert result.feasible_fraction == pytest.approx(np.isfinite(values).mean())
    assert any(r["value"] is None for r in log_of(tmp_path))  # -inf is logged as null


def test_stop_on_optimum(tmp_path):
    result = engine.run("hamming:num_states=2,dim=3", "hill-climb:mutations=2", 5000,
                        batch_size=10, out=tmp_path)
    assert result.solved and result.stopped == "optimum" and result.regret == 0
    assert result.evaluations < 5000 and len(log_of(tmp_path)) == result.evaluations


class Bad:
    def __init__(self, problem, mode: str = "float"):
        self.mode, self.p = mode, problem

    def ask(self, n):
        L, V = self.p.length, self.p.num_states
        return {
            "float": lambda: np.zeros((n, L)),
            "shape": lambda: np.zeros((n, L + 1), int),
            "range": lambda: np.full((n, L), V),
            "negative": lambda: np.full((n, L), -1),
            "many": lambda: np.zeros((n + 1, L), int),
            "none": lambda: np.zeros((0, L), int),
        }[self.mode]()

    def tell(self, x, y):
        pass


@pytest.mark.parametrize("mode, message", [
    ("float", "dtype float64, expected integer"), ("shape", r"shape \(4, 13\)"),
    ("range", "states 6..6"), ("negative", "states -1..-1"), ("many", "5 sequences"),
    ("none", "0 sequences"),
])
def test_proposals_are_validated_with_the_proposers_name(monkeypatch, tmp_path, mode, message):
    from seqzoo import plugins

    reg = plugins.registry()
    monkeypatch.setitem(reg.entries["proposer"], "bad",
                        plugins.Entry("proposer", "bad", Bad, "tests"))
    with pytest.raises(ProposerError, match=f"proposer 'bad' returned {message}"):
        engine.run(ORACLE, f"bad:mode={mode}", 20, batch_size=4, out=tmp_path)
    assert len(log_of(tmp_path)) == 1  # the initial solution was logged before the failure


def test_nan_from_oracle_is_an_error(monkeypatch):
    from seqzoo import plugins
    from seqzoo.builtin import Hamming

    class NaNOracle(Hamming):
        def __call__(self, x):
            return np.full(len(x), np.nan)

    reg = plugins.registry()
    monkeypatch.setitem(reg.entries["oracle"], "nan",
                        plugins.Entry("oracle", "nan", NaNOracle, "tests"))
    with pytest.raises(OracleError, match="NaN"):
        engine.run("nan", "hill-climb", 5)


def test_existing_run_folder_is_not_overwritten_by_accident(tmp_path):
    engine.run(ORACLE, "hill-climb", 5, out=tmp_path)
    with pytest.raises(SeqzooError, match="already holds a run"):
        engine.run(ORACLE, "hill-climb", 5, out=tmp_path)
    engine.run(ORACLE, "hill-climb", 7, out=tmp_path, overwrite=True)
    assert len(log_of(tmp_path)) == 7


def test_runlog_reads_back_batches(tmp_path):
    engine.run(ORACLE, "hill-climb", 11, batch_size=4, out=tmp_path)
    steps = RunDir(tmp_path).steps(engine.build_oracle(ORACLE).alphabet)
    assert [len(s.x) for s in steps] == [1, 4, 4, 2] and [s.asked for s in steps] == [1, 4, 4, 2]


def test_random_is_uniform_search_and_hill_climb_climbs():
    # random ignores what it is told: on a constrained hamming most of its rows break the
    # band (3 of 8 states per step: 0.375**15 of rows are feasible). The hill climber's
    # children differ from a feasible parent in one site, so many of them are feasible.
    oracle = "hamming:num_states=8,dim=16,max_step=1,random_seed=3"
    uniform = engine.run(oracle, "random", 400, batch_size=100, seed=0, stop_on_optimum=False)
    climb = engine.run(oracle, "hill-climb", 400, batch_size=100, seed=0,
                       stop_on_optimum=False)
    assert uniform.feasible_fraction < 0.01 and climb.feasible_fraction > 0.2
    assert climb.best_value > uniform.best_value


def test_random_proposals_cover_the_alphabet(tmp_path):
    engine.run(ORACLE, "random", 301, batch_size=100, seed=1, out=tmp_path,
               stop_on_optimum=False)
    steps = RunDir(tmp_path).steps(engine.build_oracle(ORACLE).alphabet)
    x = np.concatenate([s.x for s in steps[1:]])  # step 0 is the initial solution
    counts = np.bincount(x.ravel(), minlength=6)
    assert (counts > 0.1 * counts.sum()).all()  # about 1/6 each, not clustered on a parent
