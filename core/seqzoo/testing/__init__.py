"""The conformance kit: checks every seqzoo plugin runs in its own tests, and test helpers.

A plugin's tests call one check for the plugin and one per factory it registers::

    from seqzoo.testing import check_oracle, check_plugin, check_proposer

    def test_my_plugin_conforms():
        check_plugin("my-plugin")  # its entry point's name

    def test_my_oracle_conforms():
        check_oracle("my-oracle:dim=8")

    def test_my_proposer_conforms(small_oracle):
        check_proposer("my-proposer", small_oracle, options={"population": 16})

``check_quick("my-proposer")`` runs a declared ``quick`` preset as ``zoo compare``'s default
grid does and prints its wall seconds (a figure, not a check of speed).

Each check raises :class:`ConformanceError` (an ``AssertionError``) naming what broke and
returns a :class:`Conformance` listing what it checked. With seqzoo installed, pytest also
gets the fixtures of :mod:`seqzoo.testing.fixtures`: ``small_oracle``, ``run_dir`` and
``register_plugin``.
"""

from .oracles import SMALL_ORACLE, check_oracle, small_oracle
from .plugins import check_plugin
from .proposers import OnlyInitialFeasible, check_proposer
from .quick import QuickCost, check_quick
from .registration import FactoryPlugin, registered
from .results import Conformance, ConformanceError
from .surrogates import check_surrogate
from .trainers import check_trainer

__all__ = ["SMALL_ORACLE", "Conformance", "ConformanceError", "FactoryPlugin",
           "OnlyInitialFeasible", "QuickCost", "check_oracle", "check_plugin",
           "check_proposer", "check_quick", "check_surrogate", "check_trainer",
           "registered", "small_oracle"]
