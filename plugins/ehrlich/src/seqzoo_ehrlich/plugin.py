"""seqzoo's entry point for this package: registers the oracles by lazy path (no torch here)."""

import seqzoo


@seqzoo.hookimpl
def register_oracles(register):
    register("ehrlich", "seqzoo_ehrlich.oracles:ehrlich")
    register("rough-mt-fuji", "seqzoo_ehrlich.oracles:rough_mt_fuji")
