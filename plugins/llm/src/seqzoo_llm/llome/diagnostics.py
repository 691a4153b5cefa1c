"""Per-round diagnostics: what the paper reports, written to ``llome_rounds.jsonl``.

One JSON object per completed round (keys in :data:`ROUND_KEYS`). Fractions are over every
generated output (``parsable``, ``correct_length``, ``in_range``, ``repeated_input``) or over
the round's labelled proposals (``feasible``, ``improved``). "Improved" compares a label with
the seed its trajectory started from, the last sequence on its path with a known value.
Calibration is the Spearman correlation between a label's log-likelihood per token and its
value, over the feasible labels.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

ROUNDS_FILE = "llome_rounds.jsonl"

#: Every round record holds these keys (``None`` where a metric is undefined).
ROUND_KEYS = (
    "round", "objective", "trained", "accepted", "guard", "train_loss", "train_examples",
    "parsable", "correct_length", "in_range", "feasible", "improved", "repeated_input",
    "mean_reward", "edit_distance", "temperatures", "calibration_spearman", "labels",
    "fallback_labels", "best_value", "evaluations", "label_start", "checkpoint",
    "wall_seconds", "checkpoint_step",
)


def label_metrics(values: np.ndarray, seed_values: np.ndarray,
                  scores: np.ndarray) -> dict[str, float | None]:
    """Feasible, improved, mean reward and calibration of one round's labelled proposals.

    ``seed_values`` are the values the labels' trajectories started from and ``scores`` the
    labels' log-likelihoods per token (NaN where a label did not come from the model). The
    reward is ``max(0, f(y) - f(x))`` with infeasible values counted as 0, as in MargE.
    """
    if len(values) == 0:
        return {"feasible": None, "improved": None, "mean_reward": None,
                "calibration_spearman": None}
    finite = np.isfinite(values)
    zero = lambda v: np.where(np.isfinite(v), v, 0.0)  # noqa: E731 - MargE's convention
    reward = np.maximum(0.0, zero(values) - zero(seed_values))
    ok = finite & np.isfinite(scores)
    rho = None
    if ok.sum() >= 3 and np.ptp(values[ok]) > 0 and np.ptp(scores[ok]) > 0:
        from scipy.stats import spearmanr  # 1.2 s to import: only when a round ends

        rho = float(spearmanr(scores[ok], values[ok]).statistic)
    return {"feasible": float(finite.mean()),
            "improved": float((values > seed_values).mean()),
            "mean_reward": float(reward.mean()),
            "calibration_spearman": rho}


def _clean(value: Any) -> Any:
    """JSON has no infinities or NaN: write them as ``None``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def append_round(workdir: Path, record: dict[str, Any]) -> None:
    """Append one round's record to ``workdir/llome_rounds.jsonl`` and flush it to disk."""
    missing = [k for k in ROUND_KEYS if k not in record]
    if missing:
        raise ValueError(f"round record lacks {missing}")
    with open(Path(workdir) / ROUNDS_FILE, "a") as fh:
        fh.write(json.dumps({k: _clean(v) for k, v in record.items()}) + "\n")
        fh.flush()


def read_rounds(workdir: Path) -> list[dict[str, Any]]:
    """The completed rounds' records; a torn last line (a kill mid-write) is ignored."""
    path = Path(workdir) / ROUNDS_FILE
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            break
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def round_line(record: dict[str, Any]) -> str:
    """One concise, rich-markup line for the progress display."""
    guard = "ok" if record["accepted"] else "[red]rejected[/red]"
    loss = record["train_loss"]
    rho = record["calibration_spearman"]
    reward = record["mean_reward"]
    return (f"[bold]llome round {record['round']}[/bold] {record['objective']}"
            f" loss {'-' if loss is None else f'{loss:.3g}'} guard {guard}"
            f" | parse {_pct(record['parsable'])} len {_pct(record['correct_length'])}"
            f" range {_pct(record['in_range'])} feas {_pct(record['feasible'])}"
            f" impr {_pct(record['improved'])} rep {_pct(record['repeated_input'])}"
            f" | reward {'-' if reward is None else f'{reward:.3g}'}"
            f" edit {record['edit_distance']:.3f}"
            f" T {','.join(f'{t:g}' for t in record['temperatures'])}"
            f" rho {'-' if rho is None else f'{rho:.2f}'}"
            f" | labels {record['labels']} best {record['best_value']:.3g}"
            f" {record['wall_seconds']:.0f}s")
