"""``zoo report DIR``: rebuild a comparison's tables and plot from its store."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="rebuild the tables and plot of a zoo compare folder",
                       description="Read the runs stored by zoo compare in DIR and rewrite "
                                   "summary.csv, trace.csv, stats.csv, table.txt, report.md "
                                   "and regret.png; nothing is run.")
    p.add_argument("out", metavar="DIR", help="a zoo compare --out folder")
    p.add_argument("--quiet", action="store_true", help="do not print the table")
    p.set_defaults(func=main)


#: Narrower terminals get the compact table (the full one is in table.txt).
FULL_WIDTH = 150


def show(report) -> None:
    """Print a report's tables and notes on the terminal (stderr, like all progress)."""
    from ..compare.tables import legend, rich_tables
    from ..display import console

    compact = console.width < FULL_WIDTH
    for table in rich_tables(report.analysis, compact=compact):
        console.print(table)
    if compact:
        console.print("(a narrow terminal: every column is in table.txt and report.md)")
    for line in legend(report.analysis.grid.proposers):
        console.print(line, soft_wrap=True, highlight=False)
    for note in report.analysis.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


def main(args) -> int:
    from ..compare import build_report
    from ..display import console

    report = build_report(args.out)
    if not args.quiet:
        show(report)
    console.print("wrote " + ", ".join(f.name for f in report.files))
    return 0
