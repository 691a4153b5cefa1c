"""Finding plugins: entry points in the ``seqzoo`` group, loaded one by one.

A plugin that fails to import, a hook that raises, or a name registered twice is recorded in
:attr:`Registry.errors` (and warned about) instead of breaking the other plugins. A name two
plugins register is unusable as it is -- neither owner wins silently -- but each owner's
factory stays reachable as ``PLUGIN/NAME`` (``seqzoo/hamming``, ``myplug/hamming``); every
other name works as before.
``SEQZOO_LOAD_PLUGINS=a,b`` loads only the named entry points; ``SEQZOO_DISABLE_PLUGINS=a,b``
skips them. The built-in plugin :mod:`seqzoo.builtin` is always loaded.
"""

from __future__ import annotations

import importlib
import os
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from typing import Callable

import pluggy

from . import builtin, hookspecs
from .errors import PluginError, SpecError, did_you_mean

GROUP = "seqzoo"
KINDS = ("oracle", "proposer", "trainer", "surrogate")
_HOOKS = {"oracle": "register_oracles", "proposer": "register_proposers",
          "trainer": "register_trainers", "surrogate": "register_surrogates"}


@dataclass(frozen=True)
class Entry:
    """One registered factory; ``target`` is a callable or a lazy ``"module:attr"`` path."""

    kind: str
    name: str
    target: hookspecs.Factory
    plugin: str

    def load(self) -> Callable[..., object]:
        if callable(self.target):
            return self.target
        module, _, attr = self.target.partition(":")
        try:
            obj = importlib.import_module(module)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except Exception as exc:  # name the plugin: the bare ImportError would not
            raise PluginError(f"{self.kind} {self.name!r} of plugin {self.plugin!r} cannot be "
                              f"imported from {self.target!r}: {type(exc).__name__}: {exc}"
                              ) from exc
        return obj


@dataclass
class PluginInfo:
    name: str
    distribution: str | None
    version: str | None
    registers: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    error: str | None = None
    #: The traceback of a failed import (``zoo --debug plugins`` prints it).
    traceback: str | None = None


@dataclass
class Registry:
    entries: dict[str, dict[str, Entry]] = field(default_factory=lambda: {k: {} for k in KINDS})
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    clashes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: Every factory by ``(kind, "PLUGIN/NAME")``, clashing ones included.
    qualified: dict[tuple[str, str], Entry] = field(default_factory=dict)

    def names(self, kind: str) -> list[str]:
        """The usable plain names (a clashing name is not one: see :meth:`clashing`)."""
        return sorted(n for n in self.entries[kind] if (kind, n) not in self.clashes)

    def clashing(self, kind: str) -> list[str]:
        """``PLUGIN/NAME`` of every factory whose plain name two plugins register."""
        return sorted(f"{owner}/{name}" for (k, name), owners in self.clashes.items()
                      if k == kind for owner in owners)

    def get(self, kind: str, name: str) -> Entry:
        if (kind, name) in self.qualified:
            return self.qualified[(kind, name)]
        if (kind, name) in self.clashes:
            owners = self.clashes[(kind, name)]
            raise SpecError(f"{kind} {name!r} is registered by both {' and '.join(owners)}; "
                            f"say which: {' or '.join(f'{o}/{name}' for o in owners)}")
        try:
            return self.entries[kind][name]
        except KeyError:
            known = ", ".join(self.names(kind)) or "none installed"
            failed = [p for p, info in self.plugins.items() if info.error
                      and info.error.startswith(("failed to load", "bad hooks"))]
            hint = (f"; plugin {' and '.join(map(repr, failed))} failed to load "
                    f"(zoo plugins shows why)" if failed else "")
            raise SpecError(f"unknown {kind} {name!r}{did_you_mean(name, self.names(kind))} "
                            f"(known: {known}){hint}") from None


def _env_list(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _record(registry: Registry, info: PluginInfo, message: str) -> None:
    info.error = message if info.error is None else f"{info.error}; {message}"
    registry.errors.append(f"plugin {info.name!r}: {message}")
    warnings.warn(f"seqzoo plugin {info.name!r}: {message}", RuntimeWarning, stacklevel=3)


def discover() -> Registry:
    """Load every allowed plugin and collect what each registers."""
    registry = Registry()
    add_plugin(registry, builtin, PluginInfo("seqzoo", "seqzoo", _version("seqzoo")))
    allow, deny = _env_list("SEQZOO_LOAD_PLUGINS"), _env_list("SEQZOO_DISABLE_PLUGINS")
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        if (allow is not None and ep.name not in allow) or (deny and ep.name in deny):
            continue
        dist = getattr(ep, "dist", None)
        info = PluginInfo(ep.name, dist.name if dist else None, dist.version if dist else None)
        if ep.name in registry.plugins:
            _record(registry, info, f"entry point name also used by "
                                    f"{registry.plugins[ep.name].distribution}; skipped")
            continue
        try:
            module = ep.load()
        except Exception as exc:  # a broken plugin must not break the others
            import traceback

            registry.plugins[ep.name] = info
            info.traceback = traceback.format_exc()
            _record(registry, info, f"failed to load: {type(exc).__name__}: {exc}")
            continue
        add_plugin(registry, module, info)
    return registry


def add_plugin(registry: Registry, plugin: object, info: PluginInfo | str) -> PluginInfo:
    """Run ``plugin``'s hooks into ``registry`` as if it were installed as ``info``.

    ``plugin`` is a module or object with ``@seqzoo.hookimpl`` functions; a string ``info`` is
    the plugin's name. Problems land in ``info.error`` and ``registry.errors``.
    """
    info = PluginInfo(info, None, None) if isinstance(info, str) else info
    registry.plugins[info.name] = info
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(plugin, name=info.name)
    except Exception as exc:  # hooks whose signatures do not match the specs
        _record(registry, info, f"bad hooks: {type(exc).__name__}: {exc}")
        return info
    for kind, hook in _HOOKS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():
            try:
                impl.function(register=_registrar(registry, kind, info))
            except Exception as exc:
                _record(registry, info, f"{hook} raised {type(exc).__name__}: {exc}")
    return info


def _registrar(registry: Registry, kind: str, info: PluginInfo) -> hookspecs.Register:
    def register(name: str, factory: hookspecs.Factory) -> None:
        if not (callable(factory) or (isinstance(factory, str) and ":" in factory)):
            raise TypeError(f"factory for {name!r} must be callable or 'module:attr'")
        entry = Entry(kind, name, factory, info.name)
        registry.qualified[(kind, f"{info.name}/{name}")] = entry
        existing = registry.entries[kind].get(name)
        if existing is not None and existing.plugin != info.name:
            owners = registry.clashes.setdefault((kind, name), [existing.plugin])
            owners.append(info.name)
            info.registers[kind].append(name)
            _record(registry, info, f"{kind} name {name!r} is also registered by plugin "
                                    f"{existing.plugin!r}: use {existing.plugin}/{name} or "
                                    f"{info.name}/{name}")
            return
        registry.entries[kind][name] = entry
        info.registers[kind].append(name)

    return register


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


_current: Registry | None = None


def registry() -> Registry:
    """The process-wide registry, discovered on first use."""
    global _current
    if _current is None:
        _current = discover()
    return _current


def set_registry(new: Registry | None) -> Registry | None:
    """Make ``new`` the process-wide registry (``None``: discover afresh on next use).

    Returns the registry it replaces, so that a caller can put it back.
    """
    global _current
    old, _current = _current, new
    return old
