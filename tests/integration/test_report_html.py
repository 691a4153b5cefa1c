"""report.html renders in a real browser: headless Chromium loads it offline, unpacks
plotly, runs it without a console error, and draws every figure with every proposer.
Also the page's content: marked best cells, groups, the CD diagram, data profiles, a page
well under the 4.8 MB of a plain plotly bundle, and an oracle with no known optimum."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from seqzoo import cli
from seqzoo.builtin import Hamming
from seqzoo.compare import html
from seqzoo.testing import FactoryPlugin

ORACLE = "hamming:num_states=4,dim=12"
PROPOSERS = ("hill-climb", "hill-climb:mutations=2", "random")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Per oracle: regret, final values, best value against time; then the win-rate matrix and
#: the data profiles at two tolerances.
FIGURES = 3 + 1 + 2
#: Where a screenshot of the page goes when SEQZOO_SCREENSHOT names a folder (docs/).
SHOT = "SEQZOO_SCREENSHOT"


def _compare(out: Path, oracle: str, seeds: str = "0,1,2,3,4") -> None:
    argv = ["compare", "--oracle", oracle, "--seeds", seeds, "--budget", "150",
            "--batch-size", "10", "--out", str(out), "--quiet", "--workers", "1"]
    for p in PROPOSERS:
        argv += ["--proposer", p]
    assert cli.main(argv) == 0


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    if not html.available():
        pytest.skip("plotly is not installed")
    out = tmp_path_factory.mktemp("html") / "cmp"
    _compare(out, ORACLE)
    return out / "report.html"


def _browser() -> str:
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        pytest.skip("no Chromium (.ci/run installs Debian's chromium)")
    return browser


def _chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
                           "--virtual-time-budget=20000", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180)


def test_the_page_is_self_contained_small_and_holds_every_table(page):
    text = page.read_text()
    assert "<table>" in text and "distinct evals" in text
    assert not re.search(r"<script[^>]+src=", text), "the page must work offline"
    assert 'id="plotly-js-gz"' in text and "DecompressionStream" in text
    assert text.count('<script type="application/json" class="figure"') == FIGURES
    assert page.stat().st_size < 2.5e6  # the inline bundle alone was 4.8 MB
    assert "## Code" not in text and "<h2>Code</h2>" in text  # the provenance section
    # every column's best cell is marked, the groups and the CD diagram are there
    assert "<td><strong>" in text and "<th>group</th>" in text
    assert "Critical difference diagram" in text and "<svg" in text
    assert "<h2>Data profiles</h2>" in text and "solved at tau = 0.01" in text
    assert (page.parent / "data_profiles.csv").stat().st_size > 0


def test_zoo_report_html_rebuilds_it(page):
    before = page.read_bytes()
    page.unlink()
    assert cli.main(["report", str(page.parent), "--html", "--quiet"]) == 0
    assert page.read_bytes() == before  # the same page from the same store


def test_the_help_says_when_report_html_is_written(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "with plotly report.html" in out and "report.html with --html" not in out


def test_headless_chromium_renders_it_without_errors(page, tmp_path):
    done = _chromium(page, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error|error", line)]
    assert not errors, errors
    dom = done.stdout
    assert not re.search(r"could not be drawn \([^']", dom), "the bundle was not unpacked"
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == FIGURES, "plotly drew none"
    legend = set(re.findall(r'class="legendtext"[^>]*>([^<]+)<', dom))
    assert set(PROPOSERS) <= legend, legend
    folder = os.environ.get(SHOT)
    if folder:  # refresh the docs' screenshot: SEQZOO_SCREENSHOT=docs pytest ...
        shot = _chromium(page, tmp_path / "shot", "--window-size=1400,3000",
                         f"--screenshot={Path(folder).resolve() / 'report-html.png'}")
        assert shot.returncode == 0, shot.stderr[-2000:]


class Unknown(Hamming):
    """The Hamming oracle, not telling its optimum (as a real landscape would not)."""

    def __init__(self, num_states: int = 4, dim: int = 12):
        super().__init__(num_states=num_states, dim=dim)
        self.optimal_value = None


def test_an_oracle_with_no_known_optimum_gets_no_regret_columns(tmp_path, register_plugin,
                                                                 monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    register_plugin(FactoryPlugin("oracle", "unknown", Unknown))
    out = tmp_path / "cmp"
    _compare(out, "unknown", seeds="0,1,2")
    report = (out / "report.md").read_text()
    section = report.split("## unknown", 1)[1].split("###", 1)[0]
    assert "regret" not in section and "| solved |" not in section and "[-, -]" not in section
    # the score's two ends are stated, with the values that set them
    assert "score: 0 = the best value any run found" in section
    assert "(the optimum is unknown), 1 = the 'hill-climb' proposer's median best value" \
        in section
    # three seeds are too few to test, and the tables say so
    assert "untested" in section and "at least 5 are needed" in section


def test_a_low_feasible_share_is_flagged(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")
    out = tmp_path / "cmp"
    # neighbouring states at most 1 apart: a uniform random sequence of 24 almost never is
    assert cli.main(["compare", "--oracle", "hamming:num_states=8,dim=24,max_step=1",
                     "--proposer", "random", "--proposer", "hill-climb", "--seeds", "0",
                     "--budget", "60", "--batch-size", "10", "--out", str(out), "--quiet",
                     "--workers", "1"]) == 0
    report = (out / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| random |"))
    assert " (low) |" in row
    assert "note: random on hamming:num_states=8,dim=24,max_step=1: median feasible share" \
        in report
    if html.available():
        assert '<span class="low"' in (out / "report.html").read_text()


def test_a_step_curve_keeps_only_the_points_where_it_changes():
    go = pytest.importorskip("plotly.graph_objects")
    from seqzoo.compare.html import _band

    x = list(range(0, 100, 10))
    med = [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9]
    q25 = [None, None, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    fig = go.Figure()
    _band(fig, x, q25, med, med, "p", "#1f77b4", "best value", "evaluations")
    line = fig.data[-1]
    assert list(line.x) == [0, 20, 30, 70, 90]
    # as a step function ("hv") it is the same curve at every original point
    for xi, yi in zip(x, med):
        last = max(i for i, k in enumerate(line.x) if k <= xi)
        assert line.y[last] == yi
