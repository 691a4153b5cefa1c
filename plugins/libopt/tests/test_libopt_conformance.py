"""seqzoo's conformance kit on the library-backed proposers: budget, determinism, resume."""

import pytest
from seqzoo.testing import check_plugin, check_proposer


def test_plugin_is_light_and_documented():
    check_plugin("libopt")


@pytest.mark.parametrize("name, options", [
    ("cmaes", {"population_size": 6}),
    ("cmaes", {}),  # population: the batch size
    ("nevergrad", {"num_workers": 8}),
    ("nevergrad", {"optimizer": "NGOpt", "parametrization": "transition", "num_workers": 4}),
    ("bo", {"n_init": 8, "candidates": 64, "fit_steps": 5}),
    ("bo", {"n_init": 8, "candidates": 64, "fit_steps": 5, "acquisition": "logei",
            "init_design": "uniform"}),
])
def test_conforms(name, options):
    check_proposer(name, options=options)
