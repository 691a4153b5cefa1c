"""Pytest fixtures shipped to every project that installs seqzoo (``pytest11`` entry point)."""

from __future__ import annotations

import pytest


@pytest.fixture
def run_dir(tmp_path):
    """An empty folder for one run's output."""
    path = tmp_path / "run"
    return path
