"""Bad specs are one line and exit 2; a small zoo compare runs on tfbind8."""

import csv
import subprocess
import sys

import pytest

ZOO = [sys.executable, "-m", "seqzoo.cli"]


def zoo(*args, cwd=None):
    return subprocess.run([*ZOO, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("spec, words", [
    ("tfbind8:tf=NOPE_R1", "unknown TFBind8 factor 'NOPE_R1'"),
    ("aav:phenotype=brain", "unknown AAV phenotype 'brain'"),
    ("aav:preset=heart:1:2:0", "unknown AAV preset"),
    ("aav:start=600,end=500", "0 <= start < end <= 735"),
    ("rna-binding:preset=L20_RNA1", "unknown RNA-binding preset 'L20_RNA1'"),
    ("rna-binding:targets=[GATTACA],length=10", "letters 'T'"),
    ("rna-binding:preset=L14_RNA1,conserved_start=0,conserved_pattern=ACGX",
     "conserved_pattern must be"),
    ("rna-binding:length=20", "needs a preset, or both"),
])
def test_bad_spec_is_one_line_exit_2(tmp_path, spec, words):
    out = zoo("run", "--oracle", spec, "--proposer", "hill-climb", "--budget", "20",
              "--out", str(tmp_path / "run"))
    assert out.returncode == 2, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert words in lines[0]


def test_compare_smoke_on_tfbind8(tmp_path):
    out = zoo("compare", "--oracle", "tfbind8", "--proposer", "hill-climb", "--seeds", "0,1",
              "--budget", "114", "--batch-size", "50", "--workers", "1",
              "--warm-start", "none", "--out", str(tmp_path / "cmp"), "--quiet")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(open(tmp_path / "cmp" / "summary.csv")))
    assert len(rows) == 2
    assert {r["oracle"] for r in rows} == {"tfbind8"}
    for r in rows:
        # tfbind8's optimum is 1, so regret is defined: 1 - best value.
        assert float(r["regret"]) == pytest.approx(1.0 - float(r["best_value"]), abs=1e-12)
        assert 0.0 <= float(r["regret"]) < 1.0, r
