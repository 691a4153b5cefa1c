"""``report.html``: the comparison as one self-contained page that works offline.

Every table of ``report.md`` (rendered by markdown-it, which rich already brings), the code
that made the runs, and per oracle two plotly figures: regret (or best value, when the
optimum is unknown) against evaluations -- the median over seeds with its interquartile
band, one legend entry per proposer that toggles both, hover for values, a button for a
log x-axis -- and the distribution of final values per proposer. plotly's JavaScript is
inlined once, so the page needs no network. plotly is part of the optional ``seqzoo[plot]``
extra and imported here only, lazily.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from .analysis import Analysis
from .plot import quartiles
from .tables import labels

#: plotly's default qualitative colours, so a proposer's line and band share one.
COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692",
           "#b6e880", "#ff97ff", "#fecb52")


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("plotly") is not None


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def curve_figure(analysis: Analysis, oracle: str):
    import plotly.graph_objects as go

    short = labels(analysis.grid.proposers)
    known = any(r.optimum is not None for r in analysis.records if r.task.oracle == oracle)
    what = "regret" if known else "best value"
    fig = go.Figure()
    for i, proposer in enumerate(analysis.grid.proposers):
        found = quartiles(analysis, oracle, proposer)
        if found is None:
            continue
        at, q25, med, q75 = found
        colour, name = COLOURS[i % len(COLOURS)], short[proposer]
        common = dict(x=at.tolist(), legendgroup=name, line_shape="hv")
        fig.add_trace(go.Scatter(y=q75.tolist(), mode="lines", line=dict(width=0),
                                 showlegend=False, hoverinfo="skip", **common))
        fig.add_trace(go.Scatter(y=q25.tolist(), mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=_rgba(colour, 0.18),
                                 showlegend=False, hoverinfo="skip", **common))
        fig.add_trace(go.Scatter(
            y=med.tolist(), mode="lines", name=name, line=dict(color=colour, width=2),
            hovertemplate=f"{html.escape(name)}<br>%{{x}} evaluations<br>median {what} "
                          f"%{{y:.4g}}<extra></extra>", **common))
    fig.update_layout(
        title=f"{oracle}: median {what} and interquartile range over seeds "
              f"{', '.join(map(str, analysis.grid.seeds))}",
        xaxis_title="evaluations", yaxis_title=what, hovermode="x unified",
        legend_title_text="proposer (click to hide)", template="plotly_white",
        updatemenus=[dict(type="buttons", direction="left", x=0, y=1.12, xanchor="left",
                          buttons=[dict(label="linear x", method="relayout",
                                        args=[{"xaxis.type": "linear"}]),
                                   dict(label="log x", method="relayout",
                                        args=[{"xaxis.type": "log"}])])])
    return fig


def final_figure(analysis: Analysis, oracle: str):
    import plotly.graph_objects as go

    short = labels(analysis.grid.proposers)
    fig = go.Figure()
    for i, proposer in enumerate(analysis.grid.proposers):
        runs = [r for r in analysis.records
                if r.task.oracle == oracle and r.task.proposer == proposer]
        if not runs:
            continue
        values = [r.best_value if np.isfinite(r.best_value) else None for r in runs]
        fig.add_trace(go.Box(y=values, name=short[proposer], boxpoints="all", jitter=0.4,
                             pointpos=0, marker_color=COLOURS[i % len(COLOURS)],
                             text=[f"seed {r.task.seed}" for r in runs],
                             hovertemplate="%{text}: %{y:.4g}<extra></extra>"))
    fig.update_layout(title=f"{oracle}: final best value per run", yaxis_title="best value",
                      showlegend=False, template="plotly_white")
    return fig


def render(analysis: Analysis, report_md: str) -> str:
    """The page: report.md's text and tables, then the figures of every oracle."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(
        "\n".join(line for line in report_md.splitlines() if not line.startswith("![")))
    parts, first = [], True
    for oracle in analysis.grid.oracles:
        for fig in (curve_figure(analysis, oracle), final_figure(analysis, oracle)):
            parts.append(fig.to_html(full_html=False, include_plotlyjs=first,
                                     config={"displaylogo": False, "responsive": True}))
            first = False
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>zoo compare report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
        padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style></head>
<body>
{body}
<h2>Figures</h2>
{''.join(f'<div class="figure">{p}</div>' for p in parts)}
</body></html>
"""


def write(analysis: Analysis, report_md: str, path: Path) -> None:
    from ..runlog import write_text_atomic

    write_text_atomic(path, render(analysis, report_md))
