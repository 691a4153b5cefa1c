"""Fixtures for core tests: plugins installed through real entry points in a temp site dir."""

from __future__ import annotations

import os
import sys

import pytest
from plugin_fixtures import GOOD, install_plugin

from seqzoo import plugins


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site dir on sys.path (and PYTHONPATH, for subprocesses) holding test plugins."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")]))
    plugins.set_registry(None)
    yield path
    for name in [m for m in sys.modules if m.startswith("seqzoo_goodplug") or m.startswith(
            "seqzoo_clashplug")]:
        del sys.modules[name]
    plugins.set_registry(None)


@pytest.fixture
def good_plugin(site):
    install_plugin(site, "seqzoo-goodplug", "goodplug", "seqzoo_goodplug", GOOD)
    plugins.set_registry(None)
    return site


@pytest.fixture(autouse=True)
def fresh_registry():
    plugins.set_registry(None)
    yield
    plugins.set_registry(None)
