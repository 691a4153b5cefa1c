"""nevergrad's choices with their options outside the parameter tree: the same candidates as
nevergrad's own ``Choice`` and ``TransitionChoice``, value for value, only cheaper."""

import warnings

import numpy as np
import pytest
from seqzoo import Problem
from seqzoo.builtin import Hamming

ng = pytest.importorskip("nevergrad")
from seqzoo_libopt import ng_adapter  # noqa: E402

FAST = ng_adapter._parameter_classes()
OPTIMIZERS = ("DiscreteOnePlusOne", "PortfolioDiscreteOnePlusOne", "DiscreteLenglerOnePlusOne",
              "NGOpt", "TwoPointsDE")


def asked(param, optimizer: str, asks: int = 120) -> list[tuple]:
    """What ``optimizer`` asks for on ``param``: told-not-asked rows first, then batches of 10
    told a made-up loss."""
    param.random_state = np.random.RandomState(1)
    param.value = (3,) * 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = ng.optimizers.registry[optimizer](parametrization=param, budget=asks,
                                                num_workers=10)
        rng = np.random.RandomState(5)
        for _ in range(20):
            row = tuple(int(v) for v in rng.randint(0, 8, 12))
            try:
                opt.tell(param.spawn_child(new_value=row), float(rng.rand()))
            except ng.errors.TellNotAskedNotSupportedError:
                break
        out, pending = [], []
        for _ in range(asks):
            candidate = opt.ask()
            out.append(tuple(candidate.value))
            pending.append(candidate)
            if len(pending) == 10:
                for c in pending:
                    opt.tell(c, -float(np.sum(np.asarray(c.value) == np.arange(12) % 8)))
                pending = []
    return out


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_fast_choice_asks_what_nevergrads_choice_asks(optimizer):
    fast, _ = ng_adapter._parameter_classes()
    ours = asked(fast(range(8), repetitions=12, deterministic=True), optimizer)
    theirs = asked(ng.p.Choice(range(8), repetitions=12, deterministic=True), optimizer)
    assert ours == theirs
    assert len(set(ours)) > 10  # the optimizer did move


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_fast_transition_choice_asks_what_nevergrads_asks(optimizer):
    _, fast = ng_adapter._parameter_classes()
    ours = asked(fast(range(8), repetitions=12), optimizer)
    assert ours == asked(ng.p.TransitionChoice(range(8), repetitions=12), optimizer)


def test_fast_choice_values_and_lengths():
    fast, fast_transition = ng_adapter._parameter_classes()
    param = fast(range(5), repetitions=3, deterministic=True)
    param.value = (4, 0, 2)
    assert param.value == (4, 0, 2) and all(type(v) is int for v in param.value)
    assert len(param) == 5 and len(fast_transition(range(5), repetitions=3).choices) == 5
    single = fast(range(5))
    single.value = 3
    assert single.value == 3
    with pytest.raises(ValueError):
        param.value = (9, 0, 0)


def run_adapter(monkeypatch, stock: bool, parametrization: str) -> list[bytes]:
    """A seeded adapter run of 6 rounds of 20 on hamming; ``stock``: with nevergrad's own
    classes, as the adapter ran before."""
    classes = (ng.p.Choice, ng.p.TransitionChoice) if stock else FAST
    monkeypatch.setattr(ng_adapter, "_parameter_classes", lambda: classes)
    oracle = Hamming(num_states=6, dim=16, max_step=2)
    x0 = oracle.initial_solutions()
    problem = Problem(oracle.alphabet, oracle.length, x0, seed=4, budget=400, batch_size=20,
                      rounds=True, ground_truth=oracle)
    proposer = ng_adapter.Nevergrad(problem, parametrization=parametrization)
    proposer.tell(x0, oracle(x0))
    rows = []
    for _ in range(6):  # one ask a round: it may bring fewer (twins count towards it)
        x = proposer.ask(20)
        proposer.tell(x, oracle(x))
        rows += [row.tobytes() for row in x]
    return rows


@pytest.mark.parametrize("parametrization", ["choice", "transition"])
def test_adapter_runs_as_with_nevergrads_own_choices(monkeypatch, parametrization):
    before = run_adapter(monkeypatch, True, parametrization)
    assert run_adapter(monkeypatch, False, parametrization) == before
    assert len(before) > 60 and len(set(before)) == len(before)


def test_nevergrad_declares_a_cost_hint():
    from seqzoo.compare.eta import hint

    assert hint("nevergrad") > 0
