"""The module the ``anneal`` entry point names. ``zoo plugins`` imports it, so it stays light:
the factory is registered by its ``"module:attribute"`` path and imported only when used."""

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("anneal", "seqzoo_anneal.annealer:Annealer")
