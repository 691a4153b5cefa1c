"""Ctrl-C that always ends as ``KeyboardInterrupt`` with a message saying what was kept.

Some libraries a plugin uses catch Ctrl-C themselves (Lightning's ``fit`` turns it into a
graceful shutdown and ``exit(1)``), which would end ``zoo`` with status 1 and no word on the
run log. :func:`kept_on_interrupt` notes the signal first, so whatever exception then
unwinds, the command ends as an interrupt (status 130) with ``message`` -- where the data
is and how to continue.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def kept_on_interrupt(message: Callable[[], str]) -> Iterator[None]:
    seen: list[bool] = []

    def on_sigint(signum, frame):
        seen.append(True)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: leave the handler alone
        yield
        return
    try:
        yield
    except BaseException as exc:
        if seen or isinstance(exc, KeyboardInterrupt):
            raise KeyboardInterrupt(message()) from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
