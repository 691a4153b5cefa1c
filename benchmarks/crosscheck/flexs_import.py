"""FLEXS's core modules, imported from a checkout without its package ``__init__``s.

FLEXS's ``__init__`` files import TensorFlow and every baseline; the cross-check workers need
only a landscape, a model and one explorer, so each package is a bare namespace here and the
names the modules expect on ``flexs`` are bound by hand. Used by the workers of
``adalead.py`` and ``cbas.py`` (run as scripts, so this module is their sibling on sys.path).
"""

from __future__ import annotations

import os
import sys
import types

PACKAGES = ("flexs", "flexs.baselines", "flexs.baselines.explorers", "flexs.baselines.models",
            "flexs.landscapes", "flexs.utils")


def load_core(src: str) -> None:
    """Make ``flexs.Landscape``, ``flexs.Model`` and ``flexs.Explorer`` importable from ``src``."""
    for name in PACKAGES:
        package = types.ModuleType(name)
        package.__path__ = [os.path.join(src, *name.split("."))]
        sys.modules[name] = package
    try:
        import editdistance  # noqa: F401
    except ImportError:  # the same distance from rapidfuzz (both are Levenshtein's)
        from rapidfuzz.distance import Levenshtein

        sys.modules["editdistance"] = types.SimpleNamespace(eval=Levenshtein.distance)
    import flexs
    import flexs.landscape
    import flexs.types  # noqa: F401

    flexs.Landscape = flexs.landscape.Landscape
    import flexs.model

    flexs.Model, flexs.LandscapeAsModel = flexs.model.Model, flexs.model.LandscapeAsModel
    import flexs.explorer

    flexs.Explorer = flexs.explorer.Explorer
