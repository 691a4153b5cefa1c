"""seqzoo's entry point for this package: registers the oracles by lazy path (no numpy here)."""

import seqzoo


@seqzoo.hookimpl
def register_oracles(register):
    register("tfbind8", "seqzoo_landscapes.factories:tfbind8")
    register("aav", "seqzoo_landscapes.factories:aav")
    register("rna-binding", "seqzoo_landscapes.factories:rna_binding")
