"""FLEXS's protocol, summarised as FLEXS's paper does: per landscape and model, each method's
best true value over its registry starts and seeds.

    zoo compare --config flexs-paper --out runs/flexs-paper
    python benchmarks/flexs_paper_table.py runs/flexs-paper

The grid (``flexs-paper.toml``) runs one oracle per registry start (``...,initial=i``) and
one proposer per model (``adalead:model=(nam:signal=0.5)``); this script folds those back
into one table per landscape: a row per method, a column per model, each cell the median
and interquartile range of ``best_value`` over the landscape's starts and seeds, with the
letters of a Friedman test and Nemenyi's post-hoc test on the (start, seed) blocks of that
column (``seqzoo.compare.significance``; methods that share a letter are not told apart at
alpha 0.05). A family of landscapes (the five TFBind8 factors) whose runs are all in gets one
more table over all of them, a block per (landscape, start, seed). The model-free methods (``ga``, ``hill-climb``) ran once per start, so their
row is the same in every column and each column's test includes them.

Under each landscape's table: how many runs from each start measured more than the start's
own value (a start on a flat region, such as an RNA start that breaks its conserved region
and scores 0, can leave every method where it began).

A landscape whose runs are not all in the store yet is printed with what it has, and says
how many runs it lacks.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from seqzoo.compare.significance import MIN_BLOCKS, test

MODEL = re.compile(r"^(?P<name>[^:]+):model=\(?(?P<model>.*?)\)?$")
FREE = "model-free"


def split_oracle(spec: str) -> tuple[str, int]:
    """``tfbind8:tf=X,initial=3`` -> (``tfbind8:tf=X``, 3)."""
    head, _, start = spec.rpartition(",initial=")
    if not head:
        head, _, start = spec.rpartition(":initial=")
    return head, int(start)


def split_proposer(spec: str) -> tuple[str, str]:
    """``adalead:model=(nam:signal=0.5)`` -> (``adalead``, ``nam:signal=0.5``)."""
    match = MODEL.match(spec)
    return (match["name"], match["model"]) if match else (spec, FREE)


def load(store: Path) -> list[dict]:
    rows = []
    for path in sorted((store / "runs").glob("*/*/seed-*/result.json")):
        result = json.loads(path.read_text())
        landscape, start = split_oracle(result["oracle"])
        method, model = split_proposer(result["proposer"])
        rows.append({"landscape": landscape, "start": start, "seed": int(result["seed"]),
                     "method": method, "model": model, "best": float(result["best_value"]),
                     "solved": bool(result.get("solved")),
                     "seconds": float(result.get("wall_seconds") or 0.0),
                     "start_value": start_value(path.parent / "evaluations.jsonl")})
    return rows


def start_value(log: Path) -> float:
    """The best value of a run's round 0 (its start), from the head of its log."""
    best = -np.inf
    with open(log) as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("round", 0) != 0:
                break
            best = max(best, float(record["value"]))
    return best


def planned(store: Path) -> dict[str, int]:
    """Runs the grid plans per landscape (from the store's grid.json)."""
    grid = json.loads((store / "grid.json").read_text())
    counts: dict[str, int] = defaultdict(int)
    for oracle in grid.get("oracles", []):
        counts[split_oracle(oracle)[0]] += len(grid.get("proposers", [])) * len(
            grid.get("seeds", [0]))
    return counts


def cell(values: list[float]) -> str:
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:.3f} [{q1:.3f}, {q3:.3f}]"


def table(rows: list[dict], landscape: str) -> list[str]:
    mine = [r for r in rows if r["landscape"] == landscape]
    return _table(mine) + ["", improved(mine)]


def improved(mine: list[dict]) -> str:
    """How many runs from each start measured something better than the start itself (a
    start that scores 0 on a flat region leaves every method at 0)."""
    starts = sorted({r["start"] for r in mine})
    parts = []
    for start in starts:
        runs = [r for r in mine if r["start"] == start]
        up = sum(r["best"] > r["start_value"] for r in runs)
        parts.append(f"start {start} (value {runs[0]['start_value']:.3f}): {up} of {len(runs)}")
    return "Runs that measured more than their start, by start: " + "; ".join(parts) + "."


