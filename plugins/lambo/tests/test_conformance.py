"""seqzoo's conformance kit on both proposers: protocol, budget, determinism, -inf, resume."""

import pytest

from seqzoo.testing import check_plugin, check_proposer


def test_plugin_is_light_and_documented():
    check_plugin("lambo")


@pytest.mark.parametrize("name", ["lambo2", "lambo2-lite"])
def test_conforms(name):
    check_proposer(name, options={"batch_size": 8, "epochs": 1, "ensemble_size": 2}, budget=30)


def test_paper_preset_conforms():
    check_proposer("lambo2", options={"preset": "paper", "batch_size": 8, "guided_steps": 2,
                                      "width": 16, "epochs": 1, "ensemble_size": 2}, budget=30)


def test_factories_module_is_light():
    """``zoo list`` imports the factories to read their options: that must not load torch."""
    from seqzoo.testing.plugins import heavy_imports

    assert heavy_imports("seqzoo_lambo.factories") == []
