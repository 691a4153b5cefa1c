"""The `zoo` command: clean one-line errors with exit status 2, and a light start."""

import json
import subprocess
import sys

import pytest

ORACLE = "hamming:num_states=4,dim=8"


def zoo(*args, check=False):
    return subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                          text=True, check=check)


def test_run_writes_the_contract_files(tmp_path):
    out = zoo("run", "--oracle", ORACLE, "--proposer", "random", "--budget", "30",
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
    (["--oracle", "nope", "--proposer", "random", "--budget", "5"], "unknown oracle 'nope'"),
    (["--oracle", ORACLE, "--proposer", "nope", "--budget", "5"], "unknown proposer 'nope'"),
    (["--oracle", "hamming:colour=1", "--proposer", "random", "--budget", "5"],
     "unknown option 'colour'"),
    (["--oracle", "hamming:dim=x", "--proposer", "random", "--budget", "5"], "expected int"),
    (["--oracle", "hamming:dim=0", "--proposer", "random", "--budget", "5"], "dim >= 1"),
    (["--oracle", ORACLE, "--proposer", "random", "--budget", "0"], "budget must be at least 1"),
    (["--oracle", ORACLE, "--proposer", "random:elite=0", "--budget", "5"], "must be >= 1"),
    (["--oracle", ORACLE, "--proposer", "random"], "missing --budget"),
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
    random = next(d for d in data["proposer"] if d["name"] == "random")
    assert {o["name"]: o["default"] for o in random["options"]} == \
           {"elite": 10, "mutations": 1, "batch_size": 100}
    assert random["doc"].startswith("Mutate")


def test_help_imports_nothing_heavy():
    code = ("import sys\nfrom seqzoo.cli import parser\nparser().format_help()\n"
            "heavy = [m for m in ('torch', 'numpy', 'rich', 'seqzoo.engine') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
