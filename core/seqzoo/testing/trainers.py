"""``check_trainer``: the :class:`seqzoo.Trainer` protocol, whatever the model is.

The core knows nothing about models, so the caller brings a small model and a few examples
in whatever form its trainer defines; the check runs one ``fit`` and inspects the metrics.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, Mapping, Sequence

from ..plugins import registry
from ..protocol import Trainer
from .results import Conformance, ConformanceError

__all__ = ["check_trainer"]


def check_trainer(trainer: Trainer | str, model: Any, examples: Sequence[Mapping[str, Any]], *,
                  reference: Any = None) -> Conformance:
    """Check a trainer object (or a registered trainer's name, built with its defaults).

    Checks: ``name`` (a non-empty string), ``fit`` (``fit(model, examples,
    reference=reference)`` returns a mapping of metric names to real numbers) and ``loss``
    (among them a finite ``loss``). Raises :class:`ConformanceError`.
    """
    if isinstance(trainer, str):
        trainer = registry().get("trainer", trainer).load()()
    name = getattr(trainer, "name", None)
    if not (isinstance(name, str) and name):
        raise ConformanceError(f"name: expected a non-empty string, got {name!r}")
    if not callable(getattr(trainer, "fit", None)):
        raise ConformanceError("fit: a trainer needs fit(model, examples, *, reference=None)")
    try:
        metrics = trainer.fit(model, examples, reference=reference)
    except Exception as exc:
        raise ConformanceError(f"fit: raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(metrics, Mapping):
        raise ConformanceError(f"fit: returned {type(metrics).__name__}, expected a mapping "
                               f"of metric names to numbers")
    bad = {k: v for k, v in metrics.items() if not isinstance(v, Real)}
    if bad:
        raise ConformanceError(f"fit: metrics must be real numbers, got {bad!r}")
    if "loss" not in metrics or not math.isfinite(metrics["loss"]):
        raise ConformanceError(f"loss: fit must report a finite 'loss', got "
                               f"{metrics.get('loss', 'none')!r}")
    return Conformance(f"trainer {name!r}", ("name", "fit", "loss"))
