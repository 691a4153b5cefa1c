"""Edit pairs and DPO triples follow the paper's construction rules."""

import numpy as np
import pytest

from seqzoo_llm.llome.pairs import edit_pairs, neighbours, preference_triples


def _data(n=120, length=8, states=4, seed=0, infeasible=0.3):
    rng = np.random.default_rng(seed)
    base = rng.integers(states, size=length)
    x = np.repeat(base[None], n, 0)
    for row in x:  # 0-3 point mutations: a dense Hamming neighbourhood, like GA data
        sites = rng.choice(length, size=rng.integers(0, 4), replace=False)
        row[sites] = rng.integers(states, size=len(sites))
    y = rng.integers(0, 5, size=n) / 4.0
    y[rng.random(n) < infeasible] = -np.inf
    return x, y


def _dist(a, b):
    return np.mean(np.asarray(a) != np.asarray(b))


def test_neighbours_are_within_threshold_and_capped():
    x, _ = _data()
    a, b = neighbours(x, 0.25, 5, np.random.default_rng(0))
    assert len(a) > 0 and (a != b).all()
    assert np.bincount(a).max() <= 5
    assert ((x[a] != x[b]).mean(1) <= 0.25).all()


def test_edit_pairs_rules():
    x, y = _data()
    pairs = edit_pairs(x, y, np.random.default_rng(1), threshold=0.25, k=30,
                       max_infeasible_fraction=0.1)
    assert len(pairs) > 50
    for p in pairs:
        assert p["target_value"] > p["prompt_value"]  # worse -> better, no ties
        assert _dist(p["prompt"], p["target"]) <= 0.25
        assert np.isfinite(p["target_value"])
    infeasible = sum(not np.isfinite(p["prompt_value"]) for p in pairs)
    assert 0 < infeasible <= 0.1 * len(pairs) + 1e-9
    assert len({(tuple(p["prompt"]), tuple(p["target"])) for p in pairs}) == len(pairs)


def test_edit_pairs_infeasible_cap_and_max_pairs():
    x, y = _data()
    rng = np.random.default_rng(2)
    none = edit_pairs(x, y, rng, max_infeasible_fraction=0.0)
    assert all(np.isfinite(p["prompt_value"]) for p in none)
    assert len(edit_pairs(x, y, rng, max_pairs=7)) == 7


def test_edit_pairs_are_seeded():
    x, y = _data()
    first = edit_pairs(x, y, np.random.default_rng(3))
    again = edit_pairs(x, y, np.random.default_rng(3))
    assert first == again


def test_far_sequences_make_no_pairs():
    x = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]])
    assert edit_pairs(x, np.array([0.1, 0.2, 0.3]), np.random.default_rng(0)) == []


@pytest.mark.parametrize("seed", [0, 1])
def test_triples_rules(seed):
    x, y = _data(seed=seed)
    value = {}
    for r, v in zip(x.tolist(), y):  # a repeated sequence keeps its first value
        value.setdefault(tuple(r), v)
    triples = preference_triples(x, y, np.random.default_rng(seed), threshold=0.25, k=30)
    assert len(triples) > 20
    for t in triples:
        fx, fw, fl = (value[tuple(t[k])] for k in ("prompt", "chosen", "rejected"))
        assert fw > fx >= fl
        assert _dist(t["prompt"], t["chosen"]) <= 0.25
        assert _dist(t["prompt"], t["rejected"]) <= 0.25
    assert len(preference_triples(x, y, np.random.default_rng(0), max_triples=5)) == 5


def test_all_dpo_triples_enumerate_every_qualifying_pair_and_the_prompt_as_rejected():
    x, y = _data(n=60, infeasible=0.0)
    triples = preference_triples(x, y, np.random.default_rng(0), k=8, mode="all")
    zipped = preference_triples(x, y, np.random.default_rng(0), k=8, mode="zipped")
    value = _first_values(x, y)
    keys = [(tuple(t["prompt"]), tuple(t["chosen"]), tuple(t["rejected"])) for t in triples]
    assert len(set(keys)) == len(keys) and len(keys) > 2 * len(zipped)
    for p, w, l in keys:
        assert value[w] > value[p] >= value[l] and _dist(p, w) <= 0.25
    self_rejected = [k for k in keys if k[2] == k[0]]
    assert self_rejected  # the reference's (x, y_w, x) triples
    # every improving neighbour of an anchor pairs with the anchor itself
    assert len(self_rejected) == len({(p, w) for p, w, _ in keys})


def test_all_dpo_triples_cap_infeasible_rows():
    x, y = _data(n=200, infeasible=0.5)
    triples = preference_triples(x, y, np.random.default_rng(0), k=8, mode="all",
                                 max_infeasible_fraction=0.1)
    value = _first_values(x, y)
    rows = {tuple(r) for t in triples for r in (t["prompt"], t["chosen"], t["rejected"])}
    bad = sum(not np.isfinite(value[r]) for r in rows)
    assert 0 < bad <= 0.1 / 0.9 * (len(rows) - bad) + 1
    with pytest.raises(ValueError, match="mode"):
        preference_triples(x, y, np.random.default_rng(0), mode="every")


def _first_values(x, y):
    """Each distinct row's first value (what the pair builders keep for a repeated row)."""
    value = {}
    for r, v in zip(map(tuple, x.tolist()), y):
        value.setdefault(r, v)
    return value
