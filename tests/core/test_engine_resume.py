"""A killed run resumes without re-spending budget and ends where an unkilled run ends."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from seqzoo import engine

ORACLE = "hamming:num_states=5,dim=10,max_step=2,random_seed=1"


def lines(path):
    return (path / "evaluations.jsonl").read_text().splitlines(keepends=True)


def records(path):
    return [json.loads(line) for line in lines(path)]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("full")
    engine.run(ORACLE, "hill-climb", 50, batch_size=7, seed=3, out=out, stop_on_optimum=False)
    return out


@pytest.mark.parametrize("keep, torn", [
    (0, False), (0, True), (1, False), (5, False), (8, False), (8, True), (30, True), (49, False),
    (50, False),
])
def test_resume_after_kill_matches_uninterrupted_run(tmp_path, full_run, keep, torn):
    """Cut the log after ``keep`` records (plus half a line if ``torn``), then resume."""
    (tmp_path / "config.json").write_text((full_run / "config.json").read_text())
    kept = "".join(lines(full_run)[:keep])
    if torn:
        kept += lines(full_run)[keep][:25]
    (tmp_path / "evaluations.jsonl").write_text(kept)
    result = engine.resume(tmp_path)
    got, want = records(tmp_path), records(full_run)
    assert len(got) == result.evaluations == 50
    assert [r["evaluation"] for r in got] == list(range(50))  # none repeated, none lost
    assert "resumed_by" not in json.loads((tmp_path / "config.json").read_text())  # same code
    # a kill inside a batch leaves a short step: the rest of it is proposed anew
    if keep % 7 == 1 or keep in (0, 50):
        assert [(r["sequence"], r["value"]) for r in got] == \
               [(r["sequence"], r["value"]) for r in want]


def test_sigkill_then_resume_has_exactly_budget_evaluations(tmp_path, good_plugin):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "seqzoo.cli", "run", "--oracle", ORACLE, "--proposer",
           "slow:delay=0.02", "--budget", "400", "--batch-size", "3", "--out", str(out),
           "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        if (out / "evaluations.jsonl").exists() and len(lines(out)) >= 30:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "result.json").exists()
    before = len(lines(out))
    assert 30 <= before < 400
    done = subprocess.run([sys.executable, "-m", "seqzoo.cli", "run", "--resume", str(out),
                           "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    recs = records(out)
    assert len(recs) == 400 and [r["evaluation"] for r in recs] == list(range(400))
    assert json.loads((out / "result.json").read_text())["evaluations"] == 400


def test_a_log_with_foreign_tokens_is_a_clean_error(tmp_path, full_run):
    (tmp_path / "config.json").write_text((full_run / "config.json").read_text())
    bad = lines(full_run)[:3]
    bad[2] = bad[2].replace('"sequence": "', '"sequence": "~', 1)
    (tmp_path / "evaluations.jsonl").write_text("".join(bad))
    from seqzoo.errors import SeqzooError

    with pytest.raises(SeqzooError, match="step 1 cannot be read back"):
        engine.resume(tmp_path)


def test_a_complete_run_resumes_only_once_its_budget_is_raised(tmp_path):
    import json

    from seqzoo import engine

    oracle = "hamming:num_states=4,dim=10"
    engine.run(oracle, "hill-climb", 30, batch_size=10, out=tmp_path, stop_on_optimum=False)
    before = (tmp_path / "evaluations.jsonl").read_bytes()
    assert engine.resume(tmp_path).evaluations == 30
    assert (tmp_path / "evaluations.jsonl").read_bytes() == before  # nothing to do
    config = json.loads((tmp_path / "config.json").read_text())
    config["config"]["budget"] = 50
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert engine.resume(tmp_path).evaluations == 50


def test_zoo_run_resume_refuses_a_run_other_code_began(tmp_path, full_run, capsys):
    from seqzoo.cli import main

    (tmp_path / "config.json").write_text((full_run / "config.json").read_text())
    (tmp_path / "evaluations.jsonl").write_text("".join(lines(full_run)[:15]))
    record = json.loads((tmp_path / "config.json").read_text())
    record["versions"]["seqzoo"] = "0.0.0-old"
    (tmp_path / "config.json").write_text(json.dumps(record))
    assert main(["run", "--resume", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "made by other code (seqzoo 0.0.0-old here" in err and "--allow-mixed" in err
    assert len(lines(tmp_path)) == 15  # nothing written
    assert main(["run", "--resume", str(tmp_path), "--allow-mixed", "--quiet"]) == 0
    assert len(lines(tmp_path)) == 50
    # the config keeps the code that began the run and adds the code that finished it
    from seqzoo.provenance import provenance

    resumed = json.loads((tmp_path / "config.json").read_text())
    assert resumed["versions"]["seqzoo"] == "0.0.0-old"
    assert resumed["resumed_by"] == [json.loads(json.dumps(provenance()))]
    assert main(["run", "--oracle", ORACLE, "--proposer", "hill-climb", "--budget", "10",
                 "--out", str(tmp_path / "new"), "--allow-mixed"]) == 2
    assert "--allow-mixed goes with --resume" in capsys.readouterr().err
