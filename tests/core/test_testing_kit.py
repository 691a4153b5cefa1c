"""The conformance kit passes conforming plugins and names what is wrong with broken ones."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

import seqzoo
from seqzoo import plugins
from seqzoo.builtin import Hamming, HillClimb
from seqzoo.cli import main as zoo
from seqzoo.testing import (SMALL_ORACLE, ConformanceError, FactoryPlugin, check_oracle,
                            check_plugin, check_proposer, check_trainer, registered)
from seqzoo.testing import plugins as plugin_checks

FEASIBLE_EVERYWHERE = "hamming:num_states=4,dim=8"


# -- oracles ---------------------------------------------------------------------------------
class Wrapped:
    """A conforming oracle whose scores a test then breaks in one way."""

    def __init__(self, **changes):
        self.base = Hamming(num_states=4, dim=8, max_step=1)
        self.alphabet, self.length = self.base.alphabet, self.base.length
        self.optimal_value = self.base.optimal_value
        self.calls = 0
        vars(self).update(changes)

    def initial_solutions(self):
        return self.base.initial_solutions()

    def __call__(self, x):
        self.calls += 1
        return self.base(x)


def test_builtin_oracle_passes_every_check(small_oracle):
    report = check_oracle(small_oracle)
    assert report.passed == ("alphabet", "length", "initial_solutions", "values",
                             "deterministic", "bad_input", "optimum")
    assert check_oracle(SMALL_ORACLE).passed == report.passed


class NaNOracle(Wrapped):
    def __call__(self, x):
        y = self.base(x)
        y[1:] = np.nan  # the initial solution alone still scores
        return y


class NoisyOracle(Wrapped):
    def __call__(self, x):
        self.calls += 1
        return self.base(x) + 1e-3 * self.calls


class ListOracle(Wrapped):
    def __call__(self, x):
        return list(self.base(x))


class IntegerValues(Wrapped):
    def __call__(self, x):
        return (10 * self.base(x)).astype(np.int64)


class PaddingOracle(Wrapped):
    def __call__(self, x):  # silently scores sequences of any length
        return np.zeros(len(x))


class LyingFeasibility(Wrapped):
    def feasible(self, x):
        return np.ones(len(x), dtype=bool)


class BatchDependent(Wrapped):
    def __call__(self, x):
        return self.base(x) * (1.0 if len(x) > 1 else 0.5)


@pytest.mark.parametrize("oracle, check", [
    (NaNOracle(), "values"),
    (ListOracle(), "values"),
    (IntegerValues(), "values"),
    (LyingFeasibility(), "values"),
    (NoisyOracle(), "deterministic"),
    (BatchDependent(), "deterministic"),
    (PaddingOracle(), "bad_input"),
    (Wrapped(optimal_value=0.5), "optimum"),
    (Wrapped(optimal_value=math.inf), "optimum"),
    (Wrapped(alphabet="AAGT"), "alphabet"),
    (Wrapped(alphabet="AC T"), "alphabet"),
    (Wrapped(length=0), "length"),
    (Wrapped(initial_solutions=lambda: np.full((1, 8), 4)), "initial_solutions"),
    (Wrapped(initial_solutions=lambda: np.zeros((1, 8)) + 0.5), "initial_solutions"),
    (Wrapped(initial_solutions=lambda: np.array([[0, 2, 0, 2, 0, 2, 0, 2]])),
     "initial_solutions"),
])
def test_broken_oracle_fails_the_named_check(oracle, check):
    with pytest.raises(ConformanceError, match=f"^{check}:"):
        check_oracle(oracle)


def test_noisy_oracle_passes_when_declared_nondeterministic():
    report = check_oracle(NoisyOracle(), deterministic=False)
    assert "deterministic" not in report.passed
    assert report.skipped == (("deterministic", "deterministic=False"),)


def test_optimal_solution_must_score_the_optimum():
    oracle = Wrapped(optimal_solution=lambda: np.zeros(8, dtype=np.int64))
    with pytest.raises(ConformanceError, match="optimal_solution"):
        check_oracle(oracle)
    base = oracle.base
    two_d = Wrapped(optimal_solution=lambda: base.target[None])  # a batch, not a sequence
    with pytest.raises(ConformanceError, match=r"^optimum: .*must be one sequence"):
        check_oracle(two_d)
    assert "optimum" in check_oracle(Wrapped(optimal_solution=lambda: base.target)).passed


# -- proposers -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hill-climb", "random"])
def test_builtin_proposers_pass_every_check(tmp_path, name):
    report = check_proposer(name, budget=30, workdir=tmp_path)
    assert report.passed == ("protocol", "valid_outputs", "budget", "deterministic",
                             "infeasible", "rounds", "free_rounds", "warm_start", "resume")
    logged = [json.loads(line) for line in (tmp_path / "first" / "evaluations.jsonl")
              .read_text().splitlines()]
    assert len(logged) == 30 and max(r["step"] for r in logged) >= 3
    assert any(r["value"] is None for r in logged), "the small oracle should produce -inf"


def test_options_reach_the_factory_and_odd_batches_are_fine():
    report = check_proposer(HillClimb, FEASIBLE_EVERYWHERE,
                            options={"elite": 2, "mutations": 3}, budget=23, batch_size=5)
    assert "resume" in report.passed


class Unseeded(HillClimb):
    def __init__(self, problem):
        super().__init__(problem)
        self.rng = np.random.default_rng()


class FloatProposer(HillClimb):
    def ask(self, n):
        return super().ask(n).astype(float)


class Greedy(HillClimb):
    def ask(self, n):  # ignores n
        return super().ask(n + 1)


class OutOfRange(HillClimb):
    def ask(self, n):
        return super().ask(n) + 1


class FailsOnInfeasible(HillClimb):
    def tell(self, x, y):
        if np.isneginf(y).all() and len(self.y):
            raise ValueError("no feasible value in this batch")
        super().tell(x, y)


class BadRestore(HillClimb):
    def restore(self, history):
        self.x = None  # forgets everything: the next ask breaks


class NoTell:
    def __init__(self, problem):
        self.problem = problem

    def ask(self, n):
        return self.problem.initial_solutions[:1]


class RefusesWarmStart(HillClimb):
    def __init__(self, problem):
        if problem.warm_start is not None:
            raise RuntimeError("cannot use labelled rows")
        super().__init__(problem)


class BadBatchSize(HillClimb):
    def __init__(self, problem):
        super().__init__(problem)
        self.batch_size = 0


@pytest.mark.parametrize("factory, check", [
    (Unseeded, "deterministic"),
    (FloatProposer, "valid_outputs"),
    (Greedy, "valid_outputs"),
    (OutOfRange, "valid_outputs"),
    (FailsOnInfeasible, "infeasible"),
    (BadRestore, "resume"),
    (RefusesWarmStart, "warm_start"),
    (BadBatchSize, "protocol"),
    (NoTell, "protocol"),
])
def test_broken_proposer_fails_the_named_check(factory, check):
    with pytest.raises(ConformanceError, match=f"^{check}:"):
        check_proposer(factory, FEASIBLE_EVERYWHERE, budget=20, batch_size=4)


def test_proposer_checks_reject_a_budget_with_no_room_to_resume():
    with pytest.raises(ValueError, match="budget"):
        check_proposer("hill-climb", budget=3)


def test_options_the_factory_refuses_are_the_callers_error():
    with pytest.raises(ValueError, match="cannot build the proposer: elite, mutations"):
        check_proposer("hill-climb", options={"elite": 0})


def test_proposer_checks_leave_the_registry_as_they_found_it():
    before = {k: plugins.registry().names(k) for k in plugins.KINDS}
    check_proposer(HillClimb, budget=10)
    assert {k: plugins.registry().names(k) for k in plugins.KINDS} == before


# -- trainers --------------------------------------------------------------------------------
class MeanTrainer:
    """Fits a one-number model to the mean of the examples' ``value``."""

    name = "mean"

    def fit(self, model, examples, *, reference=None):
        target = np.mean([e["value"] for e in examples])
        loss = float((model["mean"] - target) ** 2)
        model["mean"] = target
        return {"loss": loss, "examples": len(examples)}


