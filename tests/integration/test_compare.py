"""zoo compare with every plugin installed: a small Ehrlich grid, the default grid's specs,
and the Ray executor on a local Ray instance."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from seqzoo import cli
from seqzoo.compare import check, resolve
from seqzoo.plugins import registry

ORACLE = "ehrlich:num_states=8,dim=8,num_motifs=2,motif_length=2,quantization=2"
PROPOSERS = ("hill-climb", "ga:population=32")
SUMMARY = ["proposer", "oracle", "seed", "best_value", "regret", "evaluations",
           "evaluations_to_best", "solved", "wall_seconds"]
TRACE = ["proposer", "seed", "evaluations", "best_value"]
OUTPUTS = ("grid.json", "summary.csv", "trace.csv", "stats.csv", "table.txt", "report.md",
           "regret.png")


def compare(out: Path, *extra: str) -> int:
    argv = ["compare", "--oracle", ORACLE, "--seeds", "0,1", "--budget", "160",
            "--batch-size", "16", "--out", str(out), "--quiet", *extra]
    for p in PROPOSERS:
        argv += ["--proposer", p]
    return cli.main(argv)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def without_wall(path: Path) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k != "wall_seconds"} for r in rows(path)]


@pytest.fixture(scope="module")
def small_grid(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    assert compare(out) == 0
    return out


def test_small_ehrlich_grid_writes_every_file_and_column(small_grid):
    for name in OUTPUTS:
        assert (small_grid / name).stat().st_size > 0, name
    summary = rows(small_grid / "summary.csv")
    assert list(summary[0])[:len(SUMMARY)] == SUMMARY
    assert sorted((r["proposer"], r["seed"]) for r in summary) == sorted(
        (p, s) for p in PROPOSERS for s in ("0", "1"))
    for r in summary:
        assert all(r[c] != "" for c in SUMMARY), r
        assert int(r["evaluations"]) == 160 or r["solved"] == "true"
        assert 0 <= float(r["regret"]) == pytest.approx(1 - float(r["best_value"]))
    trace = rows(small_grid / "trace.csv")
    assert list(trace[0])[:len(TRACE)] == TRACE
    assert all(t[c] != "" for t in trace for c in TRACE)
    assert {(t["proposer"], t["seed"]) for t in trace} == {(r["proposer"], r["seed"])
                                                          for r in summary}
    assert "ga:population=32" in (small_grid / "report.md").read_text()


def test_default_grid_names_every_installed_proposer_and_checks_out():
    grid = resolve()
    assert grid.oracles == ("ehrlich:preset=f2",)
    assert (grid.warm_start, grid.warm_start_budget) == ("ga:population=200", 2000)
    assert [p.split(":")[0] for p in grid.proposers] == registry().names("proposer")
    assert check(grid) == {"ehrlich:preset=f2": 1}


def test_a_config_name_finds_the_comparison_a_plugin_ships():
    from seqzoo.compare import read_config

    config = read_config("flexs")
    assert "tfbind8:tf=SIX6_REF_R1" in config["oracles"] and config["warm_start"] == "none"
    grid = resolve(config)
    assert check(grid)  # every oracle and proposer of it builds
