"""Errors that the CLI turns into one line on stderr and exit status 2."""

from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'elite'?"`` for the closest of ``choices`` to a mistyped ``word``,
    or ``""`` when none is close (difflib's ratio of at least 0.6)."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class SeqzooError(Exception):
    """Bad input from a user or a plugin: reported without a traceback."""


class SpecError(SeqzooError):
    """An unknown plugin name, an unknown option or a bad option value."""


class ProposerError(SeqzooError):
    """A proposer returned something the engine cannot evaluate."""


class OracleError(SeqzooError):
    """An oracle returned values the engine cannot log (wrong shape, NaN)."""


class PluginError(SeqzooError):
    """A plugin's factory cannot be imported: the message names the plugin and the path."""
