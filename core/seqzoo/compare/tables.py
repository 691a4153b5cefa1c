"""Writing and rendering an :class:`~.analysis.Analysis`: CSV files and rich tables
(report.md is :mod:`.markdown`'s).

CSV floats are written with ``repr`` (exact round-trip), ``-inf``/``inf`` as such, missing
values empty and booleans as ``true``/``false``; tables round to four significant digits.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..presets import QUICK
from ..spec import Spec
from .analysis import ALL_ORACLES, BASELINE, LOW_FEASIBLE, Analysis, Cell

SUMMARY_COLUMNS = ("proposer", "oracle", "seed", "best_value", "regret", "evaluations",
                   "evaluations_to_best", "solved", "wall_seconds", "distinct_evaluations",
                   "warm_start_evaluations", "budget", "batch_size", "rounds", "model_queries",
                   "feasible_fraction", "diversity", "score", "stopped", "best_sequence")
TRACE_COLUMNS = ("proposer", "seed", "evaluations", "best_value", "oracle", "regret")
#: The columns of the per-oracle tables (see :func:`cell_texts`).
HEADINGS = ("proposer", "runs", "best value: median [IQR]", "regret: median [IQR]",
            "regret 95% CI", "solved", "evals to solve", "score", "feasible", "diversity",
            "distinct evals", "duplicates", "batch", "rounds", "model queries", "wall s", "rank",
            "group")
#: The columns kept on a narrow terminal (``table.txt`` and ``report.md`` have them all).
COMPACT = ("proposer", "best value: median [IQR]", "regret 95% CI", "solved", "score",
           "duplicates", "rank", "group")


def labels(proposers: Sequence[str]) -> dict[str, str]:
    """Short names for tables and legends: a proposer's name when no other proposer in the
    grid shares it, else its whole spec (``random`` vs ``random:mutations=2``). A proposer
    at its ``quick`` preset is marked: ``cbas (quick)``."""
    parsed = [Spec.parse(p) for p in proposers]
    names = [s.name for s in parsed]
    return {p: (f"{s.name} ({QUICK})" if s.options.get("preset") == QUICK else s.name)
            if names.count(s.name) == 1 else p for p, s in zip(proposers, parsed)}


def legend(proposers: Sequence[str]) -> list[str]:
    """``label = spec`` for every proposer whose label hides options."""
    return [f"{label} = {spec}" for spec, label in labels(proposers).items() if label != spec]


def _csv_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row[c]) for c in columns])


def fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.3g}"


#: The columns that only mean something when the oracle knows its optimum.
NEEDS_OPTIMUM = ("regret: median [IQR]", "regret 95% CI", "solved", "evals to solve")
#: Which way is better in a column (+1: larger, -1: smaller), and the statistic compared:
#: the best cell of each such column is marked in report.md and report.html.
BETTER = {"best value: median [IQR]": (1, "best_value_median"),
          "regret: median [IQR]": (-1, "regret_median"),
          "solved": (1, "solved_fraction"), "evals to solve": (-1, "evaluations_to_solve_median"),
          "score": (-1, "score_median"), "feasible": (1, "feasible_fraction_median"),
          "wall s": (-1, "wall_seconds_median"), "rank": (-1, "mean_rank")}
#: Appended to a feasible share under :data:`~.analysis.LOW_FEASIBLE`.
LOW_MARK = " (low)"


def headings(analysis: Analysis, oracle: str) -> tuple[str, ...]:
    """The columns of one oracle's table: no regret or solved columns without an optimum."""
    if analysis.known_optimum(oracle):
        return HEADINGS
    return tuple(h for h in HEADINGS if h not in NEEDS_OPTIMUM)


def cell_texts(cell: Cell, label: str) -> dict[str, str]:
    """Every column's text for one cell, keyed by its heading."""
    v = cell.values

    def iqr(k: str) -> str:
        return f"{fmt(v[k + '_median'])} [{fmt(v[k + '_q25'])}, {fmt(v[k + '_q75'])}]"

    solved = round(v["solved_fraction"] * cell.runs)
    feasible = v["feasible_fraction_median"]
    group = v.get("group")
    texts = [label, str(cell.runs), iqr("best_value"), iqr("regret"),
             f"{fmt(v['regret_ci_low'])} - {fmt(v['regret_ci_high'])}",
             f"{solved}/{cell.runs}", _evals(v["evaluations_to_solve_median"]),
             fmt(v["score_median"]),
             fmt(feasible) + (LOW_MARK if feasible < LOW_FEASIBLE else ""),
             fmt(v["diversity_median"]), _evals(v["distinct_evaluations_median"]),
             _percent(v["duplicate_share_median"]), _evals(v["batch_size_median"]),
             _evals(v["rounds_median"]), _evals(v["model_queries_median"]),
             fmt(v["wall_seconds_median"]), fmt(v["mean_rank"]),
             group if group else "untested"]
    return dict(zip(HEADINGS, texts))


def best_cells(cells: Sequence[Cell]) -> dict[str, set[int]]:
    """Per column of :data:`BETTER`, the rows (indices into ``cells``) holding its best
    value, ties all marked; nothing when fewer than two rows have a value."""
    out = {}
    for heading, (sign, key) in BETTER.items():
        values = [sign * c.values.get(key, math.nan) for c in cells]
        finite = [x for x in values if not math.isnan(x)]
        if len(finite) < 2 or min(finite) == max(finite):
            continue
        top = max(finite)
        out[heading] = {i for i, x in enumerate(values) if x == top}
    return out


