"""Registers the model-based proposers; imports nothing heavy (factories load lazily)."""

from __future__ import annotations

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("cbas", "seqzoo_modelbased.cbas:CbAS")
    register("dbas", "seqzoo_modelbased.cbas:DbAS")
    register("pex", "seqzoo_modelbased.pex:PEX")


@seqzoo.hookimpl
def register_surrogates(register):
    register("cnn-ensemble", "seqzoo_modelbased.surrogate:CNNEnsemble")
    register("mufacnet", "seqzoo_modelbased.mufacnet:MuFacNetEnsemble")
