"""The prompt language: edit requests as plain text a decoder LM can read and write.

A training example asks the model to improve ``x`` into ``y``::

    <inc> [4, 23, 21, 10]\n[4, 23, 21, 11]

The prompt is ``"<inc> " + list + "\\n"`` and the target is the list alone; a completion is
cut after its first ``]``. Lists are JSON integer lists (``", "`` between states), so any
Hugging Face tokenizer can read them too.
"""

from __future__ import annotations

import json
from typing import Sequence

__all__ = ["INCREASE", "STOP", "format_prompt", "format_target", "parse_target"]

#: The instruction token that opens every prompt ("increase the objective").
INCREASE = "<inc>"
#: The character that ends a completion.
STOP = "]"


def _format_list(x: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in x) + "]"


def format_prompt(x: Sequence[int]) -> str:
    """``[1, 2, 3] -> "<inc> [1, 2, 3]\\n"``: the edit request for sequence ``x``."""
    return f"{INCREASE} {_format_list(x)}\n"


def format_target(y: Sequence[int]) -> str:
    """``[1, 2, 3] -> "[1, 2, 3]"``: the completion the model should write for ``y``."""
    return _format_list(y)


def parse_target(text: str) -> list[int] | None:
    """The integer list a completion spells, or ``None`` when it is not one.

    Only the text up to the first ``]`` counts (what generation keeps); anything that is not
    a flat JSON list of non-negative integers is unparsable.
    """
    head, stop, _ = text.strip().partition(STOP)
    if not stop:
        return None
    try:
        values = json.loads(head + STOP)
    except ValueError:
        return None
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    ):
        return None
    return values
