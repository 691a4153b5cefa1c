"""The `zoo` command: clean one-line errors with exit status 2, and a light start."""

import json
import os
import subprocess
import sys

import pytest

ORACLE = "hamming:num_states=4,dim=8"


def zoo(*args, check=False):
    return subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                          text=True, check=check)


def test_run_writes_the_contract_files(tmp_path):
    out = zoo("run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "30",
              "--batch-size", "8", "--seed", "4", "--out", str(tmp_path), check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["evaluations"] == 30
    assert {p.name for p in tmp_path.iterdir()} == {"config.json", "evaluations.jsonl",
                                                    "result.json"}
    first = json.loads((tmp_path / "evaluations.jsonl").read_text().splitlines()[0])
    assert {"step", "sequence", "value"} <= set(first) and len(first["sequence"]) == 8
    saved = json.loads((tmp_path / "result.json").read_text())
    for key in ("best_sequence", "best_value", "evaluations", "regret", "wall_seconds"):
        assert key in saved


@pytest.mark.parametrize("args, message", [
    (["--oracle", "nope", "--proposer", "hill-climb", "--budget", "5"], "unknown oracle 'nope'"),
    (["--oracle", ORACLE, "--proposer", "nope", "--budget", "5"], "unknown proposer 'nope'"),
    (["--oracle", "hamming:colour=1", "--proposer", "hill-climb", "--budget", "5"],
     "unknown option 'colour'"),
    (["--oracle", "hamming:dim=x", "--proposer", "hill-climb", "--budget", "5"], "expected int"),
    (["--oracle", "hamming:dim=0", "--proposer", "hill-climb", "--budget", "5"], "dim >= 1"),
    (["--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "0"],
     "budget must be at least 1"),
    (["--oracle", ORACLE, "--proposer", "hill-climb:elite=0", "--budget", "5"], "must be >= 1"),
    (["--oracle", ORACLE, "--proposer", "hill-climb"], "missing --budget"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    out = zoo("run", *args, "--out", str(tmp_path / "r"))
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1 and errors[0].startswith("zoo run: error: ") and message in errors[0]
    assert "Traceback" not in out.stderr


def test_resume_of_a_missing_folder_and_debug_traceback(tmp_path):
    out = zoo("run", "--resume", str(tmp_path / "nothing"))
    assert out.returncode == 2 and "is not a run folder" in out.stderr
    out = zoo("--debug", "run", "--resume", str(tmp_path / "nothing"))
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_list_shows_options_and_defaults():
    data = json.loads(zoo("list", "proposers", "--json", check=True).stdout)
    climber = next(d for d in data["proposer"] if d["name"] == "hill-climb")
    assert {o["name"]: o["default"] for o in climber["options"]} == \
           {"elite": 10, "mutations": 1, "batch_size": 100}
    assert climber["doc"].startswith("Hill climber")


def test_help_imports_nothing_heavy():
    code = ("import sys\nfrom seqzoo.cli import parser\nparser().format_help()\n"
            "heavy = [m for m in ('torch', 'numpy', 'rich', 'seqzoo.engine') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_out_into_a_folder_of_other_files_is_refused_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    args = ["run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
            "--out", str(tmp_path), "--quiet"]
    out = zoo(*args)
    assert out.returncode == 2 and "is not empty and holds no run" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert zoo(*args, "--force").returncode == 0
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "result.json").exists()


@pytest.mark.parametrize("make, args, message", [
    (lambda p: p.write_text("x"), ["--out"], "is a file, not a folder"),
    (lambda p: p.write_text("x"), ["--resume"], "is not a run folder"),
    (lambda p: None, ["--out-under-a-file"], "file, not a folder; choose another --out"),
])
def test_os_level_mistakes_are_one_line_and_exit_2(tmp_path, make, args, message):
    path = tmp_path / "target"
    make(path)
    if args == ["--resume"]:
        out = zoo("run", "--resume", str(path))
    else:
        if args == ["--out-under-a-file"]:
            (tmp_path / "file").write_text("x")
            path = tmp_path / "file" / "run"
        out = zoo("run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
                  "--out", str(path), "--quiet")
    errors = [line for line in out.stderr.splitlines() if line.startswith("zoo run: ")]
    assert out.returncode == 2 and len(errors) == 1 and message in errors[0], out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_folder_without_write_permission_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    out = zoo("run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
              "--out", str(locked / "run"), "--quiet")
    assert out.returncode == 2 and "Permission denied" in out.stderr


def test_resuming_a_complete_run_changes_nothing(tmp_path):
    zoo("run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "12", "--out",
        str(tmp_path), "--quiet", check=True)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    out = zoo("run", "--resume", str(tmp_path), check=True)
    assert "already complete" in out.stderr
    assert json.loads(out.stdout)["evaluations"] == 12
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_debug_works_after_the_subcommand(tmp_path):
    out = zoo("run", "--resume", str(tmp_path / "nothing"), "--debug")
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_a_name_too_long_is_one_line(tmp_path):
    out = zoo("run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
              "--out", str(tmp_path / ("x" * 300)), "--quiet")
    assert out.returncode == 2 and "File name too long" in out.stderr
    assert "Traceback" not in out.stderr
