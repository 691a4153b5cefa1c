"""seqzoo-anneal: simulated annealing for seqzoo, written as any third party would write it."""

from .annealer import Annealer

__all__ = ["Annealer"]
