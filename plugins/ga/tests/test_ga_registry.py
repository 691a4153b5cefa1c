"""Both proposers are registered, listed with their options, and built from spec strings."""

import os
import subprocess
import sys

import numpy as np
from ga_support import make_problem
from seqzoo.engine import build_proposer
from seqzoo.plugins import registry
from seqzoo.spec import parameters


def test_both_proposers_are_listed_with_their_options():
    out = subprocess.run([sys.executable, "-m", "seqzoo.cli", "list", "proposers"],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, COLUMNS="200", SEQZOO_LOAD_PLUGINS="ga")).stdout
    for text in ("ga", "adalead", "population: int | None = None", "survival_quantile: float = 0.1",
                 "elitism: bool = False", "threshold: float = 0.05", "DiscreteEvolution",
                 "oracle-only"):
        assert text in out


def test_defaults_are_the_papers():
    ga = registry().get("proposer", "ga").load()
    defaults = {p.name: p.default for p in parameters(ga, skip_first=True)}
    assert defaults == {"population": None, "mutation_prob": None, "recombine_prob": None,
                        "survival_quantile": 0.1, "elitism": False}
    built = build_proposer("ga", make_problem(32, 32))  # no batch size: the papers' 1000
    assert built.population == built.batch_size == 1000 and built.mutation_prob == built.recombine_prob == 1.1 / 32


def test_llome_warm_start_options_build_from_a_spec():
    spec = "ga:population=1000,mutation_prob=0.005,recombine_prob=0.0882,survival_quantile=0.1"
    ga = build_proposer(spec, make_problem(32, 32))
    ga.tell(np.zeros((1, 32), dtype=np.int64), np.zeros(1))
    assert ga.ask(1000).shape == (1000, 32)
    assert (ga.mutation_prob, ga.recombine_prob) == (0.005, 0.0882)
