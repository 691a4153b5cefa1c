"""Putting an in-process plugin into the registry for a while, without installing anything.

seqzoo finds plugins through entry points, which only an installed distribution declares. A
test wants to try a plugin that is just an object in the test module, so :func:`registered`
builds the registry that *would* exist if that object were installed (it runs the object's
hooks with :func:`seqzoo.plugins.add_plugin`, as :func:`seqzoo.plugins.discover` does) and
makes it the process-wide registry until the block ends. Everything that resolves names through
:func:`seqzoo.plugins.registry` -- the engine, ``zoo list``, a plugin looking up another --
sees it. Worker processes (``zoo compare --workers``) do not: they discover plugins afresh.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Iterator

from .. import hookspecs, plugins
from ..hookspecs import hookimpl
from ..plugins import Registry

__all__ = ["FactoryPlugin", "registered", "with_plugin"]


class FactoryPlugin:
    """A plugin object that registers one factory, for checks that take a bare callable."""

    def __init__(self, kind: str, name: str, factory: Callable[..., object]):
        if kind not in plugins.KINDS:
            raise ValueError(f"kind must be one of {', '.join(plugins.KINDS)}, got {kind!r}")
        self.kind, self.name, self.factory = kind, name, factory
        self.__name__ = f"{kind}-{name}"  # the plugin name :func:`registered` gives it

    def _register(self, kind: str, register: hookspecs.Register) -> None:
        if kind == self.kind:
            register(self.name, self.factory)

    @hookimpl
    def register_oracles(self, register: hookspecs.Register) -> None:
        self._register("oracle", register)

    @hookimpl
    def register_proposers(self, register: hookspecs.Register) -> None:
        self._register("proposer", register)

    @hookimpl
    def register_trainers(self, register: hookspecs.Register) -> None:
        self._register("trainer", register)

    @hookimpl
    def register_surrogates(self, register: hookspecs.Register) -> None:
        self._register("surrogate", register)


def _copy(registry: Registry) -> Registry:
    """A copy whose tables can grow without touching ``registry``; factories are shared."""
    return Registry(
        entries={kind: dict(table) for kind, table in registry.entries.items()},
        plugins={name: replace(info, registers={k: list(v) for k, v in info.registers.items()})
                 for name, info in registry.plugins.items()},
        errors=list(registry.errors),
        clashes={key: list(owners) for key, owners in registry.clashes.items()},
        qualified=dict(registry.qualified))


def with_plugin(base: Registry, plugin: object, name: str) -> Registry:
    """A copy of ``base`` plus what ``plugin``'s hooks register; clashes raise ValueError."""
    if name in base.plugins:
        raise ValueError(f"a plugin named {name!r} is already registered; pass another name")
    registry = _copy(base)
    with warnings.catch_warnings():  # a clash is raised below, not also warned about
        warnings.simplefilter("ignore", RuntimeWarning)
        info = plugins.add_plugin(registry, plugin, name)
    if info.error is not None:
        raise ValueError(f"plugin {name!r} cannot be registered: {info.error}")
    return registry


@contextmanager
def registered(plugin: object, name: str | None = None) -> Iterator[Registry]:
    """Register ``plugin`` (a module, class or object with ``@seqzoo.hookimpl`` hooks) for
    the duration of the block, on top of whatever is registered already; yields the registry.

    Blocks nest; leaving one restores the registry that was current when it was entered.
    """
    name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
    previous = plugins.registry()
    plugins.set_registry(with_plugin(previous, plugin, name))
    try:
        yield plugins.registry()
    finally:
        plugins.set_registry(previous)
