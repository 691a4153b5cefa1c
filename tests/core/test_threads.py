"""Thread counts: seqzoo's default, --threads, and a user's OMP_NUM_THREADS winning."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from seqzoo import engine, threads

ORACLE = "hamming:num_states=4,dim=8"


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*threads.VARIABLES, threads._MARK):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_default_then_requested_then_the_users_variable(clean_env):
    assert threads.resolve(None) == threads.DEFAULT == 1
    assert threads.resolve(3) == 3
    clean_env.setenv("OMP_NUM_THREADS", "2")
    assert threads.resolve(None) == 2 and threads.resolve(3) == 2


def test_what_seqzoo_set_is_not_taken_for_the_users_choice(clean_env):
    threads.apply(3)
    assert os.environ["OMP_NUM_THREADS"] == "3" and os.environ["MKL_NUM_THREADS"] == "3"
    assert threads.user_threads() is None and threads.resolve(None) == 1


def test_a_run_records_its_threads(tmp_path, clean_env):
    engine.run(ORACLE, "hill-climb", 10, out=tmp_path / "a", threads=2)
    saved = json.loads((tmp_path / "a" / "config.json").read_text())
    assert saved["threads"] == 2 and saved["config"]["threads"] == 2
    engine.run(ORACLE, "hill-climb", 10, out=tmp_path / "b")
    assert json.loads((tmp_path / "b" / "config.json").read_text())["threads"] == 1


def test_zoo_run_threads_option_and_the_users_variable(tmp_path, clean_env):
    def run(out, *extra, env=None):
        subprocess.run([sys.executable, "-m", "seqzoo.cli", "run", "--oracle", ORACLE,
                        "--proposer", "hill-climb", "--budget", "10", "--out", str(out),
                        "--quiet", *extra], check=True, capture_output=True,
                       env={**os.environ, **(env or {})})
        return json.loads((out / "config.json").read_text())["threads"]

    assert run(tmp_path / "a", "--threads", "2") == 2
    assert run(tmp_path / "b", "--threads", "2", env={"OMP_NUM_THREADS": "1"}) == 1


def test_bad_thread_counts_are_refused(tmp_path):
    with pytest.raises(Exception, match="threads must be a positive integer"):
        engine.run(ORACLE, "hill-climb", 10, threads=0)
