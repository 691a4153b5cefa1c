"""seqzoo-ga's registrations; light on purpose (only names and lazy paths, no numpy work)."""

from __future__ import annotations

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("ga", "seqzoo_ga.ga:GeneticAlgorithm")
    register("adalead", "seqzoo_ga.adalead:AdaLead")
