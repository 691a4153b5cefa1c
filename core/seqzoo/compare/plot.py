"""``regret.png``: regret (or best value, when the optimum is unknown) against evaluations,
the median over seeds with an interquartile band per proposer, one panel per oracle (four
to a row); and ``critical_difference.png``: the mean ranks and significance groups as a
critical difference diagram (Demsar 2006), one panel per tested oracle (up to twelve) and
one over all oracles.

matplotlib is the optional extra ``seqzoo[plot]``; it is imported here only, and lazily.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .analysis import ALL_ORACLES, Analysis
from .significance import Significance
from .stats import step_values
from .tables import labels

POINTS = 200
#: regret.png's panels per row.
PANELS_PER_ROW = 4
#: The most per-oracle panels critical_difference.png draws (beyond, only the one over all).
CD_PANELS = 12


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
    # rows of at most PANELS_PER_ROW: a grid of 85 oracles (flexs-paper's starts) in one row
    # would be 56,000 pixels wide
    cols = min(len(oracles), PANELS_PER_ROW)
    rows = -(-len(oracles) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4.2 * rows), squeeze=False)
    for ax in axes.flat[len(oracles):]:
        ax.set_axis_off()
    for ax, oracle in zip(axes.flat, oracles):
        known = any(r.optimum is not None for r in analysis.records if r.task.oracle == oracle)
        for proposer in analysis.rank_order():
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
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"median and interquartile range over seeds {list(analysis.grid.seeds)}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cd_scopes(analysis: Analysis) -> list[str]:
    """The panels of the diagram: every oracle's (when there are several, and no more than
    ``CD_PANELS`` of them could be tested), then all. An untested oracle's panel would say
    only "not tested" (stats.csv says why), and a panel is as tall as the proposers are many:
    a grid of one seed on 85 oracles drew a figure past matplotlib's 65,536 pixels."""
    oracles = list(analysis.grid.oracles)
    if len(oracles) == 1:
        return [ALL_ORACLES]
    tested = [o for o in oracles if analysis.significance[o].tested]
    return (tested if len(tested) <= CD_PANELS else []) + [ALL_ORACLES]


def draw_cd(ax, found: Significance, names: dict[str, str], title: str) -> None:
    """A critical difference diagram on ``ax``: a rank axis with 1 (best) at the left, each
    proposer's mean rank, a bar joining the proposers of each group (a set no two of which
    differ) and, above the axis, the critical difference's length."""
    import textwrap

    ax.set_axis_off()
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=9, loc="left")
    if not found.tested:
        ax.text(0.5, 0.5, f"not tested: {found.reason}", ha="center", va="center",
                fontsize=8, wrap=True, transform=ax.transAxes)
        return
    k = len(found.proposers)
    lo, hi = 1, max(k, 2)
    order = np.argsort(found.mean_ranks, kind="stable")
    half = (k + 1) // 2
    depth = max(half, k - half)
    ax.set_xlim(lo - 0.9, hi + 0.9)
    ax.hlines(0, lo, hi, color="black", lw=1)
    for r in range(lo, hi + 1):
        ax.vlines(r, 0, 0.15, color="black", lw=1)
        ax.text(r, 0.25, str(r), ha="center", va="bottom", fontsize=8)
    cd = found.critical_difference
    if cd is not None:
        ax.hlines(1.05, lo, lo + cd, color="black", lw=1.5)
        ax.vlines([lo, lo + cd], 0.95, 1.15, color="black", lw=1.5)
        ax.text(lo + cd / 2, 1.2, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=8)
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(found.proposers):
        for letter in found.groups.get(name, ""):
            groups.setdefault(letter, []).append(i)
    bars = [m for _, m in sorted(groups.items()) if len(m) > 1]
    for j, members in enumerate(bars):
        y = -0.35 - 0.3 * j
        ranks = found.mean_ranks[members]
        # tied members would make a dot: a bar is at least a tenth of a rank wide
        ax.hlines(y, min(ranks.min(), ranks.max() - 0.1) - 0.05, ranks.max() + 0.05,
                  color="#555", lw=4, capstyle="butt")
    top = -0.35 - 0.3 * len(bars) - 0.3
    ax.set_ylim(top - 0.9 * (depth - 1) - 0.5, 1.6)
    for slot, i in enumerate(order):
        rank = found.mean_ranks[i]
        left = slot < half
        row = slot if left else k - 1 - slot
        y = top - row * 0.9
        edge = lo - 0.5 if left else hi + 0.5
        ax.vlines(rank, y, 0, color="#888", lw=0.8)
        ax.hlines(y, min(rank, edge), max(rank, edge), color="#888", lw=0.8)
        ax.plot([rank], [0], "o", color="black", ms=3)
        name = found.proposers[i]
        label = f"{names[name]} ({rank:.2f}, {found.groups.get(name, '')})"
        ax.text(edge - 0.05 if left else edge + 0.05, y, label, ha="right" if left else "left",
                va="center", fontsize=8)


def cd_render(analysis: Analysis, path=None, fmt: str = "png"):
    """Draw the critical difference diagrams; write them to ``path`` or return the bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scopes = cd_scopes(analysis)
    names = labels(analysis.grid.proposers)
    k = len(analysis.grid.proposers)
    height = 1.0 + 0.22 * (k + 6)
    fig, axes = plt.subplots(len(scopes), 1, figsize=(8, height * len(scopes)), squeeze=False)
    for ax, scope in zip(axes[:, 0], scopes):
        found = analysis.significance[scope]
        what = (f"Friedman p = {found.friedman_p:.3g}, {found.blocks} blocks, alpha = "
                f"{found.alpha:g}" if found.tested else f"{found.blocks} blocks")
        draw_cd(ax, found, names, f"{scope}: mean rank (1 = best); {what}")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120, format=fmt)
        plt.close(fig)
        return None
    buffer = io.BytesIO()
    # no date in the file: the same store gives the same page
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()


def cd_figure(analysis: Analysis, path: Path) -> None:
    """``critical_difference.png``."""
    cd_render(analysis, path)
