"""``report.html``: the comparison as one self-contained page that works offline.

Every table of ``report.md`` (rendered by markdown-it, which rich already brings), full
width with each column's best cell marked, and beside them plotly figures: per oracle,
regret (or best value, when the optimum is unknown) against evaluations -- the median over
seeds with its interquartile band, one legend entry per proposer that toggles both, a button
for a log x-axis -- the final values per run, and the best value against wall time; over all
oracles, the win rates as a coloured matrix, the critical difference diagram, and the data
profiles at each tolerance by evaluations and by rounds. Legends list proposers in rank
order.

plotly.js (4.8 MB) is embedded once, gzipped and base64-encoded (2 MB), and unpacked by the
browser's ``DecompressionStream``, so the page needs no network and is 40% the size of a
plain inline bundle. plotly is part of the optional ``seqzoo[plot]`` extra and imported here
only, lazily; the CD diagram is matplotlib's SVG, from the same extra.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import re
import warnings
from pathlib import Path

import numpy as np

from .analysis import ALL_ORACLES, Analysis
from .plot import cd_scopes, quartiles
from .profiles import ALL, AXES
from .stats import step_values
from .tables import LOW_MARK, labels

#: plotly's default qualitative colours, so a proposer's line and band share one.
COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692",
           "#b6e880", "#ff97ff", "#fecb52")
#: Points of the best-value-against-time curves.
TIME_POINTS = 200


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("plotly") is not None


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _colour(analysis: Analysis, proposer: str) -> str:
    """A proposer keeps its colour in every figure: the one of its place in the grid."""
    return COLOURS[analysis.grid.proposers.index(proposer) % len(COLOURS)]


def _layout(fig, title: str, **more) -> None:
    fig.update_layout(title=title, template="plotly_white",
                      legend_title_text="proposer, best rank first (click to hide)",
                      margin=dict(t=70, r=20), **more)


def _band(fig, x, q25, q75, med, name, colour, what, unit) -> None:
    """A median line with its interquartile band, toggled together by the legend."""
    import plotly.graph_objects as go

    # step lines ("hv") change only where a value does: the points in between draw nothing
    # (a 200-point curve of a run that improved ten times needs about twenty)
    keep = [i for i in range(len(x)) if i in (0, len(x) - 1) or
            (q25[i], med[i], q75[i]) != (q25[i - 1], med[i - 1], q75[i - 1])]
    x, q25, q75, med = ([seq[i] for i in keep] for seq in (list(x), q25, q75, med))
    common = dict(x=x, legendgroup=name, line_shape="hv")
    fig.add_trace(go.Scatter(y=list(q75), mode="lines", line=dict(width=0), showlegend=False,
                             hoverinfo="skip", **common))
    fig.add_trace(go.Scatter(y=list(q25), mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor=_rgba(colour, 0.18), showlegend=False,
                             hoverinfo="skip", **common))
    fig.add_trace(go.Scatter(
        y=list(med), mode="lines", name=name, line=dict(color=colour, width=2),
        hovertemplate=f"{html.escape(name)}<br>%{{x:.4g}} {unit}<br>median {what} "
                      f"%{{y:.4g}}<extra></extra>", **common))


def _none(values: np.ndarray) -> list:
    """Floats for JSON, NaN as a gap."""
    return [None if not np.isfinite(v) else float(v) for v in values]


def curve_figure(analysis: Analysis, oracle: str):
    import plotly.graph_objects as go

    short = labels(analysis.grid.proposers)
    what = "regret" if analysis.known_optimum(oracle) else "best value"
    fig = go.Figure()
    for proposer in analysis.rank_order():
        found = quartiles(analysis, oracle, proposer)
        if found is None:
            continue
        at, q25, med, q75 = found
        _band(fig, at.tolist(), _none(q25), _none(q75), _none(med), short[proposer],
              _colour(analysis, proposer), what, "evaluations")
    _layout(fig, f"{oracle}: median {what} and interquartile range over seeds "
                 f"{', '.join(map(str, analysis.grid.seeds))}",
            xaxis_title="evaluations", yaxis_title=what, hovermode="x unified",
            updatemenus=[dict(type="buttons", direction="left", x=0, y=1.12, xanchor="left",
                              buttons=[dict(label="linear x", method="relayout",
                                            args=[{"xaxis.type": "linear"}]),
                                       dict(label="log x", method="relayout",
                                            args=[{"xaxis.type": "log"}])])])
    return fig


def time_figure(analysis: Analysis, oracle: str):
    """Best value against the run's wall seconds: the median over seeds and its band, on
    a log-spaced time grid (runs that stop early keep their last value)."""
    import plotly.graph_objects as go

    short = labels(analysis.grid.proposers)
    runs = [r for r in analysis.records if r.task.oracle == oracle and r.times is not None]
    ends = [float(r.times[-1]) for r in runs if len(r.times)]
    starts = [t for r in runs for t in r.times.tolist() if t > 0]
    fig = go.Figure()
    if ends and starts and max(ends) > 0:
        at = np.geomspace(min(starts), max(ends), TIME_POINTS)
        for proposer in analysis.rank_order():
            mine = [r for r in runs if r.task.proposer == proposer]
            if not mine:
                continue
            ys = np.array([step_values(r.times, r.best, at) for r in mine])
            ys = np.where(np.isfinite(ys), ys, np.nan)
            with warnings.catch_warnings():  # all-NaN columns before a first feasible value
                warnings.simplefilter("ignore", RuntimeWarning)
                q25, med, q75 = np.nanpercentile(ys, [25, 50, 75], axis=0)
            _band(fig, at.tolist(), _none(q25), _none(q75), _none(med), short[proposer],
                  _colour(analysis, proposer), "best value", "s")
    _layout(fig, f"{oracle}: median best value against wall time",
            xaxis_title="wall seconds (log)", yaxis_title="best value", xaxis_type="log",
            hovermode="x unified")
    return fig


def final_figure(analysis: Analysis, oracle: str):
    import plotly.graph_objects as go

    short = labels(analysis.grid.proposers)
    fig = go.Figure()
    for proposer in analysis.rank_order():
        runs = [r for r in analysis.records
                if r.task.oracle == oracle and r.task.proposer == proposer]
        if not runs:
            continue
        values = [r.best_value if np.isfinite(r.best_value) else None for r in runs]
        fig.add_trace(go.Box(y=values, name=short[proposer], boxpoints="all", jitter=0.4,
                             pointpos=0, marker_color=_colour(analysis, proposer),
                             text=[f"seed {r.task.seed}" for r in runs],
                             hovertemplate="%{text}: %{y:.4g}<extra></extra>"))
    _layout(fig, f"{oracle}: final best value per run", yaxis_title="best value",
            showlegend=False)
    return fig


def wins_figure(analysis: Analysis):
    """The win-rate matrix, rows and columns in rank order, coloured from 0 (red: the row
    always loses) through 0.5 to 1 (blue: it always wins)."""
    import plotly.graph_objects as go

    g = analysis.grid
    short = labels(g.proposers)
    order = analysis.rank_order()
    index = [g.proposers.index(p) for p in order]
    wins = analysis.wins[np.ix_(index, index)]
    found = analysis.significance.get(ALL_ORACLES)
    rows = [f"{short[p]} ({found.groups.get(p, '')})" if found is not None and found.tested
            else short[p] for p in order]
    text = [["" if not np.isfinite(w) else f"{w:.2f}" for w in row] for row in wins]
    fig = go.Figure(go.Heatmap(
        z=[_none(row) for row in wins], x=[short[p] for p in order], y=rows, text=text,
        texttemplate="%{text}", zmin=0, zmax=1, colorscale="RdBu", xgap=2, ygap=2,
        colorbar=dict(title="win rate"),
        hovertemplate="%{y} beats %{x} on %{z:.0%} of paired blocks<extra></extra>"))
    _layout(fig, "win rate of row over column on paired (oracle, seed) blocks "
                 "(group letters in brackets)",
            yaxis=dict(autorange="reversed"), xaxis_side="top",
            height=max(320, 60 + 42 * len(order)))
    return fig


def profile_figure(analysis: Analysis, tau: float, problems: str = ALL):
    """Moré and Wild's data profile at ``tau``: evaluations on the left, rounds on the
    right."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    short = labels(analysis.grid.proposers)
    fig = make_subplots(rows=1, cols=2, subplot_titles=AXES, horizontal_spacing=0.08)
    found = {(p.proposer, p.axis): p for p in analysis.profiles
             if p.tau == tau and p.problems == problems}
    for proposer in analysis.rank_order():
        for col, axis in enumerate(AXES, start=1):
            p = found.get((proposer, axis))
            if p is None:
                continue
            x = [0.0] + p.x.tolist()
            y = [0.0] + p.fraction.tolist()
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines", line_shape="hv", name=short[proposer],
                legendgroup=short[proposer], showlegend=col == 1,
                line=dict(color=_colour(analysis, proposer), width=2),
                hovertemplate=f"{html.escape(short[proposer])}: %{{y:.0%}} of {p.total} "
                              f"problems within %{{x}} {axis}<extra></extra>"),
                row=1, col=col)
    what = "all (oracle, seed) problems" if problems == ALL else f"{problems}'s seeds"
    _layout(fig, f"data profile at tau = {tau:g}: share of {what} solved", height=420)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(title_text="evaluations", row=1, col=1)
    fig.update_xaxes(title_text="rounds", row=1, col=2)
    return fig