def test_trainer_protocol_checked_on_a_toy_trainer():
    model = {"mean": 0.0}
    report = check_trainer(MeanTrainer(), model, [{"value": 1.0}, {"value": 3.0}])
    assert report.passed == ("name", "fit", "loss")
    assert model["mean"] == 2.0


@pytest.mark.parametrize("trainer, check", [
    (SimpleNamespace(name="", fit=MeanTrainer().fit), "name"),
    (SimpleNamespace(name="x"), "fit"),
    (SimpleNamespace(name="x", fit=lambda m, e, reference=None: [1.0]), "fit"),
    (SimpleNamespace(name="x", fit=lambda m, e, reference=None: {"loss": "low"}), "fit"),
    (SimpleNamespace(name="x", fit=lambda m, e, reference=None: {"loss": math.nan}), "loss"),
    (SimpleNamespace(name="x", fit=lambda m, e, reference=None: {"acc": 1.0}), "loss"),
])
def test_broken_trainer_fails_the_named_check(trainer, check):
    with pytest.raises(ConformanceError, match=f"^{check}:"):
        check_trainer(trainer, {"mean": 0.0}, [{"value": 1.0}])


# -- registration ----------------------------------------------------------------------------
class ToyPlugin:
    """An in-process plugin: the shape of a third party's ``plugin.py`` module."""

    @seqzoo.hookimpl
    def register_proposers(self, register):
        register("toy-hill-climb", HillClimb)

    @seqzoo.hookimpl
    def register_trainers(self, register):
        register("toy-mean", MeanTrainer)


