"""zoo compare on a two-node local Ray cluster (one CPU a node): the driver is the only
writer of the store, no node runs more runs than its CPUs, a node lost mid-grid costs only
its own runs, and a node that differs from the driver stops the grid before anything runs.

One cluster serves the module (a start costs 10-20 s); the node-loss test removes the
worker node, so it runs last.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from seqzoo import cli, plugins  # noqa: E402
from seqzoo.compare import compare, resolve  # noqa: E402
from seqzoo.compare import runner  # noqa: E402
from seqzoo.compare.executors import preflight  # noqa: E402

ORACLE = "hamming:num_states=4,dim=32"

#: Installed in every Ray worker through PYTHONPATH: logs each write a worker process makes
#: under SEQZOO_AUDIT_ROOT (the tests' --out folders) to SEQZOO_AUDIT_LOG.
AUDIT = '''
import os, sys
_root, _log = os.environ.get("SEQZOO_AUDIT_ROOT"), os.environ.get("SEQZOO_AUDIT_LOG")
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def _hook(event, args):
    if event == "open":
        mode, flags = args[1], args[2]
        if not ((isinstance(mode, str) and any(c in mode for c in "wax+"))
                or (isinstance(flags, int) and flags & _WRITE)):
            return
    elif event not in ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.truncate",
                       "shutil.rmtree"):
        return
    path = args[0]
    if not isinstance(path, (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(path))
    if path.startswith(_root):
        with open(_log, "a") as fh:
            fh.write(f"{os.getpid()} {event} {path}\\n")

if _root and _log:
    sys.addaudithook(_hook)
'''


#: A plugin the nodes and the driver both load (through PYTHONPATH): a proposer that
#: warns on every ask, as a library a plugin uses might.
PLUGIN = {
    "seqzoo_rayplug.py": """
import warnings

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("warner", Warner)
    register("breaker", Breaker)


class Warner:
    def __init__(self, problem):
        self.problem, self.rng = problem, problem.rng()

    def ask(self, n):
        warnings.warn("the warner warns on every ask", UserWarning)
        return self.rng.integers(0, self.problem.num_states, (n, self.problem.length))

    def tell(self, x, y):
        pass


class Breaker(Warner):
    def ask(self, n):
        raise RuntimeError("the breaker breaks")
""",
    "seqzoo_rayplug-0.1.dist-info/METADATA":
        "Metadata-Version: 2.1\nName: seqzoo-rayplug\nVersion: 0.1\n",
    "seqzoo_rayplug-0.1.dist-info/entry_points.txt": "[seqzoo]\nrayplug = seqzoo_rayplug\n",
}


@pytest.fixture(scope="module")
def outs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outs")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, outs):
    audit = tmp_path_factory.mktemp("audit")
    (audit / "sitecustomize.py").write_text(AUDIT)
    for name, text in PLUGIN.items():
        (audit / name).parent.mkdir(parents=True, exist_ok=True)
        (audit / name).write_text(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(audit))
        # the nodes' processes inherit this environment; the driver (this process) does
        # not load the hook: it is the one process allowed to write the store
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [
            str(audit), os.environ.get("PYTHONPATH")])))
        mp.setenv("SEQZOO_AUDIT_ROOT", str(outs))
        mp.setenv("SEQZOO_AUDIT_LOG", str(audit / "writes.log"))
        mp.setenv("SEQZOO_LOAD_PLUGINS", "rayplug")  # and the core's: light, no torch
        mp.setenv("OMP_NUM_THREADS", "1")
        plugins.set_registry(None)  # the driver's plugins are the nodes' plugins
        group = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        worker = group.add_node(num_cpus=1)
        ray.init(address=group.address, log_to_driver=False, include_dashboard=False,
                 logging_level="ERROR")
        group.wait_for_nodes()
        try:
            yield group, worker, audit / "writes.log"
        finally:
            ray.shutdown()
            group.shutdown()
            plugins.set_registry(None)


def grid(seeds: str, budget: int, **extra):
    from seqzoo.compare.grid import parse_seeds

    return resolve(oracles=[ORACLE], proposers=["random", "hill-climb"],
                   seeds=parse_seeds(seeds), budget=budget, batch_size=10, **extra)


def without_times(out: Path) -> dict[str, object]:
    """Every run's log and result, wall times left out."""
    found: dict[str, object] = {}
    for log in sorted((out / "runs").rglob("evaluations.jsonl")):
        rows = [json.loads(line) for line in log.read_text().splitlines()]
        result = json.loads((log.parent / "result.json").read_text())
        found[str(log.parent.relative_to(out))] = (
            [{k: v for k, v in r.items() if k != "time"} for r in rows],
            {k: v for k, v in result.items() if k != "wall_seconds"})
    return found


