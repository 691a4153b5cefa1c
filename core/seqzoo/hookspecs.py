"""The hooks a seqzoo plugin implements: one per role, each handed a ``register`` callable.

A plugin is a module named by an entry point in the ``seqzoo`` group::

    # pyproject.toml of your distribution
    [project.entry-points.seqzoo]
    anneal = "seqzoo_anneal.plugin"

    # seqzoo_anneal/plugin.py -- keep it light: it is imported by `zoo plugins`
    import seqzoo

    @seqzoo.hookimpl
    def register_proposers(register):
        register("anneal", "seqzoo_anneal.annealer:Annealer")

``register(name, factory)`` takes the factory itself or, better, its ``"module:attribute"``
path, which is imported only when the factory is used, so listing plugins never imports
torch. Names are unique across installed plugins. What a factory builds is described in
:mod:`seqzoo.protocol`.
"""

from __future__ import annotations

from typing import Callable, Union

import pluggy

PROJECT = "seqzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Factory = Union[str, Callable[..., object]]
Register = Callable[[str, Factory], None]


@hookspec
def register_oracles(register: Register) -> None:
    """Register oracle factories: ``factory(**options) -> Oracle``."""


@hookspec
def register_proposers(register: Register) -> None:
    """Register proposer factories: ``factory(problem, **options) -> Proposer``."""


@hookspec
def register_trainers(register: Register) -> None:
    """Register trainer factories: ``factory(**options) -> Trainer``."""


@hookspec
def register_surrogates(register: Register) -> None:
    """Register surrogate factories: ``factory(problem, **options) -> Surrogate``."""
