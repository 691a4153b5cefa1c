"""The presets' shipped constructions are the torch ones, and using them needs no torch."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from seqzoo_ehrlich import PRESETS, Ehrlich
from seqzoo_ehrlich.constructions import _shipped, build, key, lookup

PRESET_ARGS = sorted({(o["num_states"], o["dim"], o["num_motifs"], o["motif_length"],
                       o["random_seed"]) for o in PRESETS.values()})


def test_every_preset_is_shipped_and_nothing_else():
    assert set(_shipped()) == {key(*args) for args in PRESET_ARGS}


@pytest.mark.parametrize("args", PRESET_ARGS, ids=lambda a: key(*a))
def test_shipped_construction_is_the_torch_one(args):
    shipped, drawn = lookup(*args), build(*args)
    for field in ("allowed", "motifs", "spacings", "initial"):
        np.testing.assert_array_equal(getattr(shipped, field), getattr(drawn, field),
                                      err_msg=field)


@pytest.mark.parametrize("epistasis", [0.0, 0.3, -1.7])
@pytest.mark.parametrize("q", [1, 2, 4])
def test_shipped_function_gives_the_torch_functions_values(q, epistasis, monkeypatch):
    options = {**PRESETS["f2"], "quantization": q, "epistasis_factor": epistasis}
    f = Ehrlich(**options)
    assert f._reference is None  # built from the data: no torch draws yet
    # The response table in numpy follows the reference's torch expression (within float32
    # rounding: tests compare floats with a tolerance, on any CPU).
    k, per_level = f.motif_length, math.ceil(f.motif_length / q)
    present = torch.arange(k // per_level + 1, dtype=torch.float32) / (k / per_level)
    expected = (epistasis * present * (present - 1.0) + 1.0) * present
    np.testing.assert_allclose(f._kernel.response, expected.numpy(), rtol=1e-6, atol=0)
    # And the same values as the function torch draws when nothing is shipped; mutants of
    # the optimum reach every level, and random rows are mostly infeasible.
    monkeypatch.setattr("seqzoo_ehrlich.ehrlich.lookup", lambda *args: None)
    drawn = Ehrlich(**options)
    assert drawn._reference is not None
    rng = np.random.default_rng(0)
    x = np.repeat(f.optimal_solution().numpy()[None], 512, axis=0)
    for row in x[1:256]:
        row[rng.integers(0, f.dim, size=rng.integers(1, 4))] = rng.integers(0, 32)
    x[256:] = rng.integers(0, 32, size=(256, 32))
    np.testing.assert_allclose(f(x), drawn(x), rtol=1e-6, atol=0)
    assert len(set(f(x).tolist())) > 2
    np.testing.assert_array_equal(f.initial_solutions(), drawn.initial_solutions())


def test_torch_attributes_are_drawn_on_first_access():
    f = Ehrlich(**PRESETS["f2"])
    assert [m.tolist() for m in f.motifs] == f._construction.motifs.tolist()
    assert torch.equal(f.initial_solution(), torch.from_numpy(f._construction.initial))
    np.testing.assert_array_equal((f.transition_matrix > 0).numpy(), f._construction.allowed)


def test_a_preset_builds_and_evaluates_without_torch():
    code = ("import sys, numpy as np\n"
            "from seqzoo_ehrlich.oracles import ehrlich\n"
            "f = ehrlich(preset='v32-l128-c4-k4-q2')\n"
            "x = f.initial_solutions()\n"
            "print(f(np.repeat(x, 3, axis=0)).tolist())\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[")
