"""The grid's ETA weighs each run by its proposer's expected cost (a fake clock: no timing)."""

from __future__ import annotations

import json

import pytest
from seqzoo.compare.eta import Costs, finish_time, hint, work
from seqzoo.compare.progress import GridProgress, _clock
from seqzoo.compare.store import RunTask
from seqzoo.testing import FactoryPlugin


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "")


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def task(tmp_path, proposer: str, seed: int, planned: int = 5000, warm: int = 2000) -> RunTask:
    folder = tmp_path / proposer / f"seed-{seed}"
    return RunTask("o", proposer, seed, planned, 100, str(folder),
                   warm_start="ga" if warm else None, warm_start_budget=warm or None,
                   planned=planned)


def complete(t: RunTask, seconds: float) -> None:
    """A finished run folder whose result says it took ``seconds``."""
    from pathlib import Path

    Path(t.folder).mkdir(parents=True)
    (Path(t.folder) / "result.json").write_text(json.dumps(
        {"evaluations": t.planned, "wall_seconds": seconds}))


def test_work_leaves_out_the_warm_starts_rows(tmp_path):
    assert work(task(tmp_path, "a", 0)) == 3000
    assert work(task(tmp_path, "a", 0, warm=0)) == 5000


def test_finish_time_plays_the_queue_on_the_first_free_worker():
    # two workers: 10 s and 2 s left; queued 5, 5, 1 -> the 2 s worker takes 5 (ends 7),
    # then the 7 s one takes the second 5 (ends 12), then 10 takes 1 (ends 11): done at 12
    assert finish_time([10.0, 2.0], [5.0, 5.0, 1.0], workers=2) == pytest.approx(12.0)
    assert finish_time([], [3.0, 3.0, 3.0], workers=1) == pytest.approx(9.0)
    assert finish_time([], [], workers=4) == 0.0


def test_each_pending_run_is_weighed_by_its_own_proposers_cost(tmp_path):
    # the store holds one cheap and one costly proposer's first seed; their second seeds
    # are pending: the ETA is theirs, not the average of the finished runs times the count
    cheap0, costly0 = task(tmp_path, "cheap", 0), task(tmp_path, "costly", 0)
    complete(cheap0, 1.0)
    complete(costly0, 100.0)
    pending = [task(tmp_path, "cheap", 1), task(tmp_path, "costly", 1)]
    costs = Costs.from_store([cheap0, costly0, *pending], look_up=lambda spec: None)
    clock = Clock()
    display = GridProgress(4, 2, 10000, enabled=False, pending=pending, workers=1,
                           costs=costs, clock=clock)
    assert display.eta() == pytest.approx(101.0)
    display.handle(("start", pending[0].key, 5000))
    clock.now += 1.0
    display.handle(("done", pending[0].key))
    display.handle(("start", pending[1].key, 5000))
    clock.now += 40.0
    display.handle(("progress", pending[1].key, 3000, 0.5))
    assert display.eta() == pytest.approx(60.0)  # 100 s expected, 40 s in


def test_a_proposer_with_no_complete_run_takes_its_cost_hint(tmp_path):
    runs = [task(tmp_path, "hinted", 0), task(tmp_path, "plain", 0)]
    costs = Costs.from_store(runs, look_up={"hinted": 20.0, "plain": None}.get)
    # 20 s per 1,000 evaluations x 3,000 the proposer spends
    assert costs.expected(runs[0]) == pytest.approx(60.0)
    assert costs.expected(runs[1]) is None  # nothing finished, no hint: unknown
    display = GridProgress(2, 0, 10000, enabled=False, pending=runs, workers=2,
                           costs=costs, clock=Clock())
    assert display.eta() is None
    assert "ETA -" in display._info()


def test_measured_runs_win_over_the_hint_and_the_rest_take_the_mean_rate(tmp_path):
    clock = Clock()
    runs = [task(tmp_path, "hinted", 0), task(tmp_path, "plain", 0),
            task(tmp_path, "hinted", 1), task(tmp_path, "plain", 1),
            task(tmp_path, "other", 0)]
    costs = Costs.from_store(runs, look_up={"hinted": 20.0}.get)
    display = GridProgress(5, 0, 25000, enabled=False, pending=runs, workers=1,
                           costs=costs, clock=clock)
    display.handle(("start", runs[0].key, 5000))
    clock.now += 30.0  # half its hint: 10 s per 1,000 evaluations
    display.handle(("done", runs[0].key))
    assert costs.rate("hinted") == pytest.approx(10.0)
    # plain and other: no run of theirs, no hint: the mean of the finished runs
    assert costs.rate("plain") == pytest.approx(10.0)
    display.handle(("start", runs[1].key, 5000))
    clock.now += 90.0
    display.handle(("done", runs[1].key))
    assert costs.rate("plain") == pytest.approx(30.0)
    assert costs.rate("other") == pytest.approx(20.0)  # (10 + 30) / 2
    # left: hinted 30 s + plain 90 s + other 60 s, one worker
    assert display.eta() == pytest.approx(180.0)
    assert "ETA 0:03:00" in display._info()


def test_a_run_past_its_expected_time_is_extrapolated_from_its_progress(tmp_path):
    run = task(tmp_path, "slow", 0)
    costs = Costs({"slow": 10.0})  # expects 30 s
    clock = Clock()
    display = GridProgress(1, 0, 5000, enabled=False, pending=[run], costs=costs, clock=clock)
    display.handle(("start", run.key, 5000))
    clock.now += 60.0
    display.handle(("progress", run.key, 3500, 0.1))  # half its own 3,000 in 60 s
    assert display.eta() == pytest.approx(60.0)


