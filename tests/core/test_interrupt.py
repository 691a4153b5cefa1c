"""Ctrl-C on ``zoo compare --workers 2``: one line with the right counts, no worker
tracebacks, and the same command finishes the grid."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

from seqzoo.compare.progress import GridProgress

ORACLE = "hamming:num_states=4,dim=12"


def test_ctrl_c_with_two_workers_is_one_line_with_the_right_counts(tmp_path, good_plugin,
                                                                    monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "goodplug")
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE, "--proposer",
            "slow:delay=0.03", "--seeds", "0-4", "--budget", "400", "--batch-size", "10",
            "--out", str(out), "--quiet", "--workers", "2"]
    # a terminal's Ctrl-C reaches the whole process group: the workers get it too
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        started = [p for p in out.rglob("evaluations.jsonl") if p.stat().st_size]
        if list(out.rglob("result.json")) and len(started) >= 3:
            break
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    folders = [p.parent for p in (out / "runs").rglob("config.json")]
    done = sum((f / "result.json").exists() for f in folders)
    unfinished = len(folders) - done
    assert done >= 1 and unfinished >= 1
    runs = "run is" if done == 1 else "runs are"
    assert f"interrupted: {done} complete {runs} kept in {out}" in lines[0]
    logs = "an unfinished run keeps its log" if unfinished == 1 else \
        f"{unfinished} unfinished runs keep their logs"
    assert logs in lines[0]

    kept = {p: p.read_bytes() for p in out.rglob("result.json")}
    again = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in kept} == kept  # complete runs are not redone
    with open(out / "summary.csv", newline="") as fh:
        assert [r["evaluations"] for r in csv.DictReader(fh)] == ["400"] * 5


def test_runs_in_flight_never_exceed_the_workers_whatever_the_message_order():
    display = GridProgress(3, 0, 30, enabled=False)
    display.handle(("start", "a", 10))
    display.handle(("start", "b", 10))
    display.handle(("done", "a"))        # from the worker, through the queue
    display.handle(("start", "c", 10))
    display.handle(("done", "a"))        # and again from the executor's result
    assert display.done == 1 and len(display.bars) == 2
    display.handle(("done", "b"))
    display.handle(("start", "b", 10))   # a late message of a finished run draws nothing
    assert display.done == 2 and len(display.bars) == 1


def test_the_closing_line_counts_retried_runs_and_their_causes():
    from seqzoo.cli.compare import _retried

    assert _retried([]) == ""
    assert _retried([("a", "node lost"), ("a", "node lost"), ("b", "worker died")]) == \
        ", 2 runs retried (node lost: 2, worker died: 1)"
