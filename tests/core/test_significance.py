"""Which differences are real: the Friedman and Nemenyi tests, the letters, and zoo compare's
group column on grids where the answer is known."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from seqzoo import cli
from seqzoo.compare import significance
from seqzoo.testing import FactoryPlugin

pytest.importorskip("scipy")

ORACLE = "hamming:num_states=4,dim=12"


def test_the_critical_difference_is_demsars():
    # Demsar (2006), table 5: q_0.05 = 2.343 for three methods, 2.569 for four
    for k, q in ((3, 2.343), (4, 2.569)):
        table = np.arange(k * 10, dtype=float).reshape(k, 10)
        found = significance.test(table, [f"p{i}" for i in range(k)])
        assert found.critical_difference == pytest.approx(
            q * math.sqrt(k * (k + 1) / 60), rel=1e-3)


def test_friedman_p_value_matches_the_chi_square_by_hand():
    # one method first and one last on all 6 blocks, the third always between:
    # chi2 = 12 / (n k (k+1)) * sum R^2 - 3 n (k+1) = 12 / 72 * (36 + 144 + 324) - 72 = 12
    table = np.array([[3.0] * 6, [2.0] * 6, [1.0] * 6])
    found = significance.test(table, ["a", "b", "c"])
    assert found.friedman_p == pytest.approx(math.exp(-12 / 2), rel=1e-9)  # chi2, 2 df
    assert found.mean_ranks.tolist() == [1.0, 2.0, 3.0]
    assert found.groups == {"a": "a", "b": "ab", "c": "b"}  # 1 apart < CD 1.35 < 2 apart


def test_too_few_blocks_says_so_and_prints_no_group():
    table = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]])
    found = significance.test(table, ["a", "b"])
    assert not found.tested and found.groups == {}
    assert "4 paired blocks" in found.reason and "at least 5" in found.reason
    # blocks with a missing run do not count
    table = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.0, 0.0, np.nan]])
    assert significance.test(table, ["a", "b"]).blocks == 4


def test_no_difference_found_means_one_group():
    # every proposer first, second and third equally often (a Latin square, twice)
    table = np.array([[3.0, 1.0, 2.0] * 2, [2.0, 3.0, 1.0] * 2, [1.0, 2.0, 3.0] * 2])
    found = significance.test(table, ["a", "b", "c"])
    assert found.friedman_p == pytest.approx(1.0)
    assert set(found.groups.values()) == {"a"}
    ties = significance.test(np.ones((3, 6)), ["a", "b", "c"])
    assert ties.friedman_p == 1.0 and set(ties.groups.values()) == {"a"}


def test_letters_are_shared_exactly_by_pairs_that_do_not_differ():
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(2, 7))
        ranks = np.sort(rng.uniform(1, k, size=k))
        different = np.abs(ranks[:, None] - ranks[None, :]) > rng.uniform(0.3, 2)
        names = tuple(f"p{i}" for i in range(k))
        groups = significance.letters(names, ranks, different)
        for i in range(k):
            for j in range(k):
                if i != j:
                    assert bool(set(groups[names[i]]) & set(groups[names[j]])) \
                        == (not different[i, j])
        assert "a" in groups[names[0]]  # the best mean rank gets the first letter


class Stubborn:
    """Proposes the first initial solution again and again: never improves."""

    def __init__(self, problem, repeat: int = 1):
        self.x0 = np.asarray(problem.initial_solutions[:1])

    def ask(self, n):
        return np.repeat(self.x0, n, axis=0)

    def tell(self, x, y):
        pass


def _groups(out: Path, *proposers: str, seeds: str = "0,1,2,3,4") -> dict[str, str]:
    argv = ["compare", "--oracle", ORACLE, "--seeds", seeds, "--budget", "60",
            "--batch-size", "10", "--out", str(out), "--quiet", "--workers", "1"]
    for p in proposers:
        argv += ["--proposer", p]
    assert cli.main(argv) == 0
    with open(out / "stats.csv", newline="") as fh:
        return {r["proposer"]: r["group"] for r in csv.DictReader(fh)}


def test_one_proposer_under_two_names_is_one_group(tmp_path, register_plugin, monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    register_plugin(FactoryPlugin("proposer", "stubborn", Stubborn))
    # hill-climb's elite is 10 by default: the same proposer, spelled twice
    groups = _groups(tmp_path / "cmp", "hill-climb", "hill-climb:elite=10", "stubborn")
    assert groups["hill-climb"] and groups["hill-climb"] == groups["hill-climb:elite=10"]
    report = (tmp_path / "cmp" / "report.md").read_text()
    assert "| group |" in report and "Friedman p = " in report


def test_a_proposer_better_on_every_seed_is_alone_in_its_group(tmp_path, register_plugin,
                                                               monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    register_plugin(FactoryPlugin("proposer", "stubborn", Stubborn))
    out = tmp_path / "cmp"
    groups = _groups(out, "hill-climb", "stubborn")
    with open(out / "summary.csv", newline="") as fh:
        best = {(r["proposer"], r["seed"]): float(r["best_value"]) for r in csv.DictReader(fh)}
    assert all(best["hill-climb", s] > best["stubborn", s] for s in "01234")
    assert not set(groups["hill-climb"]) & set(groups["stubborn"])
    with open(out / "stats.csv", newline="") as fh:
        stats = {r["proposer"]: r for r in csv.DictReader(fh)}
    assert float(stats["hill-climb"]["nemenyi_p_vs_top"]) == 1.0
    assert float(stats["stubborn"]["nemenyi_p_vs_top"]) < 0.05
    assert float(stats["stubborn"]["friedman_p"]) < 0.05 and stats["stubborn"]["blocks"] == "5"
    with open(out / "significance.csv", newline="") as fh:
        pairs = list(csv.DictReader(fh))
    assert {r["scope"] for r in pairs} == {ORACLE, "all oracles"}
    assert all(r["different"] == "true" and float(r["nemenyi_p"]) < 0.05 for r in pairs)


def test_three_seeds_are_too_few_and_the_tables_say_so(tmp_path, register_plugin,
                                                       monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    register_plugin(FactoryPlugin("proposer", "stubborn", Stubborn))
    out = tmp_path / "cmp"
    groups = _groups(out, "hill-climb", "stubborn", seeds="0,1,2")
    assert set(groups.values()) == {""}
    table = (out / "table.txt").read_text()
    assert "untested" in table and "at least 5 are needed" in table
    assert not (out / "critical_difference.png").exists()


def test_without_scipy_nothing_is_tested_and_the_reason_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(significance, "available", lambda: False)
    table = np.array([[5.0, 6.0, 7.0, 8.0, 9.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    found = significance.test(table, ["a", "b"])
    assert not found.tested and found.groups == {} and found.friedman_p is None
    assert "seqzoo[stats]" in found.reason
    assert found.mean_ranks.tolist() == [1.0, 2.0]  # ranks need no scipy


def test_a_grid_of_many_oracles_draws_figures_of_a_drawable_size(tmp_path, register_plugin,
                                                                  monkeypatch):
    pytest.importorskip("matplotlib")
    from PIL import Image

    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    register_plugin(FactoryPlugin("proposer", "stubborn", Stubborn))
    out = tmp_path / "cmp"
    argv = ["compare", "--seeds", "0-4", "--budget", "30", "--batch-size", "10", "--out",
            str(out), "--quiet", "--workers", "1", "--proposer", "hill-climb",
            "--proposer", "stubborn"]
    for dim in range(6, 20):  # 14 oracles, each tested on its 5 seeds
        argv += ["--oracle", f"hamming:num_states=4,dim={dim}"]
    assert cli.main(argv) == 0
    # 14 tested oracles are more than CD_PANELS: only the panel over all of them
    with Image.open(out / "critical_difference.png") as cd:
        assert cd.size[1] < 3000
    with Image.open(out / "regret.png") as regret:  # four panels a row, four rows
        width, height = regret.size
        assert width < 3000 and height > 1500  # one row of 14 would be 9,240 pixels wide