def test_a_resumed_run_is_no_measure_of_its_proposers_cost(tmp_path):
    from pathlib import Path

    run = task(tmp_path, "p", 0)
    Path(run.folder).mkdir(parents=True)
    for name in ("config.json", "evaluations.jsonl"):  # interrupted: a log, no result
        (Path(run.folder) / name).write_text("{}\n")
    costs = Costs({"p": 10.0})
    clock = Clock()
    display = GridProgress(1, 0, 5000, enabled=False, pending=[run], costs=costs, clock=clock)
    display.handle(("start", run.key, 5000))
    clock.now += 1.0
    display.handle(("done", run.key))
    assert costs.rate("p") == pytest.approx(10.0)


def test_hints_are_read_from_the_factory(register_plugin):
    def flat(problem):
        raise NotImplementedError

    flat.cost_hint = 12.5

    def by_preset(problem, preset="default"):
        raise NotImplementedError

    by_preset.cost_hint = {"default": 40.0, "quick": 8.0}
    register_plugin(FactoryPlugin("proposer", "flat", flat))
    register_plugin(FactoryPlugin("proposer", "by-preset", by_preset))
    assert hint("flat:x=1") == pytest.approx(12.5)
    assert hint("by-preset") == pytest.approx(40.0)
    assert hint("by-preset:preset=quick") == pytest.approx(8.0)
    assert hint("by-preset:preset=paper") is None
    assert hint("hill-climb") is None
    assert hint("not-installed") is None


def test_clock_format():
    assert _clock(59.6) == "0:01:00"
    assert _clock(3 * 3600 + 125) == "3:02:05"
    assert _clock(30 * 3600) == "30:00:00"


def test_a_run_just_started_is_not_extrapolated_from_its_first_evaluations(tmp_path):
    run, later = task(tmp_path, "p", 0, warm=0), task(tmp_path, "p", 1, warm=0)
    costs = Costs({"p": 0.2})  # expects 1 s
    clock = Clock()
    display = GridProgress(2, 0, 10000, enabled=False, pending=[run, later], costs=costs,
                           clock=clock)
    display.handle(("start", run.key, 5000))
    clock.now += 3.0  # a slow start: imports, the first model
    display.handle(("progress", run.key, 1, 0.1))  # one evaluation of 5,000
    assert display.eta() == pytest.approx(1.0)  # due now, then the next run's 1 s


def test_a_run_in_flight_prices_the_pending_runs_of_its_spec(tmp_path):
    # nothing complete, no hint: the costly run in flight, half done after 50 s, says its
    # next seed costs 100 s, more than the cheap runs' mean would
    cheap, costly, costly1 = (task(tmp_path, "cheap", 0), task(tmp_path, "costly", 0),
                              task(tmp_path, "costly", 1))
    costs = Costs()
    clock = Clock()
    display = GridProgress(3, 0, 15000, enabled=False, pending=[cheap, costly, costly1],
                           workers=2, costs=costs, clock=clock)
    display.handle(("start", cheap.key, 5000))
    display.handle(("start", costly.key, 5000))
    clock.now += 1.0
    display.handle(("done", cheap.key))
    clock.now += 49.0
    display.handle(("progress", costly.key, 3500, 0.2))
    # costly 0: 50 s left on one worker; costly 1: 100 s on the other, free now
    assert display.eta() == pytest.approx(100.0)


def test_the_queue_goes_seed_by_seed_and_costliest_first_within_a_seed(tmp_path):
    from types import SimpleNamespace

    from seqzoo.compare.runner import _queue_place

    grid = SimpleNamespace(oracles=["o"], seeds=[0, 1])
    costs = Costs({"cheap": 1.0, "costly": 10.0, "unknown": None})
    todo = [task(tmp_path, p, s) for s in (1, 0) for p in ("cheap", "costly", "unknown")]
    todo.sort(key=lambda t: _queue_place(grid, costs, t))
    assert [(t.seed, t.proposer) for t in todo] == [
        (0, "unknown"), (0, "costly"), (0, "cheap"), (1, "unknown"), (1, "costly"),
        (1, "cheap")]
    # why: two workers, a seed of one 30 s run and three of 10 s; cheapest first, the
    # costly run starts third and ends alone at 40 s; costliest first, both end at 30 s
    assert finish_time([], [10.0, 10.0, 10.0, 30.0], workers=2) == pytest.approx(40.0)
    assert finish_time([], [30.0, 10.0, 10.0, 10.0], workers=2) == pytest.approx(30.0)


def test_a_burst_of_rounds_reports_its_last_round_once_the_throttle_allows(monkeypatch):
    # LLOME tells ten rounds within milliseconds, then trains for half a minute: the
    # display must see the burst's last round, not its first, during that half minute
    import time

    from seqzoo.compare import executors
    from seqzoo.compare.executors import ThrottledObserver
    from seqzoo.results import Progress

    THROTTLE = 1.0  # a burst of ten calls fits in it on any machine
    monkeypatch.setattr(executors, "THROTTLE", THROTTLE)

    sent: list[tuple] = []
    observe = ThrottledObserver("run", sent.append)
    for done in range(100, 1100, 100):
        observe(Progress(done, 5000, 0.5, None, done // 100))
    assert [m[2] for m in sent] == [100]  # the rest held back by the throttle
    deadline = time.monotonic() + 10 * THROTTLE + 5
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(THROTTLE / 4)
    assert [m[2] for m in sent] == [100, 1000]  # the newest round, sent once
    observe(Progress(1100, 5000, 0.5, None, 11))  # pending again, then the run ends
    observe.close()
    time.sleep(2 * THROTTLE)
    assert [m[2] for m in sent] == [100, 1000]  # nothing follows close()
