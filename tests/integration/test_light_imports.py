"""Listing factories and a numpy-only run never import torch, transformers or Lightning.

``zoo list`` imports every plugin's entry module and every factory (to read its options), so
one module-level ``import torch`` anywhere in that path costs every user a second or more and
hides behind a working command. The tests run the real ``zoo`` under ``python -X importtime``
and name the module that imported the heavy package, so a failure says where to look.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqzoo.plugins import registry

HEAVY = ("torch", "transformers", "lightning", "pytorch_lightning")
ZOO = [sys.executable, "-X", "importtime", "-m", "seqzoo.cli"]


def heavy_imports(importtime: str) -> list[str]:
    """``"torch (imported by seqzoo_x.y)"`` for each heavy top-level package imported.

    ``-X importtime`` prints a module after everything it imported, indented one level
    deeper than its importer: the first later line with less indentation is the importer.
    """
    rows = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1]
            rows.append((len(name) - len(name.lstrip()), name.strip()))
    found = []
    for i, (depth, name) in enumerate(rows):
        if name in HEAVY:
            by = next((n for d, n in rows[i + 1:] if d < depth), "the command itself")
            found.append(f"{name} (imported by {by})")
    return found


def test_every_installed_plugin_loaded():
    # A plugin that failed to load imports nothing, so the test below would pass for it.
    broken = {name: info.error for name, info in registry().plugins.items() if info.error}
    assert not broken, broken


@pytest.mark.parametrize("kind", ["proposers", "oracles", "trainers", "surrogates"])
def test_zoo_list_imports_no_heavy_package(kind):
    done = subprocess.run(ZOO + ["list", kind, "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = json.loads(done.stdout)
    failed = [d["name"] for entries in listed.values() for d in entries
              if d["doc"].startswith("(failed to import")]
    assert not failed, f"factories that did not import: {failed}"
    assert heavy_imports(done.stderr) == []


def test_hill_climb_on_an_ehrlich_preset_imports_no_heavy_package(tmp_path: Path):
    done = subprocess.run(ZOO + ["run", "--oracle", "ehrlich:preset=f2", "--proposer",
                                 "hill-climb", "--budget", "300", "--out",
                                 str(tmp_path / "run")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "result.json").read_text())["evaluations"] == 300
    assert heavy_imports(done.stderr) == []


def test_the_check_names_the_importer():
    # The parser on a made-up trace: numpy under a plugin, torch under another module.
    trace = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:        5 |          5 |     numpy",
        "import time:        5 |         10 |   seqzoo_x.light",
        "import time:        5 |          5 |       torch._C",
        "import time:        5 |         10 |     torch",
        "import time:        5 |         15 |   seqzoo_y.heavy",
    ])
    assert heavy_imports(trace) == ["torch (imported by seqzoo_y.heavy)"]
