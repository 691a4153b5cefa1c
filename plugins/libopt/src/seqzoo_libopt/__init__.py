"""seqzoo proposers built on kept optimisation libraries.

* ``cmaes`` (:mod:`seqzoo_libopt.cmaes`): CMA-ES over one-hot logits, argmax decoding, on ``cma``.
* ``nevergrad`` (:mod:`seqzoo_libopt.ng_adapter`): nevergrad's discrete optimizers, ask/tell.
* ``bo`` (:mod:`seqzoo_libopt.bo`): batch Bayesian optimisation in a Hamming trust region,
  on BoTorch.

Nothing heavy is imported here: each library loads with its proposer.
"""
