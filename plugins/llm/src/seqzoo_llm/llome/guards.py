"""The two guards of the paper: against mode collapse and against broken checkpoints.

* **Collapse guard**: a model that only copies its input stops exploring. When the previous
  round's mean normalised edit distance (input -> output) falls below a threshold, the
  sampling temperatures are shifted up so that they start at a higher value, keeping their
  spacing. The paper's thresholds 0.15 / 0.1 / 0.075 map to starts 0.8 / 1.0 / 1.2.
* **Checkpoint guard**: a freshly trained model is accepted only if, on held-out prompts,
  at least ``min_valid`` of its greedy outputs are valid (parse, right length, in range, and
  feasible) and at most ``max_repeated`` merely repeat the input. Validity of the text is
  checked before any evaluation; feasibility needs the oracle, so it is judged once the
  greedy outputs queued first in the round's labels have been told (see the proposer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

PAPER_COLLAPSE_THRESHOLDS = (0.15, 0.1, 0.075)
PAPER_COLLAPSE_STARTS = (0.8, 1.0, 1.2)


def collapse_temperatures(temperatures: Sequence[float], edit_distance: float | None,
                          thresholds: Sequence[float] = PAPER_COLLAPSE_THRESHOLDS,
                          starts: Sequence[float] = PAPER_COLLAPSE_STARTS) -> list[float]:
    """The temperatures to sample with, given the previous round's mean edit distance.

    The lowest threshold the distance falls below picks the start; ``None`` (no previous
    round) or a distance above every threshold keeps ``temperatures`` as they are. A shift
    never lowers the temperatures.
    """
    if len(thresholds) != len(starts):
        raise ValueError(f"collapse guard needs one start temperature per threshold, got "
                         f"{len(thresholds)} thresholds and {len(starts)} starts")
    temps = [float(t) for t in temperatures]
    if edit_distance is None or not temps:
        return temps
    below = [s for t, s in zip(thresholds, starts) if edit_distance < t]
    if not below:
        return temps
    shift = max(0.0, max(below) - min(temps))
    return [t + shift for t in temps]


@dataclass(frozen=True)
class Verdict:
    """The checkpoint guard's decision and, when it fails, why."""

    passed: bool
    reasons: tuple[str, ...] = ()


def checkpoint_guard(valid: float, repeated: float, feasible: float | None = None, *,
                     min_valid: float = 0.9, max_repeated: float = 0.1) -> Verdict:
    """Judge a model by its greedy outputs' fractions (``feasible=None``: not yet known).

    ``valid`` is the fraction that parse with the right length in range; ``feasible`` the
    fraction of *all* greedy outputs that are valid and feasible; ``repeated`` the fraction
    equal to their prompt.
    """
    reasons = []
    if valid < min_valid:
        reasons.append(f"{valid:.0%} of greedy outputs valid < {min_valid:.0%}")
    if feasible is not None and feasible < min_valid:
        reasons.append(f"{feasible:.0%} of greedy outputs feasible < {min_valid:.0%}")
    if repeated > max_repeated:
        reasons.append(f"{repeated:.0%} of greedy outputs repeat the input > {max_repeated:.0%}")
    return Verdict(not reasons, tuple(reasons))
