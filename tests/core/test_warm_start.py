"""Warm starts: labelled rows every run of a seed starts from, counted in its budget."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from seqzoo import cli, engine
from seqzoo.compare import store
from seqzoo.errors import SeqzooError
from seqzoo.protocol import decode
from seqzoo.runlog import RunDir
from seqzoo.warmstart import SOURCE

ORACLE = "hamming:num_states=4,dim=10,random_seed=2"


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


def log_of(path):
    """The logged rows without their wall times, which differ between runs."""
    rows = [json.loads(line) for line in (path / "evaluations.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "time"} for r in rows]


def initial(oracle=ORACLE) -> str:
    built = engine.build_oracle(oracle)
    return decode(np.atleast_2d(built.initial_solutions()), built.alphabet)[0]


def test_a_spec_warm_start_leads_the_log_and_counts_in_the_budget(tmp_path):
    result = engine.run(ORACLE, "hill-climb", 50, batch_size=7, seed=3, out=tmp_path,
                        stop_on_optimum=False, warm_start="hill-climb:mutations=2",
                        warm_start_budget=20)
    log = log_of(tmp_path)
    assert len(log) == 50 and result.evaluations == 50
    assert [r["source"] for r in log[:20]] == [SOURCE] * 20
    assert all(r.get("source") is None and r["step"] >= 1 for r in log[20:])
    assert {r["step"] for r in log[:20]} == {0}
    assert log[0]["sequence"] == initial()  # the warm start runs from the initial solutions
    assert result.warm_start_evaluations == 20
    # the warm start is a run of its own, whose rows are exactly the leading ones
    warm = log_of(tmp_path / engine.WARM_START_DIR)
    assert [(r["sequence"], r["value"]) for r in warm] == \
        [(r["sequence"], r["value"]) for r in log[:20]]


def test_the_same_warm_start_is_the_same_rows_for_every_proposer(tmp_path):
    heads = []
    for name, proposer in (("a", "hill-climb"), ("b", "hill-climb:elite=2,mutations=3")):
        engine.run(ORACLE, proposer, 40, batch_size=5, seed=9, out=tmp_path / name,
                   stop_on_optimum=False, warm_start="hill-climb", warm_start_budget=15)
        heads.append([(r["sequence"], r["value"]) for r in log_of(tmp_path / name)[:15]])
    assert heads[0] == heads[1]


def test_a_file_warm_start_evaluates_rows_without_values(tmp_path):
    first = initial()
    other = "".join("C" if c == "A" else "A" for c in first)
    third = "A" * 10
    path = tmp_path / "rows.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sequence", "value"])
        w.writerow([other, "0.125"])   # a given value is believed, not re-evaluated
        w.writerow([third, ""])        # an empty cell is evaluated
    result = engine.run(ORACLE, "hill-climb", 12, batch_size=4, out=tmp_path / "run",
                        stop_on_optimum=False, warm_start=str(path))
    log = log_of(tmp_path / "run")
    assert [r["sequence"] for r in log[:3]] == [first, other, third]  # x0 leads
    oracle = engine.build_oracle(ORACLE)
    truth = oracle(np.array([[oracle.alphabet.index(c) for c in third]]))[0]
    assert log[1]["value"] == 0.125 and log[2]["value"] == pytest.approx(truth)
    assert result.warm_start_evaluations == 3 and len(log) == 12


def test_jsonl_null_is_infeasible_and_budget_caps_the_rows(tmp_path):
    path = tmp_path / "rows.jsonl"
    lines = [{"sequence": initial(), "value": 1.0}, {"sequence": "A" * 10, "value": None},
             {"sequence": "C" * 10}, {"sequence": "D" * 10, "value": 0.5}]
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    engine.run(ORACLE, "hill-climb", 10, out=tmp_path / "run", stop_on_optimum=False,
               warm_start=str(path), warm_start_budget=3)
    log = log_of(tmp_path / "run")
    assert [r["sequence"] for r in log[:3]] == [initial(), "A" * 10, "C" * 10]
    assert log[1]["value"] is None and log[2]["value"] is not None
    assert log[3].get("source") is None  # the fourth row was cut by the warm-start budget


@pytest.mark.parametrize("rows, message", [
    ("sequence\nABC\n", "sequence must be a string of 10 tokens"),
    ("sequence\nAAAAAAAAAZ\n", "outside"),
    ("sequence,value\nAAAAAAAAAA,nan\n", "NaN"),
    ("seq\nAAAAAAAAAA\n", "needs a 'sequence' column"),
    ("sequence\n", "holds no rows"),
])
def test_a_bad_file_is_one_clean_error(tmp_path, rows, message):
    path = tmp_path / "rows.csv"
    path.write_text(rows)
    with pytest.raises(SeqzooError, match=message):
        engine.run(ORACLE, "hill-climb", 20, out=tmp_path / "run", warm_start=str(path))


@pytest.mark.parametrize("options, message", [
    ({"warm_start_budget": 5}, "needs --warm-start"),
    ({"warm_start": "hill-climb"}, "give its evaluations with --warm-start-budget"),
    ({"warm_start": "hill-climb", "warm_start_budget": 20}, "leaves nothing"),
    ({"warm_start": "hill-climb", "warm_start_budget": 0}, "positive integer"),
    ({"warm_start": "missing.csv"}, "does not exist"),
    ({"warm_start": "nope", "warm_start_budget": 5}, "unknown proposer 'nope'"),
])
def test_warm_start_settings_are_checked_before_any_evaluation(tmp_path, options, message):
    with pytest.raises(SeqzooError, match=message):
        engine.run(ORACLE, "hill-climb", 20, out=tmp_path / "run", **options)
    assert not (tmp_path / "run" / "evaluations.jsonl").exists()


def test_resume_never_reevaluates_the_warm_start(tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    engine.run(ORACLE, "hill-climb", 60, batch_size=8, seed=1, out=full, stop_on_optimum=False,
               warm_start="hill-climb", warm_start_budget=25)
    shutil.copytree(full, cut)
    lines = (cut / "evaluations.jsonl").read_text().splitlines(keepends=True)
    (cut / "evaluations.jsonl").write_text("".join(lines[:33]))  # warm rows + one batch
    (cut / "result.json").unlink()
    shutil.rmtree(cut / engine.WARM_START_DIR)  # resuming must not need it, nor remake it
    result = engine.resume(cut)
    assert result.evaluations == 60 and result.warm_start_evaluations == 25
    assert not (cut / engine.WARM_START_DIR).exists()
    assert log_of(cut) == log_of(full)  # the replayed proposer saw the warm rows too


def test_distinct_evaluations_count_new_sequences_after_step_zero(tmp_path):
    class Repeats:
        """Asks the first initial solution then one new sequence forever."""

        def __init__(self, problem):
            self.x0 = problem.initial_solutions[:1]

        def ask(self, n):
            return np.repeat(np.array([[1] * 10]), n, axis=0)

        def tell(self, x, y):
            pass

    from seqzoo.testing import FactoryPlugin, registered

    with registered(FactoryPlugin("proposer", "repeats", Repeats)):
        result = engine.run(ORACLE, "repeats", 20, batch_size=5, stop_on_optimum=False)
    assert result.distinct_evaluations == 1


def test_zoo_run_takes_the_warm_start_options(tmp_path):
    out = subprocess.run([sys.executable, "-m", "seqzoo.cli", "run", "--oracle", ORACLE,
                          "--proposer", "hill-climb", "--budget", "30",
                          "--warm-start", "hill-climb",
                          "--warm-start-budget", "10", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["warm_start_evaluations"] == 10
    saved = json.loads((tmp_path / "r" / "config.json").read_text())["config"]
    assert saved["warm_start"] == "hill-climb" and saved["warm_start_budget"] == 10
    bad = subprocess.run([sys.executable, "-m", "seqzoo.cli", "run", "--oracle", ORACLE,
                          "--proposer", "hill-climb", "--budget", "30", "--warm-start-budget", "4",
                          "--out", str(tmp_path / "bad")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "needs --warm-start" in bad.stderr


# -- zoo compare -----------------------------------------------------------------------------
def compare(out, *extra):
    return cli.main(["compare", "--oracle", ORACLE, "--seeds", "0,1", "--budget", "60",
                     "--batch-size", "10", "--out", str(out), "--quiet",
                     "--proposer", "hill-climb", "--proposer", "hill-climb:mutations=2",
                     "--warm-start", "hill-climb:mutations=3", "--warm-start-budget", "25",
                     *extra])


def test_compare_shares_one_warm_start_per_seed_and_reports_distinct(tmp_path):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    runs = sorted(p.parent for p in (out / store.RUNS).rglob("config.json"))
    assert len(runs) == 4
    for seed in (0, 1):
        heads = [log_of(r)[:25] for r in runs if r.name == f"seed-{seed}"]
        assert len(heads) == 2 and heads[0] == heads[1]
        assert all(r["source"] == SOURCE for r in heads[0])
        stored = (out / store.WARM).rglob(f"seed-{seed}/{store.ROWS}")
        rows = [json.loads(line) for line in next(stored).read_text().splitlines()]
        assert [(r["sequence"], r["value"]) for r in rows] == \
            [(r["sequence"], r["value"]) for r in heads[0]]
    assert all(len(log_of(r)) == 60 for r in runs)
    with open(out / "summary.csv", newline="") as fh:
        summary = list(csv.DictReader(fh))
    assert all(0 < int(r["distinct_evaluations"]) <= 35 for r in summary)
    assert {r["warm_start_evaluations"] for r in summary} == {"25"}
    assert "warm start" in (out / "report.md").read_text()
    assert json.loads((out / "grid.json").read_text())["warm_start_budget"] == 25


def test_compare_refuses_results_of_other_code_unless_allowed(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    first = next((out / store.RUNS).rglob("config.json"))
    record = json.loads(first.read_text())
    record["versions"]["seqzoo"] = "0.0.0-old"
    first.write_text(json.dumps(record))
    assert compare(out) == 2
    assert "made by other code (seqzoo 0.0.0-old" in capsys.readouterr().err
    assert compare(out, "--allow-mixed") == 0


def test_a_package_installed_since_is_not_other_code(tmp_path, capsys):
    # the README's promise: after installing a plugin, re-running the grid runs only its runs
    out = tmp_path / "cmp"
    assert compare(out) == 0
    for config in (out / store.RUNS).rglob("config.json"):
        record = json.loads(config.read_text())
        record["versions"].pop("seqzoo")  # as if made before that package was installed
        config.write_text(json.dumps(record))
    assert compare(out) == 0
    assert "0 runs done, 4 already complete" in capsys.readouterr().err
    record["versions"]["numpy"] = "0.0.1"  # a package that changed is still other code
    config.write_text(json.dumps(record))
    assert compare(out) == 2
    assert "made by other code (numpy 0.0.1 here" in capsys.readouterr().err


def test_compare_refuses_a_changed_warm_start(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    argv = ["compare", "--oracle", ORACLE, "--seeds", "0,1", "--budget", "60", "--batch-size",
            "10", "--out", str(out), "--quiet", "--proposer", "hill-climb",
            "--warm-start", "hill-climb", "--warm-start-budget", "20"]
    assert cli.main(argv) == 2
    assert "warm_start" in capsys.readouterr().err
