"""``quick`` presets: the default grid runs a proposer's quick preset where it declares one,
``--config full`` runs its own defaults, and the tables mark quick rows (core only)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from seqzoo import cli
from seqzoo.builtin import HillClimb
from seqzoo.compare import read_config, resolve
from seqzoo.compare.grid import named_config
from seqzoo.compare.tables import labels, legend
from seqzoo.presets import PROBLEM, QUICK, declared, resolve as resolve_preset, signature
from seqzoo.testing import FactoryPlugin


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


@pytest.fixture
def sized_default(monkeypatch):
    """A default.toml whose [proposer_specs] spells ``cbas`` with smaller sizes."""
    from seqzoo.compare import grid

    real = grid.default_config()
    monkeypatch.setattr(grid, "default_config", lambda: {
        **real, "proposer_specs": {"cbas": "cbas:cycles=2,model_epochs=5"}})


@dataclass(frozen=True)
class Sizes:
    elite: int = 10


PRESETS = {"default": Sizes(), QUICK: Sizes(elite=3)}


def sized(problem, *, preset="default", **options):
    """A hill climber whose quick preset keeps fewer parents: the same algorithm, smaller."""
    return HillClimb(problem, elite=resolve_preset(PRESETS, preset, options, what="sized").elite)


sized.__signature__ = signature(Sizes, PRESETS, "default", first=(PROBLEM,))


def without_quick(problem, *, preset="default", **options):
    return HillClimb(problem)


without_quick.__signature__ = signature(Sizes, {"default": Sizes()}, "default",
                                        first=(PROBLEM,))


def test_declared_names_the_presets_of_a_preset_signature_only():
    assert declared(sized) == ("default", QUICK)
    assert declared(without_quick) == ("default",)
    assert declared(HillClimb) == ()


def test_all_runs_the_quick_preset_where_one_is_declared(register_plugin):
    register_plugin(FactoryPlugin("proposer", "sized", sized))
    register_plugin(FactoryPlugin("proposer", "plain", without_quick))
    assert resolve().proposers == ("hill-climb", "plain", "random", "sized:preset=quick")


def test_quick_wins_over_the_defaults_size_overrides_but_not_over_the_users(register_plugin,
                                                                            sized_default):
    # "cbas" is spelled in the default's [proposer_specs]; a quick preset replaces that
    register_plugin(FactoryPlugin("proposer", "cbas", sized))
    assert "cbas:preset=quick" in resolve().proposers
    mine = {"proposer_specs": {"cbas": "cbas:elite=5"}}
    assert "cbas:elite=5" in resolve(mine).proposers


def test_the_defaults_size_overrides_stay_for_a_proposer_without_quick(register_plugin,
                                                                        sized_default):
    register_plugin(FactoryPlugin("proposer", "cbas", without_quick))
    assert "cbas:cycles=2,model_epochs=5" in resolve().proposers


def test_config_full_runs_every_proposer_at_its_own_defaults(register_plugin, sized_default):
    register_plugin(FactoryPlugin("proposer", "sized", sized))
    register_plugin(FactoryPlugin("proposer", "cbas", without_quick))
    assert named_config("full") is not None
    full = read_config("full")
    assert full["quick"] is False
    assert resolve(full).proposers == ("cbas", "hill-climb", "random", "sized")
    # a user's own spelling still wins
    assert "sized:elite=4" in resolve({**full, "proposer_specs": {"sized": "sized:elite=4"}}
                                      ).proposers


def test_quick_must_be_a_boolean():
    from seqzoo.errors import SeqzooError

    with pytest.raises(SeqzooError, match="quick must be true or false"):
        resolve({"quick": "yes"})


def test_labels_mark_quick_rows():
    short = labels(["sized:preset=quick", "hill-climb", "sized-too:preset=quick,elite=2"])
    assert short == {"sized:preset=quick": "sized (quick)", "hill-climb": "hill-climb",
                     "sized-too:preset=quick,elite=2": "sized-too (quick)"}
    assert legend(["sized:preset=quick"]) == ["sized (quick) = sized:preset=quick"]
    # two specs of one name keep their whole spec, which says quick itself
    both = labels(["sized", "sized:preset=quick"])
    assert both == {"sized": "sized", "sized:preset=quick": "sized:preset=quick"}


def test_the_report_marks_quick_rows(tmp_path, register_plugin):
    register_plugin(FactoryPlugin("proposer", "sized", sized))
    out = tmp_path / "cmp"
    assert cli.main(["compare", "--oracle", "hamming:num_states=4,dim=12", "--seeds", "0",
                     "--budget", "60", "--batch-size", "10", "--proposer", "sized:preset=quick",
                     "--proposer", "hill-climb", "--workers", "1", "--out", str(out),
                     "--quiet"]) == 0
    table = (out / "table.txt").read_text()
    assert "sized (quick)" in table
    assert "sized (quick)" in (out / "report.md").read_text()


def test_default_spec_spells_a_proposer_as_the_default_grid_does(register_plugin,
                                                                 sized_default):
    from seqzoo.compare.grid import default_spec

    register_plugin(FactoryPlugin("proposer", "sized", sized))
    register_plugin(FactoryPlugin("proposer", "cbas", without_quick))
    assert default_spec("sized") == "sized:preset=quick"
    assert default_spec("cbas") == "cbas:cycles=2,model_epochs=5"
    assert default_spec("hill-climb") == "hill-climb"