def test_register_plugin_fixture_makes_names_visible_to_the_cli(register_plugin, capsys):
    register_plugin(ToyPlugin(), name="toy")
    assert zoo(["list", "proposers", "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["proposer"]}
    assert listed["toy-hill-climb"]["plugin"] == "toy"
    assert [o["name"] for o in listed["toy-hill-climb"]["options"]] == ["elite", "mutations",
                                                                    "batch_size"]
    assert check_trainer("toy-mean", {"mean": 0.0}, [{"value": 2.0}]).passed[-1] == "loss"
    result = seqzoo.run(SMALL_ORACLE, "toy-hill-climb:elite=3", budget=12, batch_size=4)
    assert result.evaluations == 12


def test_registered_blocks_nest_and_restore():
    with registered(ToyPlugin(), name="toy"):
        with registered(FactoryPlugin("oracle", "tiny", lambda: Hamming(dim=2))):
            assert "tiny" in plugins.registry().names("oracle")
            assert "toy-hill-climb" in plugins.registry().names("proposer")
        assert "tiny" not in plugins.registry().names("oracle")
        assert "toy-hill-climb" in plugins.registry().names("proposer")
    assert "toy-hill-climb" not in plugins.registry().names("proposer")


def test_registering_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="also registered by plugin 'seqzoo'"):
        with registered(FactoryPlugin("proposer", "hill-climb", HillClimb)):
            pass
    with pytest.raises(ValueError, match="already registered"):
        with registered(ToyPlugin(), name="seqzoo"):
            pass


# -- whole plugins ---------------------------------------------------------------------------
def test_the_core_plugin_passes_and_in_process_plugins_skip_the_import_check():
    report = check_plugin("seqzoo")
    assert report.passed == ("loads", "factories")
    assert report.skipped == (("light", "not installed through an entry point"),)


def undocumented(problem, elite: int = 1):
    return HillClimb(problem, elite=elite)


def untyped(problem, elite=None):
    """A proposer whose option ``elite`` cannot be converted from text: no type."""
    return HillClimb(problem)


@pytest.mark.parametrize("factory, message", [
    (undocumented, "^factories: proposer 'subject' has no docstring"),
    (untyped, "^factories: proposer 'subject': option 'elite' has no type"),
    ("no_such_module:Factory", "^factories: proposer 'subject' cannot be imported"),
])
def test_factories_need_to_import_a_docstring_and_typed_options(factory, message):
    with registered(FactoryPlugin("proposer", "subject", factory), name="bad"):
        with pytest.raises(ConformanceError, match=message):
            check_plugin("bad")


def test_unknown_plugin_is_the_callers_error():
    with pytest.raises(ValueError, match="no plugin named 'nope'"):
        check_plugin("nope")


def test_heavy_imports_are_measured_in_a_fresh_interpreter(tmp_path, monkeypatch):
    # any library beyond the standard one counts, not only a fixed list of heavy names
    (tmp_path / "eager_plugin.py").write_text("import json\nimport iniconfig\nimport seqzoo\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert plugin_checks.heavy_imports("eager_plugin") == ["iniconfig"]
    assert plugin_checks.heavy_imports("seqzoo.hookspecs") == []