def summary(out: Path) -> list[dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "wall_seconds"}
                for r in csv.DictReader(fh)]


def test_the_driver_alone_writes_and_no_node_runs_more_runs_than_its_cpus(
        cluster, outs, monkeypatch):
    _, _, writes = cluster
    # the audit sees a worker's write under --out (else its silence would prove nothing)
    probe = outs / "probe.txt"
    ray.get(ray.remote(num_cpus=0)(lambda p: Path(p).write_text("x")).remote(str(probe)))
    assert str(probe) in writes.read_text()
    writes.unlink()

    ran: list[tuple] = []
    handle = runner.GridProgress.handle
    monkeypatch.setattr(runner.GridProgress, "handle",
                        lambda self, m: (ran.append(m) if m[0] == "ran" else None,
                                         handle(self, m)))
    monkeypatch.chdir(outs)  # a relative --out is the driver's folder
    ray_grid = grid("0-2", 300, executor="ray", warm_start="random", warm_start_budget=30)
    result = compare(ray_grid, "cmp", progress=False)
    assert result.failures == [] and result.ran == 6
    assert not writes.exists(), writes.read_text()

    # each node has one CPU: its runs never overlap
    by_node: dict[str, list[tuple[float, float]]] = {}
    for _, _, node, began, ended in ran:
        by_node.setdefault(node, []).append((began, ended))
    assert len(by_node) == 2 and sum(map(len, by_node.values())) == 6
    for spans in by_node.values():
        spans.sort()
        assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:])), spans

    serial = compare(grid("0-2", 300, warm_start="random", warm_start_budget=30, workers=1),
                     outs / "serial", progress=False)
    assert serial.failures == []
    assert without_times(outs / "cmp") == without_times(outs / "serial")
    config = json.loads(next((outs / "cmp" / "runs").rglob("config.json")).read_text())
    assert config["argv"] == sys.argv  # the command that made it, not Ray's worker


