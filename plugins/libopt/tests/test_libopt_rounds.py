"""Rounds: each proposer fills a round of exactly batch_size new sequences, asked in as many
pieces as it takes and told once; cmaes's generation is a round; cmaes with a model keeps
to the round's model queries."""

import json
from collections import Counter

import numpy as np
import pytest
from seqzoo import Problem
from seqzoo.builders import build_proposer
from seqzoo.builtin import Hamming
from seqzoo_libopt.cmaes import CMAES, repair

ORACLE = Hamming(num_states=4, dim=8, max_step=1)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """As a run has (seqzoo.threads): pycma's small eigendecompositions run several times
    slower when BLAS threads contend on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


def problem(batch_size=10, rounds=True, model_queries=2000, seed=3):
    return Problem(ORACLE.alphabet, ORACLE.length, ORACLE.initial_solutions(), seed=seed,
                   budget=400, batch_size=batch_size, rounds=rounds,
                   model_queries=model_queries, ground_truth=ORACLE)


def drive_rounds(proposer, batch_size, rounds):
    """The engine's round: ask until batch_size rows, then one tell; returns each round."""
    x0 = ORACLE.initial_solutions()
    proposer.tell(x0, ORACLE(x0))
    measured = {row.tobytes() for row in x0}
    out = []
    for _ in range(rounds):
        parts, have, asks = [], 0, 0
        while have < batch_size:
            part = np.asarray(proposer.ask(batch_size - have))
            asks += 1
            assert 1 <= len(part) <= batch_size - have and asks <= batch_size
            parts.append(part)
            have += len(part)
        x = np.concatenate(parts)
        keys = [row.tobytes() for row in x]
        assert len(set(keys)) == batch_size, "a round repeats a sequence"
        assert not measured & set(keys), "a round proposes a measured sequence"
        measured |= set(keys)
        proposer.tell(x, ORACLE(x))
        out.append(x)
    return out


def test_cmaes_population_is_the_batch_size_unless_set():
    assert CMAES(problem(batch_size=12)).population == 12
    assert CMAES(problem(batch_size=12), population_size=5).population == 5
    assert CMAES(problem(batch_size=None)).population == 15  # FLEXS's default
    assert CMAES(problem(batch_size=12, rounds=False)).population == 15  # the free loop
    assert CMAES(problem(batch_size=12), model="nam").population == 15  # inner generations


@pytest.mark.parametrize("spec", [
    "cmaes",                                 # a generation is a round
    "cmaes:population_size=4",               # the round grows the generation
    "cmaes:population_size=16",              # a generation spans two rounds
    "cmaes:initial_variance=0.0001",         # every sample decodes to the start: repaired
    "nevergrad:num_workers=3",               # a round from several asks
    "nevergrad:optimizer=NGOpt,parametrization=transition",
    "bo:n_init=25,candidates=64,fit_steps=3",  # a design round wider than n_init's first ask
    "bo:n_init=5,candidates=64,fit_steps=3,acquisition=logei,init_design=uniform",
])
def test_rounds_are_exact_and_new(spec):
    rounds = drive_rounds(build_proposer(spec, problem()), 10, 4)
    assert [len(x) for x in rounds] == [10] * 4


def test_cmaes_generation_is_one_cma_update_per_round():
    cma = CMAES(problem(batch_size=10))
    drive_rounds(cma, 10, 3)
    assert cma.es.countiter == 3 and cma.runs == 1


def test_repair_moves_the_smallest_logit_gap_to_a_new_sequence():
    logits = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.9]])
    row = logits.argmax(axis=1)
    taken = {row.tobytes()}
    fixed, new = repair(logits, row, taken)
    assert new.tolist() == [0, 2] and fixed.reshape(2, 3).argmax(axis=1).tolist() == [0, 2]
    # the nearest neighbour taken too: the next smallest gap
    taken.add(new.tobytes())
    assert repair(logits, row, taken)[1].tolist() == [2, 1]


def run_model(seed=3):
    cma = build_proposer("cmaes:model=(nam:signal=0.5,distance=hamming),max_iter=60",
                         problem(model_queries=120, seed=seed))
    rounds = drive_rounds(cma, 10, 3)
    return cma, np.concatenate(rounds)


def test_cmaes_with_a_model_keeps_to_the_round_cap_and_its_seed():
    cma, x = run_model()
    model = cma.model
    assert model.cap == 120 and model.fits == 3
    # FLEXS's rule: a generation of 15 only while 15 queries are left (sequences scored
    # before cost none, so a converged CMA-ES may stop at max_iter with queries to spare)
    assert 0 < model.max_round_queries <= 120
    assert model.extras()["model_queries"] <= 3 * 120
    again, y = run_model()
    assert (x == y).all() and again.model.queries == model.queries
    assert not (x == run_model(seed=4)[1]).all()


def test_cmaes_with_a_model_fills_a_round_its_queries_cannot():
    # 20 queries: one generation of 15 scored, so at most 14 new sequences from the model
    cma = build_proposer("cmaes:model=(nam:signal=0.5,distance=hamming)",
                         problem(batch_size=20, model_queries=20))
    drive_rounds(cma, 20, 2)
    assert cma.filled > 0 and cma.model.max_round_queries <= 20


def test_engine_rounds_end_to_end(tmp_path):
    from seqzoo.engine import run

    for name, spec in (("plain", "cmaes"),
                       ("model", "cmaes:model=(nam:signal=0.5,distance=hamming)")):
        out = tmp_path / name
        result = run("hamming:num_states=4,dim=8,max_step=1", spec, batch_size=10, rounds=3,
                     seed=0, out=out, stop_on_optimum=False, model_queries=100)
        rows = [json.loads(line) for line in (out / "evaluations.jsonl").read_text().split("\n")
                if line.strip()]
        sizes = Counter(row["round"] for row in rows if row["step"] > 0)
        assert sorted(sizes.values()) == [10, 10, 10]
        config = json.loads((out / "config.json").read_text())
        assert config["population"] == (10 if name == "plain" else 15)
        assert result.evaluations == len(rows)
        if name == "model":
            extras = json.loads((out / "result.json").read_text())["extras"]
            assert extras["max_round_model_queries"] <= 100


def test_nevergrad_past_the_cache_cap_a_twin_is_still_no_new_row(monkeypatch):
    """Under rounds a later ask of the round must bring a row of its own. Past the cap on
    answers from memory, a twin of a row an earlier ask handed out once counted as the new
    row, and the ask had nothing to hand out (TFBind8 SIX6, every seed, crashed so)."""
    from types import SimpleNamespace

    from seqzoo_libopt import ng_adapter

    monkeypatch.setattr(ng_adapter, "_MAX_CACHED", 3)
    proposer = build_proposer("nevergrad:num_workers=2", problem(batch_size=3))
    a, b, c = (np.full(ORACLE.length, k, dtype=np.int64) for k in (1, 2, 3))
    script = iter([a, b] + [a] * 10 + [c])

    class Scripted:
        def ask(self):
            return SimpleNamespace(value=tuple(next(script)))

        def tell(self, candidate, loss):
            pass

    proposer.opt = Scripted()
    assert proposer.ask(3).tolist() == [a.tolist(), b.tolist()]
    assert proposer.ask(1).tolist() == [c.tolist()]
