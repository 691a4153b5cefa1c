"""The sink a remote run writes through (zoo compare on Ray, without Ray): the driver's
folder ends up as a local run's, proposer files included, and a run resumes on another
"node" from exactly what the driver holds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from seqzoo.compare.executors.cluster import WRITES
from seqzoo.compare.executors.sink import Held, Sink, apply
from seqzoo.engine import Engine, RunConfig
from seqzoo.errors import SeqzooError
from seqzoo.testing import FactoryPlugin


class Notebook:
    """Random proposals; keeps a note per told batch in its work folder, as LLOME keeps
    checkpoints, and restarts its notes on a fresh run."""

    def __init__(self, problem):
        self.problem, self.rng, self.told = problem, problem.rng(), 0

    def ask(self, n):
        return self.rng.integers(0, self.problem.num_states, (n, self.problem.length))

    def tell(self, x, y):
        self.told += 1
        if self.problem.workdir is not None:
            notes = Path(self.problem.workdir) / "notes"
            notes.mkdir(exist_ok=True)
            (notes / f"batch-{self.told}.txt").write_text(f"{np.max(y):.6f}\n")


CONFIG = RunConfig("hamming:num_states=4,dim=16", "notebook", 200, 20, seed=3)


@pytest.fixture(autouse=True)
def notebook(register_plugin):
    register_plugin(FactoryPlugin("proposer", "notebook", Notebook))


def to_driver(folder: Path):
    def send(message):
        if message[0] in WRITES:
            apply(folder, message)
    return send


def stored(folder: Path) -> dict[str, object]:
    """The folder's files, wall times and the command line left out."""
    out: dict[str, object] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == "evaluations.jsonl":
            out[rel] = [{k: v for k, v in json.loads(line).items() if k != "time"}
                        for line in path.read_text().splitlines()]
        elif rel in ("result.json", "config.json"):
            out[rel] = {k: v for k, v in json.loads(path.read_text()).items()
                        if k not in ("wall_seconds", "created", "argv")}
        else:
            out[rel] = path.read_bytes()
    return out


def test_a_run_through_the_sink_stores_what_a_local_run_stores(tmp_path):
    Engine(RunConfig(**vars(CONFIG)), tmp_path / "local").run()
    Engine(RunConfig(**vars(CONFIG)), Sink(tmp_path / "scratch", to_driver(tmp_path / "driver"))
           ).run(overwrite=True)
    assert "notes/batch-11.txt" in stored(tmp_path / "local")
    assert stored(tmp_path / "driver") == stored(tmp_path / "local")


def test_a_run_resumes_elsewhere_from_exactly_what_the_driver_holds(tmp_path):
    Engine(RunConfig(**vars(CONFIG)), tmp_path / "local").run()
    driver = tmp_path / "driver"
    Engine(RunConfig(**vars(CONFIG)), Sink(tmp_path / "node-a", to_driver(driver))
           ).run(overwrite=True)
    # node a is lost after its fourth batch: the driver holds four batches and their notes
    from seqzoo.runlog import RunDir

    RunDir(driver).keep_steps_before(4)
    (driver / "result.json").unlink()
    for late in range(5, 12):  # step 0 and ten rounds: eleven batches told
        (driver / "notes" / f"batch-{late}.txt").unlink()
    held = Held.read(driver, None)
    assert set(held.files) == {f"notes/batch-{i}.txt" for i in range(1, 5)}

    node_b = tmp_path / "node-b"
    assert held.unpack(node_b)
    Engine.from_rundir(Sink(node_b, to_driver(driver))).resume()
    assert stored(driver) == stored(tmp_path / "local")


def test_a_file_may_not_leave_its_run_folder(tmp_path):
    with pytest.raises(SeqzooError, match="outside its folder"):
        apply(tmp_path / "run", ("file", "../elsewhere.txt", b"x"))
    with pytest.raises(SeqzooError, match="outside its folder"):
        apply(tmp_path / "run", ("file", "result.json", b"{}"))