def cd_svg(analysis: Analysis) -> str | None:
    """The critical difference diagrams as inline SVG (``None`` without matplotlib or
    without a tested scope)."""
    from . import plot

    if not plot.available() or not any(analysis.significance[s].tested
                                       for s in cd_scopes(analysis)):
        return None
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "seqzoo"}):
        svg = plot.cd_render(analysis, fmt="svg").decode()
    return svg[svg.index("<svg"):]


@functools.cache
def _plotly_gz() -> str:
    """plotly.js, gzipped (mtime 0: the same bytes every time) and base64-encoded."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(gzip.compress(get_plotlyjs().encode(), compresslevel=9,
                                          mtime=0)).decode()


#: Unpacks plotly.js, then draws every figure from its JSON.
LOADER = """
(async () => {
  const packed = document.getElementById("plotly-js-gz").textContent.trim();
  const bytes = Uint8Array.from(atob(packed), c => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const script = document.createElement("script");
  script.textContent = await new Response(stream).text();
  document.head.appendChild(script);
  for (const data of document.querySelectorAll("script.figure")) {
    const spec = JSON.parse(data.textContent);
    Plotly.newPlot(document.getElementById(data.dataset.div), spec.data, spec.layout,
                   {displaylogo: false, responsive: true});
  }
})().catch(e => {
  document.body.insertAdjacentHTML("afterbegin",
    '<p class="warn">The figures could not be drawn (' + e + '): they need a browser ' +
    'with DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or newer).</p>');
});
"""


def _section_figures(analysis: Analysis, heading: str) -> list:
    """The figures that follow the report's section ``heading``."""
    if heading in analysis.grid.oracles:
        return [curve_figure(analysis, heading), final_figure(analysis, heading),
                time_figure(analysis, heading)]
    if heading == "Pairwise win rates":
        return [wins_figure(analysis)]
    if heading == "Data profiles":
        taus = sorted({p.tau for p in analysis.profiles}, reverse=True)
        return [profile_figure(analysis, tau) for tau in taus]
    return []


def _mark(body: str) -> str:
    """Flag low feasible shares in the rendered tables, and let a table wider than the
    window scroll inside its own box rather than squeeze every cell onto three lines."""
    body = body.replace("<table>", '<div class="scroll"><table>').replace(
        "</table>", "</table></div>")
    return body.replace(f"{LOW_MARK}</td>",
                        f' <span class="low" title="median feasible share under 5%">'
                        f"{LOW_MARK.strip()}</span></td>")


def render(analysis: Analysis, report_md: str) -> str:
    """The page: report.md's sections in order, each followed by its figures."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    text = "\n".join(line for line in report_md.splitlines() if not line.startswith("!["))
    chunks = re.split(r"(?m)^(?=## )", text)
    parts, figures = [], 0
    for chunk in chunks:
        parts.append(_mark(md.render(chunk)))
        heading = chunk[3:].splitlines()[0].strip() if chunk.startswith("## ") else ""
        if heading == "Pairwise win rates":
            svg = cd_svg(analysis)
            if svg:
                parts.append('<h3>Critical difference diagram</h3><p>Mean rank on paired '
                             'blocks (1 = best); a bar joins proposers that are not '
                             'distinguishable (one group letter); CD is the smallest '
                             'difference of mean ranks that Nemenyi\'s test calls '
                             f'significant.</p><div class="cd">{svg}</div>')
        for fig in _section_figures(analysis, heading):
            spec = fig.to_json().replace("</", "<\\/")
            parts.append(f'<div class="figure" id="fig{figures}"></div>'
                         f'<script type="application/json" class="figure" '
                         f'data-div="fig{figures}">{spec}</script>')
            figures += 1
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>zoo compare report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em 2%; color: #222; }}
p, ul {{ max-width: 75em; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.88em; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }}
td {{ white-space: nowrap; }}
.scroll {{ overflow-x: auto; }}
th {{ background: #f4f4f8; }}
th:first-child, td:first-child {{ text-align: left; }}
td strong {{ font-weight: 600; background: #d9f2df; padding: 0 0.25em; border-radius: 3px; }}
.low {{ color: #a40000; font-weight: 600; }}
.warn {{ background: #fdecea; padding: 0.5em; }}
.figure {{ width: 100%; min-height: 420px; }}
.cd svg {{ max-width: 100%; height: auto; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style>
<script type="text/plain" id="plotly-js-gz">{_plotly_gz()}</script>
</head>
<body>
{''.join(parts)}
<script>{LOADER}</script>
</body></html>
"""


def write(analysis: Analysis, report_md: str, path: Path) -> None:
    from ..runlog import write_text_atomic

    write_text_atomic(path, render(analysis, report_md))

