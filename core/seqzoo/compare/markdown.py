"""``report.md``: the comparison as markdown -- the protocol in a paragraph, per oracle its
table (each column's best in bold) and per-seed values, the pairwise win rates, the data
profiles' end points and the code that made the runs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .analysis import ALL_ORACLES, BASELINE, LOW_FEASIBLE, Analysis, Cell
from .tables import (LOW_MARK, batch_text, best_cells, budget_text, cell_texts, fmt, group_of,
                     group_text, headings, labels, legend, ranked, score_text)


def _md_table(heads: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(heads), "|" + "|".join("---" for _ in heads) + "|",
            *map(line, rows)]


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _marked(cells: Sequence[Cell], columns: Sequence[str], texts: list[dict[str, str]]
            ) -> list[list[str]]:
    """Rows of texts with each column's best cell in bold."""
    best = best_cells(cells)
    return [[f"**{t[h]}**" if i in best.get(h, ()) else t[h] for h in columns]
            for i, t in enumerate(texts)]


def per_seed_rows(analysis: Analysis, oracle: str) -> tuple[list[str], list[list[str]]]:
    """Best value of every proposer (rows, in rank order) on every seed (columns), the best
    of each seed in bold."""
    g = analysis.grid
    short = labels(g.proposers)
    at = {(r.task.proposer, r.task.seed): r.best_value for r in analysis.records
          if r.task.oracle == oracle}
    order = [c.proposer for c in ranked(analysis, oracle)]
    top = {s: max((v for (p, seed), v in at.items() if seed == s), default=math.nan)
           for s in g.seeds}
    rows = []
    for p in order:
        row = [short[p]]
        for s in g.seeds:
            v = at.get((p, s))
            text = fmt(v)
            several = sum(1 for q in order if at.get((q, s)) is not None) > 1
            row.append(f"**{text}**" if v is not None and v == top[s] and several else text)
        rows.append(row)
    return ["proposer"] + [f"seed {s}" for s in g.seeds], rows


def profile_rows(analysis: Analysis) -> tuple[list[str], list[list[str]]]:
    """The share of problems each proposer solves at each tolerance within the budget (the
    right end of its data profile), over all oracles."""
    from .profiles import ALL

    g = analysis.grid
    short = labels(g.proposers)
    found = [p for p in analysis.profiles if p.problems == ALL and p.axis == "evaluations"]
    taus = sorted({p.tau for p in found}, reverse=True)
    end = {(p.proposer, p.tau): (p.fraction[-1] if len(p.fraction) else 0.0, p.total)
           for p in found}
    rows = []
    for proposer in analysis.rank_order():
        row = [short[proposer]]
        for tau in taus:
            share, total = end.get((proposer, tau), (math.nan, 0))
            row.append(f"{round(share * total)}/{total}" if total else "-")
        rows.append(row)
    return ["proposer"] + [f"solved at tau = {t:g}" for t in taus], rows


def render_markdown(analysis: Analysis, plot: str | None) -> str:
    g = analysis.grid
    lines = ["# zoo compare report", "",
             f"{_count(g.proposers, 'proposer')} x {_count(g.oracles, 'oracle')} x "
             f"{_count(g.seeds, 'seed')} "
             f"(seeds {', '.join(map(str, g.seeds))}); every run: {budget_text(g)} "
             f"(evaluations), {batch_text(g)}, "
             + (f"starting from a shared warm start (`{g.warm_start}`"
                + (f", {g.warm_start_budget} evaluations" if g.warm_start_budget else "")
                + "; the same rows for every proposer of a seed, counted in the budget)."
                if g.warm_start else "starting from the oracle's initial solutions."), "",
             "Medians over seeds with the interquartile range; 95% intervals by percentile "
             f"bootstrap of the median. Score (Bayesmark): 0 at the optimum -- or, when the "
             f"oracle does not know it, at the best value any run found -- and 1 at the "
             f"`{BASELINE}` proposer's median; each table says its two values. Diversity: "
             "mean pairwise Hamming distance in the final batch. "
             "Distinct evals: sequences evaluated after step 0 that had not been seen; "
             "duplicates: the share of evaluations after step 0 that re-scored a known "
             "sequence. Feasible: the median share of feasible evaluations, marked "
             f"`{LOW_MARK.strip()}` under {LOW_FEASIBLE:g}. Rank: mean rank on paired seeds "
             "(1 = best); rows are sorted by it. Group: proposers that share a letter are "
             "not distinguishable at alpha = 0.05 (Friedman test, then Nemenyi's). "
             "The best value of each column is in bold. An oracle whose optimum is unknown "
             "has no regret or solved columns.",
             ""]
    short = labels(g.proposers)
    lines += [f"- `{line}`" for line in legend(g.proposers)]
    for oracle in g.oracles:
        cells = ranked(analysis, oracle)
        columns = list(headings(analysis, oracle))
        columns.insert(columns.index("best value: median [IQR]") + 1, "best value 95% CI")
        texts = []
        for c in cells:
            t = cell_texts(c, short[c.proposer])
            t["best value 95% CI"] = (f"{fmt(c.values['best_value_ci_low'])} - "
                                      f"{fmt(c.values['best_value_ci_high'])}")
            texts.append(t)
        lines += ["", f"## {oracle}", "", f"{score_text(analysis, oracle)}. "
                  f"{group_text(analysis, oracle)}", ""]
        lines += _md_table(columns, _marked(cells, columns, texts))
        heads, rows = per_seed_rows(analysis, oracle)
        lines += ["", f"### {oracle}: best value per seed", ""] + _md_table(heads, rows)
    lines.append("")
    order = analysis.rank_order()
    index = {p: i for i, p in enumerate(g.proposers)}
    overall = analysis.significance.get(ALL_ORACLES)
    lines += ["## Pairwise win rates", "",
              "Fraction of paired (oracle, seed) blocks where the row's best value beats the "
              "column's (ties count one half); rows and columns in rank order. "
              + group_text(analysis, ALL_ORACLES), ""]
    lines += _md_table(("proposer",) + tuple(short[p] for p in order) + ("mean rank", "group"),
                       [[short[p]] + [fmt(analysis.wins[index[p], index[q]]) for q in order]
                        + [fmt(analysis.ranks[index[p]]), group_of(overall, p)]
                        for p in order])
    lines.append("")
    if analysis.profiles:
        heads, rows = profile_rows(analysis)
        lines += ["## Data profiles", "",
                  "A problem is an (oracle, seed) pair; a proposer solves it at tolerance tau "
                  "once its best value has closed all but tau of the gap between the start's "
                  "best value and the best value any proposer found there (More and Wild's "
                  "test). The curves against evaluations and rounds are in "
                  "data_profiles.csv and report.html; the share solved within the budget:",
                  ""] + _md_table(heads, rows) + [""]
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
