"""report.html renders in a real browser: headless Chromium loads it offline, runs plotly
without a console error, and draws every proposer in the plot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from seqzoo import cli
from seqzoo.compare import html

ORACLE = "hamming:num_states=4,dim=12"
PROPOSERS = ("hill-climb", "hill-climb:mutations=2", "hill-climb:elite=2")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    if not html.available():
        pytest.skip("plotly is not installed")
    out = tmp_path_factory.mktemp("html") / "cmp"
    argv = ["compare", "--oracle", ORACLE, "--seeds", "0,1,2", "--budget", "150",
            "--batch-size", "10", "--out", str(out), "--quiet"]
    for p in PROPOSERS:
        argv += ["--proposer", p]
    assert cli.main(argv) == 0
    return out / "report.html"


def test_the_page_is_self_contained_and_holds_every_table(page):
    text = page.read_text()
    assert "<table>" in text and "distinct evals" in text
    assert not re.search(r"<script[^>]+src=\"https?://", text), "the page must work offline"
    assert "plotly" in text.lower() and text.count("Plotly.newPlot") == 2  # curves + finals
    assert "## Code" not in text and "<h2>Code</h2>" in text  # the provenance section


def test_zoo_report_html_rebuilds_it(page):
    page.unlink()
    assert cli.main(["report", str(page.parent), "--html", "--quiet"]) == 0
    assert page.exists()


def test_headless_chromium_renders_it_without_errors(page, tmp_path):
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        pytest.skip("no Chromium (.ci/run installs Debian's chromium)")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path}",
                           "--enable-logging=stderr", "--v=0",
                           "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error|error", line)]
    assert not errors, errors
    dom = done.stdout
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == 2, "plotly drew no figures"
    legend = set(re.findall(r'class="legendtext"[^>]*>([^<]+)<', dom))
    assert {"hill-climb", "hill-climb:mutations=2", "hill-climb:elite=2"} <= legend, legend
