"""Grid settings of zoo compare: the default, TOML configs, overrides, and bad input that
must fail before anything runs (core only: the built-in oracle and proposer)."""

from __future__ import annotations

import pytest
from seqzoo import cli
from seqzoo.compare import check, read_config, resolve
from seqzoo.compare.grid import parse_seeds
from seqzoo.errors import SeqzooError
from seqzoo.testing import FactoryPlugin


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    """No installed plugin: only what core and the test register."""
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


def test_default_falls_back_to_hamming_and_takes_every_proposer(register_plugin):
    class Other:
        """A second proposer, to see that "all" means all."""

        def __init__(self, problem):
            pass

        def ask(self, n):
            raise NotImplementedError

        def tell(self, x, y):
            pass

    register_plugin(FactoryPlugin("proposer", "other", Other))
    grid = resolve()
    assert grid.oracles == ("hamming:num_states=8,dim=32,max_step=2",)
    assert grid.proposers == ("hill-climb", "other", "random")
    assert grid.seeds == (0, 1, 2)
    assert check(grid) == {grid.oracles[0]: 1}


def test_config_file_overlays_default_and_options_overlay_config(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('oracles = ["hamming:dim=8"]\nproposers = ["hill-climb:elite=3"]\n'
                    'seeds = [4, 5]\nbudget = 64\n')
    grid = resolve(read_config(path), budget=32, seeds=[7])
    assert (grid.oracles, grid.proposers, grid.seeds) == (("hamming:dim=8",),
                                                          ("hill-climb:elite=3",), (7,))
    assert grid.budget == 32 and grid.batch_size == resolve().batch_size


def test_the_default_warm_start_goes_with_the_default_oracle_and_budget():
    default = resolve()
    assert (default.warm_start, default.warm_start_budget) == ("hill-climb", 2000)  # ga absent
    assert resolve(budget=8000).warm_start is None
    assert resolve(oracles=["hamming:dim=8"]).warm_start is None
    assert resolve(warm_start="none").warm_start is None
    named = resolve(oracles=["hamming:dim=8"], budget=100, warm_start="hill-climb:elite=2",
                    warm_start_budget=30)
    assert (named.warm_start, named.warm_start_budget) == ("hill-climb:elite=2", 30)
    assert resolve(warm_start="rows.csv").warm_start_budget is None


def test_named_oracles_never_fall_back():
    with pytest.raises(SeqzooError, match="unknown oracle 'ehrlich'"):
        check(resolve(oracles=["ehrlich:preset=f2"]))


def test_seed_lists_and_ranges():
    assert parse_seeds("0,1, 2") == [0, 1, 2]
    assert parse_seeds("3-5,9") == [3, 4, 5, 9]
    with pytest.raises(SeqzooError, match="bad seed 'x'"):
        parse_seeds("1,x")


class ManyStarts:
    """An oracle with five initial solutions."""

    alphabet, length, optimal_value = "AB", 4, 1.0

    def __call__(self, x):
        return x.mean(axis=1)

    def initial_solutions(self):
        import numpy as np

        return np.zeros((5, 4), dtype=int)


@pytest.mark.parametrize("argv, message", [
    (["--proposer", "nosuch"], "unknown proposer 'nosuch'"),
    (["--proposer", "hill-climb:colour=red"], "unknown option 'colour'"),
    (["--proposer", "hill-climb:elite=many"], "expected int, got 'many'"),
    (["--proposer", "hill-climb:elite=0"], "must be >= 1"),
    (["--oracle", "hamming:dim=x"], "expected int"),
    (["--seeds", ""], "the seed list is empty"),
    (["--seeds", "1,1"], "seeds must be distinct"),
    (["--budget", "0"], "budget must be a positive integer"),
    (["--oracle", "many", "--budget", "4"], "budget 4 is below the 5 initial solutions"),
    (["--proposer", "hill-climb", "--proposer", "hill-climb"], "listed twice"),
])
def test_bad_grids_fail_before_anything_runs(tmp_path, capsys, register_plugin, argv, message):
    register_plugin(FactoryPlugin("oracle", "many", ManyStarts))
    out = tmp_path / "out"
    base = ["--oracle", "hamming", "--proposer", "hill-climb", "--seeds", "0", "--budget", "20"]
    assert cli.main(["compare", *base, *argv, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("text, message", [
    ("budget = ", "is not valid TOML"),
    ("budgets = 10", "unknown key 'budgets'"),
    ("seeds = 'a'", "bad seed 'a'"),
    ("executor = 'slurm'", "unknown executor 'slurm'"),
    ("proposers = 3", "proposers must be a spec or a list of specs"),
    ("proposer_specs = 'hill-climb'", "proposer_specs must be a table"),
    ("ray_address = 5", "ray_address must be a string"),
])
def test_bad_config_files(tmp_path, capsys, text, message):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert cli.main(["compare", "--config", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not out.exists()


def test_missing_config_file(tmp_path, capsys):
    assert cli.main(["compare", "--config", str(tmp_path / "nope.toml"),
                     "--out", str(tmp_path / "out")]) == 2
    assert "cannot read config" in capsys.readouterr().err