def score_text(analysis: Analysis, oracle: str) -> str:
    """What the normalised score of ``oracle`` runs between, with the numbers."""
    top, optimum, floor = analysis.score_basis.get(oracle, (math.nan, False, math.nan))
    what = (f"the optimum {fmt(top)}" if optimum else
            f"the best value any run found, {fmt(top)} (the optimum is unknown)")
    if math.isnan(floor):
        return f"score: none (no {BASELINE!r} proposer to set score 1)"
    return (f"score: 0 = {what}, 1 = the {BASELINE!r} proposer's median best value "
            f"{fmt(floor)}")


def _evals(value: float | None) -> str:
    """Evaluation counts in full (``3,000``, not ``3e+03``)."""
    return "-" if value is None or math.isnan(value) else f"{value:,.0f}"


def _percent(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def ranked(analysis: Analysis, oracle: str) -> list[Cell]:
    """The cells of one oracle, best mean rank first (grid order breaks ties)."""
    cells = [c for c in analysis.cells if c.oracle == oracle]
    return sorted(cells, key=lambda c: (math.isnan(c.values["mean_rank"]),
                                        c.values["mean_rank"]))


def rich_tables(analysis: Analysis, compact: bool = False) -> list[Table]:
    """One table per oracle (only the :data:`COMPACT` columns if ``compact``), then the
    pairwise win rates."""
    out = []
    g = analysis.grid
    short = labels(g.proposers)
    for oracle in g.oracles:
        columns = [h for h in headings(analysis, oracle) if not compact or h in COMPACT]
        table = Table(title=f"{oracle}: {budget_text(g)}, {batch_text(g)}, "
                            f"seeds {','.join(map(str, g.seeds))}{_warm_text(g)}",
                      caption=score_text(analysis, oracle))
        for i, h in enumerate(columns):
            table.add_column(h, justify="left" if i == 0 else "right")
        for cell in ranked(analysis, oracle):
            texts = cell_texts(cell, short[cell.proposer])
            table.add_row(*[texts[h] for h in columns])
        out.append(table)
    overall = analysis.significance.get(ALL_ORACLES)
    wins = Table(title="win rate of row over column on paired seeds (all oracles), "
                       "best mean rank first")
    wins.add_column("proposer", no_wrap=True)
    order = [g.proposers.index(p) for p in analysis.rank_order()]
    for n in range(len(order)):
        wins.add_column(str(n + 1), justify="right")
    wins.add_column("mean rank", justify="right")
    wins.add_column("group", justify="right")
    for n, i in enumerate(order):
        wins.add_row(f"{n + 1} {short[g.proposers[i]]}",
                     *[fmt(analysis.wins[i, j]) for j in order],
                     fmt(analysis.ranks[i]), group_of(overall, g.proposers[i]))
    out.append(wins)
    return out


def group_of(found, proposer: str) -> str:
    return found.groups.get(proposer, "-") if found is not None and found.tested \
        else "untested"


def group_text(analysis: Analysis, scope: str) -> str:
    """One line on the tests behind a table's ``group`` column."""
    found = analysis.significance.get(scope)
    if found is None:
        return ""
    if not found.tested:
        return f"group ({scope}): untested, {found.reason}."
    verdict = ("the proposers differ" if found.friedman_p < found.alpha
               else "no difference found, so one group")
    return (f"group ({scope}): proposers sharing a letter are not distinguishable at "
            f"alpha = {found.alpha:g} (Friedman p = {found.friedman_p:.3g} over "
            f"{found.blocks} paired blocks: {verdict}; Nemenyi critical difference "
            f"{found.critical_difference:.3g} in mean rank).")


def test_lines(analysis: Analysis) -> list[str]:
    """What the ``group`` columns rest on, per oracle and over all (one line when they are
    the same blocks)."""
    scopes = list(analysis.grid.oracles) if len(analysis.grid.oracles) > 1 else []
    return [line for line in (group_text(analysis, s) for s in scopes + [ALL_ORACLES])
            if line]


def _warm_text(grid) -> str:
    if grid.warm_start is None:
        return ""
    size = f" ({grid.warm_start_budget} evals)" if grid.warm_start_budget else ""
    return f", warm start {grid.warm_start}{size}"


def render_text(analysis: Analysis, width: int = 160) -> str:
    """The rich tables as plain text (``table.txt``)."""
    buffer = io.StringIO()
    # markup off: specs and notes hold brackets ("llome:temperatures=[0.6]", "seqzoo[plot]")
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      markup=False)
    for table in rich_tables(analysis):
        console.print(table)
    for line in legend(analysis.grid.proposers) + test_lines(analysis):
        console.print(line, soft_wrap=True)
    for note in analysis.notes:
        console.print(f"note: {note}", soft_wrap=True)
    return buffer.getvalue()


def batch_text(g) -> str:
    """``rounds of 100`` and, with model-guided proposers, their model queries a round."""
    size = f"rounds of {g.batch_size}" if g.batch_size else "each proposer's own round size"
    if g.rounds == "free":
        size = (f"free rounds (asks of up to {g.batch_size})" if g.batch_size
                else "free rounds")
    return size + (f", {g.model_queries:,} model queries a round"
                   if any("model=" in p for p in g.proposers) else "")


def budget_text(g) -> str:
    """``budget 5000`` or ``10 rounds after the start rows``."""
    return f"budget {g.budget}" if g.budget is not None else \
        f"{g.rounds} rounds after the start rows"
