"""``zoo list [oracles|proposers|trainers|surrogates]``: each factory with its options and doc line."""

from __future__ import annotations

_KINDS = {"oracles": "oracle", "proposers": "proposer", "trainers": "trainer",
          "surrogates": "surrogate"}


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list oracles, proposers, trainers and surrogates with their options")
    p.add_argument("kind", nargs="?", choices=sorted(_KINDS), help="only this kind")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=main)


def describe(kind: str, name: str) -> dict:
    """Name, plugin, doc line and options of one registered factory (imports it)."""
    import inspect

    from ..plugins import registry
    from ..spec import parameters

    entry = registry().get(kind, name)
    try:
        factory = entry.load()
    except Exception as exc:
        return {"name": name, "plugin": entry.plugin, "doc": f"(failed to import: {exc})",
                "options": [], "presets": []}
    doc = (inspect.getdoc(factory) or "").strip().splitlines()
    options = [{"name": p.name, "type": getattr(p.annotation, "__name__", str(p.annotation)),
                "default": None if p.required else p.default, "required": p.required}
               for p in parameters(factory, skip_first=kind in ("proposer", "surrogate"))]
    presets = sorted(getattr(factory, "presets", None) or ())
    return {"name": name, "plugin": entry.plugin, "doc": doc[0] if doc else "",
            "options": options, "presets": presets}


def _plain(text: str) -> str:
    """A docstring line for the terminal: reST's ``literal`` marks dropped."""
    return text.replace("``", "")


def main(args) -> int:
    import json

    from ..plugins import registry

    kinds = [_KINDS[args.kind]] if args.kind else list(_KINDS.values())
    reg = registry()
    # a clashing name is listed as each owner's PLUGIN/NAME, the only way to use it
    described = {k: [describe(k, n) for n in reg.names(k) + reg.clashing(k)] for k in kinds}
    if args.json:
        print(json.dumps(described, indent=2, default=str))
        return 0
    from rich.table import Table

    from ..display import stdout_console

    console = stdout_console()
    for kind, items in described.items():
        table = Table(title=f"{kind}s", show_lines=True)
        for col in ("name", "plugin", "options: type = default", "description"):
            table.add_column(col, no_wrap=col in ("name", "plugin"), overflow="fold")
        for d in items:
            opts = "\n".join(f"{o['name']}: {o['type']}" +
                             (" (required)" if o["required"] else f" = {o['default']!r}")
                             for o in d["options"])
            doc = _plain(d["doc"]) + (f"\npresets: {', '.join(d['presets'])}"
                                      if d["presets"] else "")
            table.add_row(d["name"], d["plugin"], opts, doc)
        console.print(table)
    return 0
