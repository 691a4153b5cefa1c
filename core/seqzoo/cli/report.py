"""``zoo report DIR``: rebuild a comparison's tables and plot from its store."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="rebuild the tables and plot of a zoo compare folder",
                       description="Read the runs stored by zoo compare in DIR and rewrite "
                                   "summary.csv, trace.csv, stats.csv, significance.csv, "
                                   "data_profiles.csv, table.txt and report.md; with "
                                   "matplotlib regret.png and critical_difference.png, and "
                                   "with plotly report.html. Nothing is run.")
    p.add_argument("out", metavar="DIR", help="a zoo compare --out folder")
    p.add_argument("--quiet", action="store_true", help="do not print the table")
    p.add_argument("--html", action="store_true",
                   help="fail if report.html cannot be written (it is written whenever "
                        "plotly, the seqzoo[plot] extra, is installed)")
    p.set_defaults(func=main)


#: Width of the table when stdout is a file or a pipe: every column, never wrapped.
PIPED_WIDTH = 400


def show(report) -> None:
    """Print a report's tables and notes on stdout (they are the command's result; progress
    goes to stderr). A terminal too narrow for every column gets the compact table."""
    import sys

    from rich.console import Console
    from rich.measure import Measurement

    from ..compare.tables import legend, rich_tables, test_lines

    # markup off: specs and notes hold brackets ("llome:temperatures=[0.6]", "seqzoo[plot]")
    out = Console(file=sys.stdout, markup=False)
    if not out.is_terminal:
        out = Console(file=sys.stdout, width=PIPED_WIDTH, markup=False)
    tables = rich_tables(report.analysis, compact=False)
    compact = out.is_terminal and any(
        Measurement.get(out, out.options, t).maximum > out.width for t in tables)
    if compact:
        tables = rich_tables(report.analysis, compact=True)
    for table in tables:
        out.print(table)
    if compact:
        out.print(f"(the terminal is narrower than the table's {_width(out, report)} columns: "
                  f"every column is in table.txt and report.md)")
    for line in legend(report.analysis.grid.proposers) + test_lines(report.analysis):
        out.print(line, soft_wrap=True, highlight=False)
    for note in report.analysis.notes:
        out.print(f"note: {note}", soft_wrap=True)


def _width(out, report) -> int:
    from rich.measure import Measurement

    from ..compare.tables import rich_tables

    return max(Measurement.get(out, out.options, t).maximum
               for t in rich_tables(report.analysis, compact=False))


def main(args) -> int:
    from ..compare import build_report
    from ..display import console

    report = build_report(args.out, page=True if args.html else None)
    if not args.quiet:
        show(report)
    if not args.quiet:
        console.print("wrote " + ", ".join(f.name for f in report.files))
    return 0
