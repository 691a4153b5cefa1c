"""The LLOME state machine driven by the real engine, with a stand-in for the language model.

The stand-in edits a prompt by point mutations (and writes some malformed text), so these
tests exercise the loop, the budget, the guards, the diagnostics file and resume in
seconds, without torch doing any work.
"""

import json

import numpy as np
import pytest
from seqzoo.engine import resume, run

from seqzoo_llm.llome import backend
from seqzoo_llm.llome.diagnostics import ROUND_KEYS, read_rounds
from seqzoo_llm.llome.guards import collapse_temperatures

ORACLE = "hamming:num_states=4,dim=12,max_step=1"
SMALL = ("llome:rounds=3,labels_per_round=60,seed_evaluations=100,ga_population=50,"
         "seeds_per_round=12,edit_iterations=3,samples_per_temperature=4,likelihood_quantile=0.2,"
         "temperatures=[0.8,1.2],guard_prompts=4,max_train_examples=200")
BUDGET = 1 + 100 + 3 * 60


class FakeModel:
    """Point-mutates its prompts; ``mode`` decides how it misbehaves once trained."""

    mode = "edit"
    fits: list[str] = []

    def __init__(self, settings, num_states, length, seed):
        self.num_states, self.length, self.state = num_states, length, {"fits": 0}

    def fit(self, trainer, examples, **options):
        assert examples and all("prompt" in e for e in examples)
        self.state["fits"] += 1
        FakeModel.fits.append(trainer)
        return {"loss": 1.0 / self.state["fits"], "steps": 1.0, "seconds": 0.0}

    def complete(self, prompts, temperature, num_samples, seed):
        rng = np.random.default_rng(seed)
        out = []
        for p in prompts:
            per = []
            for _ in range(1 if temperature == 0 else num_samples):
                y = p.copy()
                y[rng.integers(self.length)] = rng.integers(self.num_states)
                if self.mode == "garbage" or rng.random() < 0.1:
                    text = "[" + ", ".join(map(str, y))  # never closed
                elif self.mode == "copy" and self.state["fits"] > 1:
                    text = json.dumps(p.tolist())
                else:
                    text = json.dumps(y.tolist())
                per.append((text, -float(rng.random()) * 10, self.length))
            out.append(per)
        return out

    def snapshot(self):
        return dict(self.state)

    def revert(self, snapshot):
        self.state = snapshot

    def save(self, path):
        path.mkdir(parents=True, exist_ok=True)
        (path / "state.json").write_text(json.dumps(self.state))

    def load(self, path):
        self.state = json.loads((path / "state.json").read_text())


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    FakeModel.mode, FakeModel.fits = "edit", []
    monkeypatch.setattr(backend, "ModelBackend", FakeModel)
    return FakeModel


def _log(path):
    return [json.loads(line) for line in (path / "evaluations.jsonl").read_text().splitlines()]


