"""``zoo plugins``: what is installed, what each plugin registers, what failed to load."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("plugins", help="list installed plugins and load errors")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=main)


def main(args) -> int:
    from dataclasses import asdict

    from ..plugins import registry

    reg = registry()
    if args.json:
        data = {"plugins": [asdict(info) for info in reg.plugins.values()],
                "errors": reg.errors}
        print(json.dumps(data, indent=2))
        return 0
    import sys

    from rich.table import Table

    from ..display import stdout_console

    table = Table(title="seqzoo plugins")
    for col in ("plugin", "distribution", "version", "oracles", "proposers", "trainers",
                "surrogates", "status"):
        # names are never cut: the identifying columns keep their width, lists go one per line
        table.add_column(col, no_wrap=col in ("plugin", "distribution", "version"),
                         overflow="fold")
    for info in reg.plugins.values():
        r = info.registers
        table.add_row(info.name, info.distribution or "-", info.version or "-",
                      "\n".join(r["oracle"]), "\n".join(r["proposer"]), "\n".join(r["trainer"]),
                      "\n".join(r["surrogate"]),
                      f"[red]{info.error}[/red]" if info.error else "[green]ok[/green]")
    stdout_console().print(table)
    if getattr(args, "debug", False):
        for info in reg.plugins.values():
            if info.traceback:
                print(f"\nplugin {info.name!r} failed to load:\n{info.traceback}",
                      file=sys.stderr, end="")
    return 0
