"""Constructor argument checks shared by the test functions: clear ``ValueError`` messages."""

from __future__ import annotations

import math
import operator
from typing import Any


def count(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int of at least ``minimum`` (bools and floats are refused)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        out = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}") from None
    if out < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {out}")
    return out


def finite(value: Any, name: str, minimum: float = -math.inf) -> float:
    """``value`` as a finite float of at least ``minimum``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out) or out < minimum:
        bound = "" if minimum == -math.inf else f" >= {minimum:g}"
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return out


def seed(value: Any) -> int:
    """A ``torch.Generator`` seed: any integer in ``[-2**63, 2**64)``."""
    try:
        out = count(value, "random_seed", -(1 << 63))
    except ValueError:
        out = None
    if out is None or out >= 1 << 64:
        raise ValueError(f"random_seed must be an integer in [-2**63, 2**64), got {value!r}")
    return out