def test_a_whole_run_spends_the_budget_in_rounds(run_dir):
    result = run(ORACLE, SMALL, BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    assert result.evaluations == BUDGET
    assert FakeModel.fits == ["sft", "marge", "marge"]
    rounds = read_rounds(run_dir)
    assert [r["round"] for r in rounds] == [0, 1, 2]
    for r in rounds:
        assert set(ROUND_KEYS) <= set(r)
        assert r["labels"] == 60 and r["trained"]
        assert 0 < r["parsable"] < 1 and r["in_range"] <= r["correct_length"] <= r["parsable"]
        assert (run_dir / r["checkpoint"] / "state.json").exists()
    assert rounds[-1]["evaluations"] == BUDGET
    labels = [rec["sequence"] for rec in _log(run_dir)[101:]]
    assert len(set(labels)) == len(labels)  # never pays twice for a sequence
    assert not set(labels) & {rec["sequence"] for rec in _log(run_dir)[:101]}
    assert result.extras["llome_rounds"] == 3


def test_collapse_guard_feeds_the_next_rounds_temperatures(run_dir):
    run(ORACLE, SMALL, BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    rounds = read_rounds(run_dir)
    assert rounds[0]["temperatures"] == [0.8, 1.2]
    for before, after in zip(rounds, rounds[1:]):
        expected = collapse_temperatures([0.8, 1.2], before["edit_distance"])
        assert after["temperatures"] == pytest.approx(expected)
    assert rounds[1]["temperatures"][0] > 0.8  # one edit in 12 sites is below 0.15


def test_a_copying_model_is_rejected_and_the_round_falls_back(run_dir, fake_model):
    fake_model.mode = "copy"
    run(ORACLE, SMALL, BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    rounds = read_rounds(run_dir)
    assert rounds[0]["accepted"]
    assert not rounds[1]["accepted"] and "repeat" in rounds[1]["guard"][0]
    # the fallback model has one fit, so it edits again and round 2's model copies again
    assert not rounds[2]["accepted"]
    state = json.loads((run_dir / rounds[2]["checkpoint"] / "state.json").read_text())
    assert state["fits"] == 1


def test_nothing_valid_falls_back_to_mutants(run_dir, fake_model):
    fake_model.mode = "garbage"
    result = run(ORACLE, SMALL, BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    assert result.evaluations == BUDGET
    rounds = read_rounds(run_dir)
    assert all(r["parsable"] == 0 and r["fallback_labels"] == r["labels"] for r in rounds)


def test_resume_continues_from_the_last_round_without_respending(run_dir, tmp_path):
    whole = tmp_path / "whole"
    run(ORACLE, SMALL, BUDGET, out=whole, stop_on_optimum=False, rounds="free")
    stop = 1 + 100 + 60 + 25  # killed 25 labels into round 1
    run(ORACLE, SMALL, stop, out=run_dir, stop_on_optimum=False, rounds="free")
    config = json.loads((run_dir / "config.json").read_text())
    config["config"]["budget"] = BUDGET
    (run_dir / "config.json").write_text(json.dumps(config))
    FakeModel.fits = []
    result = resume(run_dir)
    assert result.evaluations == BUDGET and len(_log(run_dir)) == BUDGET
    assert FakeModel.fits == ["marge", "marge"]  # round 0 came from its checkpoint
    rounds = read_rounds(run_dir)
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert rounds[1]["label_start"] == 161 and rounds[1]["evaluations"] == 221
    assert read_rounds(whole)[1]["evaluations"] == 221
    labels = [rec["sequence"] for rec in _log(run_dir)[101:]]
    assert len(set(labels)) == len(labels)


def test_resume_inside_the_warm_start_replays_the_ga(run_dir):
    run(ORACLE, SMALL, 51, out=run_dir, stop_on_optimum=False, rounds="free")
    config = json.loads((run_dir / "config.json").read_text())
    config["config"]["budget"] = BUDGET
    (run_dir / "config.json").write_text(json.dumps(config))
    resume(run_dir)
    assert FakeModel.fits == ["sft", "marge", "marge"]
    assert [r["round"] for r in read_rounds(run_dir)] == [0, 1, 2]


@pytest.mark.parametrize("spec, message", [
    ("llome:preset=huge", "unknown llome preset"),
    ("llome:likelihood_quantile=1.5", "likelihood_quantile"),
    ("llome:temperatures=[]", "temperatures"),
    ("llome:objective=nope", "unknown trainer"),
])
def test_bad_options_are_reported(spec, message):
    from seqzoo.errors import SeqzooError

    with pytest.raises(SeqzooError, match=message):
        run(ORACLE, spec, 10)


def test_a_fresh_run_over_an_old_folder_starts_a_new_diagnostics_file(run_dir):
    run(ORACLE, SMALL, BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    run(ORACLE, SMALL, 1 + 100 + 60, out=run_dir, stop_on_optimum=False, overwrite=True, rounds="free")
    assert [r["round"] for r in read_rounds(run_dir)] == [0]
    assert not (run_dir / "llome" / "round_01").exists()


def _warm_rows(n=150, seed=3):
    """Labelled rows of the hamming oracle: its initial solution and point mutants of it."""
    from seqzoo.plugins import registry

    oracle = registry().get("oracle", "hamming").load()(num_states=4, dim=12, max_step=1)
    rng = np.random.default_rng(seed)
    x = np.repeat(oracle.initial_solutions(), n, axis=0)
    for row in x[1:]:  # point mutants: close enough to one another to make edit pairs
        row[rng.integers(12, size=2)] = rng.integers(4, size=2)
    x = np.unique(x, axis=0)
    return oracle, x, oracle(x)


def _llome(oracle, warm_start=None, **options):
    from seqzoo import Problem

    from seqzoo_llm.llome.proposer import Llome

    problem = Problem(alphabet=oracle.alphabet, length=oracle.length,
                      initial_solutions=oracle.initial_solutions(), seed=0,
                      warm_start=warm_start)
    defaults = dict(rounds=2, labels_per_round=30, seed_evaluations=100, ga_population=50,
                    seeds_per_round=8, edit_iterations=2, samples_per_temperature=3,
                    temperatures=[1.0], guard_prompts=4)
    return Llome(problem, **{**defaults, **options})


@pytest.mark.parametrize("declared", [True, False])
def test_a_shared_warm_start_is_round_zeros_data_instead_of_the_ga(declared):
    oracle, x, y = _warm_rows()
    proposer = _llome(oracle, warm_start=(x, y) if declared else None)
    if declared:
        assert proposer.ga is None and proposer.batch_size == 30
    proposer.tell(x, y)  # step 0: the warm start's rows
    assert proposer.ga is None
    batch = proposer.ask(30)
    assert FakeModel.fits == ["sft"]  # the first ask already trains: no GA evaluations
    assert proposer.current.train_examples > 0
    assert proposer.train_slice == (0, len(x))
    assert not {r.tobytes() for r in batch} & {r.tobytes() for r in x}


def test_without_a_warm_start_the_internal_ga_runs_first():
    oracle, _, _ = _warm_rows()
    proposer = _llome(oracle)
    x0 = oracle.initial_solutions()
    proposer.tell(x0, oracle(x0))
    assert proposer.ga is not None and proposer.batch_size == 50
    for _ in range(2):  # 100 GA evaluations before round 0
        x = proposer.ask(50)
        assert len(x) == 50 and not FakeModel.fits
        proposer.tell(x, oracle(x))
    proposer.ask(30)
    assert FakeModel.fits == ["sft"] and proposer.train_slice == (0, 101)


def test_a_warm_started_run_resumes_without_the_ga(tmp_path):
    oracle, x, y = _warm_rows()
    proposer = _llome(oracle, warm_start=(x, y))
    proposer.tell(x, y)
    batch = proposer.ask(30)
    again = _llome(oracle, warm_start=(x, y))
    again.restore([(x, y), (batch[:10], oracle(batch[:10]))])
    assert again.ga is None and again.resume_spent == 10 and again.train_slice == (0, len(x))


REFERENCE_LOOP = ",seeds=round,trajectories=separate,checkpoints=best,guard_prompts=10"


@pytest.mark.parametrize("objective", ["marge", "dpo"])
def test_the_reference_loop_choices_spend_the_budget(run_dir, objective):
    spec = SMALL.replace("guard_prompts=4", "") + REFERENCE_LOOP + \
        f",dpo_pairs=all,objective={objective}"
    result = run(ORACLE, spec.replace(",,", ","), BUDGET, out=run_dir, stop_on_optimum=False, rounds="free")
    assert result.evaluations == BUDGET
    rounds = read_rounds(run_dir)
    assert FakeModel.fits == ["sft", objective, objective]
    assert all(r["accepted"] and "checkpoint_step" in r for r in rounds)
    labels = [rec["sequence"] for rec in _log(run_dir)[101:]]
    assert len(set(labels)) == len(labels)


def test_round_seeds_are_the_best_targets_of_the_training_set_with_repeats():
    oracle, x, y = _warm_rows()
    proposer = _llome(oracle, warm_start=(x, y), seeds="round", seeds_per_round=50)
    proposer.tell(x, y)
    examples = proposer._examples("sft", x, y)
    seeds, values = proposer._seeds(examples)
    targets = sorted((e["target_value"] for e in examples), reverse=True)[:50]
    assert values.tolist() == targets
    assert len(np.unique(seeds, axis=0)) < len(seeds)  # repeats kept, as the reference does
    history = _llome(oracle, warm_start=(x, y), seeds_per_round=50)
    history.tell(x, y)
    distinct, _ = history._seeds(examples)
    assert len(np.unique(distinct, axis=0)) == len(distinct)


def test_the_reference_preset_trains_as_the_f2_configs_do():
    oracle, x, y = _warm_rows()
    proposer = _llome(oracle, preset="reference")
    marge, sft = proposer._train_options(1, "marge"), proposer._train_options(0, "sft")
    assert (marge["batch_size"], marge["grad_accum"]) == (1, 32)
    assert (sft["batch_size"], sft["grad_accum"]) == (2, 32)
    assert marge["lr_schedule"] == "linear" and marge["weight_decay"] == 0.0
    s = proposer.settings
    assert (s.seeds, s.trajectories, s.dpo_pairs, s.checkpoints) == (
        "round", "separate", "all", "best")
    ours = _llome(oracle)._train_options(1, "marge")
    assert ours["lr_schedule"] == "constant" and ours["weight_decay"] == 0.01
    assert "batch_size" not in ours and ours["grad_accum"] == 1


@pytest.mark.parametrize("option", ["seeds=best", "trajectories=mixed", "checkpoints=last",
                                    "lr_schedule=cosine", "dpo_pairs=some"])
def test_bad_loop_choices_are_one_line_errors(option):
    from seqzoo.errors import SeqzooError

    with pytest.raises(SeqzooError, match=option.split("=")[0]):
        run(ORACLE, f"llome:{option}", 10)
