"""What `zoo` says when a user slips: one line that names the fix, a "did you mean" for a
near miss, nothing but failures under --quiet, and unwrapped tables in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ORACLE = "hamming:num_states=4,dim=8"
#: Only the core's own plugin, whatever else is installed: the tests read its names.
CORE_ONLY = {**os.environ, "SEQZOO_LOAD_PLUGINS": ""}


def zoo(*args):
    return subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                          text=True, env=CORE_ONLY)


def one_line_error(done) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("args, says", [
    (["run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budgt", "5", "--out", "x"],
     "zoo run: error: unrecognized arguments: --budgt 5; did you mean '--budget'?"),
    (["compare", "--proposr", "ga", "--out", "x"], "did you mean '--proposer'?"),
    (["compre"], "invalid choice: 'compre'"),
    (["list", "proposer"], "did you mean 'proposers'?"),
    (["run", "--oracle", ORACLE, "--proposer", "hill-clim", "--budget", "5", "--out", "x"],
     "unknown proposer 'hill-clim'; did you mean 'hill-climb'?"),
    (["run", "--oracle", "haming", "--proposer", "hill-climb", "--budget", "5", "--out", "x"],
     "unknown oracle 'haming'; did you mean 'hamming'?"),
    (["run", "--oracle", ORACLE, "--proposer", "hill-climb:elit=3", "--budget", "5",
      "--out", "x"], "unknown option 'elit'; did you mean 'elite'?"),
    (["run", "--oracle", ORACLE, "--proposer", "hill-climb:elite=[3,4", "--budget", "5",
      "--out", "x"], "missing ']' in spec 'hill-climb:elite=[3,4'"),
    (["compare", "--oracle", ORACLE, "--proposer", "hill-climb:elite=3]", "--out", "x"],
     "unmatched ']'"),
])
def test_a_slip_gets_one_line_naming_the_fix(args, says, tmp_path):
    done = subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                          text=True, env=CORE_ONLY, cwd=tmp_path)
    assert says in one_line_error(done)
    assert "usage:" not in done.stderr


def test_nothing_close_means_no_guess():
    line = one_line_error(zoo("run", "--oracle", ORACLE, "--proposer", "zzzz", "--budget", "5",
                              "--out", "x"))
    assert "did you mean" not in line and "(known: hill-climb, random)" in line


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("under", [False, True])
def test_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, command, under):
    afile = tmp_path / "afile.txt"
    afile.write_text("not a folder")
    out = afile / "sub" if under else afile
    done = zoo(command, "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
               "--seeds", "0", "--out", str(out)) if command == "compare" else \
        zoo(command, "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
            "--out", str(out))
    assert one_line_error(done) == (f"zoo {command}: error: {afile} is a file, not a folder; "
                                    f"choose another --out")
    assert afile.read_text() == "not a folder"


def test_quiet_compare_says_one_line_and_report_nothing(tmp_path):
    out = tmp_path / "cmp"
    done = zoo("compare", "--oracle", ORACLE, "--proposer", "hill-climb", "--seeds", "0",
               "--budget", "30", "--warm-start", "random", "--warm-start-budget", "10",
               "--workers", "1", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    # no warm-start lines, display or table: the closing line alone says it is done
    assert done.stdout == "" and done.stderr.startswith("1 runs done, 0 already complete")
    assert len(done.stderr.splitlines()) == 1 and (out / "summary.csv").exists()
    again = zoo("report", str(out), "--quiet")
    assert again.returncode == 0, again.stderr
    assert (again.stdout, again.stderr) == ("", "")


def test_piped_tables_are_not_wrapped_at_80_columns(tmp_path):
    listed = zoo("list", "proposers")
    assert listed.returncode == 0, listed.stderr
    # one row on one line: the name, its plugin and the whole first line of its doc
    row = next(line for line in listed.stdout.splitlines() if "hill-climb" in line)
    assert "seqzoo" in row and "Hill climber with a population: each child is a copy" in row
    assert len(row) > 80
    compared = zoo("compare", "--oracle", "hamming:num_states=4,dim=8,max_step=1",
                   "--proposer", "hill-climb", "--seeds", "0", "--budget", "20",
                   "--workers", "1", "--out", str(tmp_path / "cmp"))
    assert compared.returncode == 0, compared.stderr
    row = next(line for line in compared.stdout.splitlines() if "hill-climb" in line)
    assert len(row) > 80  # the table's whole width on one line, as table.txt has it
    assert "hamming:num_states=4,dim=8,max_step=1" in compared.stdout  # never cut


def test_a_mistyped_config_key_gets_the_closest_key(tmp_path):
    config = tmp_path / "grid.toml"
    config.write_text('oracls = ["hamming"]\n')
    line = one_line_error(zoo("compare", "--config", str(config), "--out", str(tmp_path / "o")))
    assert "unknown key 'oracls'; did you mean 'oracles'?" in line
