"""zoo compare end to end on the built-in oracle and proposer: outputs, store, resume,
report, workers and failures (core only, no torch)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest
from seqzoo import cli
from seqzoo.compare import store
from seqzoo.testing import FactoryPlugin

ORACLE = "hamming:num_states=4,dim=12"
PROPOSERS = ("hill-climb", "hill-climb:mutations=2")
OUTPUTS = ("grid.json", "summary.csv", "trace.csv", "stats.csv", "table.txt", "report.md")
SUMMARY = ["proposer", "oracle", "seed", "best_value", "regret", "evaluations",
           "evaluations_to_best", "solved", "wall_seconds"]
TRACE = ["proposer", "seed", "evaluations", "best_value"]


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


def compare(out: Path, *extra: str, budget: int = 120) -> int:
    argv = ["compare", "--oracle", ORACLE, "--seeds", "0,1", "--budget", str(budget),
            "--batch-size", "10", "--out", str(out), "--quiet", *extra]
    for p in PROPOSERS:
        argv += ["--proposer", p]
    return cli.main(argv)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def without_wall(path: Path) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k != "wall_seconds"} for r in rows(path)]


def run_folders(out: Path) -> list[Path]:
    return sorted(p.parent for p in (out / store.RUNS).rglob("config.json"))


def test_small_grid_writes_every_output(tmp_path):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert (out / "regret.png").exists() == (find_spec("matplotlib") is not None)

    summary = rows(out / "summary.csv")
    assert list(summary[0])[:len(SUMMARY)] == SUMMARY
    assert [(r["proposer"], r["seed"]) for r in summary] == [
        (p, s) for p in PROPOSERS for s in ("0", "1")]
    trace = rows(out / "trace.csv")
    assert list(trace[0])[:len(TRACE)] == TRACE
    for r in summary:
        assert r["oracle"] == ORACLE
        solved = r["solved"] == "true"
        assert int(r["evaluations"]) == 120 or solved  # exact budget, or stopped on optimum
        assert float(r["regret"]) == pytest.approx(1 - float(r["best_value"]))
        assert 1 <= int(r["evaluations_to_best"]) <= int(r["evaluations"])
        assert float(r["wall_seconds"]) > 0
        mine = [t for t in trace if (t["proposer"], t["seed"]) == (r["proposer"], r["seed"])]
        assert int(mine[-1]["evaluations"]) == int(r["evaluations"])
        assert float(mine[-1]["best_value"]) == float(r["best_value"])
        assert [float(t["best_value"]) for t in mine] == sorted(float(t["best_value"])
                                                               for t in mine)

    # fairness: same budget, batch size and initial solutions for every run
    starts = set()
    for folder in run_folders(out):
        config = json.loads((folder / "config.json").read_text())["config"]
        assert (config["budget"], config["batch_size"]) == (120, 10)
        log = [json.loads(line) for line in (folder / "evaluations.jsonl").open()]
        starts.add(tuple(r["sequence"] for r in log if r["step"] == 0))
        assert max(sum(r["step"] == s for r in log) for s in {r["step"] for r in log}) <= 10
    assert len(run_folders(out)) == 4 and len(starts) == 1

    stats = rows(out / "stats.csv")
    assert [r["proposer"] for r in stats] == list(PROPOSERS)
    assert float(stats[0]["score_median"]) == pytest.approx(1.0)
    table = (out / "table.txt").read_text()
    report = (out / "report.md").read_text()
    assert all(p in table and p in report for p in PROPOSERS)
    assert "Pairwise win rates" in report


def test_report_rebuilds_the_same_files_from_the_store(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    before = {n: (out / n).read_bytes() for n in OUTPUTS[1:]}
    for name in OUTPUTS[1:]:
        (out / name).unlink()
    assert cli.main(["report", str(out), "--quiet"]) == 0
    assert {n: (out / n).read_bytes() for n in OUTPUTS[1:]} == before


def test_report_refuses_a_folder_that_is_not_a_comparison(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "is not a zoo compare folder" in capsys.readouterr().err


def test_reinvocation_skips_complete_runs_and_resumes_interrupted_ones(tmp_path):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    reference = without_wall(out / "summary.csv")
    folders = run_folders(out)
    cut, gone, kept = folders[0], folders[1], folders[2:]
    # a kill mid-run: no result, the log cut after step 3 (1 + 3 x 10 evaluations) and a
    # torn line of step 4
    (cut / "result.json").unlink()
    lines = (cut / "evaluations.jsonl").read_text().splitlines(keepends=True)
    (cut / "evaluations.jsonl").write_text("".join(lines[:31]) + lines[31][:20])
    for path in gone.iterdir():
        path.unlink()
    gone.rmdir()
    stamps = {f: (f.stat().st_mtime_ns, f.read_bytes())
              for k in kept for f in k.iterdir()}

    assert compare(out) == 0
    assert {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in stamps} == stamps
    assert (cut / "evaluations.jsonl").read_text().splitlines(keepends=True)[:31] == lines[:31]
    # the proposer replays its own draws on resume, so the results are those of a clean run
    assert without_wall(out / "summary.csv") == reference


def test_changed_settings_need_overwrite(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert compare(out) == 0
    assert compare(out, budget=60) == 2
    assert "holds a run with budget=120" in capsys.readouterr().err
    assert compare(out, "--overwrite", budget=60) == 0
    assert {r["evaluations"] for r in rows(out / "summary.csv")} <= {"60"}


def test_workers_give_the_same_results_as_one_process(tmp_path):
    assert compare(tmp_path / "one") == 0
    assert compare(tmp_path / "two", "--workers", "2") == 0
    assert without_wall(tmp_path / "two" / "summary.csv") == \
        without_wall(tmp_path / "one" / "summary.csv")


class Broken:
    """Fails on its second ask, like a proposer with a bug."""

    def __init__(self, problem):
        self.asked = 0

    def ask(self, n):
        raise RuntimeError("boom")

    def tell(self, x, y):
        pass


def test_a_failing_run_does_not_stop_the_grid(tmp_path, capsys, register_plugin):
    register_plugin(FactoryPlugin("proposer", "broken", Broken))
    out = tmp_path / "cmp"
    assert cli.main(["compare", "--oracle", ORACLE, "--proposer", "hill-climb", "--proposer",
                     "broken", "--seeds", "0", "--budget", "50", "--out", str(out),
                     "--workers", "1"]) == 1  # "broken" lives in this process only
    err = capsys.readouterr().err
    assert "failed broken | " in err and "RuntimeError: boom" in err
    assert [r["proposer"] for r in rows(out / "summary.csv")] == ["hill-climb"]
    assert "1 of 2 runs are not complete" in (out / "report.md").read_text()


def test_a_killed_grid_completes_without_redoing_finished_runs(tmp_path, good_plugin,
                                                               monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "goodplug")
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE, "--proposer",
            "slow:delay=0.02", "--seeds", "0,1,2", "--budget", "200", "--batch-size", "10",
            "--out", str(out), "--quiet", "--workers", "1"]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out.rglob("result.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    finished = {p: p.read_bytes() for p in out.rglob("result.json")}
    assert len(finished) == 1, "the grid should be killed after its first run"

    done = subprocess.run(argv, capture_output=True, text=True, env=os.environ, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 already complete" in done.stderr
    assert {p: p.read_bytes() for p in finished} == finished
    assert [r["evaluations"] for r in rows(out / "summary.csv")] == ["200"] * 3


def test_ctrl_c_says_what_was_kept_and_exits_130(tmp_path, good_plugin, monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "goodplug")
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE, "--proposer",
            "slow:delay=0.02", "--seeds", "0,1,2", "--budget", "200", "--batch-size", "10",
            "--out", str(out), "--quiet", "--workers", "1"]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.rglob("result.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted: 1 complete run is kept in" in err
    assert "run the same command again" in err and "Traceback" not in err


def test_without_matplotlib_the_report_says_why_there_is_no_plot(tmp_path, monkeypatch):
    from seqzoo.compare import plot

    out = tmp_path / "cmp"
    assert compare(out) == 0
    monkeypatch.setattr(plot, "available", lambda: False)
    assert cli.main(["report", str(out), "--quiet"]) == 0
    assert not (out / "regret.png").exists()
    assert "install matplotlib" in (out / "report.md").read_text()
    assert "install matplotlib" in (out / "table.txt").read_text()


def test_own_batch_sizes_are_recorded_and_shown(tmp_path):
    out = tmp_path / "cmp"
    argv = ["compare", "--oracle", ORACLE, "--seeds", "0", "--budget", "60", "--out", str(out),
            "--quiet", "--proposer", "hill-climb", "--proposer", "hill-climb:batch_size=7",
            "--batch-size", "own"]
    assert cli.main(argv) == 0
    sizes = {r["proposer"]: r["batch_size"] for r in rows(out / "summary.csv")}
    assert sizes == {"hill-climb": "100", "hill-climb:batch_size=7": "7"}
    assert "each proposer's own round size" in (out / "report.md").read_text()
    assert cli.main(argv) == 0  # re-invoking finds the runs complete, not "other settings"


def test_without_a_terminal_each_finished_run_is_one_plain_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE,
                          "--proposer", "hill-climb", "--seeds", "0,1", "--budget", "40",
                          "--out", str(tmp_path / "cmp")], capture_output=True, text=True,
                         env={**os.environ, "SEQZOO_LOAD_PLUGINS": ""})
    assert out.returncode == 0, out.stderr
    done = [line for line in out.stderr.splitlines() if "] done hill-climb | " in line]
    assert [line.split("]")[0] for line in done] == ["[1/2", "[2/2"]
    assert "━" not in out.stderr  # no bar drawn into a log file
    assert "hill-climb" in out.stdout  # the table is the result: stdout


def test_workers_end_when_zoo_compare_is_killed(tmp_path, good_plugin, monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "goodplug")
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE, "--proposer",
            "slow:delay=0.05", "--seeds", "0,1", "--budget", "2000", "--batch-size", "10",
            "--out", str(out), "--quiet", "--workers", "2"]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    logs = []
    while len(logs) < 2 and time.monotonic() < deadline:
        logs = [p for p in out.rglob("evaluations.jsonl") if p.stat().st_size]
        time.sleep(0.05)
    spawned = children(child.pid)  # the two workers and the progress queue's manager
    child.send_signal(signal.SIGKILL)
    child.wait()
    time.sleep(3)  # a worker notices within a second that its parent is gone
    sizes = {p: p.stat().st_size for p in logs}
    time.sleep(1.5)
    assert {p: p.stat().st_size for p in logs} == sizes, "a worker kept running"
    if spawned is not None:
        assert len(spawned) >= 3
        assert [pid for pid in spawned if alive(pid)] == [], "a child process kept running"


def children(pid: int) -> list[int] | None:
    """The processes whose parent is ``pid`` (Linux's /proc), or ``None`` without it."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    found = []
    for stat in proc.glob("[0-9]*/stat"):
        try:  # the fields after the parenthesised name: state, ppid, ...
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; its new parent has not reaped it yet


def test_brackets_in_notes_and_specs_survive_in_every_output(tmp_path, monkeypatch):
    from seqzoo.compare import plot

    monkeypatch.setattr(plot, "available", lambda: False)
    out = tmp_path / "cmp"
    assert cli.main(["compare", "--oracle", ORACLE, "--seeds", "0", "--budget", "30",
                     "--out", str(out), "--quiet", "--workers", "1",
                     "--proposer", "hill-climb", "--proposer", "hill-climb:elite=2"]) == 0
    assert "pip install 'seqzoo[plot]'" in (out / "table.txt").read_text()
