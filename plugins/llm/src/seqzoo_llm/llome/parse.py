"""Generated text -> integer states, or the first reason it is not a valid sequence.

The model writes a JSON list of integers such as ``"[3, 0, 17]"``. A completion is checked
in the order the paper reports its diagnostics: it must parse as a list of integers, have the
problem's length, and hold only states in ``[0, num_states)``. None of this needs the oracle,
so invalid outputs are dropped before any evaluation is spent on them.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

VALID, UNPARSABLE, WRONG_LENGTH, OUT_OF_RANGE = "valid", "unparsable", "wrong_length", "out_of_range"
REASONS = (VALID, UNPARSABLE, WRONG_LENGTH, OUT_OF_RANGE)

_LIST = re.compile(r"\s*\[\s*(-?\d+(?:\s*,\s*-?\d+)*)?\s*\]\s*")


def parse_sequence(text: str, length: int, num_states: int) -> tuple[np.ndarray | None, str]:
    """One completion -> ``(states, "valid")`` or ``(None, reason)``."""
    match = _LIST.fullmatch(text)
    if match is None:
        return None, UNPARSABLE
    body = match.group(1)
    values = [int(tok) for tok in body.split(",")] if body else []
    if len(values) != length:
        return None, WRONG_LENGTH
    states = np.asarray(values, dtype=np.int64)
    if states.min() < 0 or states.max() >= num_states:
        return None, OUT_OF_RANGE
    return states, VALID


def parse_many(texts: Sequence[str], length: int,
               num_states: int) -> tuple[np.ndarray, np.ndarray]:
    """Completions -> ``(states (n, length) with -1 rows where invalid, reasons (n,) str)``."""
    states = np.full((len(texts), length), -1, dtype=np.int64)
    reasons = np.empty(len(texts), dtype=object)
    for i, text in enumerate(texts):
        row, reasons[i] = parse_sequence(text, length, num_states)
        if row is not None:
            states[i] = row
    return states, reasons.astype(str)
