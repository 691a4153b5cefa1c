"""``pex:preset=reference`` follows the authors' code (HeliXonProtein/proximal-exploration).

The hull rule, the two-draw mutation, the frontier neighbours, the random first round and
MuFacNet's input are checked against what ``algorithm/pex.py``, ``utils/seq_utils.py`` and
``model/mufacnet.py`` do, worked out by hand; a whole run is checked for same seed, same
result.
"""

import numpy as np
import pytest
import seqzoo
from seqzoo import Problem
from seqzoo_modelbased.mufacnet import MuFacNetEnsemble, mutation_sets
from seqzoo_modelbased.pex import PEX, hull_order, pareto_order

LENGTH, STATES = 8, 4
WILD = np.array([0, 1, 2, 3, 0, 1, 2, 3])


def problem(seed=3, batch_size=20, model_queries=2000):
    return Problem("ACGT", LENGTH, WILD[None].copy(), seed=seed, batch_size=batch_size,
                   model_queries=model_queries)


def test_hull_and_pareto_fronts_differ_on_a_hand_made_set():
    # (distance, score): 0 (0, 0.0), 1 (1, 0.1), 2 (2, 0.5), 3 (3, 0.6), 4 (4, 0.55),
    # 5 (2, 0.3). Every one of 0..3 beats all nearer points, so the first Pareto front is
    # 0..3; but (1, 0.1) lies below the chord from (0, 0) to (2, 0.5), so the first upper
    # hull skips it, and (4, 0.55) after the hull's peak is popped from the tail. The second
    # hull is (1, 0.1), (2, 0.3), (4, 0.55): convex (the slope falls from 0.2 to 0.125).
    score = np.array([0.0, 0.1, 0.5, 0.6, 0.55, 0.3])
    distance = np.array([0, 1, 2, 3, 4, 2])
    assert hull_order(score, distance).tolist() == [0, 2, 3, 1, 5, 4]
    assert pareto_order(score, distance).tolist() == [3, 2, 1, 0, 4, 5]


def test_hull_keeps_collinear_points_and_takes_the_best_per_distance_first():
    # the authors' check keeps a point when the cross product is <= 0: collinear stays
    score = np.array([0.2, 0.0, 0.1, 0.9, 0.05])
    distance = np.array([2, 0, 1, 2, 1])
    # heads: d0 0.0 (1), d1 0.1 (2), d2 0.9 (3): (1, 0.1) is under the chord to (2, 0.9)
    # -> hull 1, 3; then d1 0.1 (2), d2 0.2 (0): collinear-free pair -> 2, 0; then 4
    assert hull_order(score, distance).tolist() == [1, 3, 2, 0, 4]
    line = np.array([0.0, 1.0, 2.0])  # exactly on a line: all three on one hull
    assert hull_order(line, np.array([0, 1, 2])).tolist() == [0, 1, 2]


def test_two_draw_mutation_changes_sites_as_random_mutation_does():
    pex = PEX(problem(), preset="reference")
    n = 40000
    rows = pex.mutate(WILD[None], n)
    changed = (rows != WILD).sum(axis=1)
    assert changed.max() <= 2
    # random_mutation draws (site, letter) twice: the same site again with chance 1/L, a
    # letter equal to the one there with chance 1/A, so
    # P(0) = 1/(L A) + (1 - 1/L) / A^2, P(2) = (1 - 1/L) ((A - 1)/A)^2
    L, A = LENGTH, STATES
    expect = {0: 1 / (L * A) + (1 - 1 / L) / A**2, 2: (1 - 1 / L) * ((A - 1) / A) ** 2}
    expect[1] = 1 - expect[0] - expect[2]
    for k, p in expect.items():
        assert abs((changed == k).mean() - p) < 0.01, (k, (changed == k).mean(), p)
    # every site and every letter equally likely
    sites = np.flatnonzero((rows != WILD).any(axis=0))
    assert sites.tolist() == list(range(LENGTH))
    share = (rows != WILD).mean(axis=0)
    assert np.allclose(share, share.mean(), atol=0.01)


def test_the_default_mutation_changes_one_to_mutations_sites():
    pex = PEX(problem(), mutations=3)
    changed = (pex.mutate(WILD[None], 5000) != WILD).sum(axis=1)
    assert set(changed.tolist()) == {1, 2, 3}


def test_frontier_neighbours_are_the_best_five_per_distance_above_nearer_ones():
    pex = PEX(problem(), preset="reference")
    x, y = [WILD.copy()], [0.5]
    for k, value in enumerate([0.9, 0.8, 0.7, 0.6, 0.55, 0.52, 0.4]):  # distance 1
        row = WILD.copy()
        row[k] = (row[k] + 1) % STATES
        x.append(row)
        y.append(value)
    for k, value in enumerate([0.95, 0.85]):  # distance 2: only 0.95 beats 0.9
        row = WILD.copy()
        row[k: k + 2] = (row[k: k + 2] + 2) % STATES
        x.append(row)
        y.append(value)
    x, y = np.array(x), np.array(y)
    got = pex.frontier(x, y)
    # wild type; the best five at distance 1 (0.9 .. 0.55, all above 0.5); 0.95
    want = x[[0, 1, 2, 3, 4, 5, 8]]
    assert got.tolist() == want.tolist()
    assert PEX(problem()).frontier(x, y).tolist() == x[[0, 1, 8]].tolist()


