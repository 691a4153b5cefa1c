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
           "default_alphabet", "__version__", "run"]


def run(*args, **kwargs):
    """Shortcut for :func:`seqzoo.engine.run`."""
    from .engine import run as _run

    return _run(*args, **kwargs)
