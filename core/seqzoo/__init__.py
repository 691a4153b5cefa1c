"""seqzoo: a plugin-based zoo of black-box optimizers for constrained sequence design.

Start with :mod:`seqzoo.protocol` (the roles), :mod:`seqzoo.hookspecs` (how a plugin
registers) and :func:`seqzoo.engine.run` (the ask/evaluate/tell loop). Heavy modules are
never imported here, so ``import seqzoo`` stays fast.
"""

from .hookspecs import hookimpl
from .protocol import (Oracle, Problem, Proposer, Surrogate, Trainer, decode, default_alphabet,
                       encode)

__version__ = "0.1.0"

__all__ = ["hookimpl", "Oracle", "Problem", "Proposer", "Surrogate", "Trainer", "decode", "encode",
           "default_alphabet", "__version__", "run", "compare", "register_oracle"]


def run(*args, **kwargs):
    """Run one proposer on one oracle: :func:`seqzoo.api.run` (the oracle may be a spec, an
    Oracle object, or a function of a batch with ``alphabet=`` and ``length=``)."""
    from .api import run as _run

    return _run(*args, **kwargs)


def register_oracle(*args, **kwargs):
    """Give an Oracle object or a function of a batch a spec name in this process:
    :func:`seqzoo.api.register_oracle`."""
    from .api import register_oracle as _register

    return _register(*args, **kwargs)


def __getattr__(name):
    # ``seqzoo.compare`` is the subpackage, which is also callable (seqzoo.api.compare):
    # imported on first use so that ``import seqzoo`` stays light.
    if name == "compare":
        from importlib import import_module

        return import_module(f"{__name__}.compare")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