def test_the_reference_first_round_is_random_mutants_of_the_wild_type():
    pex = PEX(problem(batch_size=30), preset="reference")
    pex.tell(WILD[None], np.array([0.5]))
    batch = pex.ask(30)
    assert batch.shape == (30, LENGTH)
    assert len(np.unique(batch, axis=0)) == 30
    distance = (batch != WILD).sum(axis=1)
    assert distance.min() >= 1 and distance.max() <= 2
    assert pex.model.spec == "mufacnet"
    assert pex.model.fits == 1 and pex.model.queries == 0  # trained, never asked


def test_later_rounds_fill_the_pool_to_the_query_cap_and_stop_when_it_runs_dry():
    # one frontier sequence: its two-draw neighbourhood holds 8*3 + 28*9 = 276 others
    pex = PEX(problem(batch_size=10, model_queries=100), preset="reference",
              model="(mufacnet:max_epochs=3)")
    pex.tell(WILD[None], np.array([0.5]))
    first = pex.ask(10)
    pex.tell(first, np.full(10, 0.1))  # all worse: the frontier is the wild type alone
    second = pex.ask(10)
    assert pex.model.round_queries == 100  # a full pool of 100, all scored
    assert ((second != WILD).sum(axis=1) <= 2).all()
    pex.candidates = 5000
    pex.model.cap = 5000
    pex.tell(second, np.full(10, 0.1))
    third = pex.ask(10)
    # the whole unseen neighbourhood, 276 - 20, and no more: the loop gave up, not spun
    assert pex.model.round_queries == 276 - 20
    assert len(third) == 10


def test_mufacnet_input_is_the_window_around_each_mutation():
    x = WILD.copy()
    x[[1, 6]] = [3, 0]  # two mutations
    sets, mask = mutation_sets(np.stack([WILD, x]), WILD, STATES, context=2)
    assert sets.shape == (2, 2, STATES, 5) and mask.tolist() == [[0, 0], [1, 1]]
    assert not sets[0].any()  # the wild type has no mutation: zeros, masked
    # site 1's window covers sites -1..3: one padding column, then x[0..3] one-hot
    assert sets[1, 0, :, 0].sum() == 0
    assert sets[1, 0].argmax(axis=0)[1:].tolist() == x[0:4].tolist()
    # site 6's window covers sites 4..8: x[4..7] then one padding column
    assert sets[1, 1].argmax(axis=0)[:4].tolist() == x[4:8].tolist()
    assert sets[1, 1, :, 4].sum() == 0


def test_mufacnet_learns_and_keeps_training_between_fits():
    rng = np.random.default_rng(0)
    x = np.repeat(WILD[None], 200, axis=0)
    for row in x:
        k = rng.integers(0, 3)
        row[rng.choice(LENGTH, k, replace=False)] = rng.integers(0, STATES, k)
    y = (x == 3).sum(axis=1).astype(float)
    model = MuFacNetEnsemble(problem(), members=2, max_epochs=300)
    model.fit(x, y)
    first = model.epochs_run
    mean, std = model.predict(x)
    assert mean.shape == std.shape == (200,)
    assert np.corrcoef(mean, y)[0, 1] > 0.9
    # one batch an epoch (200 rows < 256): Adam's step count is the epochs run, and a
    # second fit adds to it, from the same weights and moments, as the authors' model does
    steps = [int(model.optimizers[0].state[p]["step"]) for p in model.nets[0].parameters()]
    assert steps == [first[0]] * len(steps)
    model.fit(x, y)
    again = int(model.optimizers[0].state[next(model.nets[0].parameters())]["step"])
    assert again == first[0] + model.epochs_run[0]

def test_mufacnet_rejects_a_window_too_small_for_its_convolutions():
    with pytest.raises(ValueError, match="context >= 4"):
        MuFacNetEnsemble(problem(), context=3)


def test_bad_reference_options_are_one_line_errors():
    for options in ({"selection": "convex"}, {"mutation": "many"}, {"preset": "paper"},
                    {"frontier_neighbors": 0}):
        with pytest.raises(ValueError) as err:
            PEX(problem(), **options)
        assert "\n" not in str(err.value)


def test_same_seed_same_run():
    spec = "pex:preset=reference,model=(mufacnet:max_epochs=20)"
    runs = [seqzoo.run("hamming:dim=12,num_states=4", spec, rounds=3, batch_size=15,
                       seed=seed, threads=1, model_queries=300) for seed in (4, 4, 5)]
    assert runs[0].best_value == pytest.approx(runs[1].best_value, abs=1e-12)
    assert runs[0].evaluations == runs[1].evaluations
    assert runs[0].best_sequence == runs[1].best_sequence
    assert runs[0].evaluations == 1 + 3 * 15


def test_the_reference_preset_and_mufacnet_pass_the_conformance_kit():
    from seqzoo.testing import check_proposer, check_surrogate

    check_proposer("pex", options={"preset": "reference", "batch_size": 10,
                                   "candidates": 100, "model": "(mufacnet:max_epochs=2)"})
    check_surrogate("mufacnet", options={"max_epochs": 2})
