"""Writing and rendering an :class:`~.analysis.Analysis`: CSV files, rich tables, markdown.

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

from ..spec import Spec
from .analysis import Analysis, Cell

SUMMARY_COLUMNS = ("proposer", "oracle", "seed", "best_value", "regret", "evaluations",
                   "evaluations_to_best", "solved", "wall_seconds", "distinct_evaluations",
                   "warm_start_evaluations", "budget", "batch_size", "rounds", "model_queries",
                   "feasible_fraction", "diversity", "score", "stopped", "best_sequence")
TRACE_COLUMNS = ("proposer", "seed", "evaluations", "best_value", "oracle", "regret")
#: The columns of the per-oracle tables (see :func:`_cell_texts`).
HEADINGS = ("proposer", "runs", "best value: median [IQR]", "regret: median [IQR]",
            "regret 95% CI", "solved", "evals to solve", "score", "feasible", "diversity",
            "distinct evals", "duplicates", "batch", "rounds", "model queries", "wall s", "rank")
#: The columns kept on a narrow terminal (``table.txt`` and ``report.md`` have them all).
COMPACT = ("proposer", "best value: median [IQR]", "regret 95% CI", "solved", "score",
           "duplicates", "rank")


def labels(proposers: Sequence[str]) -> dict[str, str]:
    """Short names for tables and legends: a proposer's name when no other proposer in the
    grid shares it, else its whole spec (``random`` vs ``random:mutations=2``)."""
    names = [Spec.parse(p).name for p in proposers]
    return {p: n if names.count(n) == 1 else p for p, n in zip(proposers, names)}


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


def _cell_texts(cell: Cell, label: str) -> list[str]:
    v = cell.values

    def iqr(k: str) -> str:
        return f"{fmt(v[k + '_median'])} [{fmt(v[k + '_q25'])}, {fmt(v[k + '_q75'])}]"

    solved = round(v["solved_fraction"] * cell.runs)
    return [label, str(cell.runs), iqr("best_value"), iqr("regret"),
            f"{fmt(v['regret_ci_low'])} - {fmt(v['regret_ci_high'])}",
            f"{solved}/{cell.runs}", _evals(v["evaluations_to_solve_median"]),
            fmt(v["score_median"]), fmt(v["feasible_fraction_median"]),
            fmt(v["diversity_median"]), _evals(v["distinct_evaluations_median"]),
            _percent(v["duplicate_share_median"]), _evals(v["batch_size_median"]),
            _evals(v["rounds_median"]), _evals(v["model_queries_median"]),
            fmt(v["wall_seconds_median"]),
            fmt(v["mean_rank"])]


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
    keep = [i for i, h in enumerate(HEADINGS) if not compact or h in COMPACT]
    for oracle in g.oracles:
        table = Table(title=f"{oracle}: {budget_text(g)}, {_batch_text(g)}, "
                            f"seeds {','.join(map(str, g.seeds))}{_warm_text(g)}")
        for i in keep:
            table.add_column(HEADINGS[i], justify="left" if i == 0 else "right")
        for cell in ranked(analysis, oracle):
            texts = _cell_texts(cell, short[cell.proposer])
            table.add_row(*[texts[i] for i in keep])
        out.append(table)
    wins = Table(title="win rate of row over column on paired seeds (all oracles)")
    wins.add_column("proposer", no_wrap=True)
    for i in range(len(g.proposers)):
        wins.add_column(str(i + 1), justify="right")
    wins.add_column("mean rank", justify="right")
    for i, p in enumerate(g.proposers):
        wins.add_row(f"{i + 1} {short[p]}", *[fmt(w) for w in analysis.wins[i]],
                     fmt(analysis.ranks[i]))
    out.append(wins)
    return out


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
    for line in legend(analysis.grid.proposers):
        console.print(line, soft_wrap=True)
    for note in analysis.notes:
        console.print(f"note: {note}", soft_wrap=True)
    return buffer.getvalue()


def _md_table(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(headings), "|" + "|".join("---" for _ in headings) + "|",
            *map(line, rows)]


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _batch_text(g) -> str:
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


def render_markdown(analysis: Analysis, plot: str | None) -> str:
    g = analysis.grid
    lines = ["# zoo compare report", "",
             f"{_count(g.proposers, 'proposer')} x {_count(g.oracles, 'oracle')} x "
             f"{_count(g.seeds, 'seed')} "
             f"(seeds {', '.join(map(str, g.seeds))}); every run: {budget_text(g)} "
             f"(evaluations), {_batch_text(g)}, "
             + (f"starting from a shared warm start (`{g.warm_start}`"
                + (f", {g.warm_start_budget} evaluations" if g.warm_start_budget else "")
                + "; the same rows for every proposer of a seed, counted in the budget)."
                if g.warm_start else "starting from the oracle's initial solutions."), "",
             "Medians over seeds with the interquartile range; 95% intervals by percentile "
             "bootstrap of the median. Score: 0 = optimum, 1 = the `hill-climb` proposer's median "
             "(Bayesmark). Diversity: mean pairwise Hamming distance in the final batch. "
             "Distinct evals: sequences evaluated after step 0 that had not been seen; "
             "duplicates: the share of evaluations after step 0 that re-scored a known "
             "sequence. Rank: mean rank on paired seeds (1 = best); rows are sorted by it.",
             ""]
    short = labels(g.proposers)
    lines += [f"- `{line}`" for line in legend(g.proposers)]
    for oracle in g.oracles:
        cells = ranked(analysis, oracle)
        lines += ["", f"## {oracle}", ""]
        lines += _md_table(HEADINGS[:5] + ("best value 95% CI",) + HEADINGS[5:],
                           [t[:5] + [f"{fmt(c.values['best_value_ci_low'])} - "
                                     f"{fmt(c.values['best_value_ci_high'])}"] + t[5:]
                            for c in cells for t in [_cell_texts(c, short[c.proposer])]])
    lines.append("")
    lines += ["## Pairwise win rates", "",
              "Fraction of paired (oracle, seed) blocks where the row's best value beats the "
              "column's (ties count one half).", ""]
    lines += _md_table(("proposer",) + tuple(short[p] for p in g.proposers) + ("mean rank",),
                       [[short[p]] + [fmt(w) for w in analysis.wins[i]]
                        + [fmt(analysis.ranks[i])] for i, p in enumerate(g.proposers)])
    lines.append("")
    if plot:
        lines += [f"![best value and regret against evaluations]({plot})", ""]
    lines += [f"- note: {n}" for n in analysis.notes]
    lines += ["", "## Code", ""] + [f"- {line}" for line in provenance_lines(analysis)]
    return "\n".join(lines).rstrip() + "\n"


def provenance_lines(analysis: Analysis) -> list[str]:
    """What code made the runs: one line per distinct (commit, versions) record."""
    seen: dict[str, int] = {}
    for r in analysis.records:
        p = r.provenance or {}
        versions = ", ".join(f"{k} {v}" for k, v in sorted((p.get("versions") or {}).items()))
        key = f"commit {p.get('commit') or 'unknown'}; {versions or 'versions unknown'}"
        seen[key] = seen.get(key, 0) + 1
    return [f"{n} run{'s' if n != 1 else ''}: {k}" for k, n in seen.items()]
