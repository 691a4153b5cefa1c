"""Context managers that keep third-party chatter out of a seqzoo run's output.

* :func:`lightning` -- Lightning's banner lines ("GPU available: ..."), tips and warnings
  about data-loader workers, printed by every ``Trainer.fit``.
* :func:`bitsandbytes_import` -- bitsandbytes' import-time warning that an optional CPU
  4-bit kernel package is missing (seqzoo-llm never uses 4-bit on the CPU).

Both restore the previous logging levels and warning filters on exit.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from typing import Iterator

__all__ = ["lightning", "bitsandbytes_import"]


@contextmanager
def _logger_level(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


@contextmanager
def lightning() -> Iterator[None]:
    with warnings.catch_warnings(), _logger_level("pytorch_lightning", logging.WARNING):
        warnings.filterwarnings("ignore", module="pytorch_lightning")
        warnings.filterwarnings("ignore", message=".*num_workers.*")
        yield


@contextmanager
def bitsandbytes_import() -> Iterator[None]:
    with _logger_level("bitsandbytes", logging.ERROR):
        yield