def test_a_node_that_differs_stops_the_grid_before_anything_runs(cluster, outs, monkeypatch,
                                                                 capsys):
    real = preflight.fingerprint

    def driver_with_another_plugin():
        mine = real()
        return {**mine, "plugins": {**mine["plugins"], "ehrlich": "seqzoo-ehrlich 9.9"}}

    monkeypatch.setattr(preflight, "fingerprint", driver_with_another_plugin)
    out = outs / "differs"
    assert cli.main(["compare", "--oracle", ORACLE, "--proposer", "random", "--seeds", "0",
                     "--budget", "50", "--out", str(out), "--quiet", "--executor", "ray",
                     "--warm-start", "random", "--warm-start-budget", "20"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs from this machine: plugin 'ehrlich': not installed " \
        "there, seqzoo-ehrlich 9.9 here" in err[0], err
    assert not out.exists()  # not even the warm start was spent


def test_a_warning_on_a_node_reaches_the_driver_once(cluster, outs):
    with pytest.warns(UserWarning) as caught:
        result = compare(resolve(oracles=[ORACLE], proposers=["warner"], seeds=[0, 1],
                                 budget=100, batch_size=10, executor="ray"),
                         outs / "warns", progress=False)
    assert result.failures == []
    said = [str(w.message) for w in caught]
    assert said.count("the warner warns on every ask") == 1, said


def test_a_run_that_fails_by_itself_fails_once_and_the_grid_does_not_exit_0(cluster, outs,
                                                                            capsys):
    out = outs / "breaks"
    assert cli.main(["compare", "--oracle", ORACLE, "--proposer", "breaker", "--proposer",
                     "random", "--seeds", "0", "--budget", "50", "--out", str(out),
                     "--quiet", "--executor", "ray"]) == 1
    err = capsys.readouterr().err
    assert "failed breaker | " in err and "RuntimeError: the breaker breaks" in err
    assert "retried" not in err  # a proposer's own error is not the machinery's
    assert (out / "runs").exists() and len(list(out.rglob("result.json"))) == 1


def test_ctrl_c_on_ray_is_one_line_and_the_same_command_finishes(cluster, tmp_path):
    import signal
    import subprocess

    group, _, _ = cluster
    out = tmp_path / "cmp"  # outside the audited folders: this driver is a subprocess
    argv = [sys.executable, "-m", "seqzoo.cli", "compare", "--oracle", ORACLE, "--proposer",
            "random", "--seeds", "0-3", "--budget", "3000", "--batch-size", "10", "--out",
            str(out), "--quiet", "--executor", "ray", "--ray-address", group.address]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if len([p for p in out.rglob("evaluations.jsonl") if p.stat().st_size > 1000]) >= 2:
            break
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "unfinished runs keep their logs" in lines[0], err
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(list(out.rglob("result.json"))) == 4


def test_a_run_is_resubmitted_after_a_loss_at_most_max_retries_times(tmp_path):
    from types import SimpleNamespace

    from ray.exceptions import NodeDiedError
    from seqzoo.compare.executors.cluster import _Driver
    from seqzoo.compare.store import RunTask

    task = RunTask(ORACLE, "random", 0, 50, 10, str(tmp_path / "run"))
    outcomes: list = []

    def stream(*_):
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        yield ("return", outcome)

    retried: list = []
    driver = _Driver(SimpleNamespace(max_retries=2, threads=1), lambda m: None,
                     lambda key, why: retried.append(why))
    driver.remote = SimpleNamespace(remote=stream)
    driver.ray = SimpleNamespace(get=lambda message: message, cancel=lambda *a, **k: None)

    outcomes[:] = [NodeDiedError("gone"), {"best_value": 1.0}]
    assert driver.follow(task) == {"best_value": 1.0} and retried == ["node lost"]

    retried.clear()
    outcomes[:] = [NodeDiedError("gone")] * 3
    lost = driver.follow(task)
    assert isinstance(lost, RuntimeError) and retried == ["node lost"] * 2
    assert str(lost) == "lost 3 times (node lost); --max-retries is 2"


def test_a_difference_is_named_in_words():
    ours = {"python": "3.11.4", "plugins": {"ga": "seqzoo-ga 0.2.0"},
            "versions": {"numpy": "2.1.0"}, "commit": "abc"}
    assert preflight.difference(ours, ours) is None
    assert preflight.difference({**ours, "python": "3.10.1"}, ours) == \
        "Python 3.10.1 there, 3.11.4 here"
    assert preflight.difference({**ours, "plugins": {}}, ours) == \
        "plugin 'ga': not installed there, seqzoo-ga 0.2.0 here"
    assert preflight.difference({**ours, "commit": "def"}, ours) == \
        "commit def there, abc here"


def test_a_lost_node_costs_only_its_own_runs(cluster, outs):
    group, worker, _ = cluster
    out = outs / "lost"
    seen: list[Path] = []

    def remove_the_worker_node_mid_grid():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # both nodes busy: two runs have rows
            seen[:] = [p for p in out.rglob("evaluations.jsonl") if p.stat().st_size > 2000]
            if len(seen) >= 2:
                group.remove_node(worker)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=remove_the_worker_node_mid_grid)
    killer.start()
    result = compare(grid("0-1", 2500, executor="ray"), out, progress=False)
    killer.join()
    assert len(seen) >= 2, "the grid ended before the node could be removed"
    assert result.failures == []
    assert result.retried and {why for _, why in result.retried} <= {"node lost",
                                                                     "worker died"}
    serial = compare(grid("0-1", 2500, workers=1), outs / "lost-serial", progress=False)
    assert serial.failures == []
    assert summary(out) == summary(outs / "lost-serial")
    assert without_times(out) == without_times(outs / "lost-serial")


def test_a_refused_connection_names_token_authentication_unless_it_is_set(monkeypatch):
    from seqzoo.compare.executors.cluster import _connect_hint

    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    assert "RAY_AUTH_MODE=token" in _connect_hint("10.0.0.7:6379")
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    assert "RAY_AUTH_MODE" not in _connect_hint("10.0.0.7:6379")
    assert "ray start --head" in _connect_hint(None)
