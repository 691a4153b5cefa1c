"""seqzoo's conformance kit on both proposers: protocol, budget, determinism, -inf, resume."""

import pytest

from seqzoo.testing import check_plugin, check_proposer


def test_plugin_is_light_and_documented():
    check_plugin("ga")


@pytest.mark.parametrize("name, options", [
    ("ga", {"population": 32}),
    ("ga", {"population": 32, "elitism": True, "survival_quantile": 0.25}),  # 24 offspring
    ("ga", {"survival_quantile": 0.25}),  # population: the batch size, 8
    ("adalead", {"batch_size": 16}),
])
def test_conforms(name, options):
    check_proposer(name, options=options)
