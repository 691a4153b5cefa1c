"""Rebuild every table and plot of a comparison from its store, running nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SeqzooError
from . import analysis, html, markdown, plot, profiles, tables
from .analysis import Analysis
from .records import load
from .store import Store

SUMMARY, TRACE, STATS = "summary.csv", "trace.csv", "stats.csv"
TESTS, PROFILES = "significance.csv", "data_profiles.csv"
TABLE, REPORT, PLOT, HTML = "table.txt", "report.md", "regret.png", "report.html"
CD = "critical_difference.png"
TEST_COLUMNS = ("scope", "proposer", "other", "mean_rank", "other_mean_rank", "blocks",
                "friedman_p", "nemenyi_p", "different")


@dataclass
class Report:
    analysis: Analysis
    files: list[Path]


def build(out: str | Path, page: bool | None = None) -> Report:
    """Read ``out``'s grid and complete runs; write the CSVs, ``table.txt``, ``report.md``,
    (with matplotlib) ``regret.png`` and, when some proposers could be tested,
    ``critical_difference.png``; and ``report.html`` -- whenever plotly is installed if
    ``page`` is ``None``, never if ``False``, and as a must if ``True``."""
    if page and not html.available():
        raise SeqzooError("report.html needs plotly: pip install plotly (or 'seqzoo[plot]')")
    store = Store(out)
    grid = store.read_grid()
    records = [r for r in map(load, store.tasks(grid)) if r is not None]
    result = analysis.analyse(grid, records)
    path = store.path
    tables.write_csv(path / SUMMARY, tables.SUMMARY_COLUMNS, analysis.summary_rows(result))
    tables.write_csv(path / TRACE, tables.TRACE_COLUMNS, analysis.trace_rows(result))
    tables.write_csv(path / STATS, ("oracle", "proposer", "runs", *analysis.STAT_KEYS,
                                    *analysis.TEST_KEYS),
                     ({"oracle": c.oracle, "proposer": c.proposer, "runs": c.runs, **c.values}
                      for c in result.cells))
    tables.write_csv(path / TESTS, TEST_COLUMNS, analysis.significance_rows(result))
    tables.write_csv(path / PROFILES, profiles.COLUMNS, profiles.rows(result.profiles))
    files = [path / SUMMARY, path / TRACE, path / STATS, path / TESTS, path / PROFILES]
    if plot.available() and records:
        plot.plot(result, path / PLOT)
        files.append(path / PLOT)
        if any(s.tested for s in result.significance.values()):
            plot.cd_figure(result, path / CD)
            files.append(path / CD)
        else:
            (path / CD).unlink(missing_ok=True)
    else:
        (path / PLOT).unlink(missing_ok=True)
        (path / CD).unlink(missing_ok=True)
        result.notes.append("regret.png not drawn: install matplotlib (pip install "
                            "'seqzoo[plot]')" if records else "no complete run to plot yet")
    draw_page = page if page is not None else html.available()
    if page is None and not draw_page:
        result.notes.append("report.html not written: install plotly (pip install "
                            "'seqzoo[plot]')")
    (path / TABLE).write_text(tables.render_text(result))
    text = markdown.render_markdown(result, PLOT if PLOT in {f.name for f in files} else None)
    (path / REPORT).write_text(text)
    files += [path / TABLE, path / REPORT]
    if draw_page:
        html.write(result, text, path / HTML)
        files.append(path / HTML)
    return Report(result, files)

