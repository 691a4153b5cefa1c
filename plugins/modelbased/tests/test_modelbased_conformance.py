"""seqzoo's conformance kit on the model-based proposers: budget, determinism, resume."""

import pytest
from seqzoo.testing import check_plugin, check_proposer, check_surrogate

SMALL = {"ensemble_size": 2, "model_epochs": 2}


def test_plugin_is_light_and_documented():
    check_plugin("modelbased")


@pytest.mark.parametrize("name, options", [
    ("cbas", {**SMALL, "batch_size": 10, "samples": 40, "cycles": 2, "vae_epochs": 2}),
    ("dbas", {**SMALL, "batch_size": 10, "samples": 40, "cycles": 2, "vae_epochs": 2}),
    ("pex", {**SMALL, "batch_size": 10, "candidates": 100}),
])
def test_conforms(name, options):
    check_proposer(name, options=options)


def test_cnn_ensemble_conforms():
    check_surrogate("cnn-ensemble", options={"epochs": 2})
