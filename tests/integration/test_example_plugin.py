"""The worked example of docs/writing-a-plugin.md, installed as a third party would install it
(``pip install -e examples/seqzoo-anneal``): it is listed, it passes its own kit-based tests,
and it is ranked by ``zoo compare``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "seqzoo-anneal"
ORACLE = "hamming:num_states=4,dim=12,max_step=1"


@pytest.fixture(scope="module", autouse=True)
def installed():
    try:
        metadata.distribution("seqzoo-anneal")
    except metadata.PackageNotFoundError:
        pytest.fail(f"seqzoo-anneal is not installed: pip install -e {EXAMPLE}")


def zoo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                          text=True, cwd=cwd, check=True)


def test_zoo_plugins_lists_the_example():
    plugins = {p["name"]: p for p in json.loads(zoo("plugins", "--json").stdout)["plugins"]}
    anneal = plugins["anneal"]
    assert anneal["distribution"] == "seqzoo-anneal" and anneal["error"] is None
    assert anneal["registers"]["proposer"] == ["anneal"]


def test_zoo_list_shows_its_options_and_description():
    listed = json.loads(zoo("list", "proposers", "--json").stdout)["proposer"]
    anneal = next(d for d in listed if d["name"] == "anneal")
    assert [(o["name"], o["default"]) for o in anneal["options"]] == [
        ("chains", 64), ("mutations", 1), ("temperature", 0.05), ("cooling", 0.98)]
    assert anneal["doc"].startswith("Simulated annealing")


def test_its_own_tests_pass_through_the_kit():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=EXAMPLE, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def test_zoo_compare_ranks_it(tmp_path):
    zoo("compare", "--oracle", ORACLE, "--proposer", "anneal:chains=8", "--proposer", "hill-climb",
        "--seeds", "0,1", "--budget", "200", "--batch-size", "20", "--quiet",
        "--out", str(tmp_path))
    with open(tmp_path / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted((r["proposer"], r["seed"]) for r in rows) == [
        ("anneal:chains=8", "0"), ("anneal:chains=8", "1"),
        ("hill-climb", "0"), ("hill-climb", "1")]
    assert all(int(r["evaluations"]) == 200 or r["solved"].lower() == "true" for r in rows)
    assert "anneal:chains=8" in (tmp_path / "table.txt").read_text()
