"""The plain values of a comparison's settings, read and checked one by one: each is the
value, or one clear line saying what it must be."""

from __future__ import annotations

from typing import Any

from ..errors import SeqzooError


#: ``workers = "auto"``: as many runs at once as the cores hold at the runs' thread count.
AUTO_WORKERS = "auto"


def workers(value: Any, threads: Any) -> int:
    if isinstance(value, str) and value.strip().lower() == AUTO_WORKERS:
        import os

        from ..threads import resolve

        per_run = resolve(threads if isinstance(threads, int) else None)
        return max(1, (os.cpu_count() or 1) // per_run)
    return positive(value, "workers")


#: ``batch_size = "own"``: each proposer asks for its own preferred batch size.
OWN_BATCH = "own"


def batch_size(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().lower() == OWN_BATCH:
        return None
    return positive(value, "batch size")


def count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SeqzooError(f"{what} must be a non-negative integer, got {value!r}")
    return value


def gpus(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SeqzooError(f"gpus_per_run must be a non-negative number, got {value!r}")
    return value


def specs(value: Any, key: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise SeqzooError(f"{key} must be a spec or a list of specs, got {value!r}")
    return [v.strip() for v in items]


def positive(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SeqzooError(f"{what} must be a positive integer, got {value!r}")
    return value
