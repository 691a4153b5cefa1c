"""Registers the library-backed proposers; imports nothing heavy (factories load lazily)."""

from __future__ import annotations

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("cmaes", "seqzoo_libopt.cmaes:CMAES")
    register("nevergrad", "seqzoo_libopt.ng_adapter:Nevergrad")
    register("bo", "seqzoo_libopt.bo:BatchBO")
