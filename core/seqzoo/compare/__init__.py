"""``zoo compare``: many proposers on many oracles over paired seeds, under one protocol.

Fairness is structural: every run of an oracle builds it from the same spec (so the same
function and initial solutions, checked again in the report), every proposer gets the same
budget -- exact, enforced by the engine -- and batch size, and seed ``s`` is seed ``s`` for
every proposer. Modules, in the order data flows:

* :mod:`.grid` -- settings (embedded ``default.toml``, a TOML config, options) -> a checked
  :class:`~.grid.Grid`;
* :mod:`.store` -- the folder store: one engine run folder per oracle / proposer / seed;
* :mod:`.executors` and :mod:`.progress` -- running the missing runs here, in processes or
  on Ray, with a live display;
* :mod:`.records`, :mod:`.stats`, :mod:`.significance` (which differences are real),
  :mod:`.profiles` (data profiles), :mod:`.analysis` -- from run folders to statistics;
* :mod:`.tables`, :mod:`.plot`, :mod:`.report` -- the files a comparison leaves behind.

:func:`compare` does all of it; :func:`build_report` only the last step.

The package itself is callable: ``seqzoo.compare(oracles, proposers, out, ...)`` is
:func:`seqzoo.api.compare`, which takes oracles as specs, Oracle objects or functions of a
batch and builds the grid itself.
"""

import sys
import types

from .grid import Grid, check, read_config, resolve
from .report import build as build_report
from .runner import Comparison, compare


class _CallableModule(types.ModuleType):
    # `seqzoo.compare` names this package, so a function of that name in seqzoo/__init__.py
    # would be replaced by the package on its first import; calling the package instead
    # gives users the one name the issue asked for without renaming the package.
    def __call__(self, *args, **kwargs):
        from ..api import compare as compare_oracles

        return compare_oracles(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Comparison", "Grid", "build_report", "check", "compare", "read_config", "resolve"]
