"""``regret.png``: regret (or best value, when the optimum is unknown) against evaluations,
the median over seeds with an interquartile band per proposer, one panel per oracle.

matplotlib is the optional extra ``seqzoo[plot]``; it is imported here only, and lazily.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .analysis import Analysis
from .stats import step_values
from .tables import labels

POINTS = 200


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("matplotlib") is not None


def curves(analysis: Analysis, oracle: str, proposer: str) -> tuple[np.ndarray, np.ndarray]:
    """Evaluation grid and a ``(runs, points)`` array of regret (or best value) on it."""
    g = analysis.grid
    last = g.budget or max((int(r.result["evaluations"]) for r in analysis.records), default=1)
    at = np.unique(np.linspace(1, last, POINTS).round().astype(int))
    runs = [r for r in analysis.records
            if r.task.oracle == oracle and r.task.proposer == proposer]
    rows = []
    for r in runs:
        best = step_values(r.evaluations, r.best, at)
        best = np.where(np.isfinite(best), best, np.nan)
        rows.append(r.optimum - best if r.optimum is not None else best)
    return at, np.array(rows).reshape(len(rows), len(at))


def quartiles(analysis: Analysis, oracle: str, proposer: str
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Evaluation grid and the 25th, 50th and 75th percentile curves over seeds (``None``
    without a complete run): what ``regret.png`` and ``report.html`` draw."""
    at, ys = curves(analysis, oracle, proposer)
    if not len(ys):
        return None
    with warnings.catch_warnings():  # all-NaN columns before a first feasible value
        warnings.simplefilter("ignore", RuntimeWarning)
        q25, med, q75 = np.nanpercentile(ys, [25, 50, 75], axis=0)
    return at, q25, med, q75


def plot(analysis: Analysis, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window, work without a display
    import matplotlib.pyplot as plt

    oracles, short = analysis.grid.oracles, labels(analysis.grid.proposers)
    fig, axes = plt.subplots(1, len(oracles), figsize=(5.5 * len(oracles), 4.2), squeeze=False)
    for ax, oracle in zip(axes[0], oracles):
        known = any(r.optimum is not None for r in analysis.records if r.task.oracle == oracle)
        for proposer in analysis.grid.proposers:
            found = quartiles(analysis, oracle, proposer)
            if found is None:
                continue
            at, q25, med, q75 = found
            line, = ax.plot(at, med, label=short[proposer], drawstyle="steps-post")
            ax.fill_between(at, q25, q75, alpha=0.2, color=line.get_color(), step="post")
        ax.set_title(oracle, fontsize=10)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("regret" if known else "best value")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"median and interquartile range over seeds {list(analysis.grid.seeds)}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
