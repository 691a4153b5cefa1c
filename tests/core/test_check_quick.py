"""The kit's check_quick: a declared quick preset run as the default grid runs it, its time
reported (printed, never asserted)."""

from __future__ import annotations

import json

import pytest
from seqzoo.testing import ConformanceError, FactoryPlugin, check_quick
from seqzoo.testing import fixtures, quick

from test_quick_presets import sized, without_quick


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    # core only: the default grid falls back to the hamming oracle and a hill-climb warm start
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


def test_check_quick_runs_the_quick_preset_on_the_default_grids_budget(tmp_path):
    said = []
    cost = check_quick(sized, workdir=tmp_path, say=said.append)
    assert (cost.budget, cost.warm_rows, cost.batch_size, cost.seed) == (5000, 2000, 100, 0)
    assert cost.oracle == "hamming:num_states=8,dim=32,max_step=2"
    assert cost.seconds > 0 and cost.per_1000 == pytest.approx(cost.seconds / 3)
    assert said == [str(cost)] and "sized (quick)" in said[0] and "3000 after" in said[0]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["config"]["proposer"].endswith(":preset=quick")
    assert quick.MEASURED[-1] is cost


def test_check_quick_takes_a_registered_name(tmp_path, register_plugin):
    register_plugin(FactoryPlugin("proposer", "sized", sized))
    cost = check_quick("sized", workdir=tmp_path, say=lambda text: None)
    assert cost.subject == "sized"


def test_a_factory_without_a_quick_preset_is_refused():
    with pytest.raises(ConformanceError, match="declares no 'quick' preset.*default"):
        check_quick(without_quick)


def test_pytest_lists_every_figure_in_its_summary(monkeypatch):
    lines = []

    class Reporter:
        def section(self, title):
            lines.append(f"== {title}")

        def write_line(self, text):
            lines.append(text)

    cost = quick.QuickCost("p", 12.0, "o", 5000, 2000, 100, 0)
    monkeypatch.setattr(quick, "MEASURED", [cost])
    fixtures.pytest_terminal_summary(Reporter())
    assert lines == ["== seqzoo quick presets", str(cost)]
    assert "12.0 s" in str(cost) and "4.00 s per 1,000" in str(cost)
