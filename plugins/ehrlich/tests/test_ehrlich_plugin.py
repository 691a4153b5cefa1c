"""The seqzoo side: registration, presets, the oracle contract and runs through the engine."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from seqzoo.engine import build_oracle, run
from seqzoo.errors import SpecError
from seqzoo.plugins import registry
from seqzoo.testing import check_oracle, check_plugin

from seqzoo_ehrlich import PRESETS, Ehrlich
from seqzoo_ehrlich.oracles import ehrlich

PAPER = {  # llome.md's table: name -> (v, L, c, k, q)
    "f2": (32, 32, 4, 4, 4), "v32-l32-c4-k4-q4": (32, 32, 4, 4, 4),
    "v32-l32-c4-k4-q2": (32, 32, 4, 4, 2), "v32-l128-c4-k4-q4": (32, 128, 4, 4, 4),
    "v32-l128-c4-k4-q2": (32, 128, 4, 4, 2), "v32-l128-c8-k8-q8": (32, 128, 8, 8, 8),
    "v8-l128-c8-k8-q8": (8, 128, 8, 8, 8),
}


def test_plugin_import_does_not_import_torch():
    code = ("import sys, seqzoo_ehrlich.plugin, seqzoo_ehrlich; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_registered_oracles():
    entries = registry().entries["oracle"]
    assert entries["ehrlich"].plugin == "ehrlich"
    assert entries["rough-mt-fuji"].plugin == "ehrlich"
    assert entries["ehrlich"].load().presets is PRESETS


@pytest.mark.parametrize("name", sorted(PAPER))
def test_presets_are_the_papers_and_reach_one(name):
    v, length, c, k, q = PAPER[name]
    f = build_oracle(f"ehrlich:preset={name}")
    assert (f.num_states, f.dim, f.num_motifs, f.motif_length, f.quantization,
            f.random_seed, f.epistasis_factor) == (v, length, c, k, q, 50494, 0.0)
    assert f(f.optimal_solution()[None])[0] == 1.0
    assert len(f.alphabet) == v and f.length == length and f.optimal_value == 1.0
    assert set(PRESETS) == set(PAPER)


def test_full_spec_equals_the_preset():
    spec = ("ehrlich:num_states=32,dim=32,num_motifs=4,motif_length=4,quantization=4,"
            "epistasis_factor=0.0,noise_std=0.0,random_seed=50494")
    f, f2 = build_oracle(spec), build_oracle("ehrlich:preset=f2")
    assert [m.tolist() for m in f.motifs] == [m.tolist() for m in f2.motifs]
    np.testing.assert_array_equal(f.initial_solutions(), f2.initial_solutions())


def test_explicit_options_override_the_preset():
    f = build_oracle("ehrlich:preset=f2,quantization=2,random_seed=3")
    assert (f.dim, f.quantization, f.random_seed) == (32, 2, 3)
    assert ehrlich(dim=7).num_states == Ehrlich().num_states == 5  # no preset: reference's


def test_a_bare_ehrlich_is_f2_but_the_class_keeps_the_reference_defaults():
    bare, f2 = build_oracle("ehrlich"), build_oracle("ehrlich:preset=f2")
    assert (bare.length, bare.num_states) == (32, 32)
    x = f2.initial_solutions()
    assert np.array_equal(x, bare.initial_solutions()) and np.array_equal(f2(x), bare(x))
    assert build_oracle("ehrlich:dim=9").length == 9  # explicit options: reference defaults
    assert Ehrlich().length == 7


def test_unknown_preset_is_a_spec_error():
    with pytest.raises(SpecError, match=r"unknown Ehrlich preset 'f3'; expected one of f2, "):
        build_oracle("ehrlich:preset=f3")


def test_bad_option_exits_2_with_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "seqzoo.cli", "run", "--oracle",
                          "ehrlich:num_states=32,dim=8,num_motifs=4,motif_length=4",
                          "--proposer", "hill-climb", "--budget", "10", "--out",
                          str(tmp_path / "run")], capture_output=True, text=True)
    assert out.returncode == 2
    assert "exceeds dim = 8" in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("spec", ["ehrlich:preset=f2", "ehrlich:preset=v8-l128-c8-k8-q8",
                                  "rough-mt-fuji:dim=16"])
def test_oracles_conform(spec):
    check_oracle(spec)


def test_initial_solution_is_one_dmp_sample():
    f = build_oracle("ehrlich:preset=f2")
    x0 = f.initial_solutions()
    assert x0.shape == (1, 32) and x0.dtype == np.int64
    assert x0[0].tolist() == f.initial_solution().tolist()


def test_zoo_run_on_f2(run_dir):
    result = run("ehrlich:preset=f2", "hill-climb", budget=300, out=run_dir, seed=1)
    assert result.evaluations == 300 and 0.0 < result.best_value < 1.0
    assert result.regret == pytest.approx(1.0 - result.best_value)
    first = json.loads((run_dir / "evaluations.jsonl").read_text().splitlines()[0])
    assert first["value"] == 3 / 64  # the paper's starting point
    again = run("ehrlich:preset=f2", "hill-climb", budget=300, seed=1)
    assert again.best_value == result.best_value


def test_zoo_run_on_rough_mt_fuji():
    result = run("rough-mt-fuji:dim=12,random_seed=2", "random", budget=400, seed=0)
    assert result.best_value <= build_oracle("rough-mt-fuji:dim=12,random_seed=2").optimal_value


def test_plugin_is_light_and_documented():
    check_plugin("ehrlich")