def family_table(rows: list[dict], family: str) -> list[str]:
    """One table over every landscape of an oracle (``tfbind8``): a block per landscape,
    start and seed."""
    mine = [{**r, "start": (r["landscape"], r["start"])} for r in rows
            if r["landscape"].split(":")[0] == family]
    return _table(mine)


def _table(mine: list[dict]) -> list[str]:
    methods = sorted({r["method"] for r in mine if r["model"] != FREE}) + sorted(
        {r["method"] for r in mine if r["model"] == FREE})
    models = sorted({r["model"] for r in mine if r["model"] != FREE},
                    key=lambda m: (m.startswith("nam"), m))
    blocks = sorted({(r["start"], r["seed"]) for r in mine})
    value = {(r["method"], r["model"], r["start"], r["seed"]): r["best"] for r in mine}

    def values(method: str, model: str) -> list[float]:
        key = model if any((method, model, *b) in value for b in blocks) else FREE
        return [value.get((method, key, *b), np.nan) for b in blocks]

    letters, tested = {}, {}
    for model in models:
        grid = np.array([values(m, model) for m in methods])
        sig = test(grid, methods)
        tested[model] = (f"Friedman p = {sig.friedman_p:.2g} over {sig.blocks} (start, seed) "
                         f"blocks" if sig.tested else
                         f"not tested: {sig.blocks} complete (start, seed) blocks, at least "
                         f"{MIN_BLOCKS} needed" if sig.blocks < MIN_BLOCKS else
                         f"not tested: {sig.reason}")
        letters[model] = sig.groups
    out = [f"| method | {' | '.join(models)} |", "|---" * (len(models) + 1) + "|"]
    for method in methods:
        cells = []
        for model in models:
            got = [v for v in values(method, model) if not np.isnan(v)]
            cells.append((cell(got) + (f" {letters[model].get(method, '')}"
                                       if letters[model] else "")) if got else "-")
        out.append(f"| {method} | {' | '.join(cells)} |")
    out.append("")
    out += [f"- {model}: {tested[model]}" for model in models]
    cost = {m: sum(r["seconds"] for r in mine if r["method"] == m) for m in methods}
    out += ["", f"Wall seconds of one core: {sum(cost.values()):,.0f} in all; " + ", ".join(
        f"{m} {s:,.0f}" for m, s in sorted(cost.items(), key=lambda kv: -kv[1])) + "."]
    if any(r["solved"] for r in mine):  # a known optimum: how many runs measured it
        out += ["", "Runs that measured the optimum (all models): " + ", ".join(
            f"{m} {sum(r['solved'] for r in mine if r['method'] == m)} of "
            f"{sum(r['method'] == m for r in mine)}" for m in methods) + "."]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="the flexs-paper grid's --out folder")
    args = parser.parse_args(argv)
    if not (args.store / "grid.json").is_file():
        print(f"flexs_paper_table: {args.store} holds no grid.json", file=sys.stderr)
        return 2
    rows = load(args.store)
    plan = planned(args.store)
    for landscape in sorted(plan, key=list(plan).index):
        have = sum(r["landscape"] == landscape for r in rows)
        starts = len({r["start"] for r in rows if r["landscape"] == landscape})
        print(f"### {landscape}: {starts} starts, {have} of {plan[landscape]} runs")
        print()
        if have:
            print("\n".join(table(rows, landscape)))
        print()
    for family in dict.fromkeys(landscape.split(":")[0] for landscape in plan):
        members = [ls for ls in plan if ls.split(":")[0] == family]
        done = [ls for ls in members
                if sum(r["landscape"] == ls for r in rows) == plan[ls]]
        if len(members) < 2 or len(done) < len(members):
            continue  # a family's table once each of its landscapes is complete
        blocks = len({(r["landscape"], r["start"], r["seed"]) for r in rows
                      if r["landscape"] in members})
        print(f"### {family}, all {len(members)} landscapes: {blocks} (landscape, start, seed) "
              f"blocks")
        print()
        print("\n".join(family_table(rows, family)))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
