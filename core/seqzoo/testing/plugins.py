"""``check_plugin``: what a whole plugin promises before any factory runs.

``zoo plugins`` and ``zoo list`` import every plugin's hook module, so that module must stay
light; ``zoo list`` and the generated reference read every factory's options and docstring,
so those must be there.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import metadata
from typing import Any

from ..plugins import GROUP, KINDS, registry
from ..spec import parameters
from .results import Conformance, ConformanceError

__all__ = ["HEAVY_MODULES", "check_plugin", "heavy_imports"]

#: Modules whose import takes seconds: a hook module must not pull them in.
HEAVY_MODULES = ("torch", "tensorflow", "jax", "transformers", "lightning",
                 "pytorch_lightning", "peft", "bitsandbytes", "ray")


def heavy_imports(module: str) -> list[str]:
    """What importing ``module`` loads, in a fresh interpreter, beyond the standard library,
    seqzoo (and what seqzoo itself loads) and the module's own top-level package.

    A fixed list of heavy names would miss the one library a plugin happens to wrap (an
    eager ``import optuna`` adds seconds to every ``zoo`` command), so anything foreign
    counts, :data:`HEAVY_MODULES` first.
    """
    own = module.split(".")[0]
    probe = (
        "import sys, importlib, seqzoo, seqzoo.plugins\n"
        "before = set(sys.modules)\n"
        f"importlib.import_module({module!r})\n"
        "tops = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        f"tops -= set(sys.stdlib_module_names) | {{'seqzoo', {own!r}, '_distutils_hack'}}\n"
        f"heavy = {HEAVY_MODULES!r}\n"
        "print(' '.join(sorted(tops, key=lambda m: (m not in heavy, m))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        raise ConformanceError(f"light: importing {module} failed: "
                               f"{done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.split()


def _check_factories(name: str) -> int:
    info = registry().plugins[name]
    count = 0
    for kind in KINDS:
        for entry_name in info.registers[kind]:
            where = f"factories: {kind} {entry_name!r}"
            try:
                factory = registry().get(kind, entry_name).load()
            except Exception as exc:
                raise ConformanceError(f"{where} cannot be imported: "
                                       f"{type(exc).__name__}: {exc}") from exc
            if not callable(factory):
                raise ConformanceError(f"{where} is not callable")
            if not (inspect.getdoc(factory) or "").strip():
                raise ConformanceError(f"{where} has no docstring: its first line is the "
                                       f"description zoo list shows")
            untyped = [p.name for p in parameters(factory, skip_first=kind == "proposer")
                       if p.annotation in (inspect.Parameter.empty, Any)]
            if untyped:
                raise ConformanceError(f"{where}: option {untyped[0]!r} has no type annotation "
                                       f"or default, so its value cannot be converted")
            count += 1
    return count


def check_plugin(name: str) -> Conformance:
    """Check an installed plugin by its entry-point name (the ``plugin`` column of
    ``zoo plugins``).

    Checks: ``loads`` (discovery recorded no error for it), ``factories`` (each registered
    factory imports, is callable, has a docstring and a type -- annotation or default -- for
    every option) and ``light`` (importing its hook module loads nothing but the standard
    library, seqzoo and its own package; see :func:`heavy_imports`; skipped for a plugin
    registered in-process). Raises
    :class:`ConformanceError`.
    """
    info = registry().plugins.get(name)
    if info is None:
        known = ", ".join(registry().plugins)
        raise ValueError(f"no plugin named {name!r} is registered (registered: {known})")
    if info.error:
        raise ConformanceError(f"loads: {info.error}")
    if not _check_factories(name):
        raise ConformanceError("factories: the plugin registers nothing")
    points = [ep for ep in metadata.entry_points(group=GROUP) if ep.name == name]
    if not points:
        return Conformance(f"plugin {name!r}", ("loads", "factories"),
                           (("light", "not installed through an entry point"),))
    heavy = heavy_imports(points[0].value)
    if heavy:
        raise ConformanceError(f"light: importing {points[0].value} loads {', '.join(heavy)}; "
                               f"a hook module may import only the standard library, seqzoo "
                               f"and its own package: register factories as 'module:attr' "
                               f"strings and import libraries inside them")
    return Conformance(f"plugin {name!r}", ("loads", "factories", "light"))
