"""How many threads a run's numeric libraries (torch, BLAS) may use.

The zoo's torch models are tiny: their intra-op thread pools gain little from a second
thread and lose several-fold when threads spin against each other or against other
processes (a lambo2 run measured 5x slower with torch's default pool on a busy 2-core
machine; see ``benchmarks/threads.py``). So a run uses :data:`DEFAULT` threads unless
``--threads N`` says otherwise, and a user's own ``OMP_NUM_THREADS`` beats both.

The count is applied through the OMP/MKL/OpenBLAS variables (read by torch and numpy's BLAS
when they load) and, when torch is already imported, ``torch.set_num_threads``; torch is
never imported here. Same seed, same result holds at a fixed thread count, so each run
records its count in ``config.json``.
"""

from __future__ import annotations

import os
import sys

DEFAULT = 1
VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: Set beside the variables when seqzoo set them, so that a later run in the same process
#: (or a worker it spawns) does not mistake them for the user's choice.
_MARK = "SEQZOO_SET_THREADS"


def user_threads() -> int | None:
    """The user's own ``OMP_NUM_THREADS``, if they set one (not seqzoo)."""
    value = os.environ.get("OMP_NUM_THREADS")
    if value is None or os.environ.get(_MARK) == value:
        return None
    try:
        return max(1, int(value))
    except ValueError:
        return None


def resolve(requested: int | None = None) -> int:
    """The thread count a run uses: the user's ``OMP_NUM_THREADS``, else ``requested``, else
    :data:`DEFAULT`."""
    return user_threads() or requested or DEFAULT


def apply(threads: int) -> None:
    """Make torch and BLAS in this process use ``threads`` threads."""
    if user_threads() is None:
        for name in VARIABLES:
            os.environ[name] = str(threads)
        os.environ[_MARK] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
