"""Writing and rendering an :class:`~.analysis.Analysis`: CSV files, rich tables, markdown.

CSV floats are written with ``repr`` (exact round-trip), ``-inf``/``inf`` as such, missing
values empty and booleans as ``true``/``false``; tables round to four significant digits.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.table import Table

from .analysis import Analysis, Cell

SUMMARY_COLUMNS = ("proposer", "oracle", "seed", "best_value", "regret", "evaluations",
                   "evaluations_to_best", "solved", "wall_seconds", "budget", "batch_size",
                   "feasible_fraction", "diversity", "score", "stopped", "best_sequence")
TRACE_COLUMNS = ("proposer", "seed", "evaluations", "best_value", "oracle", "regret")
#: The columns of the per-oracle tables (see :func:`_cell_texts`).
HEADINGS = ("proposer", "runs", "best value: median [IQR]", "regret: median [IQR]",
            "regret 95% CI", "solved", "evals to solve", "score", "feasible", "diversity",
            "wall s", "rank")


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
    return f"{value:.4g}"


def _cell_texts(cell: Cell) -> list[str]:
    v = cell.values
    iqr = lambda k: f"{fmt(v[k + '_median'])} [{fmt(v[k + '_q25'])}, {fmt(v[k + '_q75'])}]"  # noqa: E731
    solved = round(v["solved_fraction"] * cell.runs)
    return [cell.proposer, str(cell.runs), iqr("best_value"), iqr("regret"),
            f"{fmt(v['regret_ci_low'])} - {fmt(v['regret_ci_high'])}",
            f"{solved}/{cell.runs}", fmt(v["evaluations_to_solve_median"]),
            fmt(v["score_median"]), fmt(v["feasible_fraction_median"]),
            fmt(v["diversity_median"]), fmt(v["wall_seconds_median"]), fmt(v["mean_rank"])]


def rich_tables(analysis: Analysis) -> list[Table]:
    """One table per oracle, then the pairwise win rates."""
    out = []
    g = analysis.grid
    for oracle in g.oracles:
        table = Table(title=f"{oracle}: budget {g.budget}, batch {g.batch_size}, "
                            f"seeds {','.join(map(str, g.seeds))}")
        for i, heading in enumerate(HEADINGS):
            table.add_column(heading, justify="left" if i == 0 else "right", no_wrap=i == 0)
        for cell in (c for c in analysis.cells if c.oracle == oracle):
            table.add_row(*_cell_texts(cell))
        out.append(table)
    wins = Table(title="win rate of row over column on paired seeds (all oracles)")
    wins.add_column("proposer")
    for p in g.proposers:
        wins.add_column(p, justify="right")
    wins.add_column("mean rank", justify="right")
    for i, p in enumerate(g.proposers):
        wins.add_row(p, *[fmt(w) for w in analysis.wins[i]], fmt(analysis.ranks[i]))
    out.append(wins)
    return out


def render_text(analysis: Analysis, width: int = 160) -> str:
    """The rich tables as plain text (``table.txt``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    for table in rich_tables(analysis):
        console.print(table)
    for note in analysis.notes:
        console.print(f"note: {note}")
    return buffer.getvalue()


def _md_table(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(map(esc, headings)) + " |",
             "|" + "|".join("---" for _ in headings) + "|"]
    return lines + ["| " + " | ".join(map(esc, row)) + " |" for row in rows]


def render_markdown(analysis: Analysis, plot: str | None) -> str:
    g = analysis.grid
    lines = ["# zoo compare report", "",
             f"{len(g.proposers)} proposers x {len(g.oracles)} oracles x {len(g.seeds)} seeds "
             f"(seeds {', '.join(map(str, g.seeds))}); every run: budget {g.budget} "
             f"evaluations, batch size {g.batch_size}, the oracle's initial solutions.", "",
             "Medians over seeds with the interquartile range; 95% intervals by percentile "
             "bootstrap of the median. Score: 0 = optimum, 1 = the `random` proposer's median "
             "(Bayesmark). Diversity: mean pairwise Hamming distance in the final batch. "
             "Rank: mean rank on paired seeds (1 = best).", ""]
    for oracle in g.oracles:
        cells = [c for c in analysis.cells if c.oracle == oracle]
        lines += [f"## {oracle}", ""]
        lines += _md_table(HEADINGS[:5] + ("best value 95% CI",) + HEADINGS[5:],
                           [t[:5] + [f"{fmt(c.values['best_value_ci_low'])} - "
                                     f"{fmt(c.values['best_value_ci_high'])}"] + t[5:]
                            for c in cells for t in [_cell_texts(c)]])
        lines.append("")
    lines += ["## Pairwise win rates", "",
              "Fraction of paired (oracle, seed) blocks where the row's best value beats the "
              "column's (ties count one half).", ""]
    lines += _md_table(("proposer",) + tuple(g.proposers) + ("mean rank",),
                       [[p] + [fmt(w) for w in analysis.wins[i]] + [fmt(analysis.ranks[i])]
                        for i, p in enumerate(g.proposers)])
    lines.append("")
    if plot:
        lines += [f"![best value and regret against evaluations]({plot})", ""]
    lines += [f"- note: {n}" for n in analysis.notes]
    return "\n".join(lines).rstrip() + "\n"
