"""docs/campaigns.md's worked example runs, and does what the page says it does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from seqzoo.campaign import Campaign

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "campaigns.md"


def test_the_aav_example_runs_four_rounds_through_csv_files(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "campaign_aav.py"),
                           str(tmp_path), "--batch-size", "8"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.findall(r"^round (\d)", done.stdout, re.M) == ["0", "1", "2", "3", "4"]
    assert "round 2: 7 measured, 1 failed" in done.stdout  # the failed well
    assert sorted(p.name for p in (tmp_path / "lab").iterdir()) == [
        f"round-{k:02d}.csv" for k in range(5)]
    status = Campaign(tmp_path / "campaign").status()
    assert (status["rounds_measured"], status["evaluations"], status["failed"]) == (4, 33, 1)
    log = [json.loads(line) for line in
           (tmp_path / "campaign" / "evaluations.jsonl").read_text().splitlines()]
    best = max(r["value"] for r in log if r["value"] is not None)
    assert abs(status["best_value"] - best) < 1e-12
    assert f"{best:.4f}" in done.stdout


def test_the_page_names_exactly_the_steps_the_command_has():
    from seqzoo.cli import parser

    text = PAGE.read_text()
    assert "examples/campaign_aav.py" in text
    named = set(re.findall(r"zoo campaign ([a-z]+)", text))
    campaign = parser()._subparsers._group_actions[0].choices["campaign"]
    steps = set(campaign._subparsers._group_actions[0].choices)
    assert named == steps == {"init", "propose", "measure", "status", "simulate"}


def test_the_pages_simulate_block_gives_zoo_runs_sequences(tmp_path):
    """The block under "Simulate before you spend", run as written."""
    import shlex

    block = next(b for b in re.findall(r"```bash\n(.*?)```", PAGE.read_text(), flags=re.S)
                 if "zoo campaign simulate sim" in b)
    bin_dir = Path(sys.executable).parent
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        done = subprocess.run([str(bin_dir / "zoo"), *shlex.split(line)[1:]], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr[-2000:])

    def sequences(folder):
        return [json.loads(line)["sequence"] for line in
                (tmp_path / folder / "evaluations.jsonl").read_text().splitlines()]

    assert sequences("sim") == sequences("run") and len(sequences("run")) == 61
