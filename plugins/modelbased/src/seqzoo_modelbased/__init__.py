"""Model-based sequence designers: a model ensemble trained on every label decides what the
oracle sees.

* ``cbas`` and ``dbas`` (:mod:`seqzoo_modelbased.cbas`): a VAE refit on model-weighted samples.
* ``pex`` (:mod:`seqzoo_modelbased.pex`): mutants of the proximal frontier, model-ranked.
* surrogate ``mufacnet`` (:mod:`seqzoo_modelbased.mufacnet`): PEX's Mutation Factorization
  Network, the model of ``pex:preset=reference``.

Nothing heavy is imported here: torch loads with a proposer.
"""
