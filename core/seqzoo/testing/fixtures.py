"""Pytest fixtures shipped to every project that installs seqzoo (``pytest11`` entry point).

No import is needed: with seqzoo installed, any test can ask for these by name.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator

import pytest

from ..plugins import Registry
from ..protocol import Oracle


@pytest.fixture
def small_oracle() -> Oracle:
    """A tiny built-in oracle with infeasible sequences (:data:`seqzoo.testing.SMALL_ORACLE`)."""
    from . import small_oracle as build

    return build()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A path for one run's output folder (not created: the engine creates it)."""
    return tmp_path / "run"


@pytest.fixture
def register_plugin() -> Iterator[Callable[..., Registry]]:
    """``register_plugin(plugin, name=None)``: register an in-process plugin object (a module
    or object with ``@seqzoo.hookimpl`` hooks) until the test ends; returns the registry."""
    from .registration import registered

    with ExitStack() as stack:
        yield lambda plugin, name=None: stack.enter_context(registered(plugin, name))


def pytest_terminal_summary(terminalreporter) -> None:
    """Every :func:`~seqzoo.testing.check_quick` figure of the session, shown even when pytest
    captured its output."""
    from .quick import MEASURED

    if MEASURED:
        terminalreporter.section("seqzoo quick presets")
        for cost in MEASURED:
            terminalreporter.write_line(str(cost))
